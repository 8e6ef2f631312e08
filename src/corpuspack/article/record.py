"""The article record: what extraction produces and the release stores, row for row."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

# Re-exported: code that handles the record's rows takes their field names from the record.
from corpuspack.project.schema import RECORD_FIELDS as RECORD_FIELDS


def article_id(raw_path: str) -> str:
    """Stable id of the capture at raw_path (project-relative, POSIX).

    A function of the path alone, so it does not depend on file order, on the other
    articles, or on the capture's bytes: correcting a capture keeps its id. A
    sidecar can pin an id to keep it when a capture has to move.
    """
    return hashlib.sha256(f"corpuspack:article:{raw_path}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Annotation:
    """One span on an article's clean text, as the release stores it."""

    type: str
    label: str
    start: int
    end: int
    text: str
    source: str  # "person" or "rule"
    attributes: tuple[tuple[str, str], ...] = ()

    def attribute(self, name: str) -> str | None:
        return dict(self.attributes).get(name)

    def to_row(self) -> dict:
        return {
            "type": self.type,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "source": self.source,
            "attributes": [{"name": n, "value": v} for n, v in self.attributes],
        }

    @classmethod
    def from_row(cls, row: dict) -> Annotation:
        return cls(
            type=row["type"],
            label=row["label"],
            start=row["start"],
            end=row["end"],
            text=row["text"],
            source=row["source"],
            attributes=tuple((a["name"], a["value"]) for a in row["attributes"]),
        )


@dataclass(frozen=True)
class Removal:
    rule: str
    line: int
    text: str


# Fields made from the publication date: the file to fix them is the one that gave the date.
_FROM_PUBLISHED = ("published_date", "published_precision")


@dataclass(frozen=True)
class Article:
    id: str
    outlet: str | None
    url: str | None
    title: str | None
    lead: str | None
    published: dt.datetime | None
    published_date: dt.date | None
    published_precision: str
    published_original: str | None
    dateline: str | None
    language: str | None
    text: str
    keywords: tuple[str, ...]
    raw_path: str
    raw_sha256: str
    removed: tuple[Removal, ...] = ()
    sidecar_notes: tuple[tuple[str, str], ...] = ()
    annotations: tuple[Annotation, ...] = ()
    # The corpus's own fields (those its Table Schema adds after the built-in ones), in schema
    # order, each (name, value); an array's value is a tuple, a date field's a datetime.date.
    custom: tuple[tuple[str, Any], ...] = ()
    sidecar_path: str | None = field(default=None, compare=False)
    sidecar_lines: tuple[tuple[str, int], ...] = field(default=(), compare=False)
    page_lines: tuple[tuple[str, int], ...] = field(
        default=(), compare=False
    )  # field -> line in the capture

    def source_of(self, name: str) -> tuple[str, int | None]:
        """The file (and line) to open to fix a field: the sidecar if it supplied the value."""
        lines = dict(self.sidecar_lines)
        given = name if name not in _FROM_PUBLISHED else "published"
        if self.sidecar_path and given in dict(self.sidecar_notes):
            return self.sidecar_path, lines.get(given)
        return self.raw_path, dict(self.page_lines).get(name)

    def value(self, name: str) -> Any:
        """A field's value by name: a built-in field's, or one of the corpus's own."""
        custom = dict(self.custom)
        return custom[name] if name in custom else getattr(self, name)

    def to_json(self) -> dict:
        """A JSON-safe form of the built-in fields (the custom ones' values are as to_row gives
        them); from_json reverses it exactly."""
        row = self.to_row()
        row["published"] = self.published.isoformat() if self.published else None
        row["published_date"] = self.published_date.isoformat() if self.published_date else None
        row["sidecar_path"] = self.sidecar_path
        row["sidecar_lines"] = [list(item) for item in self.sidecar_lines]
        row["page_lines"] = [list(item) for item in self.page_lines]
        row["custom"] = [[name, row.pop(name)] for name, _ in self.custom]
        return row

    @classmethod
    def from_json(cls, data: dict) -> Article:
        values = dict(data)
        values["published"] = (
            dt.datetime.fromisoformat(data["published"]) if data["published"] else None
        )
        values["published_date"] = (
            dt.date.fromisoformat(data["published_date"]) if data["published_date"] else None
        )
        values["keywords"] = tuple(data["keywords"])
        values["removed"] = tuple(Removal(**r) for r in data["removed"])
        values["sidecar_notes"] = tuple((n["field"], n["note"]) for n in data["sidecar_notes"])
        values["annotations"] = tuple(Annotation.from_row(a) for a in data["annotations"])
        values["sidecar_lines"] = tuple((f, line) for f, line in data["sidecar_lines"])
        values["page_lines"] = tuple((f, line) for f, line in data["page_lines"])
        values["custom"] = tuple(
            (name, tuple(value) if isinstance(value, list) else value)
            for name, value in data.get("custom", ())
        )
        return cls(**values)

    def to_row(self) -> dict:
        """Plain Python values, in schema field order, for frictionless and Arrow."""
        return {
            "id": self.id,
            "outlet": self.outlet,
            "url": self.url,
            "title": self.title,
            "lead": self.lead,
            "published": self.published,
            "published_date": self.published_date,
            "published_precision": self.published_precision,
            "published_original": self.published_original,
            "dateline": self.dateline,
            "language": self.language,
            "text": self.text,
            "keywords": list(self.keywords),
            "raw_path": self.raw_path,
            "raw_sha256": self.raw_sha256,
            "removed": [{"rule": r.rule, "line": r.line, "text": r.text} for r in self.removed],
            "sidecar_notes": [{"field": f, "note": n} for f, n in self.sidecar_notes],
            "annotations": [a.to_row() for a in self.annotations],
            **{
                name: list(value) if isinstance(value, tuple) else value
                for name, value in self.custom
            },
        }
