"""A content-addressed cache of extraction results, so unchanged captures are not re-processed.

An entry is keyed by the SHA-256 of the capture's bytes, its sidecar's and
annotation files' bytes, its path, the annotation vocabulary and a digest of
corpuspack's own code, profiles and the versions of the libraries it runs on (the
rules that process them), so any change to any of these misses the cache. The cache
is safe to delete and never changes the output: a hit returns exactly what
extraction would.

Entries are kept in Arrow, the form the build's store takes them in, so a hit is
never turned into Python objects (at 100,000 articles, parsing one JSON entry per
capture and rebuilding its record cost more than the rest of a rebuild):

- packs/<layout>/pack-*.arrow: entries, one row each (the record's row in the
  record schema, its provenance, canonical url, text digest, MinHash signature and
  the extraction's findings as JSON), in record batches of PACK_BATCH rows, so a
  hit reads one batch, not the pack; beside each, pack-*.keys.arrow lists its keys.
  <layout> is a digest of the rules and of the Arrow record schema, which
  schema/article.schema.json decides. A build writes one pack of the entries it
  computed; once there are more than MAX_PACKS, the entries the build used are
  rewritten into one pack and the rest deleted. Packs of another layout go at the end
  of a build (they were made by other rules and cannot be hit again by these).
- files.arrow: the SHA-256 of each file of raw/ last seen, with its size, inode,
  modification and change times, so an unchanged capture's key is known from a stat
  and the capture is not read at all (git's index does the same for `git status`).

Files are data only (Arrow IPC; never pickle: a cache restored in CI must not be
able to run code), written to a temporary name and renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
import uuid
from array import array
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache as memoize
from importlib import metadata, resources
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from corpuspack import __version__
from corpuspack.article.record import Article
from corpuspack.findings.report import Finding

FORMAT = 3
PACK_BATCH = 1024  # entries per record batch of a pack: what a hit reads
MAX_PACKS = 8  # packs kept before the used entries are compacted into one
RACY_NS = 2_000_000_000  # a file modified this close to the build's start is hashed again next time
SAVE_ROWS = 1 << 16  # file index rows written at a time


@memoize
def rules_digest() -> str:
    """Digest of every source and data file of the installed corpuspack package and of the
    versions of the libraries it depends on (ftfy, datasketch, pyarrow... decide the results too)."""
    digest = hashlib.sha256(f"{FORMAT}:{__version__}".encode())
    root = resources.files("corpuspack")
    stack = [root]
    files = []
    while stack:
        folder = stack.pop()
        for entry in folder.iterdir():
            if entry.is_dir():
                if entry.name != "__pycache__":
                    stack.append(entry)
            elif entry.name.endswith((".py", ".yaml", ".json")):
                files.append(entry)
    for entry in sorted(files, key=lambda e: str(e)):
        digest.update(str(entry).rsplit("corpuspack", 1)[-1].encode())
        digest.update(entry.read_bytes())
    for name in sorted(_dependencies()):
        try:
            digest.update(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}: absent".encode())
    return digest.hexdigest()


def _dependencies() -> set[str]:
    try:
        requires = metadata.requires("corpuspack") or []
    except metadata.PackageNotFoundError:
        return set()
    return {
        re.split(r"[\s<>=!~;\[(]", r, maxsplit=1)[0].lower()
        for r in requires
        if "extra ==" not in r
    }


_prefixes: list = [
    None,
    None,
]  # (vocabulary, the key's hash of the rules and it): made once per run, not per capture


def _key_prefix(vocabulary):
    if _prefixes[0] is not vocabulary:
        digest = hashlib.sha256(rules_digest().encode())
        digest.update(sha256(json.dumps(vocabulary.descriptor, sort_keys=True).encode()))
        _prefixes[:] = [vocabulary, digest]
    return _prefixes[1]


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


_NO_SIDECAR = b"\0" * 32


@dataclass
class Entry:
    article: Article | None
    findings: list[Finding]
    signature: list[int] | None


class CacheError(Exception):
    """The cache folder cannot be used (not writable, say); delete it or pick another."""


class FileIndex:
    """SHA-256 digests of files, trusted while a file's size, inode, modification and change times
    are those it was hashed with.

    Written by hand: this is what git's index does for `git status`, and no library offers it
    apart from a version control system. A file modified within RACY_NS of the build's start is
    not remembered (its next change could keep the same times), and the change time (which no
    program can set back) is part of the match, so a remembered digest is that of the file.

    Kept compact, in numpy arrays, not Python objects (at a million captures, 1.75 million
    files, a dict of them took about 900 MB): a file is found by a 64-bit hash of its path
    (xxHash) and must then match all four times and sizes. Two files cannot share an inode,
    so a hash collision between two paths cannot make one's digest pass for the other's.
    """

    SCHEMA = pa.schema(
        [
            pa.field("path_hash", pa.uint64()),
            pa.field("size", pa.int64()),
            pa.field("ino", pa.int64()),
            pa.field("mtime_ns", pa.int64()),
            pa.field("ctime_ns", pa.int64()),
            pa.field("sha256", pa.binary(32)),
        ]
    )

    def __init__(self, path: Path):
        self.path = path
        self.started = time.time_ns()
        self.hashed = 0  # files read and hashed (the others' digests were known)
        self._hashes = np.empty(0, dtype=np.uint64)  # sorted
        self._stamps = [np.empty(0, dtype=np.int64) for _ in range(4)]  # size, inode, mtime, ctime
        self._digests = np.empty((0, 32), dtype=np.uint8)
        # The files of this build the index knew are marked in `_matched` (a byte each), not copied:
        # at a million captures a second copy of their rows was about 125 MB more.
        # The files it did not know (new or changed: few, in a rebuild) are appended as they come.
        # Both are what save() keeps.
        self._seen_hashes = array("Q")
        self._seen_stamps = array("q")
        self._seen_digests = bytearray()
        self._sorted: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # see _seen_sorted
        try:
            with pa.OSFile(str(path)) as source:
                table = pa.ipc.open_file(source).read_all()
            if table.schema.equals(self.SCHEMA):
                # Views of the table's buffers (about 72 bytes a file), not copies.
                self._hashes = table.column("path_hash").to_numpy()
                self._stamps = [
                    table.column(n).to_numpy() for n in ("size", "ino", "mtime_ns", "ctime_ns")
                ]
                column = table.column("sha256").combine_chunks()
                self._digests = np.frombuffer(
                    column.buffers()[1],
                    dtype=np.uint8,
                    count=len(column) * 32,
                    offset=column.offset * 32,
                ).reshape(-1, 32)
        except (OSError, pa.ArrowException):
            pass  # no index yet, or a damaged one: every file is read and hashed
        self._matched = np.zeros(len(self._hashes), dtype=bool)

    def _find(
        self,
        hashes: np.ndarray,
        wanted: list[np.ndarray],
        columns: list[np.ndarray],
        matched_only: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(found, at): whether each path hash is in the index with the wanted values in the given
        stamp columns (and, with matched_only, among the files matched in this build), and where."""
        count = len(hashes)
        if not len(self._hashes):
            return np.zeros(count, dtype=bool), np.zeros(count, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._hashes, hashes), len(self._hashes) - 1)
        same_hash = self._hashes[at] == hashes
        found = same_hash.copy()
        for value, known in zip(wanted, columns):
            found &= known[at] == value
        if matched_only:
            found &= self._matched[at]
        # The same path hash twice in the index (a 64-bit collision): look past the first.
        for i in np.flatnonzero(~found & same_hash).tolist():
            j = int(at[i]) + 1
            while j < len(self._hashes) and self._hashes[j] == hashes[i]:
                if all(
                    int(known[j]) == int(value[i]) for value, known in zip(wanted, columns)
                ) and (not matched_only or self._matched[j]):
                    at[i], found[i] = j, True
                    break
                j += 1
        return found, at

    def digests(
        self, paths: Sequence[str | Path], statuses: Sequence[os.stat_result]
    ) -> list[tuple[bytes, bytes | None]]:
        """(SHA-256, the bytes if the file had to be read, else None) of each file, whose stat is given."""
        count = len(paths)
        if not count:
            return []
        hashes = np.fromiter(
            (xxhash.xxh3_64_intdigest(str(p).encode("utf-8", "surrogateescape")) for p in paths),
            dtype=np.uint64,
            count=count,
        )
        stamps = np.array(
            [(s.st_size, s.st_ino, s.st_mtime_ns, s.st_ctime_ns) for s in statuses], dtype=np.int64
        ).reshape(count, 4)
        found, at = self._find(hashes, [stamps[:, c] for c in range(4)], self._stamps)
        self._matched[at[found]] = True
        # The known digests as one bytes object, sliced: not a numpy row per file.
        known = np.ascontiguousarray(self._digests[at[found]]).tobytes()
        results: list = [None] * count
        for t, i in enumerate(np.flatnonzero(found).tolist()):
            results[i] = (known[32 * t : 32 * t + 32], None)
        new = np.flatnonzero(~found).tolist()
        for i in new:
            with open(paths[i], "rb") as handle:
                data = handle.read()
            self.hashed += 1
            results[i] = (sha256(data), data)
        if new:
            self._seen_hashes.extend(hashes[new].tolist())
            self._seen_stamps.extend(stamps[new].ravel().tolist())
            self._seen_digests += b"".join(results[i][0] for i in new)
        return results

    def _seen_sorted(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The path hashes of the files this build appended, their inodes and the order that sorts the
        hashes. Made again only once half as many files again have been seen: a file seen since is
        just not found here, and is stat instead (the same digest, a little later)."""
        if self._sorted is None or len(self._seen_hashes) > 1.5 * len(self._sorted[0]) + 1024:
            # Copies, not views: the arrays they come from grow later in the build.
            seen = np.frombuffer(self._seen_hashes, dtype=np.uint64).copy()
            inodes = np.frombuffer(self._seen_stamps, dtype=np.int64)[1::4].copy()
            self._sorted = (seen, inodes, np.argsort(seen, kind="stable"))
        return self._sorted

    def digests_by_inode(self, paths: Sequence[str], inodes: Sequence[int]) -> list[bytes]:
        """SHA-256 of files given with their inodes (which os.scandir knows without a stat call).

        A file already seen in this build (its path hash and inode match) gets the digest it had
        then, not stat again: a build hashes raw/ for its manifest as it read it. The others are
        stat and looked up in the index (or read) as digests() does.
        """
        count = len(paths)
        if not count:
            return []
        hashes = np.fromiter(
            (xxhash.xxh3_64_intdigest(p.encode("utf-8", "surrogateescape")) for p in paths),
            dtype=np.uint64,
            count=count,
        )
        inodes = np.asarray(inodes, dtype=np.int64)
        results: list[bytes | None] = [None] * count
        # A path hash seen with another inode (a replaced file, or two paths whose hashes collide)
        # is not trusted: that file is stat.
        found, at = self._find(hashes, [inodes], [self._stamps[1]], matched_only=True)
        known = np.ascontiguousarray(self._digests[at[found]]).tobytes()
        for t, i in enumerate(np.flatnonzero(found).tolist()):
            results[i] = known[32 * t : 32 * t + 32]
        if self._seen_hashes:
            seen, seen_inodes, order = self._seen_sorted()
            at = order[np.minimum(np.searchsorted(seen[order], hashes), len(seen) - 1)]
            appended = ~found & (seen[at] == hashes) & (seen_inodes[at] == inodes)
            for i in np.flatnonzero(appended).tolist():
                start = int(at[i]) * 32
                results[i] = bytes(self._seen_digests[start : start + 32])
        rest = [i for i, digest in enumerate(results) if digest is None]
        if rest:
            statuses = [os.stat(paths[i], follow_symlinks=False) for i in rest]
            for i, (digest, _) in zip(rest, self.digests([paths[i] for i in rest], statuses)):
                results[i] = digest
        return results

    def digest(
        self, path: Path | str, status: os.stat_result | None = None
    ) -> tuple[bytes, bytes | None]:
        """(SHA-256 of the file, its bytes if they had to be read, else None)."""
        return self.digests([path], [status or os.stat(path, follow_symlinks=False)])[0]

    def save(self) -> None:
        """Keep the digests of files seen in this build (only those: a deleted file is forgotten).

        The rows of the index this build matched (sorted already) and the files it appended
        (sorted here) are merged by path hash and written SAVE_ROWS files at a time, so saving the
        index of a million files holds a few sorting arrays, not copies of every column."""
        limit = self.started - RACY_NS
        hashes = (
            np.frombuffer(self._seen_hashes, dtype=np.uint64)
            if self._seen_hashes
            else np.empty(0, np.uint64)
        )
        stamps = (
            np.frombuffer(self._seen_stamps, dtype=np.int64).reshape(-1, 4)
            if self._seen_stamps
            else np.empty((0, 4), np.int64)
        )
        digests = (
            np.frombuffer(self._seen_digests, dtype=np.uint8).reshape(-1, 32)
            if self._seen_digests
            else np.empty((0, 32), np.uint8)
        )
        settled = np.flatnonzero((stamps[:, 2] < limit) & (stamps[:, 3] < limit))
        # A file appended twice (keyed, then stat again for the manifest: the same path hash and inode)
        # is kept once, as last seen; files whose path hashes collide (different inodes) are both kept.
        # Sorted by (hash, inode, arrival): the last of each run of equal (hash, inode) is kept.
        arrival = settled[np.lexsort((settled, stamps[settled, 1], hashes[settled]))]
        del settled
        ordered_hashes, ordered_inodes = hashes[arrival], stamps[arrival, 1]
        last = np.ones(len(arrival), dtype=bool)
        last[:-1] = (ordered_hashes[1:] != ordered_hashes[:-1]) | (
            ordered_inodes[1:] != ordered_inodes[:-1]
        )
        del ordered_inodes
        order = arrival[last]  # the appended files to keep, sorted by path hash
        del arrival, last, ordered_hashes
        # The index's matched rows were settled when it was saved. They and the appended rows are
        # merged: an appended row goes after the matched rows of a hash no greater than its own.
        matched = np.flatnonzero(self._matched)
        total = len(matched) + len(order)
        from_seen = np.zeros(total, dtype=bool)
        from_seen[
            np.searchsorted(self._hashes[matched], hashes[order], side="right")
            + np.arange(len(order))
        ] = True

        def write(sink) -> None:
            taken_matched = taken_seen = 0
            with pa.ipc.new_file(sink, self.SCHEMA) as writer:
                for start in range(0, max(total, 1), SAVE_ROWS):  # one batch even when empty
                    pick = from_seen[start : start + SAVE_ROWS]
                    appended = order[taken_seen : taken_seen + int(pick.sum())]
                    kept = matched[taken_matched : taken_matched + len(pick) - len(appended)]
                    taken_seen += len(appended)
                    taken_matched += len(kept)
                    part_hashes = np.empty(len(pick), dtype=np.uint64)
                    part_stamps = np.empty((len(pick), 4), dtype=np.int64)
                    part_digests = np.empty((len(pick), 32), dtype=np.uint8)
                    part_hashes[pick], part_hashes[~pick] = hashes[appended], self._hashes[kept]
                    part_stamps[pick] = stamps[appended]
                    for column, known in enumerate(self._stamps):
                        part_stamps[~pick, column] = known[kept]
                    part_digests[pick], part_digests[~pick] = digests[appended], self._digests[kept]
                    writer.write_batch(
                        pa.record_batch(
                            [
                                pa.array(part_hashes, pa.uint64()),
                                *(pa.array(part_stamps[:, i], pa.int64()) for i in range(4)),
                                pa.FixedSizeBinaryArray.from_buffers(
                                    pa.binary(32),
                                    len(pick),
                                    [None, pa.py_buffer(part_digests.tobytes())],
                                ),
                            ],
                            schema=self.SCHEMA,
                        )
                    )

        # (The views of what was seen go with this call: those arrays may grow again after it.)
        _write_atomically(self.path, write)


def _write_ipc(sink, table: pa.Table) -> None:
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def _write_atomically(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _key_array(keys: bytes | bytearray) -> pa.FixedSizeBinaryArray:
    """32-byte keys held back to back as an Arrow array (a view of their bytes)."""
    return pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(32), len(keys) // 32, [None, pa.py_buffer(keys)]
    )


def _key_bytes(column: pa.ChunkedArray | pa.Array) -> bytes:
    """A column of 32-byte keys (no nulls) as their bytes back to back."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return array.buffers()[1].slice(32 * array.offset, 32 * len(array)).to_pybytes()


def entry_schema(record_schema: pa.Schema) -> pa.Schema:
    """A pack's rows: the cache key, the extraction's findings, whether it made a record, the record's
    row (null when it did not) and what the store keeps besides (store.extras)."""
    from corpuspack.build.store import SIGNATURE

    return pa.schema(
        [
            pa.field("_key", pa.binary(32)),
            pa.field("_findings", pa.string()),
            pa.field("_ok", pa.bool_()),
            *(f.with_nullable(True) for f in record_schema),
            pa.field("_provenance", pa.string()),
            pa.field("_url_key", pa.string()),
            pa.field("_text_sha", pa.binary(32)),
            pa.field("_signature", SIGNATURE),
            pa.field("_split_pos", pa.float64()),
            pa.field("_shard_pos", pa.float64()),
        ]
    )


def findings_json(findings: list[Finding]) -> str:
    return json.dumps([asdict(f) for f in findings], separators=(",", ":"))


def findings_of(text: str) -> list[Finding]:
    return [] if text == "[]" else [Finding(**f) for f in json.loads(text)]


class PackRows:
    """Rows of the cache's packs, read back by where ((pack << 40) | row): a build's store keeps a
    cache hit as where it is, not as a copy of its row in the spill, and reads the row only when a
    release file or a finding needs it.

    A pack is opened when a build first reads from it and stays open until close(): a compaction
    at the end of the build may delete the file, and an open file stays readable (POSIX).
    """

    def __init__(self, paths: list[Path], schema: pa.Schema):
        self.paths = paths
        self.schema = schema
        self._readers: dict[int, pa.ipc.RecordBatchFileReader] = {}
        self._sources: list[pa.OSFile] = []

    def batch(self, pack: int, index: int) -> pa.RecordBatch | None:
        """Record batch index of a pack; None if it cannot be read or is not of the schema."""
        try:
            reader = self._readers.get(pack)
            if reader is None:
                source = pa.OSFile(str(self.paths[pack]))
                self._sources.append(source)
                reader = self._readers[pack] = pa.ipc.open_file(source)
            batch = reader.get_batch(index)
        except (OSError, pa.ArrowException, IndexError):
            return None
        return batch if batch.schema.equals(self.schema) else None

    def groups(self, where: np.ndarray):
        """(positions in where, their rows as a record batch) for each pack batch that holds some, in
        pack order: each batch is read once. A batch that cannot be read any more raises CacheError."""
        where = np.asarray(where, dtype=np.int64)
        if not len(where):
            return
        pack, row = where >> 40, where & ((1 << 40) - 1)
        index = row // PACK_BATCH
        order = np.lexsort((row, index, pack))
        edges = np.flatnonzero((np.diff(pack[order]) != 0) | (np.diff(index[order]) != 0)) + 1
        for start, end in zip(np.r_[0, edges].tolist(), np.r_[edges, len(order)].tolist()):
            positions = order[start:end]
            first = positions[0]
            batch = self.batch(int(pack[first]), int(index[first]))
            if batch is None:
                raise CacheError(
                    f"the cache pack {self.paths[int(pack[first])]} could not be read again "
                    "during the build; build again (without --cache if it persists)"
                )
            yield positions, batch.take(pa.array(row[positions] % PACK_BATCH))

    def rows(self, where: np.ndarray, names: list[str]) -> pa.Table:
        """The columns names of the rows at where, in that order."""
        where = np.asarray(where, dtype=np.int64)
        fields = [self.schema.field(n) for n in names]
        if not len(where):
            return pa.schema(fields).empty_table()
        positions, pieces = [], []
        for found, rows in self.groups(where):
            positions.append(found)
            pieces.append(pa.Table.from_batches([rows.select(names)]))
        table = pa.concat_tables(pieces).combine_chunks()
        return table.take(pa.array(np.argsort(np.concatenate(positions), kind="stable")))

    def close(self) -> None:
        for source in self._sources:
            source.close()
        self._readers, self._sources = {}, []


class Cache:
    def __init__(self, folder: Path):
        self.folder = folder
        self.hits = 0
        self.misses = 0
        self._files: FileIndex | None = None
        self._schema: pa.Schema | None = None
        self._packs: list[Path] = []
        # Every pack's keys, sorted by their first 8 bytes (as a number, for searchsorted), the whole
        # keys and where each is, in the same order. (numpy's bytes type would drop trailing NULs.)
        self._prefixes = np.empty(0, dtype=np.uint64)
        self._keys = np.empty((0, 32), dtype=np.uint8)
        self._where = np.empty(0, dtype=np.int64)  # (pack << 40) | row
        self.rows: PackRows | None = None  # made by open(); the build's store closes it when done
        self._batches: dict[tuple[int, int], pa.RecordBatch] = {}
        self._pending: list[pa.Table] = []
        self._writer: pa.ipc.RecordBatchFileWriter | None = None
        # Keys as 32-byte runs in one buffer, not a bytes object each (about 100 MB less at a million).
        self._written_keys = bytearray()
        self._new_pack: Path | None = None
        self._used = bytearray()  # the keys of the entries this build fetched, as _written_keys
        self._located: dict[bytes, int] = {}
        self.release = ReleaseFiles(folder)

    @property
    def entry_schema(self) -> pa.Schema:
        """The packs' rows (entry_schema() of the record schema given to open())."""
        return self._schema

    # -- keys -----------------------------------------------------------------------------------

    @staticmethod
    def key_of(
        shown: str,
        vocabulary,
        capture: bytes,
        sidecar: bytes | None,
        annotations: tuple[tuple[str, bytes], ...],
    ) -> bytes:
        """The key from the digests (SHA-256) of the capture, its sidecar (if any) and its annotation
        files (with their paths)."""
        digest = _key_prefix(vocabulary).copy()
        # One update of the parts joined: the same bytes as one update per part, fewer calls.
        digest.update(
            b"".join(
                [
                    sha256(shown.encode()),
                    capture,
                    _NO_SIDECAR if sidecar is None else sha256(b"sidecar" + sidecar),
                    *(
                        part
                        for name, data_digest in annotations
                        for part in (sha256(name.encode()), data_digest)
                    ),
                ]
            )
        )
        return digest.digest()

    @classmethod
    def key(cls, inputs, shown: str, vocabulary) -> bytes:
        """Digest of the rules, the vocabulary, the capture and every file that belongs to it."""
        return cls.key_of(
            shown,
            vocabulary,
            sha256(inputs.data),
            None if inputs.sidecar is None else sha256(inputs.sidecar),
            tuple((name, sha256(data)) for name, data in inputs.annotations),
        )

    @property
    def files(self) -> FileIndex:
        if self._files is None:
            self._files = FileIndex(self.folder / f"v{FORMAT}" / "files.arrow")
        return self._files

    def file_digests(self, paths: Sequence[str], inodes: Sequence[int]) -> list[bytes]:
        """SHA-256 of files, as this build saw them or from the file index where it knows them
        (manifest.tree_sha256)."""
        return self.files.digests_by_inode(paths, inodes)

    def file_keys(self, captures: Sequence, vocabulary, max_bytes: int) -> list[bytes | None]:
        """The keys of captures stored as files, from the file index: their files are read only if
        the index does not know them. None for one whose file is over max_bytes or gone (reading
        it says so)."""
        plans: list[tuple[int, bool] | None] = []
        paths, statuses = [], []
        stat = os.stat
        for capture in captures:
            sidecar = capture.sidecar
            files = [capture.path] if sidecar is None else [capture.path, sidecar]
            if capture.annotations:
                files += [p for p, _ in capture.annotations]
            try:
                stats = [stat(path, follow_symlinks=False) for path in files]
            except OSError:
                plans.append(None)
                continue
            if any(s.st_size > max_bytes for s in stats):
                plans.append(None)
                continue
            plans.append((len(paths), sidecar is not None))
            paths += files
            statuses += stats
        digests = [d for d, _ in self.files.digests(paths, statuses)]
        keys: list[bytes | None] = []
        for capture, plan in zip(captures, plans):
            if plan is None:
                keys.append(None)
                continue
            first, with_sidecar = plan
            sidecar = digests[first + 1] if with_sidecar else None
            rest = digests[
                first + 1 + with_sidecar : first + 1 + with_sidecar + len(capture.annotations)
            ]
            annotations = tuple((shown, d) for (_, shown), d in zip(capture.annotations, rest))
            keys.append(
                self.key_of(capture.shown, vocabulary, digests[first], sidecar, annotations)
            )
        return keys

    # -- packs ----------------------------------------------------------------------------------

    def open(self, record_schema: pa.Schema) -> None:
        """Use the packs made for this record schema (and these rules)."""
        self._schema = entry_schema(record_schema)
        layout = hashlib.sha256(
            rules_digest().encode() + self._schema.serialize().to_pybytes()
        ).hexdigest()[:24]
        self.packs_dir = self.folder / f"v{FORMAT}" / "packs" / layout
        keys, where = [], []
        for keys_path in sorted(self.packs_dir.glob("pack-*.keys.arrow")):
            pack = keys_path.with_name(keys_path.name.removesuffix(".keys.arrow") + ".arrow")
            try:
                with pa.OSFile(str(keys_path)) as source:
                    column = pa.ipc.open_file(source).read_all().column("_key").combine_chunks()
            except (OSError, pa.ArrowException, KeyError):
                continue  # a damaged pack is left out: its entries are computed again
            self._packs.append(pack)
            index = len(self._packs) - 1
            keys.append(
                np.frombuffer(
                    column.buffers()[1],
                    dtype=np.uint8,
                    count=len(column) * 32,
                    offset=column.offset * 32,
                ).reshape(-1, 32)
            )
            where.append((np.int64(index) << 40) | np.arange(len(column), dtype=np.int64))
        self.rows = PackRows(self._packs, self._schema)
        if keys:
            all_keys, all_where = np.concatenate(keys), np.concatenate(where)
            prefixes = np.ascontiguousarray(all_keys[:, :8]).view(">u8").ravel().astype(np.uint64)
            order = np.argsort(prefixes, kind="stable")
            self._prefixes, self._keys, self._where = (
                prefixes[order],
                all_keys[order],
                all_where[order],
            )

    def known(self, keys: list[bytes | None]) -> list[bool]:
        """Whether the packs hold each key (a None key is not held), searched together; where each
        held one is is kept for fetch()."""
        held = [False] * len(keys)
        present = [i for i, key in enumerate(keys) if key is not None]
        if not present or not len(self._prefixes):
            return held
        prefixes = np.frombuffer(b"".join(keys[i][:8] for i in present), dtype=">u8").astype(
            np.uint64
        )
        first = np.searchsorted(self._prefixes, prefixes, side="left").tolist()
        last = np.searchsorted(self._prefixes, prefixes, side="right").tolist()
        for i, start, end in zip(present, first, last):
            for at in range(start, end):  # more than one only when 8-byte prefixes collide
                if self._keys[at].tobytes() == keys[i]:
                    self._located[keys[i]] = int(self._where[at])
                    held[i] = True
                    break
        return held

    def holds(self, key: bytes) -> bool:
        return self.known([key])[0]

    def fetch(self, keys: list[bytes]) -> tuple[pa.Table, np.ndarray, list[int]]:
        """The entries of keys, in that order, where each is in the packs (for self.rows), and the
        positions (in keys) of those that could not be read (a pack deleted meanwhile by another
        build's compaction, say): compute those."""
        located = self._located
        where = np.fromiter((located.pop(key, -1) for key in keys), dtype=np.int64, count=len(keys))
        for i in np.flatnonzero(where < 0).tolist():  # not looked up by known() first
            if self.holds(keys[i]):
                where[i] = located.pop(keys[i])
        # Runs of consecutive rows of one pack batch are taken as one slice: found with numpy, not
        # a Python step per key (captures mostly come in the order their entries were written).
        pack, row = where >> 40, where & ((1 << 40) - 1)  # pack -1 for a key not held
        batch_of = row // PACK_BATCH
        starts = np.ones(len(keys), dtype=bool)
        starts[1:] = (
            (pack[1:] != pack[:-1]) | (batch_of[1:] != batch_of[:-1]) | (row[1:] != row[:-1] + 1)
        )
        bounds = np.append(np.flatnonzero(starts), len(keys)).tolist()
        pieces: list[pa.RecordBatch] = []
        lost: list[int] = []
        for first, end in zip(bounds[:-1], bounds[1:]):
            batch = (
                self._batch(int(pack[first]), int(batch_of[first])) if where[first] >= 0 else None
            )
            if batch is None:
                lost += range(first, end)
                continue
            pieces.append(batch.slice(int(row[first]) % PACK_BATCH, end - first))
        if lost:
            missing = set(lost)
            self._used += b"".join(k for i, k in enumerate(keys) if i not in missing)
        else:
            self._used += b"".join(keys)
        self.hits += len(keys) - len(lost)
        table = (
            pa.Table.from_batches(pieces, schema=self._schema)
            if pieces
            else self._schema.empty_table()
        )
        found = np.ones(len(keys), dtype=bool)
        found[lost] = False
        return table, where[found], lost  # slices of the packs' batches, not copied into one chunk

    def _batch(self, pack: int, index: int) -> pa.RecordBatch | None:
        found = self._batches.get((pack, index))
        if found is not None:
            return found
        batch = self.rows.batch(pack, index)
        if batch is None:
            return None
        if (
            len(self._batches) >= 4
        ):  # captures come in the order they were written: a few batches suffice
            self._batches.pop(next(iter(self._batches)))
        self._batches[(pack, index)] = batch
        return batch

    def put(self, entries: pa.Table) -> None:
        """Add computed entries (rows of entry_schema) to this build's new pack."""
        if not entries.num_rows:
            return
        self.misses += entries.num_rows
        self._pending.append(entries)
        self._written_keys += _key_bytes(entries.column("_key"))
        if sum(t.num_rows for t in self._pending) >= PACK_BATCH:
            self._flush()

    def _flush(self, final: bool = False) -> None:
        if not self._pending:
            return
        table = pa.concat_tables(self._pending).combine_chunks()
        cut = table.num_rows if final else table.num_rows - table.num_rows % PACK_BATCH
        if self._writer is None:
            self.packs_dir.mkdir(parents=True, exist_ok=True)
            self._new_pack = self.packs_dir / f".tmp-pack-{uuid.uuid4().hex}.arrow"
            self._writer = pa.ipc.new_file(str(self._new_pack), self._schema)
        for start in range(0, cut, PACK_BATCH):
            self._writer.write_batch(
                table.slice(start, PACK_BATCH).to_batches(max_chunksize=PACK_BATCH)[0]
            )
        self._pending = [table.slice(cut)] if cut < table.num_rows else []

    def close(self) -> None:
        """Finish the new pack and the file index (after a build that completed)."""
        self._batches = {}  # (the packs stay open for the store's reads: see PackRows)
        if self._schema is not None:
            self._flush(final=True)
            if self._writer is not None:
                self._writer.close()
                self._writer = None
                name = f"pack-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
                keys = pa.table({"_key": _key_array(self._written_keys)})
                os.replace(self._new_pack, self.packs_dir / f"{name}.arrow")
                _write_atomically(
                    self.packs_dir / f"{name}.keys.arrow", lambda sink: _write_ipc(sink, keys)
                )
            if len(self._packs) + 1 > MAX_PACKS:
                self._compact()
            self._drop_other_layouts()
        if self._files is not None:
            self._files.save()

    def _drop_other_layouts(self) -> None:
        """Packs made by other rules or for another record schema (an upgrade of corpuspack, a changed
        schema) would never be read by this build's rules again: they go, as compaction's do."""
        import shutil

        if not self.packs_dir.parent.is_dir():
            return
        for other in self.packs_dir.parent.iterdir():
            if other != self.packs_dir and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)

    def discard(self) -> None:
        """Drop the new pack of a build that failed (the store that reads the packs closes them)."""
        if self._writer is not None:
            try:
                self._writer.close()
            except (OSError, pa.ArrowException):
                pass
            self._writer = None
        if self._new_pack is not None:
            self._new_pack.unlink(missing_ok=True)

    def _compact(self) -> None:
        """Rewrite the entries this build used into one pack; delete every other pack."""
        used = pc.unique(_key_array(self._used + self._written_keys))
        packs = sorted(self.packs_dir.glob("pack-*.keys.arrow"))
        name = f"pack-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        temporary = self.packs_dir / f".tmp-{name}.arrow"
        kept: list[bytes] = []
        seen: set[bytes] = set()

        try:
            with pa.ipc.new_file(str(temporary), self._schema) as writer:
                pending: list[pa.Table] = []
                for keys_path in packs:
                    pack = keys_path.with_name(
                        keys_path.name.removesuffix(".keys.arrow") + ".arrow"
                    )
                    with pa.OSFile(str(pack)) as source:
                        reader = pa.ipc.open_file(source)
                        for index in range(reader.num_record_batches):
                            batch = reader.get_batch(index)
                            live = batch.filter(pc.is_in(batch.column("_key"), value_set=used))
                            # An entry computed twice (by two builds at once) is kept once.
                            fresh = [k not in seen for k in live.column("_key").to_pylist()]
                            live = live.filter(pa.array(fresh, pa.bool_()))
                            if live.num_rows:
                                pending.append(pa.Table.from_batches([live]))
                                kept += live.column("_key").to_pylist()
                                seen.update(kept[-live.num_rows :])
                            if sum(t.num_rows for t in pending) >= PACK_BATCH:
                                table = pa.concat_tables(pending).combine_chunks()
                                whole = table.num_rows - table.num_rows % PACK_BATCH
                                for start in range(0, whole, PACK_BATCH):
                                    writer.write_table(table.slice(start, PACK_BATCH))
                                pending = [table.slice(whole)] if whole < table.num_rows else []
                if pending:
                    writer.write_table(pa.concat_tables(pending).combine_chunks())
        except (OSError, pa.ArrowException):
            temporary.unlink(missing_ok=True)
            return  # compaction is an economy: the packs as they were still work
        keys = pa.table({"_key": pa.array(kept, pa.binary(32))})
        os.replace(temporary, self.packs_dir / f"{name}.arrow")
        _write_atomically(
            self.packs_dir / f"{name}.keys.arrow", lambda sink: _write_ipc(sink, keys)
        )
        for keys_path in packs:
            try:  # (a pack the build's store still reads stays readable: it has the file open)
                keys_path.with_name(keys_path.name.removesuffix(".keys.arrow") + ".arrow").unlink(
                    missing_ok=True
                )
                keys_path.unlink(
                    missing_ok=True
                )  # after the pack: a pack without its keys is never deleted
            except OSError:
                continue  # a system that cannot delete an open file: its entries are kept in both for now


