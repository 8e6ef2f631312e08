"""Outlet profiles: what each outlet's captures look like, kept as data.

A profile (one YAML file per outlet in this folder) names the outlet and its
aliases and says which lines are furniture, where the title, timestamp, lead,
dateline and tag line are. _generic.yaml holds the rules every capture gets.
Adding an outlet is adding a profile and a test capture; the code that applies
profiles is in corpuspack.article.page (the lines) and
corpuspack.article.extract (the fields).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import NamedTuple

import yaml

from corpuspack.article.dates import Format
from corpuspack.article.profiles import patterns
from corpuspack.article.profiles.patterns import Pattern
from corpuspack.article.profiles.read import ProfileError, document, line_at

__all__ = ["Profile", "ProfileError", "ProfileText", "Registry", "load_registry", "packaged"]


class ProfileText(NamedTuple):
    """A profile's YAML and the file it came from, as a user finds it (a name whose file name
    starts with "_" holds the generic rules every capture gets)."""

    shown: str
    text: str


@dataclass(frozen=True)
class LineRule:
    id: str
    pattern: Pattern
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
    title_suffix: Pattern | None = None
    timestamp: Pattern | None = None
    timestamp_zone: str | None = None  # IANA zone for timestamps that do not state one
    date_formats: tuple[Format, ...] = ()  # strptime formats of its timestamps and dateline dates
    lead: str | None = None  # "before-dateline" or None
    dateline: Pattern | None = None
    dateline_search_paragraphs: int = 1
    furniture: tuple[LineRule, ...] = ()
    trailer_after_blank_lines: int | None = None
    trailer_keywords: str | None = None  # "last-line"
    trailer_other: str = "related-headlines"
    source: str = field(default="", compare=False)  # the file it was read from, as shown


class _Source(NamedTuple):
    """Where a profile's values are, for the line of a problem found after its shape is checked."""

    shown: str
    node: yaml.Node | None

    def compile(self, path: list, pattern: str, *, fullmatch: bool = True) -> Pattern:
        where, line = ".".join(str(p) for p in path), line_at(self.node, path)
        try:
            return patterns.compile_rule(self.shown, where, line, pattern, fullmatch=fullmatch)
        except patterns.error as exc:
            raise ProfileError(
                self.shown, f"{where}: invalid regular expression {pattern!r}: {exc}", line
            ) from exc


def _rules(source: _Source, key: str, entries: list) -> tuple[LineRule, ...]:
    return tuple(
        LineRule(
            id=entry["id"],
            pattern=source.compile([key, n, "pattern"], entry["pattern"]),
            where=entry.get("where", "anywhere"),
            why=entry.get("why", ""),
        )
        for n, entry in enumerate(entries or [])
    )


def _parse(source: _Source, data: dict) -> Profile:
    """A profile from data whose shape profile.schema.json has checked."""
    timestamp = data.get("timestamp") or {}
    dateline = data.get("dateline") or {}
    trailer = data.get("trailer") or {}
    if data.get("lead") and not dateline:
        raise ProfileError(
            source.shown,
            "lead: before-dateline needs a dateline rule",
            line_at(source.node, ["lead"]),
        )
    suffix = data.get("title_suffix")
    return Profile(
        outlet=data["outlet"],
        slug=data["slug"],
        aliases=tuple(data.get("aliases", ())),
        language=data.get("language", "en"),
        founded=data.get("founded"),
        title=data.get("title", "none"),
        title_suffix=source.compile(["title_suffix"], suffix, fullmatch=False) if suffix else None,
        timestamp=source.compile(["timestamp", "pattern"], timestamp["pattern"])
        if timestamp
        else None,
        timestamp_zone=timestamp.get("zone"),
        date_formats=tuple(
            Format(f["format"], f.get("zone")) for f in data.get("date_formats", [])
        ),
        lead=data.get("lead"),
        dateline=source.compile(["dateline", "pattern"], dateline["pattern"], fullmatch=False)
        if dateline
        else None,
        dateline_search_paragraphs=dateline.get("search_paragraphs", 1),
        furniture=_rules(source, "furniture", data.get("furniture", [])),
        trailer_after_blank_lines=trailer.get("after_blank_lines"),
        trailer_keywords=trailer.get("keywords"),
        trailer_other=trailer.get("other_lines", "related-headlines"),
    )


@dataclass(frozen=True)
class Registry:
    profiles: tuple[Profile, ...]
    generic: tuple[LineRule, ...]
    generic_source: str = ""

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


def _is_generic(shown: str) -> bool:
    return shown.rsplit("/", 1)[-1].startswith("_")


@cache
def load_registry(texts: tuple[ProfileText, ...]) -> Registry:
    """The profiles of texts, a later one replacing an earlier one of the same slug (a corpus's
    own profiles come after corpuspack's, so they win), and the last generic rules."""
    by_slug: dict[str, Profile] = {}
    where: dict[str, str] = {}
    generic: tuple[LineRule, ...] = ()
    generic_source = ""
    for shown, text in texts:
        data, node = document(shown, text, generic=_is_generic(shown))
        source = _Source(shown, node)
        if _is_generic(shown):
            generic = _rules(source, "furniture", data.get("furniture", []))
            generic_source = shown
            continue
        profile = replace(_parse(source, data), source=shown)
        if where.get(profile.slug, "").rsplit("/", 1)[0] == shown.rsplit("/", 1)[0]:
            raise ProfileError(
                shown,
                f"slug {profile.slug!r} is also the slug of {where[profile.slug]}",
                line_at(node, ["slug"]),
            )
        by_slug[profile.slug], where[profile.slug] = profile, shown
    return Registry(tuple(by_slug.values()), generic, generic_source)


def packaged() -> tuple[ProfileText, ...]:
    """The profiles that ship with corpuspack, in file-name order."""
    folder = resources.files(__package__)
    return tuple(
        ProfileText(f"corpuspack/article/profiles/{entry.name}", entry.read_text(encoding="utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    )


def registry() -> Registry:
    """The registry of corpuspack's own profiles only (a build uses the project's too)."""
    return load_registry(packaged())
