"""Each column's cells checked against its field, a column at a time with pyarrow.compute.

A column's outcome (Cells) says, per row, whether the cell is blank, a type error,
and which constraints it fails, with frictionless's notes; arrow.py turns the rows
that have any of these into findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from corpuspack import timelimit
from corpuspack.checks.arrow_rules import (
    DEFAULT_MISSING,
    ORDER,
    URI,
    bound,
    check_kind,
    constraint_note,
    constraints,
    enum_values,
    refuse_missing,
    refuse_nested_constraints,
    type_note,
)
from corpuspack.project.schema import SchemaError

_BOUNDS = {
    "minimum": pc.greater_equal,
    "maximum": pc.less_equal,
    "exclusiveMinimum": pc.greater,
    "exclusiveMaximum": pc.less,
}

Fails = list[tuple[str, np.ndarray]]  # (note, rows) per "constraint-error", in frictionless's order


@dataclass
class Cells:
    """One column's outcome per row."""

    blank: np.ndarray  # null without a type error: counts towards a blank row
    typed: np.ndarray  # a "type-error"
    type_note: str
    fails: Fails
    # The values frictionless keeps (null where blank or typed), for uniqueness; scalar columns only.
    value: pa.Array | pa.ChunkedArray | None = None
    value_null: np.ndarray | None = None
    # Array columns: per fail, the position of each row's first failing item.
    first: list[np.ndarray] | None = None

    def count(self) -> np.ndarray:
        return fail_count(self.fails, len(self.blank))

    def notes(self, r: int) -> list[str]:
        """The row's constraint notes; for an array's items, ordered as frictionless meets them, item by item."""
        failed = [(k, note) for k, (note, rows) in enumerate(self.fails) if rows[r]]
        first = self.first
        if first is not None:
            failed.sort(key=lambda kn: (first[kn[0]][r], kn[0]))
        return [note for _, note in failed]


def fail_count(fails: Fails, n: int) -> np.ndarray:
    """How many constraints each row fails."""
    if not fails:
        return np.zeros(n, np.int16)
    return np.asarray(np.sum([rows for _, rows in fails], axis=0, dtype=np.int16))


def scalar_cells(column, spec: dict, missing: list, where: str) -> Cells:
    value, blank, typed, fails = _scalar_checks(column, spec, missing, where)
    if typed.any():
        value = pc.if_else(pa.array(typed), pa.nulls(len(typed), value.type), value)
    return Cells(blank, typed, type_note(spec), fails, value, blank | typed)


def _scalar_checks(column, spec: dict, missing: list, where: str):
    """(values less missing values, blank, type errors, (note, fail mask) per constraint) for a non-array column."""
    kind = check_kind(column.type, spec.get("type"), where)
    limits = constraints(spec, kind, where)
    if kind == "object":
        refuse_nested_constraints(spec, where)
    refuse_missing(missing, kind, where)
    value = present(column, missing) if kind == "string" else column
    null = ~mask(pc.is_valid(value))
    typed = np.zeros(len(null), bool)
    fmt = spec.get("format", "default")
    if kind == "string" and fmt == "uri":
        typed = ~null & ~mask(pc.match_substring_regex(value, URI))
    elif kind == "string" and fmt != "default":
        raise NotImplementedError(f"{where}: string format {fmt!r}")
    fails: Fails = []
    ok = ~null & ~typed  # frictionless checks a value's constraints only when it reads as its type
    for name in [c for c in ORDER[kind] if limits.get(c) is not None]:
        limit = limits[name]
        if name == "required":
            if limit:
                fails.append((constraint_note(spec, name), null.copy()))
            continue
        fails.append((constraint_note(spec, name), ok & _fails(value, name, limit, spec, where)))
    return value, null, typed, fails


def _fails(value, name: str, limit, spec: dict, where: str) -> np.ndarray:
    """Where a value fails one constraint (other than required); only values read as their type count."""
    kind = spec["type"]
    if name in ("minLength", "maxLength"):
        compare = pc.less if name == "minLength" else pc.greater
        return mask(compare(pc.utf8_length(value), limit))
    if name == "pattern":
        return ~_matches(value, limit, where)
    if name == "enum":
        allowed = enum_values(limit, kind, spec.get("format", "default"), where)
        return ~mask(pc.is_in(value, value_set=pa.array(allowed, value.type)))
    scalar = pa.scalar(
        bound(limit, kind, spec, where), type=value.type if kind != "number" else None
    )
    return ~mask(_BOUNDS[name](value, scalar))


