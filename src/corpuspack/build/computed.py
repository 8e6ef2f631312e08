"""What the engine's workers give back: a batch's cache entries in Arrow, not Python objects.

A worker runs process() on its batch of captures (captures.Process) and turns what it made
into one Arrow table in the cache's entry layout (cache.entry_schema: key, findings as JSON,
whether it made a record, the record's row, the EXTRAS), the rows cached captures come as, so
that computed and cached records are kept by one path (batches.keep_entries). The table
crosses to the main process as one Arrow IPC stream: unpickling Entry objects (records,
findings, signatures) took the main process about a third of its work.

The engines' contract is one output per item, in order (build/engines.py), so each item's
output is a Row: its place in its batch's table, a Shipment all the batch's Rows share.
Pickle writes an object once however often it is referred to, so the table crosses once
(over a process pool's pipe or from a Dask worker alike). A record Arrow cannot hold (a value
that does not fit the schema's types) comes back as its Entry, checked in Python, as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, cast

import numpy as np
import pyarrow as pa

from corpuspack.article.record import Article
from corpuspack.build.captures import Process, Work
from corpuspack.build.store_columns import extras
from corpuspack.cache import Entry, entry_schema, findings_json
from corpuspack.findings.report import Finding


class Shipment:
    """A batch's entries (a table of cache.entry_schema), pickled as one Arrow IPC stream."""

    __slots__ = ("table",)

    def __init__(self, table: pa.Table):
        self.table = table

    def __getstate__(self) -> pa.Buffer:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, self.table.schema) as writer:
            writer.write_table(self.table)
        return sink.getvalue()

    def __setstate__(self, state: pa.Buffer) -> None:
        self.table = pa.ipc.open_stream(state).read_all()  # its columns are views of state


class Row(NamedTuple):
    """One item's output: row `at` of its batch's shipment."""

    shipment: Shipment
    at: int


Output = Row | Entry  # an Entry only for a record that Arrow cannot hold


@dataclass(frozen=True)
class ArrowTask:
    """The engine's task: process() of a batch of captures, given back as Rows of one Shipment."""

    process: Process
    record_arrow: pa.Schema  # the record schema's Arrow schema (RecordSchema.plain_arrow)

    def __call__(self, items: Sequence[Work]) -> list[Output]:
        entries = self.process.batch(items)
        table, unfit = entries_table(entries, self.record_arrow)
        shipment = Shipment(table)
        rows = iter(range(table.num_rows))
        return [
            entry if i in unfit else Row(shipment, next(rows)) for i, entry in enumerate(entries)
        ]


def entries_table(entries: Sequence[Entry], record_arrow: pa.Schema) -> tuple[pa.Table, set[int]]:
    """The entries as rows of entry_schema(record_arrow), in their order (keys null), and the
    positions of the entries left out: those whose record does not fit the Arrow types."""
    schema = entry_schema(record_arrow)
    made = [i for i, entry in enumerate(entries) if entry.article is not None]
    articles = [cast(Article, entries[i].article) for i in made]
    table, fits = arrow_rows([article.to_row() for article in articles], record_arrow)
    fitting = [made[i] for i in fits]
    without = [i for i, entry in enumerate(entries) if entry.article is None]
    parts = [entry_table(schema, [None] * len(without), [entries[i].findings for i in without])]
    if table is not None:
        # process() gives every entry with a record its signature.
        signatures = [cast(list[int], entries[i].signature) for i in fitting]
        extra = extras([articles[i] for i in fits], signatures)
        findings = [entries[i].findings for i in fitting]
        parts.append(entry_table(schema, [None] * len(fits), findings, table, extra))
    order = without + fitting
    combined = pa.concat_tables(parts)
    if order != sorted(order):  # back in the items' order
        combined = combined.take(pa.array(np.argsort(order, kind="stable")))
    return combined, set(made) - set(fitting)


def received(outputs: Sequence[Output]) -> tuple[pa.Table | None, list[int], list[int]]:
    """The outputs' Rows as one table of entries, the positions of the outputs its rows are,
    and the positions of the outputs that are Entries."""
    offsets: dict[int, int] = {}  # id of a shipment -> where its rows start in the table
    tables: list[pa.Table] = []
    total = 0
    rows: list[int] = []
    at: list[int] = []
    entries: list[int] = []
    for position, output in enumerate(outputs):
        if not isinstance(output, Row):
            entries.append(position)
            continue
        shipment = output.shipment
        if id(shipment) not in offsets:
            offsets[id(shipment)] = total
            tables.append(shipment.table)
            total += shipment.table.num_rows
        rows.append(offsets[id(shipment)] + output.at)
        at.append(position)
    if not rows:
        return None, [], entries
    table = pa.concat_tables(tables)
    if rows != list(range(table.num_rows)):  # an engine that gave some twice, or out of order
        table = table.take(pa.array(rows, pa.int64()))
    return table, at, entries


def entry_table(
    schema: pa.Schema,
    keys: Sequence[bytes | None],
    findings: Sequence[list[Finding]],
    table: pa.Table | None = None,
    extra: Mapping[str, pa.Array] | None = None,
) -> pa.Table:
    """Cache entries: with their records' rows and extras, or (table None) of captures that made none."""
    count = len(keys)
    columns = {
        "_key": pa.array(keys, pa.binary(32)),
        "_findings": pa.array([findings_json(f) for f in findings], pa.string()),
        "_ok": pa.array([table is not None] * count, pa.bool_()),
    }
    for field in schema:
        if field.name in columns:
            continue
        if table is None:
            columns[field.name] = pa.nulls(count, field.type)
        elif extra is not None and field.name in extra:
            columns[field.name] = extra[field.name]
        else:
            columns[field.name] = table.column(field.name)
    return pa.Table.from_arrays([columns[f.name] for f in schema], schema=schema)


def arrow_rows(rows: list[dict], arrow_schema: pa.Schema) -> tuple[pa.Table | None, list[int]]:
    """The rows as Arrow, and which rows that is: a row that does not fit the Arrow types (a
    schema error, reported by validation) is left out of the store."""
    if not rows:
        return None, []
    try:
        return pa.Table.from_pylist(rows, schema=arrow_schema), list(range(len(rows)))
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        fits, tables = [], []
        for index, row in enumerate(rows):
            try:
                tables.append(pa.Table.from_pylist([row], schema=arrow_schema))
                fits.append(index)
            except (pa.ArrowException, TypeError, ValueError, OverflowError):
                continue
        return (pa.concat_tables(tables) if tables else None), fits
