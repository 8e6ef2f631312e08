"""The corpus's own fields: those its Table Schema adds after the record's built-in ones.

Their values come from the field sources plugins register (corpuspack.hooks.FieldSource),
then from the capture's sidecar, under `fields:` (a JSONL bundle's line gives the same in
its `meta`); a later value of a field wins, so a sidecar corrects a plugin. Each value is
read as its field's Table Schema type here, where the file and line that gave it are known;
its constraints (required, enum, minimum...) are checked with the built-in fields' by
checks/, on the rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from corpuspack.article import dates
from corpuspack.article.record import Article
from corpuspack.capture.model import RawDocument
from corpuspack.capture.sidecar import CUSTOM, Sidecar
from corpuspack.findings.report import Finding, error
from corpuspack.hooks import FieldSource

SCHEMA_FILE = "schema/article.schema.json"
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

# The Python values each Table Schema type takes, as YAML, JSON or a plugin gives them. Checked by
# hand, not with jsonschema: a handful of isinstance tests, and the messages name the Table
# Schema's types (jsonschema's would name JSON's, and take 5.0 as an integer).
_PYTHON: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}
_SAID = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "date": "a date written YYYY-MM-DD",
    "datetime": "a date and time with its offset, e.g. 2005-02-28T13:49:00Z",
    "array": "a list",
}


def read_value(descriptor: Mapping[str, Any], value: object) -> tuple[Any, str | None]:
    """(the value as the record holds it, None), or (None, why it is not of the field's type).

    None stays None: a value not known (a required field's constraint says if it must be)."""
    kind = descriptor.get("type", "string")
    if value is None:
        return None, None
    if kind != "array":
        return _scalar(kind, value)
    if not isinstance(value, (list, tuple)):
        return None, f"{value!r} is not {_SAID['array']}"
    item = descriptor.get("arrayItem", {}).get("type", "string")
    read = []
    for position, each in enumerate(value):
        found, problem = _scalar(item, each)
        if problem or found is None:
            return None, f"item {position + 1}: {problem or 'null is not allowed in a list'}"
        read.append(found)
    return tuple(read), None


def _scalar(kind: str, value: object) -> tuple[Any, str | None]:
    if kind == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value, None
        if isinstance(value, str) and _ISO_DAY.fullmatch(value):
            try:
                return dt.date.fromisoformat(value), None
            except ValueError as exc:
                return None, f"{value!r} is not a date: {exc}"
        return None, f"{value!r} is not {_SAID[kind]}"
    if kind == "datetime":
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(dt.UTC), None
        if isinstance(value, str):
            try:
                parsed = dates.parse_iso(value)
            except dates.DateError:
                parsed = dates.Published.unknown()
            if parsed.precision == "datetime":
                return parsed.instant, None
        return None, f"{value!r} is not {_SAID[kind]}"
    # bool is an int to Python, never to a Table Schema.
    if not isinstance(value, _PYTHON[kind]) or (kind != "boolean" and isinstance(value, bool)):
        return None, f"{value!r} is not {_SAID[kind]}"
    return (float(cast(float, value)) if kind == "number" else value), None


@dataclass(frozen=True)
class CustomFields:
    """The corpus's own fields (their Table Schema descriptors, in order) and their sources."""

    descriptors: tuple[dict, ...] = ()
    sources: tuple[FieldSource, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(d["name"] for d in self.descriptors)

    def fill(self, article: Article, document: RawDocument) -> tuple[Article | None, list[Finding]]:
        """The article with its custom fields filled (every declared one, None where no source
        gives it), or None and the findings that say which value cannot be used."""
        side = document.sidecar
        if not self.descriptors and not self.sources and not (side and side.fields):
            return article, []
        declared = {d["name"]: d for d in self.descriptors}
        values: dict[str, Any] = {}
        findings: list[Finding] = []
        for source in self.sources:
            given = source.fields(article, document)
            findings += _from_source(source.name, given, declared, values, article.raw_path)
        if side is not None:
            findings += _from_sidecar(side, declared, values)
        if findings:
            return None, findings
        notes = side.field_notes if side else {}
        lines = side.field_lines if side else {}
        return dataclasses.replace(
            article,
            custom=tuple((name, values.get(name)) for name in declared),
            sidecar_notes=article.sidecar_notes + tuple(notes.items()),
            sidecar_lines=article.sidecar_lines
            + tuple((name, line) for name, line in lines.items() if line),
        ), []


NO_CUSTOM_FIELDS = CustomFields()


def _declared_list(declared: Mapping[str, Any]) -> str:
    if not declared:
        return f"{SCHEMA_FILE} declares none (they follow the built-in fields there)"
    return f"{SCHEMA_FILE} declares {', '.join(declared)}"


def _from_source(
    source: str,
    given: Mapping[str, object],
    declared: Mapping[str, Mapping[str, Any]],
    values: dict[str, Any],
    capture: str,
) -> list[Finding]:
    findings = []
    for name, value in given.items():
        problem: str | None
        if name not in declared:
            problem = f"{name!r} is not one of the corpus's own fields; {_declared_list(declared)}"
        else:
            values[name], problem = read_value(declared[name], value)
        if problem:
            message = f"the field source {source!r} gave {name}: {problem}; fix the plugin"
            findings.append(error(capture, "field-source-invalid", message, field=name))
    return findings


def _from_sidecar(
    side: Sidecar, declared: Mapping[str, Mapping[str, Any]], values: dict[str, Any]
) -> list[Finding]:
    findings = []
    for name, value in side.fields.items():
        line = side.field_lines.get(name)
        if name not in declared:
            message = (
                f"{CUSTOM}.{name} is not one of the corpus's own fields; {_declared_list(declared)}"
            )
            findings.append(
                error(side.path, "sidecar-unknown-field", message, line=line, field=name)
            )
            continue
        values[name], problem = read_value(declared[name], value)
        if problem:
            kind = declared[name].get("type", "string")
            message = f"{CUSTOM}.{name}.value: {problem}; the schema's {name} is a {kind} field"
            findings.append(
                error(side.path, "sidecar-invalid-value", message, line=line, field=name)
            )
    return findings
