"""A batch's records checked on their own and kept: added to the store, and to the cache.

Records reach a batch as cache entries in Arrow (rows of cache.entry_schema, made Python
records only where a check has something to say): taken from the cache's packs, or computed
by the engine in this build, whose workers give them back in the same layout
(build/computed.py; keep_outputs()). Only a record Arrow cannot hold comes as an Entry
object, a Python record. keep_entries() and keep_computed() are thin adapters that turn
each into Records, the rows the store takes and how to check them, for the one path both
take, keep(): the focused records are checked, the rows are added to the store. Checks
that need every record (repeated ids, urls, texts) are left to the corpus check, which
runs on the store once every batch is in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, NamedTuple, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from corpuspack import cache as cache_mod
from corpuspack.article.record import Article
from corpuspack.build import computed
from corpuspack.build import store as store_mod
from corpuspack.build.extensions import blamed
from corpuspack.build.store import Store
from corpuspack.cache import Cache, Entry
from corpuspack.checks import table as validate
from corpuspack.findings.report import Finding, error
from corpuspack.hooks import RecordCheck
from corpuspack.project.datapackage import Settings
from corpuspack.project.schema import RecordSchema

if TYPE_CHECKING:
    from corpuspack.cache import PackRows

Members = dict[
    str, tuple[str, int]
]  # capture -> (its JSONL bundle, line), for captures from bundles

# What the cache keeps of each record besides its row: the columns of store.extras().
_EXTRAS = ("_provenance", "_url_key", "_text_sha", "_signature", "_split_pos", "_shard_pos")

_UNREPRESENTABLE = (
    "the record does not fit the Arrow types of schema/article.schema.json, so it cannot be "
    "released; see the findings about its fields"
)


@dataclass(frozen=True)
class Keeper:
    """Where a build's records go and what they are checked against: the same for every batch."""

    store: Store
    schema: RecordSchema
    settings: Settings
    today: dt.date | None  # publication dates after it are errors
    # The focused captures (None: every capture is), a set the build adds to as it reads them.
    focus: set[str] | None
    cache: Cache | None = None
    record_checks: tuple[RecordCheck, ...] = ()


class Kept(NamedTuple):
    """What keeping a batch found: how many records were checked (the focused ones), and findings."""

    checked: int
    findings: list[Finding]


@dataclass(frozen=True)
class Records:
    """A batch's records as keep() takes them, however they came."""

    paths: list[str]  # each record's capture
    check: Callable[[list[int]], list[Finding]]  # the checks of the records at these positions
    table: pa.Table | None  # the rows of the records that fit the Arrow types, in the record schema
    fits: list[int]  # which records the table's rows are
    extra: Mapping[str, pa.Array]  # per row: what store.extras() makes of its record
    keys: Sequence[bytes | None]  # per row: its cache key, if any
    located: np.ndarray | None = None  # per row: where it is in the cache's packs, if it is there
    packs: PackRows | None = None


def keep(keeper: Keeper, records: Records, members: Members) -> Kept:
    """Check the focused records, report those Arrow cannot hold, add the others' rows to the store."""
    focus = keeper.focus
    focused = [focus is None or path in focus for path in records.paths]
    picked = [i for i, f in enumerate(focused) if f]
    findings: list[Finding] = []
    if picked:
        # Repeated ids are left to the corpus check, which sees every batch.
        findings += [f for f in records.check(picked) if f.code != "duplicate-id"]
    for i in sorted(set(range(len(records.paths))) - set(records.fits)):
        findings.append(error(records.paths[i], "unrepresentable-record", _UNREPRESENTABLE))
    if records.table is not None:
        keeper.store.add_rows(
            records.table,
            records.extra,
            [focused[i] for i in records.fits],
            [members.get(records.paths[i]) for i in records.fits],
            records.keys,
            located=records.located,
            packs=records.packs,
        )
    return Kept(len(picked), findings)


def keep_computed(
    keeper: Keeper, entries: list[Entry], keys: Sequence[bytes | None], members: Members
) -> Kept:
    """Keep the entries the engine computed (keys: each one's cache key), and put them in the cache.

    Their rows become one Arrow table, used both to check them and to store them."""
    made = [i for i, entry in enumerate(entries) if entry.article is not None]
    articles = [cast(Article, entries[i].article) for i in made]
    rows = [article.to_row() for article in articles]
    table, fits = computed.arrow_rows(rows, keeper.schema.plain_arrow)
    extra = {}
    if table is not None:
        # process() gives every entry with a record its signature.
        signatures = [cast(list[int], entries[made[i]].signature) for i in fits]
        extra = store_mod.extras([articles[i] for i in fits], signatures)
    records = Records(
        paths=[article.raw_path for article in articles],
        check=partial(_check_computed, keeper, articles, rows, table, fits),
        table=table,
        fits=fits,
        extra=extra,
        keys=[keys[made[i]] for i in fits],
    )
    findings = [finding for entry in entries for finding in entry.findings]
    kept = keep(keeper, records, members)
    if keeper.cache is not None:
        _cache_computed(keeper.cache, entries, keys, made, records)
    return Kept(kept.checked, findings + kept.findings)


