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

The schema's rules are read in arrow_rules.py, the columns checked in arrow_cells.py
and repeats found in arrow_unique.py; this module lists the rows' findings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from corpuspack.checks.arrow_cells import Cells, array_cells, scalar_cells
from corpuspack.checks.arrow_rules import (
    DEFAULT_MISSING,
    UNIQUE_TYPES,
    Finding,
    NotedFinding,
    unique_and_key,
)
from corpuspack.checks.arrow_unique import UniqueIds, repeats

__all__ = ["Finding", "NotedFinding", "UniqueIds", "check_table"]


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
    whole corpus as one table. Like checks/table.py, there is no limit on the number of
    errors (frictionless stops at 1000 by default). notes=True adds each finding's note.
    """
    fields = schema_descriptor["fields"]
    names = [f["name"] for f in fields]
    if table.column_names != names:
        raise ValueError(
            f"the table's columns must be the schema's fields, in order: {', '.join(names)}"
        )
    unique, key = unique_and_key(schema_descriptor)
    if ids is not None and ids.field not in set(unique) | {key}:
        raise ValueError(f"ids tracks {ids.field!r}, which is neither unique nor the primary key")
    n = table.num_rows
    schema_missing = schema_descriptor.get("missingValues", DEFAULT_MISSING)
    cells = [
        array_cells(column, spec, spec.get("missingValues", schema_missing), n)
        if spec.get("type") == "array"
        else scalar_cells(column, spec, spec.get("missingValues", schema_missing), spec["name"])
        for spec, column in zip(fields, table.columns, strict=True)
    ]
    outcome = _Outcome(
        names=names,
        cells=cells,
        blank=np.logical_and.reduce([c.blank for c in cells]) if cells else np.zeros(n, bool),
        unique=[names.index(u) for u in unique],
        key=names.index(key) if key else None,
        repeats=_repeats(fields, cells, unique, key, ids),
    )
    findings: list[NotedFinding] = []
    for r in np.flatnonzero(outcome.flagged()).tolist():
        findings.extend(outcome.row_findings(r, r + row_offset + 2))
    return findings if notes else [finding[:3] for finding in findings]


def _repeats(
    fields: list[dict],
    cells: list[Cells],
    unique: list[str],
    key: str | None,
    ids: UniqueIds | None,
) -> dict[int, np.ndarray]:
    """Column -> the rows that repeat an earlier row's value, for the unique fields and the key."""
    names = [f["name"] for f in fields]
    found: dict[int, np.ndarray] = {}
    for name in {*unique, *([key] if key else [])}:
        j = names.index(name)
        if fields[j].get("type") not in UNIQUE_TYPES:
            raise NotImplementedError(f"{name}: uniqueness of a {fields[j].get('type')!r} field")
        values = cells[j].value
        found[j] = ids.repeats(values) if ids is not None and ids.field == name else repeats(values)
    return found


@dataclass
class _Outcome:
    """The table's cells and repeats, from which a row's findings are read."""

    names: list[str]
    cells: list[Cells]
    blank: np.ndarray  # rows whose every cell is blank
    unique: list[int]  # the columns of unique fields, in field order
    key: int | None  # the primary key's column
    repeats: dict[int, np.ndarray]  # of the unique and key columns

    def __post_init__(self) -> None:
        # A key's cells are scalar ones (UNIQUE_TYPES), which keep their nulls.
        null = self.cells[self.key].value_null if self.key is not None else None
        self.key_null = null if null is not None else np.zeros(len(self.blank), bool)

    def flagged(self) -> np.ndarray:
        """The rows with at least one finding."""
        flagged = self.blank.copy()
        for c in self.cells:
            flagged |= c.typed | (c.count() > 0)
        for mask in self.repeats.values():
            flagged |= mask
        flagged |= self.key_null
        return flagged

    def row_findings(self, r: int, number: int) -> list[NotedFinding]:
        """A row's findings in frictionless's order: it reads the unique and key cells first, on their own."""
        errors: list[NotedFinding] = []
        read: set[int] = set()
        whole = False

        def read_cell(j: int) -> None:
            if j in read:
                return
            read.add(j)
            c = self.cells[j]
            if c.typed[r]:
                errors.append((number, self.names[j], "type-error", c.type_note))
            errors.extend((number, self.names[j], "constraint-error", note) for note in c.notes(r))

        def read_row() -> None:
            nonlocal whole
            if whole:
                return
            for j in range(len(self.cells)):
                read_cell(j)
            if self.blank[r]:
                errors[:] = [(number, None, "blank-row", None)]
            whole = True

        for j in self.unique:
            read_cell(j)
            if self.repeats[j][r]:
                read_row()
                errors.append((number, self.names[j], "unique-error", None))
        if self.key is not None:
            read_cell(self.key)
            if self.key_null[r] or self.repeats[self.key][r]:
                read_row()
                errors.append((number, None, "primary-key", None))
        read_row()
        return errors
