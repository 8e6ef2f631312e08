"""Rendering a Report for people (text), machines (JSON) and CI (GitHub annotations)."""

from __future__ import annotations

import json
import re
from collections import Counter

from corpuspack.findings.report import Finding, Report

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(value: str) -> str:
    """A file name or message safe to print: control characters (which a hostile file name can
    use to rewrite the terminal or the CI log) are shown as escapes."""
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), value)


# Findings of one code (and severity) shown before "and N more like this": a corpus without an
# outlet profile warns about every capture, and thousands of one warning hide everything else.
SHOWN = 5
SHOWN_QUIET = 1  # with --quiet, for warnings


def _limit(severity: str, quiet: bool) -> int:
    return SHOWN_QUIET if quiet and severity == "warning" else SHOWN


def shown(
    report: Report, *, quiet: bool = False
) -> tuple[list[Finding], dict[tuple[str, str], int]]:
    """The findings to print, in order, and how many more of each (code, severity) are left out
    (the JSON report always holds them all)."""
    seen: Counter[tuple[str, str]] = Counter()
    kept = []
    for finding in report.sorted():
        kind = (finding.code, finding.severity)
        seen[kind] += 1
        if seen[kind] <= _limit(finding.severity, quiet):
            kept.append(finding)
    left_out = {
        kind: count - _limit(kind[1], quiet)
        for kind, count in sorted(seen.items())
        if count > _limit(kind[1], quiet)
    }
    return kept, left_out


def _more(count: int) -> str:
    return f"and {count} more like this (--format json lists every finding)"


def _settings(report: Report) -> list[str]:
    """The severities the corpus set, which decided the findings above."""
    if not report.severities:
        return []
    chosen = ", ".join(f"{code} {setting}" for code, setting in sorted(report.severities.items()))
    return [f"severities set in datapackage.json: {chosen}"]


def text(report: Report, *, strict: bool = False, quiet: bool = False) -> str:
    findings, left_out = shown(report, quiet=quiet)
    lines = []
    current = None
    for f in findings:
        if f.file != current:
            current = f.file
            lines.append(printable(f.file))
        where = f"line {f.line}: " if f.line else ""
        field = f" {f.field}:" if f.field else ""
        lines.append(printable(f"  {where}{f.severity} [{f.code}]{field} {f.message}"))
    lines += [
        f"{severity} [{code}]: {_more(count)}" for (code, severity), count in left_out.items()
    ]
    lines += _settings(report)
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


def github(report: Report, *, strict: bool = False, quiet: bool = False) -> str:
    """GitHub Actions workflow commands, so findings appear on the pull request's diff."""
    findings, left_out = shown(report, quiet=quiet)
    lines = []
    for f in findings:
        properties = [f"file={_escape_property(printable(f.file))}"]
        if f.line:
            properties.append(f"line={f.line}")
        properties.append(f"title={_escape_property(f'corpuspack {f.code}')}")
        message = f"{f.field}: {f.message}" if f.field else f.message
        if f.related:
            message += f" (related: {', '.join(f.related)})"
        lines.append(f"::{f.severity} {','.join(properties)}::{escape_data(printable(message))}")
    lines += [
        f"::{severity} title={_escape_property(f'corpuspack {code}')}::{escape_data(_more(count))}"
        for (code, severity), count in left_out.items()
    ]
    lines += _settings(report)
    lines.append(summary(report, strict=strict))
    return "\n".join(lines)


def as_json(report: Report, *, strict: bool = False, quiet: bool = False) -> str:
    """Every finding, whatever quiet says: the complete report, for machines."""
    return json.dumps(report.to_dict(strict=strict), indent=2, ensure_ascii=False)


RENDERERS = {"text": text, "json": as_json, "github": github}
