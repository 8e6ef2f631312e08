# pyarrow ships no type information, and the project's mypy settings do not yet say so for it.
# mypy: disable-error-code="import-untyped"
"""Everything about the record's shape is derived from the Table Schema in schema/.

Arrow schema, Hugging Face features and the dataset card's field table all come
from here, so they cannot drift from each other.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import cached_property

import pyarrow as pa

from corpuspack.project.vocabulary import Vocabulary

_PRIMITIVES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    # Microseconds in UTC: datasets returns these as datetimes that keep their zone.
    "datetime": pa.timestamp("us", tz="UTC"),
}


# The article record's built-in fields, in the order the Table Schema must list them.
RECORD_FIELDS = (
    "id",
    "outlet",
    "url",
    "title",
    "lead",
    "published",
    "published_date",
    "published_precision",
    "published_original",
    "dateline",
    "language",
    "text",
    "keywords",
    "raw_path",
    "raw_sha256",
    "removed",
    "sidecar_notes",
    "annotations",
)


class SchemaError(Exception):
    pass


# A corpus's own field: a name safe as a Parquet column, a datasets feature and a Croissant id,
# never starting with "_" (the build's store names its own columns so).
_CUSTOM_NAME = re.compile(r"[a-z][a-z0-9_]*")
CUSTOM_TYPES = ("string", "integer", "number", "boolean", "date", "datetime", "array")
_CUSTOM_ITEMS = ("string", "integer", "number", "boolean", "date")


def custom_field_problem(descriptor: dict) -> str | None:
    """Why a field the corpus adds after the built-in ones cannot be one (None: it can)."""
    name, kind = descriptor["name"], descriptor.get("type", "string")
    if not _CUSTOM_NAME.fullmatch(name):
        return "a field's name is lowercase letters, digits and '_', starting with a letter"
    if kind not in CUSTOM_TYPES:
        return f"type {kind!r} is not one a corpus's own field can have: {', '.join(CUSTOM_TYPES)}"
    item = descriptor.get("arrayItem", {}).get("type", "string")
    if kind == "array" and item not in _CUSTOM_ITEMS:
        return (
            f"an array of {item!r}: the items of a corpus's own array field are one of "
            f"{', '.join(_CUSTOM_ITEMS)}"
        )
    return None


def _misfit(names: list[str], expected: tuple[str, ...]) -> str:
    missing = [n for n in expected if n not in names]
    unknown = [n for n in names if n not in expected]
    return (
        f"the Table Schema's fields must be the record's, in order: {', '.join(expected)}"
        + (f"; missing: {', '.join(missing)}" if missing else "")
        + (f"; unknown: {', '.join(unknown)}" if unknown else "")
    )


def _arrow_type(descriptor: dict, where: str) -> pa.DataType:
    kind = descriptor.get("type", "string")
    if kind in _PRIMITIVES:
        return _PRIMITIVES[kind]
    if kind == "array":
        item = descriptor.get("arrayItem")
        if not item:
            raise SchemaError(
                f"{where}: an array field needs an arrayItem descriptor to derive its Arrow type"
            )
        return pa.list_(_arrow_type(item, f"{where}[]"))
    if kind == "object":
        fields = descriptor.get("fields")
        if not fields:
            raise SchemaError(
                f'{where}: an object needs its "fields" listed to derive an Arrow struct'
            )
        return pa.struct(
            [pa.field(f["name"], _arrow_type(f, f"{where}.{f['name']}")) for f in fields]
        )
    raise SchemaError(f"{where}: Table Schema type {kind!r} has no Arrow mapping in corpuspack")


@dataclass(frozen=True)
class RecordSchema:
    descriptor: dict
    expected: tuple[str, ...] | None = (
        None  # the fields the rows have, in order; default: the article record's
    )
    # Whether frictionless has accepted this very descriptor before, under the same rules (a
    # cache remembers it: cache/schemas.py); it is then not imported to accept it again.
    frictionless_accepted: bool = dataclasses.field(default=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Refuse a schema frictionless cannot read, or whose fields are not the record's.

        The article schema (expected None) lists the record's built-in fields first, in order;
        the corpus's own fields may follow them (see custom_field_problem)."""
        if not self.frictionless_accepted:
            from frictionless import FrictionlessException, Schema

            try:
                Schema.from_descriptor(self.descriptor)
            except FrictionlessException as exc:
                raise SchemaError(f"the Table Schema is not valid: {exc}") from exc
        try:
            for item in self.fields:
                re.compile(item.get("constraints", {}).get("pattern", ""))
                _arrow_type(item, item["name"])
        except (re.error, KeyError, TypeError) as exc:
            raise SchemaError(f"the Table Schema is not valid: {exc}") from exc
        names = [f["name"] for f in self.fields]
        if self.expected is not None:
            if names != list(self.expected):
                raise SchemaError(_misfit(names, self.expected))
            return
        if names[: len(RECORD_FIELDS)] != list(RECORD_FIELDS):
            missing = [n for n in RECORD_FIELDS if n not in names]
            early = [n for n in names[: len(RECORD_FIELDS)] if n not in RECORD_FIELDS]
            raise SchemaError(
                f"the Table Schema must list the record's fields first, in order: "
                f"{', '.join(RECORD_FIELDS)}"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; among them: {', '.join(early)}" if early else "")
                + "; the corpus's own fields may follow them"
            )
        for item in self.custom:  # (frictionless has refused repeated names)
            problem = custom_field_problem(item)
            if problem:
                raise SchemaError(f"the Table Schema's field {item['name']!r}: {problem}")

    def check_annotations(self, vocabulary: Vocabulary) -> None:
        """The annotations column must have the vocabulary's fields (less article_id), so neither drifts."""

        def shape(fields: list[dict]) -> list:
            return [(f["name"], str(_arrow_type(f, f["name"]))) for f in fields]

        item = self.field("annotations").get("arrayItem", {}).get("fields", [])
        if shape(item) != shape(vocabulary.item_fields):
            raise SchemaError(
                "the article schema's annotations field must list the fields of "
                "schema/annotations.schema.json (less article_id), with the same types, in order: "
                + ", ".join(f"{n} {t}" for n, t in shape(vocabulary.item_fields))
            )

    @property
    def fields(self) -> list[dict]:
        return self.descriptor["fields"]

    @property
    def custom(self) -> tuple[dict, ...]:
        """The corpus's own fields: those after the record's built-in ones (article schema only)."""
        return tuple(self.fields[len(RECORD_FIELDS) :]) if self.expected is None else ()

    @property
    def names(self) -> list[str]:
        return [f["name"] for f in self.fields]

    def field(self, name: str) -> dict:
        return next(f for f in self.fields if f["name"] == name)

    def enum(self, name: str) -> list[str]:
        return list(self.field(name).get("constraints", {}).get("enum", []))

    @cached_property
    def plain_arrow(self) -> pa.Schema:
        """The Arrow schema of the rows, without metadata: what the build and the checks use. The same
        fields and types as `arrow` (tests/test_startup.py), derived from the Table Schema alone, so
        that validate never imports datasets (over a second of a pull-request check's start)."""
        return pa.schema([pa.field(f["name"], _arrow_type(f, f["name"])) for f in self.fields])

    @property
    def features(self):
        """The Hugging Face features (datasets.Features), imported on use: datasets is slow to import."""
        import datasets

        return datasets.Features.from_arrow_schema(self.plain_arrow)

    @cached_property
    def arrow(self) -> pa.Schema:
        """The Arrow schema of the release's files: `plain_arrow` with the datasets features in its
        metadata (made once, and only by what writes or reads a release)."""
        return self.features.arrow_schema

    def rows_table(self) -> list[dict]:
        """Rows of the card's fields table: name, type as datasets shows it, description."""
        rows = []
        for f in self.fields:
            constraints = f.get("constraints", {})
            rows.append(
                {
                    "name": f["name"],
                    "type": _display_type(f),
                    "required": bool(constraints.get("required")),
                    "description": f.get("description", ""),
                }
            )
        return rows


def _display_type(descriptor: dict) -> str:
    kind = descriptor.get("type", "string")
    if kind == "array":
        return f"list of {_display_type(descriptor['arrayItem'])}"
    if kind == "object":
        inner = ", ".join(f"{f['name']}: {_display_type(f)}" for f in descriptor["fields"])
        return f"struct ({inner})"
    if kind == "datetime":
        return "timestamp (UTC, µs)"
    return kind
