"""Outlet profiles: what each outlet's captures look like, kept as data.

A profile (one YAML file per outlet in this folder) names the outlet and its
aliases and says which lines are furniture, where the title, timestamp, lead,
dateline and tag line are. _generic.yaml holds the rules every capture gets.
Adding an outlet is adding a profile and a test capture; the code that applies
profiles is in corpuspack.article.page (the lines) and
corpuspack.article.extract (the fields).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from corpuspack.article.dates import Format

_WHERE = {"header", "trailer", "anywhere"}


class ProfileError(Exception):
    """A profile file is malformed: a bug in corpuspack's data, not in a contribution."""


@dataclass(frozen=True)
class LineRule:
    id: str
    pattern: re.Pattern
    where: str = "anywhere"
    why: str = ""


@dataclass(frozen=True)
class Profile:
    outlet: str
    slug: str
    aliases: tuple[str, ...] = ()
    language: str = "en"
    founded: int | None = None
    title: str = "none"  # "first-line" or "none"
    title_suffix: re.Pattern | None = None
    timestamp: re.Pattern | None = None
    timestamp_zone: str | None = None  # IANA zone for timestamps that do not state one
    date_formats: tuple[Format, ...] = ()  # strptime formats of its timestamps and dateline dates
    lead: str | None = None  # "before-dateline" or None
    dateline: re.Pattern | None = None
    dateline_search_paragraphs: int = 1
    furniture: tuple[LineRule, ...] = ()
    trailer_after_blank_lines: int | None = None
    trailer_keywords: str | None = None  # "last-line"
    trailer_other: str = "related-headlines"


def _compile(source: str, where: str, pattern: str, *, fullmatch: bool = True) -> re.Pattern:
    try:
        return re.compile(pattern if not fullmatch else f"(?:{pattern})")
    except re.error as exc:
        raise ProfileError(
            f"{source}: {where}: invalid regular expression {pattern!r}: {exc}"
        ) from exc


def _rules(source: str, entries: list) -> tuple[LineRule, ...]:
    rules = []
    for entry in entries or []:
        where = entry.get("where", "anywhere")
        if where not in _WHERE:
            raise ProfileError(
                f"{source}: furniture rule {entry.get('id')!r}: where must be one of {sorted(_WHERE)}"
            )
        rules.append(
            LineRule(
                id=entry["id"],
                pattern=_compile(source, entry["id"], entry["pattern"]),
                where=where,
                why=entry.get("why", ""),
            )
        )
    return tuple(rules)


def _parse(name: str, data: dict) -> Profile:
    known = {
        "outlet",
        "slug",
        "aliases",
        "language",
        "founded",
        "title",
        "title_suffix",
        "timestamp",
        "date_formats",
        "lead",
        "dateline",
        "furniture",
        "trailer",
    }
    unknown = set(data) - known
    if unknown:
        raise ProfileError(f"{name}: unknown keys {sorted(unknown)}")
    timestamp = data.get("timestamp") or {}
    dateline = data.get("dateline") or {}
    trailer = data.get("trailer") or {}
    if data.get("title", "none") not in {"first-line", "none"}:
        raise ProfileError(f"{name}: title must be first-line or none")
    if data.get("lead") not in {None, "before-dateline"}:
        raise ProfileError(f"{name}: lead must be before-dateline or absent")
    if data.get("lead") and not dateline:
        raise ProfileError(f"{name}: lead: before-dateline needs a dateline rule")
    return Profile(
        outlet=data["outlet"],
        slug=data["slug"],
        aliases=tuple(data.get("aliases", ())),
        language=data.get("language", "en"),
        founded=data.get("founded"),
        title=data.get("title", "none"),
        title_suffix=_compile(name, "title_suffix", data["title_suffix"], fullmatch=False)
        if data.get("title_suffix")
        else None,
        timestamp=_compile(name, "timestamp", timestamp["pattern"]) if timestamp else None,
        timestamp_zone=timestamp.get("zone"),
        date_formats=tuple(
            Format(f["format"], f.get("zone")) for f in data.get("date_formats", [])
        ),
        lead=data.get("lead"),
        dateline=_compile(name, "dateline", dateline["pattern"], fullmatch=False)
        if dateline
        else None,
        dateline_search_paragraphs=dateline.get("search_paragraphs", 1),
        furniture=_rules(name, data.get("furniture", [])),
        trailer_after_blank_lines=trailer.get("after_blank_lines"),
        trailer_keywords=trailer.get("keywords"),
        trailer_other=trailer.get("other_lines", "related-headlines"),
    )


@dataclass(frozen=True)
class Registry:
    profiles: tuple[Profile, ...]
    generic: tuple[LineRule, ...]

    def by_slug(self, slug: str | None) -> Profile | None:
        return next((p for p in self.profiles if p.slug == slug), None)

    def by_outlet(self, outlet: str) -> Profile | None:
        return next((p for p in self.profiles if p.outlet == outlet), None)

    def canonical_outlet(self, name: str) -> str | None:
        """Map an outlet name or alias (case-insensitive) to its canonical name."""
        wanted = name.strip().casefold()
        for profile in self.profiles:
            if wanted in {
                profile.outlet.casefold(),
                profile.slug.casefold(),
                *(a.casefold() for a in profile.aliases),
            }:
                return profile.outlet
        return None


@cache
def registry() -> Registry:
    folder = resources.files(__package__)
    profiles = []
    generic: tuple[LineRule, ...] = ()
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = yaml.safe_load(entry.read_text(encoding="utf-8"))
        if entry.name == "_generic.yaml":
            generic = _rules(entry.name, data.get("furniture", []))
        else:
            profiles.append(_parse(entry.name, data))
    slugs = [p.slug for p in profiles]
    if len(slugs) != len(set(slugs)):
        raise ProfileError(f"duplicate profile slugs: {slugs}")
    return Registry(profiles=tuple(profiles), generic=generic)
