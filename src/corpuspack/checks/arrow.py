"""Table Schema checks on an Arrow table, with exactly the findings frictionless reports.

frictionless reads every cell through Python, about 13,000 article rows a second.
The article table is Arrow already, and Arrow's types hold most of the schema's
types, so each constraint is checked a column at a time with pyarrow.compute; only
the rows that have a finding are visited in Python, to list their errors in the order
frictionless does. A constraint, type or format this module cannot mirror exactly
raises NotImplementedError instead of being skipped.

What frictionless does, and so what this module does (frictionless 5):
  - a cell is null when it is null or its str() is one of the missing values (the
    field's, else the schema's, else [""]); an array's items default to [""], since
    frictionless reads them through a field that belongs to no schema;
  - a value its type reader refuses is a "type-error" and its constraints are not
    checked; each failed constraint of a cell is one "constraint-error";
  - an array's items are checked only when the array passes its own constraints;
    failing items give one "type-error" for the cell and one "constraint-error" per
    constraint any item fails;
  - a row whose cells are all null is one "blank-row" (its cell errors dropped);
  - "unique" and the primary key report every repeat of an earlier row's value
    ("unique-error" with the field, "primary-key" without), and a primary key that is
    null is a "primary-key" too; these come after the row's cell errors, but the
    cells of unique and key fields are read (and their errors listed) first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Finding = tuple[
    int, str | None, str
]  # (rowNumber, fieldName, error type), as report.flatten() gives them
# With notes=True: (rowNumber, fieldName, error type, note). A cell's note is frictionless's
# own wording; unique-error, primary-key and blank-row carry None (frictionless's notes
# name the earlier row, which the bounded id index does not keep).
NotedFinding = tuple[int, str | None, str, str | None]

_DEFAULT_MISSING = [""]  # frictionless's default missingValues

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

# Cell constraints per type, as frictionless checks them (its supported_constraints, less those not mirrored).
_BOUNDS = {
    "minimum": pc.greater_equal,
    "maximum": pc.less_equal,
    "exclusiveMinimum": pc.greater,
    "exclusiveMaximum": pc.less,
}
_SUPPORTED = {
    "string": {"required", "minLength", "maxLength", "pattern", "enum"},
    "integer": {"required", "enum", *_BOUNDS},
    "number": {"required", *_BOUNDS},
    "date": {"required", *_BOUNDS},
    "datetime": {"required"},
    "boolean": {"required"},
    "object": {"required"},
    "array": {"required", "minLength", "maxLength"},
}
# frictionless checks a cell's constraints in its field type's supported_constraints order.
_ORDER = {
    "string": ["required", "minLength", "maxLength", "pattern", "enum"],
    "integer": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "number": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "date": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "datetime": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "boolean": ["required", "enum"],
    "object": ["required", "minLength", "maxLength", "enum"],
}
_UNIQUE_TYPES = {"string", "integer", "date", "datetime", "boolean"}

# rfc3986, as frictionless calls it for format "uri", only asks for a scheme: the
# string must start with one and a colon.
_URI = r"^[a-zA-Z][a-zA-Z0-9+.-]*:"


def check_table(
    table: pa.Table,
    schema_descriptor: dict,
    *,
    row_offset: int = 0,
    ids: UniqueIds | None = None,
    notes: bool = False,
) -> list[Finding] | list[NotedFinding]:
    """The findings frictionless reports for these rows, as (rowNumber, fieldName, type).

    row_offset is the number of rows before this table, so that batches are numbered
    like one table (the first data row is 2). Uniqueness is checked within the table,
    and for ids.field across every table given the same `ids`, in order: check the
    batches of a corpus in order with one UniqueIds and the findings are those of the
    whole corpus as one table. Like validate.py, there is no limit on the number of
    errors (frictionless stops at 1000 by default). notes=True adds each finding's note.
    """
    fields = schema_descriptor["fields"]
    names = [f["name"] for f in fields]
    if table.column_names != names:
        raise ValueError(
            f"the table's columns must be the schema's fields, in order: {', '.join(names)}"
        )
    schema_missing = schema_descriptor.get("missingValues", _DEFAULT_MISSING)
    unique, key = _keys(schema_descriptor)
    if ids is not None and ids.field not in set(unique) | {key}:
        raise ValueError(f"ids tracks {ids.field!r}, which is neither unique nor the primary key")
    n = table.num_rows
    cells: list[_Cells] = []
    for spec, column in zip(fields, table.columns):
        missing = spec.get("missingValues", schema_missing)
        if spec.get("type") == "array":
            cells.append(_array_cells(column, spec, missing, n))
        else:
            cells.append(_scalar_cells(column, spec, missing, spec["name"]))

    repeats: dict[int, np.ndarray] = {}
    for name in {*unique, *([key] if key else [])}:
        j = names.index(name)
        if fields[j].get("type") not in _UNIQUE_TYPES:
            raise NotImplementedError(f"{name}: uniqueness of a {fields[j].get('type')!r} field")
        values = cells[j].value
        repeats[j] = (
            ids.repeats(values) if ids is not None and ids.field == name else _repeats(values)
        )

    blank = np.logical_and.reduce([c.blank for c in cells]) if cells else np.zeros(n, bool)
    flagged = blank.copy()
    for c in cells:
        flagged |= c.typed | (c.count() > 0)
    for mask in repeats.values():
        flagged |= mask
    key_null = cells[names.index(key)].value_null if key else np.zeros(n, bool)
    flagged |= key_null

    order = [names.index(u) for u in unique]
    key_index = names.index(key) if key else None
    findings: list[Finding] = []
    for r in np.flatnonzero(flagged).tolist():
        findings.extend(
            _row_findings(
                r,
                r + row_offset + 2,
                names,
                cells,
                blank[r],
                order,
                key_index,
                repeats,
                key_null[r],
            )
        )
    return findings if notes else [finding[:3] for finding in findings]


class UniqueIds:
    """The ids seen so far in a corpus checked batch by batch, to find repeats across batches.

    A Python set of a million ids costs about 100 MB; here ids of 16 lowercase hex
    digits (every well-formed article id) are kept as sorted runs of uint64, 8 bytes
    an id, merged as they grow so that there are only a few to search. Any other id,
    which already breaks the id's pattern, is kept as a string.
    """

    def __init__(self, schema_descriptor: dict, field: str = "id"):
        spec = next((f for f in schema_descriptor["fields"] if f["name"] == field), None)
        if spec is None or spec.get("type") != "string":
            raise ValueError(f"UniqueIds tracks a string field of the schema, not {field!r}")
        unique, key = _keys(schema_descriptor)
        if field not in unique and field != key:
            raise ValueError(f"{field!r} is neither unique nor the primary key")
        self.field = field
        self._types = [(field, "unique-error")] * (field in unique) + [(None, "primary-key")] * (
            field == key
        )
        self._missing = spec.get(
            "missingValues", schema_descriptor.get("missingValues", _DEFAULT_MISSING)
        )
        self._runs: list[np.ndarray] = []
        self._others: set[str] = set()

    def __len__(self) -> int:
        return sum(len(run) for run in self._runs) + len(self._others)

    def add(self, ids: pa.Array | pa.ChunkedArray, *, row_offset: int = 0) -> list[Finding]:
        """The duplicate findings frictionless reports for these ids (a null id is check_table's)."""
        values = _present(ids, self._missing)
        rows = np.flatnonzero(self.repeats(values)) + row_offset + 2
        return [(row, field, kind) for row in rows.tolist() for field, kind in self._types]

    def repeats(self, values: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """True where the value was seen before, earlier here or in an earlier call; remembers them all."""
        values = _combined(values)
        out = np.zeros(len(values), bool)
        hexed = _mask(pc.match_substring_regex(values, r"^[0-9a-f]{16}$"))
        rows = np.flatnonzero(hexed)
        if rows.size:
            out[rows] = self._hex_repeats(_hex_keys(values.take(pa.array(rows))))
        rows = np.flatnonzero(~hexed & _mask(pc.is_valid(values)))
        for r, value in zip(rows.tolist(), values.take(pa.array(rows, pa.int64())).to_pylist()):
            out[r] = value in self._others
            self._others.add(value)
        return out

    def _hex_repeats(self, keys: np.ndarray) -> np.ndarray:
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        seen = np.zeros(len(keys), bool)
        seen[order[1:]] = (
            ordered[1:] == ordered[:-1]
        )  # a stable sort keeps the first occurrence first
        for run in self._runs:
            at = np.searchsorted(run, keys)
            inside = at < len(run)
            seen[inside] |= run[at[inside]] == keys[inside]
        fresh = np.unique(keys[~seen])
        if fresh.size:
            self._runs.append(fresh)
        while len(self._runs) > 1 and len(self._runs[-2]) <= 2 * len(self._runs[-1]):
            last = self._runs.pop()
            self._runs[-1] = np.sort(np.concatenate([self._runs[-1], last]), kind="stable")
        return seen


# Cells


@dataclass
class _Cells:
    """One column's outcome per row."""

    blank: np.ndarray  # null without a type error: counts towards a blank row
    typed: np.ndarray  # a "type-error"
    type_note: str
    fails: list[
        tuple[str, np.ndarray]
    ]  # (note, rows) per "constraint-error", in frictionless's order
    value: pa.Array | pa.ChunkedArray | None = (
        None  # the values frictionless keeps: null where blank or typed
    )
    value_null: np.ndarray | None = None
    first: list[np.ndarray] | None = (
        None  # array cells: the first failing item of each fail, per row
    )

    def count(self) -> np.ndarray:
        return (
            np.sum([rows for _, rows in self.fails], axis=0, dtype=np.int16)
            if self.fails
            else np.zeros(len(self.blank), np.int16)
        )

    def notes(self, r: int) -> list[str]:
        """The row's constraint notes; for an array's items, ordered as frictionless meets them, item by item."""
        failed = [(k, note) for k, (note, rows) in enumerate(self.fails) if rows[r]]
        if self.first is not None:
            failed.sort(key=lambda kn: (self.first[kn[0]][r], kn[0]))
        return [note for _, note in failed]


def _scalar_cells(column, spec: dict, missing: list, where: str) -> _Cells:
    value, blank, typed, fails = _scalar_checks(column, spec, missing, where)
    if typed.any():
        value = pc.if_else(pa.array(typed), pa.nulls(len(typed), value.type), value)
    return _Cells(blank, typed, _type_note(spec), fails, value, blank | typed)


def _type_note(spec: dict) -> str:
    return f'type is "{spec.get("type", "any")}/{spec.get("format", "default")}"'


def _constraint_note(spec: dict, name: str) -> str:
    return (
        f'constraint "{name}" is "{spec["constraints"][name]}"'  # str() of the descriptor's value
    )


def _scalar_checks(column, spec: dict, missing: list, where: str):
    """(values less missing values, blank, type errors, (note, fail mask) per constraint) for a non-array column."""
    kind = spec.get("type")
    _check_kind(column.type, kind, where)
    constraints = _constraints(spec, kind, where)
    if kind == "object":
        _refuse_nested_constraints(spec, where)
    _refuse_missing(missing, kind, where)
    value = _present(column, missing) if kind == "string" else column
    null = ~_mask(pc.is_valid(value))
    typed = np.zeros(len(null), bool)
    fmt = spec.get("format", "default")
    if kind == "string" and fmt == "uri":
        typed = ~null & ~_mask(pc.match_substring_regex(value, _URI))
    elif kind == "string" and fmt != "default":
        raise NotImplementedError(f"{where}: string format {fmt!r}")
    fails = []
    ok = ~null & ~typed  # frictionless checks a value's constraints only when it reads as its type
    # In the order frictionless checks them: its field type's supported_constraints.
    for name in [c for c in _ORDER[kind] if constraints.get(c) is not None]:
        limit = constraints[name]
        if name == "required":
            if limit:
                fails.append((_constraint_note(spec, name), null.copy()))
            continue
        if name in ("minLength", "maxLength"):
            compare = pc.less if name == "minLength" else pc.greater
            fail = ok & _mask(compare(pc.utf8_length(value), limit))
        elif name == "pattern":
            fail = ok & ~_matches(value, limit)
        elif name == "enum":
            allowed = _enum(limit, kind, fmt, where)
            fail = ok & ~_mask(pc.is_in(value, value_set=pa.array(allowed, value.type)))
        else:
            bound = pa.scalar(
                _bound(limit, kind, spec, where), type=value.type if kind != "number" else None
            )
            fail = ok & ~_mask(_BOUNDS[name](value, bound))
        fails.append((_constraint_note(spec, name), fail))
    return value, null, typed, fails


def _array_cells(column, spec: dict, missing: list, n: int) -> _Cells:
    where = spec["name"]
    _check_kind(column.type, "array", where)
    constraints = _constraints(spec, "array", where)
    _refuse_missing(missing, "array", where)
    null = ~_mask(pc.is_valid(column))
    fails: list[tuple[str, np.ndarray]] = []
    if constraints.get("required"):
        fails.append((_constraint_note(spec, "required"), null))
    lengths = pc.list_value_length(column)
    if constraints.get("minLength") is not None:
        fails.append(
            (_constraint_note(spec, "minLength"), _mask(pc.less(lengths, constraints["minLength"])))
        )
    if constraints.get("maxLength") is not None:
        fails.append(
            (
                _constraint_note(spec, "maxLength"),
                _mask(pc.greater(lengths, constraints["maxLength"])),
            )
        )
    count = (
        np.sum([rows for _, rows in fails], axis=0, dtype=np.int16)
        if fails
        else np.zeros(n, np.int16)
    )
    own = len(fails)
    typed = np.zeros(n, bool)
    type_note = _type_note(spec)
    first = None
    item = spec.get("arrayItem")
    if item:
        item = {
            k: v for k, v in item.items() if k != "arrayItem"
        }  # frictionless drops nested arrayItems
        item_where = f"{where}[]"
        if item.get("type", "any") == "any" or item.get("type") == "array":
            if item.get("constraints"):
                raise NotImplementedError(
                    f"{item_where}: constraints on items of type {item.get('type', 'any')!r}"
                )
        else:
            items = pc.list_flatten(column)
            parents = np.asarray(
                pc.list_parent_indices(column).to_numpy(zero_copy_only=False), np.int64
            )
            checked = ~null & (
                count == 0
            )  # items are read only when the array passes its own constraints
            _, _, item_typed, item_fails = _scalar_checks(
                items, item, item.get("missingValues", _DEFAULT_MISSING), item_where
            )
            typed = checked & _any_per_row(parents, item_typed, n)
            type_note = f"array item {_type_note(item)}"
            # frictionless keeps the items' notes in a dict: one error per constraint, however many
            # items fail it, ordered by the first item that fails each (the array's own come first).
            first = [np.full(n, -1, np.int64)] * own
            lengths = np.asarray(pc.fill_null(lengths, 0).to_numpy(zero_copy_only=False), np.int64)
            position = np.arange(len(parents), dtype=np.int64) - np.repeat(
                np.cumsum(lengths) - lengths, lengths
            )
            for note, fail in item_fails:
                fail = fail & ~item_typed
                fails.append((f"array item {note}", checked & _any_per_row(parents, fail, n)))
                earliest = np.full(n, np.iinfo(np.int64).max, np.int64)
                np.minimum.at(earliest, parents[fail], position[fail])
                first.append(earliest)
    return _Cells(null, typed, type_note, fails, first=first)


def _row_findings(
    r: int,
    number: int,
    names: list[str],
    cells: list[_Cells],
    blank: bool,
    unique: list[int],
    key: int | None,
    repeats: dict[int, np.ndarray],
    key_null: bool,
) -> list[Finding]:
    """A row's findings in frictionless's order: it reads the unique and key cells first, on their own."""
    errors: list[Finding] = []
    read: set[int] = set()
    whole = False

    def read_cell(j: int) -> None:
        if j in read:
            return
        read.add(j)
        c = cells[j]
        if c.typed[r]:
            errors.append((number, names[j], "type-error", c.type_note))
        errors.extend((number, names[j], "constraint-error", note) for note in c.notes(r))

    def read_row() -> None:
        nonlocal whole
        if whole:
            return
        for j in range(len(cells)):
            read_cell(j)
        if blank:
            errors[:] = [(number, None, "blank-row", None)]
        whole = True

    for j in unique:
        read_cell(j)
        if repeats[j][r]:
            read_row()
            errors.append((number, names[j], "unique-error", None))
    if key is not None:
        read_cell(key)
        if key_null or repeats[key][r]:
            read_row()
            errors.append((number, None, "primary-key", None))
    read_row()
    return errors


# Helpers


def _keys(descriptor: dict) -> tuple[list[str], str | None]:
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


def _constraints(spec: dict, kind: str | None, where: str) -> dict:
    constraints = dict(spec.get("constraints", {}))
    constraints.pop("unique", None)  # checked over the rows, not in the cell
    if kind not in _SUPPORTED:
        raise NotImplementedError(f"{where}: Table Schema type {kind!r}")
    for name in constraints:
        if name not in _SUPPORTED[kind]:
            raise NotImplementedError(f"{where}: constraint {name!r} on a {kind!r} field")
    return constraints


def _check_kind(arrow_type: pa.DataType, kind: str | None, where: str) -> None:
    accepts = _ARROW_KINDS.get(kind)
    if accepts is None:
        raise NotImplementedError(f"{where}: Table Schema type {kind!r}")
    if not accepts(arrow_type):
        # e.g. dates as strings: frictionless would parse them, this module does not.
        raise NotImplementedError(
            f"{where}: a {kind!r} field in an Arrow column of type {arrow_type}"
        )


def _refuse_nested_constraints(spec: dict, where: str) -> None:
    """frictionless reads an object as a whole: constraints on its fields would not be enforced by either."""
    for sub in spec.get("fields", []):
        inner = f"{where}.{sub.get('name')}"
        if sub.get("constraints"):
            raise NotImplementedError(
                f"{inner}: constraints inside an object (frictionless does not check them)"
            )
        _refuse_nested_constraints(sub, inner)
        if sub.get("arrayItem"):
            _refuse_nested_constraints({"fields": [dict(sub["arrayItem"], name="[]")]}, inner)


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


def _refuse_missing(missing: list, kind: str, where: str) -> None:
    for value in missing:
        if kind in _STR_FORMS and re.fullmatch(_STR_FORMS[kind], value, re.S):
            raise NotImplementedError(f"{where}: missing value {value!r} on a {kind!r} field")


def _enum(values: list, kind: str, fmt: str, where: str) -> list:
    """The enum as frictionless reads it: values its type reader refuses drop out."""
    if kind == "string":
        keep = [v for v in values if isinstance(v, str)]
        return [v for v in keep if re.match(_URI, v)] if fmt == "uri" else keep
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return values
    raise NotImplementedError(f"{where}: enum values that are not integers on an integer field")


def _bound(limit, kind: str, spec: dict, where: str):
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


_PYTHON_ONLY = re.compile(r"\$|\(\?(?!:)|\{,|\[:|\\[^\W\d_ntrfva]|\\[\d_]")
_REPEAT = re.compile(r"\\.|\{\d+(,\d*)?\}", re.S)


def _matches(values, pattern: str) -> np.ndarray:
    """frictionless's re.match("^pattern$"), where $ also matches before a final newline.

    RE2 (Arrow's engine) has the same syntax and meaning for plain patterns; anything
    where Python and RE2 could differ (Unicode \\d \\w \\s \\b, $, look-arounds, flags,
    POSIX classes, odd braces) is matched with Python's re, one value at a time.
    """
    python = re.compile(f"^{pattern}$")
    plain = not _PYTHON_ONLY.search(pattern) and not re.search(r"[{}]", _REPEAT.sub("", pattern))
    if plain:
        try:
            return _mask(pc.match_substring_regex(values, f"^(?:^{pattern}(?:\n?\\z))"))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return np.array(
        [v is not None and python.match(v) is not None for v in values.to_pylist()], bool
    )


def _present(values, missing: list):
    """The values with frictionless's missing values made null (a string column)."""
    if not missing:
        return values
    found = pc.is_in(values, value_set=pa.array(missing, values.type))
    return pc.if_else(found, pa.nulls(len(values), values.type), values)


def _repeats(values) -> np.ndarray:
    """True where a non-null value repeats an earlier row's.

    dictionary_encode numbers values in order of first appearance, so a row repeats
    an earlier value exactly when its code is no more than the largest code before it.
    """
    codes = pc.dictionary_encode(_combined(values)).indices
    codes = np.asarray(pc.fill_null(codes, -1).to_numpy(zero_copy_only=False), np.int64)
    if not len(codes):
        return np.zeros(0, bool)
    before = np.empty_like(codes)
    before[0] = -1
    np.maximum.accumulate(codes[:-1], out=before[1:])
    return (codes >= 0) & (codes <= before)


def _hex_keys(values: pa.Array) -> np.ndarray:
    """16 lowercase hex digits each -> uint64, without a Python loop."""
    fixed = (
        pc.cast(pc.cast(values, pa.binary()), pa.binary(16))
        if pa.types.is_string(values.type)
        else pc.cast(pc.cast(values, pa.large_binary()), pa.binary(16))
    )
    digits = np.frombuffer(fixed.buffers()[1], np.uint8)[
        fixed.offset * 16 : (fixed.offset + len(fixed)) * 16
    ]
    nibbles = _HEX[digits].reshape(-1, 16)
    packed = (nibbles[:, 0::2] << 4) | nibbles[:, 1::2]
    return np.ascontiguousarray(packed).view(">u8").ravel().astype(np.uint64)


_HEX = np.zeros(256, np.uint8)
_HEX[np.frombuffer(b"0123456789abcdef", np.uint8)] = np.arange(16, dtype=np.uint8)


def _any_per_row(parents: np.ndarray, items: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(parents[items], minlength=n)[:n] > 0


def _combined(values):
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _mask(values) -> np.ndarray:
    """An Arrow boolean array as numpy, null as False."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), bool)
