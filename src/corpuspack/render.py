"""Rendering a Report for people (text) and machines (JSON)."""

from __future__ import annotations

import json

from .report import Report


def text(report: Report, *, strict: bool = False) -> str:
    lines = []
    for file, findings in report.by_file().items():
        lines.append(file)
        for f in findings:
            where = f"line {f.line}: " if f.line else ""
            field = f" {f.field}:" if f.field else ""
            lines.append(f"  {where}{f.severity} [{f.code}]{field} {f.message}")
    errors, warnings = len(report.errors), len(report.warnings)
    verdict = "valid" if report.is_valid(strict=strict) else "invalid"
    lines.append(f"{report.articles_checked} articles from {report.files_checked} files: {verdict} "
                 f"({errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)})")
    return "\n".join(lines)


def as_json(report: Report, *, strict: bool = False) -> str:
    return json.dumps(report.to_dict(strict=strict), indent=2, ensure_ascii=False)


RENDERERS = {"text": text, "json": as_json}
