"""How frictionless reads a Table Schema, for the Arrow checks: types, constraints, their notes.

Everything here is about the schema descriptor, not the rows: which types and
constraints arrow.py mirrors (anything else raises NotImplementedError), the order
frictionless checks them in, and how it reads a constraint's value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pyarrow as pa

# (rowNumber, fieldName, error type), as report.flatten() gives them.
Finding = tuple[int, str | None, str]
# With notes=True: (rowNumber, fieldName, error type, note). A cell's note is frictionless's
# own wording; unique-error, primary-key and blank-row carry None (frictionless's notes
# name the earlier row, which the bounded id index does not keep).
NotedFinding = tuple[int, str | None, str, str | None]

DEFAULT_MISSING = [""]  # frictionless's default missingValues

# Table Schema type -> the Arrow column types that hold only values frictionless accepts as that type.
_ARROW_KINDS: dict[str, Callable[[pa.DataType], bool]] = {
    "string": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t),
    "integer": pa.types.is_integer,
    "number": lambda t: pa.types.is_floating(t) or pa.types.is_integer(t),
    "boolean": pa.types.is_boolean,
    "date": pa.types.is_date,
    "datetime": pa.types.is_timestamp,
    "array": lambda t: pa.types.is_list(t) or pa.types.is_large_list(t),
    "object": pa.types.is_struct,
}

BOUND_NAMES = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
# Cell constraints per type, as frictionless checks them (its supported_constraints, less those not mirrored).
_SUPPORTED = {
    "string": {"required", "minLength", "maxLength", "pattern", "enum"},
    "integer": {"required", "enum", *BOUND_NAMES},
    "number": {"required", *BOUND_NAMES},
    "date": {"required", *BOUND_NAMES},
    "datetime": {"required"},
    "boolean": {"required"},
    "object": {"required"},
    "array": {"required", "minLength", "maxLength"},
}
# frictionless checks a cell's constraints in its field type's supported_constraints order.
ORDER = {
    "string": ["required", "minLength", "maxLength", "pattern", "enum"],
    "integer": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "number": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "date": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "datetime": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "boolean": ["required", "enum"],
    "object": ["required", "minLength", "maxLength", "enum"],
}
UNIQUE_TYPES = {"string", "integer", "date", "datetime", "boolean"}

# rfc3986, as frictionless calls it for format "uri", only asks for a scheme: the
# string must start with one and a colon.
URI = r"^[a-zA-Z][a-zA-Z0-9+.-]*:"


def type_note(spec: dict) -> str:
    return f'type is "{spec.get("type", "any")}/{spec.get("format", "default")}"'


def constraint_note(spec: dict, name: str) -> str:
    # frictionless writes str() of the descriptor's value
    return f'constraint "{name}" is "{spec["constraints"][name]}"'


def unique_and_key(descriptor: dict) -> tuple[list[str], str | None]:
    """The fields with a unique constraint, in field order, and the primary key's one field."""
    for extra in ("foreignKeys", "uniqueKeys"):
        if descriptor.get(extra):
            raise NotImplementedError(f"schema {extra}")
    unique = [f["name"] for f in descriptor["fields"] if f.get("constraints", {}).get("unique")]
    key = descriptor.get("primaryKey") or []
    key = [key] if isinstance(key, str) else list(key)
    if len(key) > 1:
        raise NotImplementedError(f"a primary key of more than one field: {', '.join(key)}")
    return unique, (key[0] if key else None)


def constraints(spec: dict, kind: str, where: str) -> dict:
    """The field's cell constraints, each one this module mirrors."""
    found = dict(spec.get("constraints", {}))
    found.pop("unique", None)  # checked over the rows, not in the cell
    if kind not in _SUPPORTED:
        raise NotImplementedError(f"{where}: Table Schema type {kind!r}")
    for name in found:
        if name not in _SUPPORTED[kind]:
            raise NotImplementedError(f"{where}: constraint {name!r} on a {kind!r} field")
    return found


def check_kind(arrow_type: pa.DataType, kind: str | None, where: str) -> str:
    """The field's Table Schema type, if its Arrow column holds only values frictionless accepts as it."""
    accepts = _ARROW_KINDS.get(kind) if kind is not None else None
    if kind is None or accepts is None:
        raise NotImplementedError(f"{where}: Table Schema type {kind!r}")
    if not accepts(arrow_type):
        # e.g. dates as strings: frictionless would parse them, this module does not.
        raise NotImplementedError(
            f"{where}: a {kind!r} field in an Arrow column of type {arrow_type}"
        )
    return kind


def refuse_nested_constraints(spec: dict, where: str) -> None:
    """frictionless reads an object as a whole: constraints on its fields would not be enforced by either."""
    for sub in spec.get("fields", []):
        inner = f"{where}.{sub.get('name')}"
        if sub.get("constraints"):
            raise NotImplementedError(
                f"{inner}: constraints inside an object (frictionless does not check them)"
            )
        refuse_nested_constraints(sub, inner)
        if sub.get("arrayItem"):
            refuse_nested_constraints({"fields": [dict(sub["arrayItem"], name="[]")]}, inner)


# What str() makes of a value of each type: a missing value of that shape would turn values
# into nulls, which this module only does for strings.
_STR_FORMS = {
    "integer": r"-?\d+",
    "number": r"-?(\d[\d.e+-]*|nan|inf)",
    "boolean": "True|False",
    "date": r"\d{4,}-\d\d-\d\d",
    "datetime": r"\d{4,}-\d\d-\d\d .*",
    "object": r"\{.*\}",
    "array": r"\[.*\]",
}


def refuse_missing(missing: list, kind: str, where: str) -> None:
    for value in missing:
        if kind in _STR_FORMS and re.fullmatch(_STR_FORMS[kind], value, re.S):
            raise NotImplementedError(f"{where}: missing value {value!r} on a {kind!r} field")


def enum_values(values: list, kind: str, fmt: str, where: str) -> list:
    """The enum as frictionless reads it: values its type reader refuses drop out."""
    if kind == "string":
        keep = [v for v in values if isinstance(v, str)]
        return [v for v in keep if re.match(URI, v)] if fmt == "uri" else keep
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return values
    raise NotImplementedError(f"{where}: enum values that are not integers on an integer field")


def bound(limit: object, kind: str, spec: dict, where: str) -> object:
    """A minimum or maximum as frictionless reads it for the field's type."""
    if (
        kind in ("integer", "number")
        and isinstance(limit, (int, float))
        and not isinstance(limit, bool)
    ):
        if kind == "integer" and not float(limit).is_integer():
            raise NotImplementedError(
                f"{where}: a bound that is not an integer on an integer field"
            )
        return int(limit) if kind == "integer" else limit
    if kind == "date" and spec.get("format", "default") == "default":
        if isinstance(limit, str):
            return dt.datetime.strptime(limit, "%Y-%m-%d").date()
        if isinstance(limit, dt.date) and not isinstance(limit, dt.datetime):
            return limit
    raise NotImplementedError(f"{where}: bound {limit!r} on a {kind!r} field")