def _check_computed(
    keeper: Keeper,
    articles: list[Article],
    rows: list[dict],
    table: pa.Table | None,
    fits: list[int],
    picked: list[int],
) -> list[Finding]:
    chunk_table = None  # made again from the rows if some did not fit the Arrow types
    if table is not None and len(fits) == len(rows):
        chunk_table = table if len(picked) == len(rows) else table.take(pa.array(picked))
    chosen = [articles[i] for i in picked]
    schema = keeper.schema
    findings = validate.check_chunk(
        chosen, [rows[i] for i in picked], schema.descriptor, schema.plain_arrow, chunk_table
    )
    for check in keeper.record_checks:
        with blamed("record check", check.name):
            findings += check.check(chosen, keeper.settings, keeper.today)
    return findings


def _cache_computed(
    cache: Cache,
    entries: list[Entry],
    keys: Sequence[bytes | None],
    made: list[int],
    records: Records,
) -> None:
    """Put computed entries in the cache: those that made no record, and those whose record fits.

    A record Arrow cannot hold is not kept: it is computed again, and reported again, next time."""
    schema = cache.entry_schema
    without = [i for i, entry in enumerate(entries) if entry.article is None]
    cache.put(
        computed.entry_table(
            schema, [keys[i] for i in without], [entries[i].findings for i in without]
        )
    )
    if records.table is not None:
        fitting = [made[i] for i in records.fits]
        cache.put(
            computed.entry_table(
                schema,
                records.keys,
                [entries[i].findings for i in fitting],
                records.table,
                records.extra,
            )
        )


def keep_outputs(
    keeper: Keeper,
    outputs: Sequence[computed.Output],
    keys: Sequence[bytes | None],
    members: Members,
) -> Kept:
    """Keep what the engine computed (keys: each output's cache key), and put it in the cache:
    the entries in Arrow as the cache's are kept, the Entry objects one by one."""
    table, at, objects = computed.received(outputs)
    checked, findings = 0, []
    if table is not None:
        table = table.set_column(0, "_key", pa.array([keys[i] for i in at], pa.binary(32)))
        kept = keep_entries(keeper, table, members)
        if keeper.cache is not None:
            keeper.cache.put(table)
        checked, findings = kept.checked, kept.findings
    if objects:
        entries = [cast(Entry, outputs[i]) for i in objects]
        kept = keep_computed(keeper, entries, [keys[i] for i in objects], members)
        checked, findings = checked + kept.checked, findings + kept.findings
    return Kept(checked, findings)


def keep_entries(
    keeper: Keeper,
    entries: pa.Table,
    members: Members,
    located: np.ndarray | None = None,
    packs: PackRows | None = None,
) -> Kept:
    """Keep entries in Arrow (rows of cache.entry_schema, computed or the cache's, these at located
    in packs): a record is rebuilt only for a row with a finding, and the store keeps where the
    cache's rows are, not copies of them."""
    findings = [
        finding
        for text in entries.column("_findings").to_pylist()
        for finding in cache_mod.findings_of(text)
    ]
    ok = entries.column("_ok")
    if ok.null_count or not pc.all(ok).as_py():  # a filter copies every row: only when some are not
        made = pc.fill_null(ok, False)
        entries = entries.filter(made)
        if located is not None:
            located = located[made.to_numpy(zero_copy_only=False)]
    if not entries.num_rows:
        return Kept(0, findings)
    arrow = keeper.schema.plain_arrow
    table = pa.Table.from_arrays([entries.column(n) for n in arrow.names], schema=arrow)
    extra = {name: entries.column(name).combine_chunks() for name in _EXTRAS}
    records = Records(
        paths=table.column("raw_path").to_pylist(),
        check=partial(_check_cached, keeper, table, extra["_provenance"]),
        table=table,
        fits=list(range(table.num_rows)),
        extra=extra,
        keys=entries.column("_key").to_pylist(),
        located=located,
        packs=packs,
    )
    kept = keep(keeper, records, members)
    return Kept(kept.checked, findings + kept.findings)


def _check_cached(
    keeper: Keeper, table: pa.Table, provenance: pa.Array, picked: list[int]
) -> list[Finding]:
    def records(positions: list[int]) -> list[Article]:
        rows = table.take(pa.array(positions, pa.int64())).to_pylist()
        for row, position in zip(rows, positions, strict=True):
            row["_provenance"] = provenance[position].as_py()
        return [store_mod.record_of(row) for row in rows]

    subset = table if len(picked) == table.num_rows else table.take(pa.array(picked))
    findings = validate.check_records(
        subset, keeper.schema.descriptor, lambda i: records([picked[i]])[0]
    )
    for check in keeper.record_checks:
        # A check that can tell from the columns which rows may have a finding is given only
        # those as records: making every cached row a record again would undo the cache.
        suspects = getattr(check, "suspects", None)
        with blamed("record check", check.name):
            chosen = (
                suspects(subset, keeper.settings, keeper.today) if suspects else range(len(picked))
            )
            if chosen:
                findings += check.check(
                    records([picked[i] for i in chosen]), keeper.settings, keeper.today
                )
    return findings
