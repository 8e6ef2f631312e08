"""Rendering a Report for people (text), machines (JSON) and CI (GitHub annotations)."""

from __future__ import annotations

import json
import re

from corpuspack.findings.report import Report

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(value: str) -> str:
    """A file name or message safe to print: control characters (which a hostile file name can
    use to rewrite the terminal or the CI log) are shown as escapes."""
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), value)


def text(report: Report, *, strict: bool = False) -> str:
    lines = []
    for file, findings in report.by_file().items():
        lines.append(printable(file))
        for f in findings:
            where = f"line {f.line}: " if f.line else ""
            field = f" {f.field}:" if f.field else ""
            lines.append(printable(f"  {where}{f.severity} [{f.code}]{field} {f.message}"))
    lines.append(summary(report, strict=strict))
    return "\n".join(lines)


def summary(report: Report, *, strict: bool = False) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    verdict = "valid" if report.is_valid(strict=strict) else "invalid"
    return (
        f"{report.articles_checked} articles from {report.files_checked} files: {verdict} "
        f"({errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)})"
    )


def escape_data(value: str) -> str:
    # GitHub's workflow-command escaping (actions/toolkit, command.ts: escapeData).
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    # ... and escapeProperty, which also escapes the separators of properties.
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(report: Report, *, strict: bool = False) -> str:
    """GitHub Actions workflow commands, so findings appear on the pull request's diff."""
    lines = []
    for f in report.sorted():
        properties = [f"file={_escape_property(printable(f.file))}"]
        if f.line:
            properties.append(f"line={f.line}")
        properties.append(f"title={_escape_property(f'corpuspack {f.code}')}")
        message = f"{f.field}: {f.message}" if f.field else f.message
        lines.append(f"::{f.severity} {','.join(properties)}::{escape_data(printable(message))}")
    lines.append(summary(report, strict=strict))
    return "\n".join(lines)


def as_json(report: Report, *, strict: bool = False) -> str:
    return json.dumps(report.to_dict(strict=strict), indent=2, ensure_ascii=False)


RENDERERS = {"text": text, "json": as_json, "github": github}