def array_cells(column, spec: dict, missing: list, n: int) -> Cells:
    where = spec["name"]
    check_kind(column.type, "array", where)
    limits = constraints(spec, "array", where)
    refuse_missing(missing, "array", where)
    null = ~mask(pc.is_valid(column))
    fails: Fails = []
    if limits.get("required"):
        fails.append((constraint_note(spec, "required"), null))
    lengths = pc.list_value_length(column)
    for name, compare in (("minLength", pc.less), ("maxLength", pc.greater)):
        if limits.get(name) is not None:
            fails.append((constraint_note(spec, name), mask(compare(lengths, limits[name]))))
    cells = Cells(null, np.zeros(n, bool), type_note(spec), fails)
    item = spec.get("arrayItem")
    if item:
        item = {k: v for k, v in item.items() if k != "arrayItem"}  # frictionless drops nested ones
        _item_cells(cells, column, item, lengths, f"{where}[]")
    return cells


def _item_cells(cells: Cells, column, item: dict, lengths, where: str) -> None:
    """Add the checks of an array column's items to its cells."""
    if item.get("type", "any") == "any" or item.get("type") == "array":
        if item.get("constraints"):
            raise NotImplementedError(
                f"{where}: constraints on items of type {item.get('type', 'any')!r}"
            )
        return
    n = len(cells.blank)
    items = pc.list_flatten(column)
    parents = np.asarray(pc.list_parent_indices(column).to_numpy(zero_copy_only=False), np.int64)
    # items are read only when the array passes its own constraints
    checked = ~cells.blank & (cells.count() == 0)
    _, _, item_typed, item_fails = _scalar_checks(
        items, item, item.get("missingValues", DEFAULT_MISSING), where
    )
    cells.typed = checked & _any_per_row(parents, item_typed, n)
    cells.type_note = f"array item {type_note(item)}"
    # frictionless keeps the items' notes in a dict: one error per constraint, however many
    # items fail it, ordered by the first item that fails each (the array's own come first).
    first = [np.full(n, -1, np.int64)] * len(cells.fails)
    lengths = np.asarray(pc.fill_null(lengths, 0).to_numpy(zero_copy_only=False), np.int64)
    position = np.arange(len(parents), dtype=np.int64) - np.repeat(
        np.cumsum(lengths) - lengths, lengths
    )
    for note, fail in item_fails:
        fail = fail & ~item_typed
        cells.fails.append((f"array item {note}", checked & _any_per_row(parents, fail, n)))
        earliest = np.full(n, np.iinfo(np.int64).max, np.int64)
        np.minimum.at(earliest, parents[fail], position[fail])
        first.append(earliest)
    cells.first = first


_PYTHON_ONLY = re.compile(r"\$|\(\?(?!:)|\{,|\[:|\\[^\W\d_ntrfva]|\\[\d_]")
_REPEAT = re.compile(r"\\.|\{\d+(,\d*)?\}", re.S)


def _matches(values, pattern: str, where: str) -> np.ndarray:
    """frictionless's re.match("^pattern$"), where $ also matches before a final newline.

    RE2 (Arrow's engine) has the same syntax and meaning for plain patterns; anything
    where Python and RE2 could differ (Unicode \\d \\w \\s \\b, $, look-arounds, flags,
    POSIX classes, odd braces) is matched with Python's re, one value at a time.
    """
    python = re.compile(f"^{pattern}$")
    plain = not _PYTHON_ONLY.search(pattern) and not re.search(r"[{}]", _REPEAT.sub("", pattern))
    if plain:
        try:
            return mask(pc.match_substring_regex(values, f"^(?:^{pattern}(?:\n?\\z))"))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return np.array(
        [v is not None and _bounded(python, v, where) for v in values.to_pylist()], bool
    )


def _bounded(python, value: str, where: str) -> bool:
    """Whether the pattern matches the value; a pattern that backtracks without end (the schema
    is the project's, so a pull request's) is a SchemaError, not a hang (corpuspack/timelimit.py)."""
    try:
        return timelimit.watched(python.match, value) is not None
    except timelimit.OverTime:
        raise SchemaError(
            f"the Table Schema's field {where!r}: the pattern {python.pattern[1:-1]!r} took more than "
            f"{timelimit.TIMEOUT_SECONDS:g} s of CPU on a value of {len(value):,} characters: it "
            "backtracks without end (a repeat inside a repeat, such as (a+)+ or (a|aa)+)"
        ) from None


def present(values, missing: list):
    """The values with frictionless's missing values made null (a string column)."""
    if not missing:
        return values
    found = pc.is_in(values, value_set=pa.array(missing, values.type))
    return pc.if_else(found, pa.nulls(len(values), values.type), values)


def _any_per_row(parents: np.ndarray, items: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(parents[items], minlength=n)[:n] > 0


def combined(values):
    """One Arrow array of a chunked one's values."""
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def mask(values) -> np.ndarray:
    """An Arrow boolean array as numpy, null as False."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), bool)
