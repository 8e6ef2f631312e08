"""A corpus's own choices about its findings: each code's severity, and the duplicates it accepts.

Both are set under "corpuspack" in datapackage.json ("severities", "accepted_duplicates").
Checks report with the catalogue's severity; what a corpus decides is applied here, once every
check has made its findings, so no check needs to know about it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from corpuspack.findings.catalogue import CATALOGUE
from corpuspack.findings.report import Finding, Report, warning

OFF = "off"


@dataclass(frozen=True)
class Accepted:
    """Captures (raw paths) known to repeat one another, kept all the same, and why."""

    files: tuple[str, ...]
    note: str


def severity_problems(
    severities: Mapping[str, str], *, every_code: bool = True
) -> list[tuple[str, str]]:
    """(code, what is wrong) for each code a corpus cannot set as it asks: not a finding code, or
    a code whose severity cannot be lowered (the catalogue's `fixed`). every_code False: the
    catalogue lacks some plugin's codes, so an unknown code is not known to be wrong."""
    problems = []
    for code, setting in sorted(severities.items()):
        entry = CATALOGUE.get(code)
        if entry is None:
            if every_code:
                problems.append((code, "is not a finding code (docs/findings.md lists them)"))
        elif entry.fixed and setting != "error":
            problems.append(
                (
                    code,
                    f"cannot be set to {setting}: a release with such a finding would not match "
                    "its own schema or manifest, so it is always an error",
                )
            )
    return problems


def apply_severities(report: Report, severities: Mapping[str, str]) -> None:
    """Give the report's findings the severities the corpus set (dropping those set "off"), and
    record the settings on the report."""
    report.severities = dict(severities)
    if not severities:
        return
    kept = []
    for finding in report.findings:
        setting = severities.get(finding.code)
        if setting is None:
            kept.append(finding)
        elif setting != OFF:
            kept.append(replace(finding, severity="error" if setting == "error" else "warning"))
    report.findings = kept


def accept_duplicates(
    findings: Iterable[Finding], accepted: Sequence[Accepted], focus: set[str] | None
) -> list[Finding]:
    """The findings without those an entry of accepted_duplicates accepts (a duplicate code whose
    file and related files are all in one entry), and a stale-accepted-duplicate warning for each
    listed capture that no longer duplicates any other of its entry.

    focus: the captures a focused check is about (None: all); an entry none of them is in is not
    judged stale, as the pairs it lists were not compared."""
    kept: list[Finding] = []
    if not accepted:
        kept.extend(findings)
        return kept
    groups = [frozenset(entry.files) for entry in accepted]
    containing: dict[str, list[int]] = {}  # a listed capture -> the entries that list it
    for number, group in enumerate(groups):
        for file in group:
            containing.setdefault(file, []).append(number)
    seen: list[set[str]] = [set() for _ in accepted]
    for finding in findings:
        files = {finding.file, *finding.related}
        entry = next((i for i in containing.get(finding.file, ()) if files <= groups[i]), None)
        if entry is None or not _is_duplicate(finding):
            kept.append(finding)
        else:
            seen[entry] |= files
    for listed, group, found in zip(accepted, groups, seen, strict=True):
        if focus is None or group & focus:
            kept.extend(_stale(listed, file) for file in sorted(group - found))
    return kept


def _is_duplicate(finding: Finding) -> bool:
    code = CATALOGUE.get(finding.code)
    return code is not None and code.duplicate and bool(finding.related)


def _stale(entry: Accepted, file: str) -> Finding:
    others = ", ".join(other for other in entry.files if other != file)
    return warning(
        file,
        "stale-accepted-duplicate",
        f"accepted in datapackage.json as a duplicate of {others} ({entry.note!r}), but it no "
        "longer duplicates them (edited, renamed or removed): remove it from "
        "corpuspack.accepted_duplicates",
        related=tuple(other for other in entry.files if other != file),
    )
