"""The build's spill: article records on disk between extraction and the release, so memory stays bounded.

Records arrive batch by batch, in whatever order the workers finish them. Each is
appended, as an Arrow row with a few bookkeeping columns, to one of BUCKETS
uncompressed Arrow IPC files, chosen by the record's shard position
(splits.position(id, "shard")). A release shard is a range of positions, so it is read
from the buckets that overlap that range, filtered to its split and range, and sorted by
id: one shard's rows (at most about shard_rows) are in memory at a time, and what is
written depends on neither batch sizes, nor workers, nor file order.

The corpus checks read single columns of the files (ids, canonical urls, text digests,
MinHash band keys; Arrow IPC reads only the buffers of the fields asked for) and rebuild Article records only for the rows a
finding involves. The card's counts are summed as records arrive (tables.Summary).

Arrow IPC files on disk are the spill because pyarrow reads them back one column at a time;
nothing else is needed. They are read into memory, not memory-mapped: a mapped file's pages
stay resident once touched, which would make the checks' footprint grow with the corpus. The files live in a temporary folder (under
TMPDIR) that is removed when the store is closed or collected.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import corpus, splits
from .article import RECORD_FIELDS, Article
from .tables import Summary

BUCKETS = 64  # spill files; a bucket holds about 1/64 of the corpus (16,000 rows of a million)
FLUSH_ROWS = 4096  # records held before they are appended to the bucket files
_SORT = [("id", "ascending"), ("raw_path", "ascending")]


def _band_name(band: int) -> str:
    return f"_band{band:02d}"


class Store:
    """Article records of one build, spilled to disk, readable by shard, by column or by row."""

    def __init__(self, record_schema: pa.Schema, ratios: Mapping[str, float]):
        self._temporary = tempfile.TemporaryDirectory(prefix="corpuspack-spill-")
        self.folder = Path(self._temporary.name)
        self.record_schema = record_schema
        self.ratios = dict(ratios)
        width = corpus.ROWS_PER_BAND * 4
        extra = [pa.field("_split", pa.string()), pa.field("_pos", pa.float64()), pa.field("_url_key", pa.string()),
                 pa.field("_text_sha", pa.binary(32)), pa.field("_focus", pa.bool_()),
                 pa.field("_provenance", pa.string()), pa.field("_shard", pa.string()),
                 pa.field("_line", pa.int64())]
        extra += [pa.field(_band_name(b), pa.binary(width)) for b in range(len(corpus.BANDS))]
        self.schema = pa.schema(list(record_schema) + extra)
        self.summary = Summary()
        self.split_rows: Counter[str] = Counter()
        self.count = 0
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._writers: dict[int, pa.ipc.RecordBatchFileWriter] = {}
        self._written: Counter[int] = Counter()  # bucket -> rows written
        self._rows: dict[int, int] | None = None  # the same, once closed

    # -- writing ------------------------------------------------------------------------------

    def add(self, articles: Sequence[Article], table: pa.Table, signatures: Sequence[Sequence[int]],
            focus: Sequence[bool], origins: Sequence[tuple[str, int] | None]) -> None:
        """Records with their rows (table, in the record schema), MinHash signatures, focus flags and,
        for a capture from a JSONL shard, (shard, line)."""
        if self._rows is not None:
            raise RuntimeError("the store is closed for writing")
        if not articles:
            return
        ids = [a.id for a in articles]
        split = [splits.assign(i, self.ratios) for i in ids]
        position = [splits.position(i, "shard") for i in ids]
        matrix = np.asarray(signatures, dtype=np.uint32).reshape(len(articles), -1)
        columns = {
            "_split": pa.array(split, pa.string()),
            "_pos": pa.array(position, pa.float64()),
            "_url_key": pa.array([corpus.canonical_url(a.url) if a.url else None for a in articles], pa.string()),
            "_text_sha": pa.array([hashlib.sha256(a.text.encode()).digest() for a in articles], pa.binary(32)),
            "_focus": pa.array(list(focus), pa.bool_()),
            "_provenance": pa.array([json.dumps(_provenance(a), separators=(",", ":")) for a in articles],
                                    pa.string()),
            "_shard": pa.array([o[0] if o else None for o in origins], pa.string()),
            "_line": pa.array([o[1] if o else None for o in origins], pa.int64()),
        }
        width = corpus.ROWS_PER_BAND * 4
        for band, (start, end) in enumerate(corpus.BANDS):
            data = np.ascontiguousarray(matrix[:, start:end]).astype("<u4").tobytes()
            columns[_band_name(band)] = pa.FixedSizeBinaryArray.from_buffers(
                pa.binary(width), len(articles), [None, pa.py_buffer(data)])
        extended = pa.Table.from_arrays([*table.columns, *columns.values()], schema=self.schema)
        self._pending.append(extended)
        self._pending_rows += len(articles)
        for article, name in zip(articles, split):
            self.summary.add(article)
            self.split_rows[name] += 1
        self.count += len(articles)
        if self._pending_rows >= FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        table = pa.concat_tables(self._pending)
        self._pending, self._pending_rows = [], 0
        buckets = _buckets(table.column("_pos").to_numpy())
        order = np.argsort(buckets, kind="stable")
        table, buckets = table.take(pa.array(order)), buckets[order]
        edges = np.flatnonzero(np.diff(buckets)) + 1
        for start, end in zip(np.r_[0, edges], np.r_[edges, len(buckets)]):
            bucket = int(buckets[start])
            writer = self._writers.get(bucket)
            if writer is None:
                writer = self._writers[bucket] = pa.ipc.new_file(str(self._path(bucket)), self.schema)
            writer.write_table(table.slice(start, end - start))
            self._written[bucket] += int(end - start)

    def close(self) -> None:
        """Finish writing; the store can be read from then on."""
        if self._rows is not None:
            return
        self._flush()
        for writer in self._writers.values():
            writer.close()
        self._rows = dict(self._written)
        self._writers = {}

    def cleanup(self) -> None:
        """Remove the spill files (the store is unusable afterwards)."""
        self._rows = {}
        self._temporary.cleanup()

    def _path(self, bucket: int) -> Path:
        return self.folder / f"bucket-{bucket:03d}.arrow"

    # -- reading ------------------------------------------------------------------------------

    def _buckets(self, names: Sequence[str] | None = None) -> Iterator[tuple[int, pa.Table]]:
        """(bucket, its rows) for every bucket that has rows, with only the columns names (or all)."""
        self.close()
        for bucket in sorted(self._rows):
            yield bucket, self._read(bucket, names)

    def _read(self, bucket: int, names: Sequence[str] | None = None) -> pa.Table:
        options = None
        if names is not None:
            options = pa.ipc.IpcReadOptions(included_fields=[self.schema.get_field_index(n) for n in names])
        with pa.OSFile(str(self._path(bucket))) as source:
            return pa.ipc.open_file(source, options=options).read_all()

    def column(self, name: str) -> pa.ChunkedArray:
        """A column over every record, in the store's order (bucket by bucket); positions index take()."""
        chunks = [chunk for _, table in self._buckets([name]) for chunk in table.column(0).chunks]
        return pa.chunked_array(chunks, type=self.schema.field(name).type)

    def take(self, positions: Sequence[int] | np.ndarray) -> dict[int, Article]:
        """The records at positions of column() order, rebuilt as Articles."""
        wanted = np.unique(np.asarray(positions, dtype=np.int64))
        found: dict[int, Article] = {}
        offset = 0
        self.close()
        for bucket, rows in sorted(self._rows.items()):
            inside = wanted[(wanted >= offset) & (wanted < offset + rows)]
            if len(inside):
                picked = self._read(bucket).take(pa.array(inside - offset)).to_pylist()
                found.update((int(p), _article(row)) for p, row in zip(inside, picked))
            offset += rows
        return found

    def where(self, name: str, values: pa.Array) -> list[Article]:
        """The records whose column name holds one of values."""
        positions = np.flatnonzero(pc.fill_null(pc.is_in(self.column(name), value_set=values), False).to_numpy(
            zero_copy_only=False))
        return list(self.take(positions).values())

    def members(self, files: set[str]) -> dict[str, tuple[str, int]]:
        """(shard, line) of the captures from JSONL shards among files (a capture's sidecar names it too)."""
        keys = set(files) | {f.removesuffix(".meta.yaml") + ".txt" for f in files if f.endswith(".meta.yaml")}
        if not keys or self.count == 0:
            return {}
        found = {}
        wanted = pa.array(sorted(keys), pa.string())
        for _, table in self._buckets(["raw_path", "_shard", "_line"]):
            picked = table.filter(
                pc.and_(pc.is_in(table.column("raw_path"), value_set=wanted), pc.is_valid(table.column("_shard"))))
            found.update((row["raw_path"], (row["_shard"], row["_line"])) for row in picked.to_pylist())
        return found

    def articles(self) -> list[Article]:
        """Every record as an Article, by id: for small corpora and tests (it holds them all)."""
        found = list(self.take(np.arange(self.count)).values())
        return sorted(found, key=lambda a: (a.id, a.raw_path))

    def shard(self, split: str, index: int, count: int) -> pa.Table:
        """The rows of one release file, sorted by id, in the record schema, as one chunk.

        A row belongs to shard splits.shard(id, count) of its split: the same float
        arithmetic as splits.shard, on the stored positions."""
        first = max(0, int(index / count * BUCKETS) - 1)
        last = min(BUCKETS - 1, int((index + 1) / count * BUCKETS) + 1)
        parts = []
        self.close()
        for bucket in sorted(b for b in self._rows if first <= b <= last):
            table = self._read(bucket)
            positions = table.column("_pos").to_numpy()
            member = np.minimum(count - 1, (positions * count).astype(np.int64)) == index
            mask = pc.and_(pc.equal(table.column("_split"), split), pa.array(member))
            parts.append(table.filter(mask))
        if not parts:
            return self.record_schema.empty_table()
        table = pa.concat_tables(parts)
        table = table.take(pc.sort_indices(table, sort_keys=_SORT)).select(list(self.record_schema.names))
        return pa.Table.from_arrays(table.combine_chunks().columns, schema=self.record_schema)


def _buckets(positions: np.ndarray) -> np.ndarray:
    return np.minimum(BUCKETS - 1, (positions * BUCKETS).astype(np.int64))


def _provenance(article: Article) -> dict:
    """What the row does not hold but findings need: the exact published value and where fields came from."""
    return {"published": article.published.isoformat() if article.published else None,
            "sidecar_path": article.sidecar_path, "sidecar_lines": [list(i) for i in article.sidecar_lines],
            "page_lines": [list(i) for i in article.page_lines]}


def _article(row: dict) -> Article:
    provenance = json.loads(row["_provenance"])
    data = {name: row[name] for name in RECORD_FIELDS}
    data["published"] = provenance["published"]
    data["published_date"] = row["published_date"].isoformat() if row["published_date"] else None
    data["sidecar_path"] = provenance["sidecar_path"]
    data["sidecar_lines"] = provenance["sidecar_lines"]
    data["page_lines"] = provenance["page_lines"]
    return Article.from_json(data)