class ReleaseFiles:
    """Parquet files of earlier releases, keyed by what decides their bytes, so a rebuild copies the
    files of shards with no changed article instead of encoding them again.

    A file's key is a digest of the rules (corpuspack's code, which includes the writer, and the
    libraries' versions), the Arrow schemas and the cache keys of its rows in order: the rows are
    a function of their keys, so the same key means the same bytes. Each entry is a folder of the
    files, their sizes (what the card reports) and their SHA-256 (what the release's metadata lists),
    in sizes.json, so a copied file is not read again to be hashed. Kept: the entries the last
    build used and, of the others, the most recently used, up to as many again.
    """

    def __init__(self, folder: Path):
        self.folder = folder / f"v{FORMAT}" / "release"
        self.used: set[str] = set()
        self.reused = 0

    @staticmethod
    def key(keys: bytes, *schemas: pa.Schema) -> str:
        """keys: the rows' cache keys in order, 32 bytes each, back to back."""
        digest = hashlib.sha256(f"release:{rules_digest()}".encode())
        for schema in schemas:
            digest.update(sha256(schema.serialize().to_pybytes()))
        digest.update((len(keys) // 32).to_bytes(8, "big"))
        digest.update(keys)
        return digest.hexdigest()

    def get(
        self, key: str, names: list[str]
    ) -> tuple[dict, dict[str, Path], dict[str, str]] | None:
        """(sizes, {name: path}, {name: hex SHA-256}) of a kept entry, or None. An entry whose files
        are missing or not of the recorded length is not used."""
        entry = self.folder / key
        if not entry.is_dir():
            return None
        try:
            kept = json.loads((entry / "sizes.json").read_text(encoding="utf-8"))
            sizes, digests, lengths = kept["sizes"], kept["sha256"], kept["bytes"]
            paths = {name: entry / name for name in names}
            if any(
                name not in digests or path.stat().st_size != lengths.get(name)
                for name, path in paths.items()
            ):
                raise ValueError("damaged")
            os.utime(entry)  # used now: kept longest
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            # Damaged, or of an older layout: removed, so this build's files can take its place.
            import shutil

            shutil.rmtree(entry, ignore_errors=True)
            return None
        self.used.add(key)
        self.reused += 1
        return sizes, paths, {name: digests[name] for name in names}

    def put(self, key: str, files: dict[str, Path], sizes: dict, digests: dict[str, str]) -> None:
        """Keep copies of files (name -> path), their sizes (as the card reports them) and their hex
        SHA-256; a cache that cannot be written is skipped."""
        import shutil

        temporary = self.folder / f".tmp-{key}-{uuid.uuid4().hex[:8]}"
        try:
            temporary.mkdir(parents=True)
            lengths = {}
            for name, path in files.items():
                shutil.copyfile(path, temporary / name)
                lengths[name] = (temporary / name).stat().st_size
            (temporary / "sizes.json").write_text(
                json.dumps({"sizes": sizes, "sha256": digests, "bytes": lengths}), encoding="utf-8"
            )
            os.replace(temporary, self.folder / key)
            self.used.add(key)
        except OSError:
            shutil.rmtree(
                temporary, ignore_errors=True
            )  # already there (another build), or no room

    def prune(self) -> None:
        """Keep the entries this build used and as many others again, the most recently used first."""
        import shutil

        if not self.used or not self.folder.is_dir():
            return
        others = []
        for entry in self.folder.iterdir():
            if entry.name not in self.used:
                try:
                    others.append((entry.stat().st_mtime_ns, entry))
                except OSError:
                    continue
        for _, entry in sorted(others, reverse=True)[len(self.used) :]:
            shutil.rmtree(entry, ignore_errors=True)
