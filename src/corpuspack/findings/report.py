"""Findings and reports: errors are data.

Every check returns findings; nothing here prints or exits. The CLI renders a
Report as text, JSON or CI annotations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from corpuspack.findings.catalogue import Severity, lookup

#: Version of the JSON shape produced by Report.to_dict; bump on any incompatible change.
REPORT_FORMAT_VERSION = 1


@dataclass(frozen=True, order=True)
class Finding:
    """One thing wrong with the input: a stable kebab-case code, where, and how to fix it."""

    file: str
    line: int | None
    code: str
    message: str
    severity: Severity = "error"
    field: str | None = None
    related: tuple[str, ...] = ()  # the other files it is about (the other copy of a duplicate)

    def __post_init__(self) -> None:
        lookup(self.code)  # a code the catalogue lacks has no documented fix: refused
        if not isinstance(self.related, tuple):  # a list, read back from JSON
            object.__setattr__(self, "related", tuple(self.related))

    def sort_key(self) -> tuple:
        return (self.file, self.line or 0, self.code, self.field or "", self.message)

    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


def error(
    file: str,
    code: str,
    message: str,
    *,
    line: int | None = None,
    field: str | None = None,
    related: tuple[str, ...] = (),
) -> Finding:
    return Finding(file, line, code, message, "error", field, related)


def warning(
    file: str,
    code: str,
    message: str,
    *,
    line: int | None = None,
    field: str | None = None,
    related: tuple[str, ...] = (),
) -> Finding:
    return Finding(file, line, code, message, "warning", field, related)


@dataclass
class Report:
    """All findings of a run, plus what was checked."""

    findings: list[Finding] = field(default_factory=list)
    files_checked: int = 0
    articles_checked: int = 0
    # the severities the corpus set in its datapackage.json (code -> error, warning or off),
    # applied to the findings above: a finding of a code set "off" is not among them
    severities: dict[str, str] = field(default_factory=dict)

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def strict_warnings(self) -> list[Finding]:
        """The warnings --strict refuses: those about the corpus. A warning about the run (a
        damaged cache file, computed again) cannot make the output wrong, so it does not count."""
        return [f for f in self.warnings if lookup(f.code).counts_under_strict]

    def is_valid(self, *, strict: bool = False) -> bool:
        return not self.errors and not (strict and self.strict_warnings)

    @property
    def valid(self) -> bool:
        return self.is_valid()

    def sorted(self) -> list[Finding]:
        return sorted(self.findings, key=Finding.sort_key)

    def by_file(self) -> dict[str, list[Finding]]:
        grouped: dict[str, list[Finding]] = {}
        for finding in self.sorted():
            grouped.setdefault(finding.file, []).append(finding)
        return grouped

    def flatten(self) -> list[list]:
        """[[file, line, field, code], ...]: what tests compare instead of prose."""
        return [[f.file, f.line, f.field, f.code] for f in self.sorted()]

    def to_dict(self, *, strict: bool = False) -> dict:
        return {
            "format_version": REPORT_FORMAT_VERSION,
            "valid": self.is_valid(strict=strict),
            "stats": {
                "files": self.files_checked,
                "articles": self.articles_checked,
                "errors": len(self.errors),
                "warnings": len(self.warnings),
            },
            "severities": dict(sorted(self.severities.items())),
            "findings": [asdict(f) for f in self.sorted()],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        """The inverse of to_dict (the "valid" flag is derived, not stored)."""
        return cls(
            findings=[Finding(**f) for f in data["findings"]],
            files_checked=data["stats"]["files"],
            articles_checked=data["stats"]["articles"],
            severities=dict(data.get("severities", {})),
        )
