"""The finding catalogue: every code a finding can carry, with its severity and its fix.

The codes live in catalogue.yaml, read once on import. A Finding refuses a code that
is not here, so a code cannot be used without its documentation; the README's
findings table and docs/findings.md are rendered from here (scripts/render_findings.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

Severity = Literal["error", "warning"]
Setting = Literal["error", "warning", "off"]  # what a corpus may set a code's severity to
# what a code is about: the corpus (the default), or this run of the tool (its own state, such as
# the cache), which cannot make the output wrong and so is shown but not refused by --strict
Scope = Literal["corpus", "run"]

SOURCE = Path(__file__).with_name("catalogue.yaml")
FIELD = "<field>"  # stands, in a code, for each of its entry's fields

_CODE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_KEYS = {
    "code",
    "severity",
    "title",
    "fix",
    "also",
    "note",
    "via",
    "fields",
    "fixed",
    "duplicate",
    "scope",
}


@dataclass(frozen=True)
class Entry:
    """One code of the catalogue, as documented."""

    code: str
    severity: Severity  # the one the code is reported with, or by default
    stage: str
    title: str
    fix: str
    also: Severity | None = None  # the other severity it is reported with; note says when
    note: str = ""
    via: str = ""  # where it is made, when no error()/warning() call names it
    fields: tuple[str, ...] = ()
    fixed: bool = False  # a corpus cannot lower its severity: the release would be broken or unsafe
    duplicate: bool = (
        False  # about files that repeat one another: accepted_duplicates can accept it
    )
    scope: Scope = "corpus"

    @property
    def counts_under_strict(self) -> bool:
        """Whether --strict refuses a warning of this code: one about the corpus, not the run."""
        return self.scope == "corpus"

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes findings carry: one per field for a code with <field> in it."""
        if FIELD in self.code:
            return tuple(self.code.replace(FIELD, name) for name in self.fields)
        return (self.code,)

    @property
    def severities(self) -> tuple[Severity, ...]:
        return (self.severity,) if self.also is None else (self.severity, self.also)


@dataclass(frozen=True)
class Stage:
    name: str
    title: str
    entries: tuple[Entry, ...]


def _severity(value: object, where: str) -> Severity:
    if value == "error":
        return "error"
    if value == "warning":
        return "warning"
    raise ValueError(f"{where}: severity {value!r} is neither error nor warning")


def _entry(item: dict, stage: str) -> Entry:
    code = str(item.get("code", ""))
    where = f"catalogue entry {code or '(no code)'}"
    unknown = set(item) - _KEYS
    if unknown or not item.get("title") or not item.get("fix"):
        raise ValueError(f"{where}: needs a title and a fix, and no keys but {sorted(_KEYS)}")
    fields = tuple(item.get("fields", ()))
    if not _CODE.fullmatch(code.replace(FIELD, "x")) or (FIELD in code) != bool(fields):
        raise ValueError(
            f"{where}: a code is kebab-case, and has <field> exactly when it has fields"
        )
    also = item.get("also")
    return Entry(
        code=code,
        severity=_severity(item.get("severity"), where),
        stage=stage,
        title=" ".join(item["title"].split()),
        fix=" ".join(item["fix"].split()),
        also=None if also is None else _severity(also, where),
        note=" ".join(item.get("note", "").split()),
        via=item.get("via", ""),
        fields=fields,
        fixed=_flag(item, "fixed", where),
        duplicate=_flag(item, "duplicate", where),
        scope=_scope(item.get("scope", "corpus"), where),
    )


def _scope(value: object, where: str) -> Scope:
    if value == "corpus":
        return "corpus"
    if value == "run":
        return "run"
    raise ValueError(f"{where}: scope {value!r} is neither corpus nor run")


def _flag(item: dict, key: str, where: str) -> bool:
    value = item.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"{where}: {key} is true or false, not {value!r}")
    return value


def load(path: Path = SOURCE) -> tuple[Stage, ...]:
    """The stages of a catalogue file, each with its entries in the file's order."""
    # every process reads it on import (the build's workers too): libyaml's loader, where
    # installed, takes a sixth of the pure-Python one's time
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    return tuple(
        Stage(
            name=stage["stage"],
            title=stage["title"],
            entries=tuple(_entry(item, stage["stage"]) for item in stage["codes"]),
        )
        for stage in data
    )


def index(stages: tuple[Stage, ...]) -> dict[str, Entry]:
    """Every code findings can carry, to its entry; a code defined twice is refused."""
    found: dict[str, Entry] = {}
    for stage in stages:
        for entry in stage.entries:
            for code in entry.codes:
                if code in found:
                    raise ValueError(f"catalogue: {code} is defined twice")
                found[code] = entry
    return found


STAGES = load()
CATALOGUE = index(STAGES)


def lookup(code: str) -> Entry:
    """The entry of a code; ValueError for a code the catalogue lacks."""
    try:
        return CATALOGUE[code]
    except KeyError:
        raise ValueError(
            f"finding code {code!r} is not in the catalogue: a plugin declares its codes with "
            "the corpuspack_findings hook (corpuspack's own are in findings/catalogue.yaml)"
        ) from None


def register(items: list[dict], stage: str = "plugins") -> list[Entry]:
    """Add a plugin's codes (each a dict as in catalogue.yaml: code, severity, title, fix).

    A code corpuspack or another plugin defines differently is refused; registering the same
    entry again is a no-op, so a plugin may be loaded more than once."""
    added = [_entry(item, stage) for item in items]
    for entry in added:
        for code in entry.codes:
            known = CATALOGUE.get(code)
            if known is not None and known != entry:
                raise ValueError(f"finding code {code!r} is already defined ({known.stage})")
    for entry in added:
        for code in entry.codes:
            CATALOGUE[code] = entry
    return added
