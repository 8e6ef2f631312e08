"""The build's spill: article records on disk between extraction and the release, so memory stays bounded.

Records arrive batch by batch, in whatever order the workers finish them. Each row (the
record, its split, shard position and provenance) is appended to one of BUCKETS
uncompressed Arrow IPC files, chosen by the record's shard position
(splits.position(id, "shard")). A release shard is a range of positions, so it is read
from the buckets that overlap that range, filtered to its split and range, and sorted by
id: one shard's rows (at most about shard_rows) are in memory at a time, and what is
written depends on neither batch sizes, nor workers, nor file order.

A row that comes from the build's cache (a hit) is not copied into a bucket: the cache's
packs already hold it, so the store keeps where it is there (cache.PackRows, which keeps
the packs open until the store is cleaned up) and reads it back only when a release file
that holds it is written, the rows of all such files in one pass over the packs
(materialize), or when a finding needs its record. A rebuild after one change so spills
one row, and copies out of the packs only the rows of the release files it writes again.

The corpus checks read single columns (ids, canonical urls, text digests, MinHash band
keys), each kept in a file of its own, and rebuild Article records only for the rows a
finding involves. The card's counts are summed as records arrive (tables.Summary).

Arrow IPC files are the spill because pyarrow writes and reads them fast and exactly;
nothing else is needed. They are read into memory, not memory-mapped: a mapped file's
pages stay resident once touched, which would make the footprint grow with the corpus.
They live in a temporary folder (under TMPDIR) that is removed when the build ends.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from corpuspack import leftovers
from corpuspack.article.record import Article
from corpuspack.build import splits
from corpuspack.build.store_columns import COLUMNS, bucket_schema, checked, extras
from corpuspack.build.store_release import (
    ORDER,
    ReleaseFile,
    file_of,
    in_file,
    release_keys,
    write_release_rows,
)
from corpuspack.build.tables import Summary
from corpuspack.cache import CacheError, location
from corpuspack.cache.entries import record_of
from corpuspack.cache.location import RowReader

BUCKETS = 64  # spill files; a bucket holds about 1/64 of the corpus (16,000 rows of a million)
FLUSH_ROWS = 4096  # records held before they are appended to the bucket files
SPILL = "corpuspack-spill-"  # the spill folder's name under $TMPDIR, then a random part


class StoreError(Exception):
    """The spill files could not be written or read (a full disk, say); nothing was released."""


class Store:
    """Article records of one build, spilled to disk, readable by shard, by column or by row.

    Two kinds of file: BUCKETS bucket files of whole rows (the record, its split, shard
    position and provenance), read a bucket at a time to write a shard or rebuild a few
    records; and one file per checked column (ids, paths, canonical urls, text digests,
    focus flags, bundle lines, MinHash band keys, and where each row went), in arrival
    order, so that reading a column reads that column's bytes and nothing else. (Arrow's
    IPC reader reads a record batch's whole body even when asked for one field, and the
    field's arrays keep that body alive: a column read out of the bucket files would hold
    every text.)
    """

    def __init__(self, record_schema: pa.Schema, ratios: Mapping[str, float]):
        try:
            # Spill folders of builds that were killed go first; a live build's stay (leftovers.py).
            leftovers.sweep(None, lambda name: name.startswith(SPILL))
            self._temporary = leftovers.make(SPILL)
        except OSError as exc:
            raise StoreError(
                f"could not make a folder for the build's spill files in {tempfile.gettempdir()} "
                f"(set TMPDIR to a writable folder): {exc}"
            ) from exc
        self.folder = self._temporary.path
        self.record_schema = record_schema
        self.ratios = dict(ratios)
        self.schema = bucket_schema(record_schema)
        self.columns = COLUMNS
        self.summary = Summary()
        self.split_rows: Counter[str] = Counter()
        self.count = 0
        self._pending: list[tuple[pa.Table, dict[str, pa.Array]]] = []
        self._pending_rows = 0
        self._writers: dict[int | str, pa.ipc.RecordBatchFileWriter] = {}
        self._written: Counter[int] = Counter()  # bucket -> rows written
        self._rows: dict[int, int] | None = None  # the same, once closed
        # Rows kept in the cache's packs (cache hits) are not copied here: their _where is
        # location.elsewhere() of where they are in the packs, read through _packs when needed.
        self._packs: RowReader | None = None
        self._materialized: dict[ReleaseFile, Path] = {}  # see materialize()

    def read_from(self, packs: RowReader | None) -> None:
        """The cache's packs (cache.PackRows) that cache hits will come from: the store closes them
        when it is cleaned up, whether or not it took any row from them."""
        self._packs = packs

    # -- writing ------------------------------------------------------------------------------

    def add(
        self,
        articles: Sequence[Article],
        table: pa.Table,
        signatures: Sequence[Sequence[int]],
        focus: Sequence[bool],
        origins: Sequence[tuple[str, int] | None],
        keys: Sequence[bytes | None] | None = None,
    ) -> None:
        """Records with their rows (table, in the record schema), MinHash signatures, focus flags and,
        for a capture from a JSONL bundle, (bundle, line); keys are their cache keys, if any."""
        self.add_rows(table, extras(articles, signatures), focus, origins, keys)

    def add_rows(
        self,
        table: pa.Table,
        extra: Mapping[str, pa.Array],
        focus: Sequence[bool],
        origins: Sequence[tuple[str, int] | None],
        keys: Sequence[bytes | None] | None = None,
        *,
        located: np.ndarray | None = None,
        packs: RowReader | None = None,
    ) -> None:
        """Rows already in Arrow (table, in the record schema) with what extras() makes of their records:
        the cache's hits come this way, never turned into Python objects. Rows that are in the cache's
        packs come with where they are there (located, in packs, a cache.PackRows) and are not copied."""
        if self._rows is not None:
            raise RuntimeError("the store is closed for writing")
        count = table.num_rows
        if not count:
            return
        split = splits.assign_positions(extra["_split_pos"].to_numpy(), self.ratios)
        split_array = pa.array(split, pa.string())
        rows: pa.Table | np.ndarray
        if located is not None:
            if self._packs is not None and packs is not self._packs:
                raise RuntimeError("the store reads the packs of one cache")
            self._packs = packs
            rows = location.elsewhere(located)  # the rows' _where
        else:
            rows = pa.Table.from_arrays(
                [*table.columns, split_array, extra["_shard_pos"], extra["_provenance"]],
                schema=self.schema,
            )
        columns = checked(table, extra, focus, origins, keys, split_array)
        self._pending.append((rows, columns))
        self._pending_rows += count
        self.summary.add_table(table)
        self.split_rows.update(split)
        self.count += count
        if self._pending_rows >= FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        try:
            self._write_pending()
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(
                f"could not write the build's spill files in {self.folder} (set TMPDIR to a "
                f"folder with room for about twice the corpus's text): {exc}"
            ) from exc

    def _write_pending(self) -> None:
        pending, self._pending, self._pending_rows = self._pending, [], 0
        columns = {name: pa.concat_arrays([c[name] for _, c in pending]) for name in pending[0][1]}
        tables = [rows for rows, _ in pending if isinstance(rows, pa.Table)]
        placed = (
            self._write_buckets(pa.concat_tables(tables)) if tables else np.empty(0, dtype=np.int64)
        )
        # Each row's _where in arrival order: in a bucket (placed, in order) or in the cache's packs.
        parts, taken = [], 0
        for rows, _ in pending:
            if isinstance(rows, pa.Table):
                parts.append(placed[taken : taken + rows.num_rows])
                taken += rows.num_rows
            else:
                parts.append(rows)
        columns["_where"] = pa.array(np.concatenate(parts))
        for field in self.columns:
            self._writer(field.name, self._column_path(field.name), pa.schema([field])).write_table(
                pa.Table.from_arrays([columns[field.name]], schema=pa.schema([field]))
            )

    def _write_buckets(self, table: pa.Table) -> np.ndarray:
        """Append rows to their buckets; returns where each went, location.encode(bucket, row)."""
        buckets = _buckets(table.column("_pos").to_numpy())
        order = np.argsort(buckets, kind="stable")
        # One chunk first: take() across many chunks (slices of cache packs) costs several times more.
        table, ordered = table.combine_chunks().take(pa.array(order)), buckets[order]
        where = np.empty(len(buckets), dtype=np.int64)
        edges = np.flatnonzero(np.diff(ordered)) + 1
        for start, end in zip(np.r_[0, edges], np.r_[edges, len(ordered)], strict=True):
            bucket = int(ordered[start])
            where[order[start:end]] = location.encode(
                bucket, self._written[bucket] + np.arange(end - start)
            )
            self._writer(bucket, self._path(bucket), self.schema).write_table(
                table.slice(start, end - start)
            )
            self._written[bucket] += int(end - start)
        return where

    def _writer(
        self, key: int | str, path: Path, schema: pa.Schema
    ) -> pa.ipc.RecordBatchFileWriter:
        writer = self._writers.get(key)
        if writer is None:
            writer = self._writers[key] = pa.ipc.new_file(str(path), schema)
        return writer

    def close(self) -> None:
        """Finish writing; the store can be read from then on."""
        if self._rows is not None:
            return
        self._flush()
        writers, self._writers = self._writers, {}
        for writer in writers.values():
            writer.close()
        self._rows = dict(self._written)

    def cleanup(self) -> None:
        """Remove the spill files (the store is unusable afterwards)."""
        for writer in self._writers.values():
            try:
                writer.close()
            except (OSError, pa.ArrowException):
                pass
        self._writers, self._rows = {}, {}
        if self._packs is not None:
            self._packs.close()
        self._temporary.remove()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()

    def _path(self, bucket: int) -> Path:
        return self.folder / f"bucket-{bucket:03d}.arrow"

    def _column_path(self, name: str) -> Path:
        return self.folder / f"column{name}.arrow"

    # -- reading ------------------------------------------------------------------------------

    def _read(self, path: Path) -> pa.Table:
        self.close()
        try:
            with pa.OSFile(str(path)) as source:
                return pa.ipc.open_file(source).read_all()
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"could not read the build's spill file {path}: {exc}") from exc

    def column(self, name: str) -> pa.ChunkedArray:
        """A column over every record, in arrival order; positions in it index take()."""
        self.close()
        if not self.count:
            return pa.chunked_array([], type=self.columns.field(name).type)
        return self._read(self._column_path(name)).column(0)

    def take(self, positions: Sequence[int] | np.ndarray) -> dict[int, Article]:
        """The records at positions of column() order, rebuilt as Articles; one bucket read at a time."""
        wanted = np.unique(np.asarray(positions, dtype=np.int64))
        if not len(wanted):
            return {}
        where = self.column("_where").to_numpy()[wanted]
        found: dict[int, Article] = {}
        cached = location.is_elsewhere(where)
        if cached.any():
            names = [*self.record_schema.names, "_provenance"]
            rows = self._packs_read(location.elsewhere(where[cached]), names).to_pylist()
            found.update(
                (int(p), record_of(row)) for p, row in zip(wanted[cached], rows, strict=True)
            )
        buckets, places = location.decode(where[~cached])
        wanted = wanted[~cached]
        for bucket in np.unique(buckets):
            inside = buckets == bucket
            rows = self._read(self._path(int(bucket))).take(pa.array(places[inside])).to_pylist()
            found.update(
                (int(p), record_of(row)) for p, row in zip(wanted[inside], rows, strict=True)
            )
        return found

    def _packs_read(self, located: np.ndarray, names: list[str]) -> pa.Table:
        assert self._packs is not None  # (rows are elsewhere only when packs were given)
        try:
            return self._packs.rows(located, names)
        except (CacheError, OSError, pa.ArrowException) as exc:
            raise StoreError(f"could not read the build's cached rows: {exc}") from exc

    def _cached(self) -> tuple[np.ndarray, np.ndarray, pa.ChunkedArray]:
        """Of the rows the store did not copy: where they are in the cache's packs, their shard
        positions and their splits."""
        where = self.column("_where").to_numpy()
        cached = np.flatnonzero(location.is_elsewhere(where))
        if not len(cached):
            return cached, cached, pa.chunked_array([], pa.string())
        return (
            location.elsewhere(where[cached]),
            self.column("_pos").to_numpy()[cached],
            self.column("_split").take(pa.array(cached)),
        )

    def materialize(self, files: Sequence[ReleaseFile]) -> None:
        """Before release files (split, index, count) are written: read their rows that are in the
        cache's packs in one pass over the packs (store_release.write_release_rows), into a spill file
        per release file."""
        self.close()
        files = [f for f in dict.fromkeys(files) if f not in self._materialized]
        if not files or self._packs is None:
            return
        located, positions, split_of = self._cached()
        if not len(located):
            return
        first = len(self._materialized)
        paths = {f: self.folder / f"cached-{first + i:06d}.arrow" for i, f in enumerate(files)}
        try:
            write_release_rows(self._packs, paths, located, positions, split_of, self.record_schema)
        except (CacheError, OSError, pa.ArrowException) as exc:
            raise StoreError(
                f"could not read the build's cached rows into {self.folder}: {exc}"
            ) from exc
        self._materialized.update(paths)

    def where(self, name: str, values: pa.Array) -> list[Article]:
        """The records whose column name holds one of values."""
        positions = np.flatnonzero(
            pc.fill_null(pc.is_in(self.column(name), value_set=values), False).to_numpy(
                zero_copy_only=False
            )
        )
        return list(self.take(positions).values())

    def members(self, files: set[str]) -> dict[str, tuple[str, int]]:
        """(bundle, line) of the captures from JSONL bundles among files (a capture's sidecar names it too)."""
        keys = set(files) | {
            f.removesuffix(".meta.yaml") + ".txt" for f in files if f.endswith(".meta.yaml")
        }
        if not keys or self.count == 0:
            return {}
        paths, bundles, lines = (self.column(n) for n in ("raw_path", "_bundle", "_line"))
        picked = pc.and_(
            pc.is_in(paths, value_set=pa.array(sorted(keys), pa.string())), pc.is_valid(bundles)
        )
        table = pa.table({"raw_path": paths, "bundle": bundles, "line": lines}).filter(picked)
        return {row["raw_path"]: (row["bundle"], row["line"]) for row in table.to_pylist()}

    def articles(self) -> list[Article]:
        """Every record as an Article, by id: for small corpora and tests (it holds them all)."""
        found = list(self.take(np.arange(self.count)).values())
        return sorted(found, key=lambda a: (a.id, a.raw_path))

    def shard_keys(self, split: str, count: int) -> list[bytes | None]:
        """For each of a split's count release files, the cache keys of its rows in the order shard()
        gives them, as one bytes object (32 bytes a row), or None if a row has none (built without a
        cache). See store_release.release_keys."""
        if not self.count:
            return [b""] * count
        names = ("id", "raw_path", "_key", "_split", "_pos")
        return release_keys(pa.table({name: self.column(name) for name in names}), split, count)

    def shard(self, split: str, index: int, count: int) -> pa.Table:
        """The rows of one release file, sorted by id, in the record schema, as one chunk.

        A row belongs to shard splits.shard(id, count) of its split: the same float
        arithmetic as splits.shard, on the stored positions."""
        first = max(0, int(index / count * BUCKETS) - 1)
        last = min(BUCKETS - 1, int((index + 1) / count * BUCKETS) + 1)
        parts = []
        self.close()
        assert self._rows is not None  # (closed)
        for bucket in sorted(b for b in self._rows if first <= b <= last):
            table = self._read(self._path(bucket))
            member = file_of(table.column("_pos").to_numpy(), count) == index
            mask = pc.and_(pc.equal(table.column("_split"), split), pa.array(member))
            parts.append(table.filter(mask).select(list(self.record_schema.names)))
        # Its rows kept in the cache's packs: from materialize()'s file, or read for this file alone.
        if (split, index, count) in self._materialized:
            parts.append(self._read(self._materialized[(split, index, count)]))
        elif self._packs is not None:
            located = in_file((split, index, count), *self._cached())
            if len(located):
                cached = self._packs_read(located, list(self.record_schema.names))
                parts.append(pa.Table.from_arrays(cached.columns, schema=self.record_schema))
        if not parts:
            return self.record_schema.empty_table()
        table = pa.concat_tables(parts)
        del parts
        order = pc.sort_indices(table, sort_keys=ORDER)
        # Column by column, largest first, each made one array and let go of before it is sorted:
        # Arrow's take on a chunked column would first make a third copy of it.
        columns = {}
        for name in sorted(table.column_names, key=lambda n: -table.column(n).nbytes):
            whole = table.column(name).combine_chunks()
            table = table.drop_columns([name])
            columns[name] = whole.take(order)
            del whole
        return pa.Table.from_arrays(
            [columns[n] for n in self.record_schema.names], schema=self.record_schema
        )


def _buckets(positions: np.ndarray) -> np.ndarray:
    return np.minimum(BUCKETS - 1, (positions * BUCKETS).astype(np.int64))
