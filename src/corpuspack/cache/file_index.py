"""The file index: the SHA-256 of each file of raw/ last seen, so an unchanged capture's key is known
from a stat and the capture is not read at all (git's index does the same for `git status`)."""

from __future__ import annotations

import os
import time
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import IO, cast

import numpy as np
import pyarrow as pa
import xxhash

from corpuspack.cache.atomic import Damaged, read_table, write_atomically
from corpuspack.cache.fingerprint import sha256
from corpuspack.cache.integrity import Hashing
from corpuspack.capture.files import open_regular

RACY_NS = 2_000_000_000  # a file modified this close to the build's start is hashed again next time
SAVE_ROWS = 1 << 16  # file index rows written at a time
CHECK_SEED = 0x5EED  # the seed of the second hash by which a file this build read is known

_Found = tuple[np.ndarray, np.ndarray]


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
    _STAMPS = ("size", "ino", "mtime_ns", "ctime_ns")

    def __init__(self, path: Path | None):
        """path None: an index of this build's reads only, neither loaded nor saved (a build with no
        cache hashes raw/ for its manifest from what it read, through observe())."""
        self.path = path
        self.started = time.time_ns()
        self.hashed = 0  # files read and hashed (the others' digests were known)
        self._hashes = np.empty(0, dtype=np.uint64)  # sorted
        self._stamps = [np.empty(0, dtype=np.int64) for _ in self._STAMPS]
        self._digests = np.empty((0, 32), dtype=np.uint8)
        # The files of this build the index knew are marked in `_matched` (a byte each), not copied:
        # at a million captures a second copy of their rows was about 125 MB more.
        # The files it did not know (new or changed: few, in a rebuild) are appended as they come.
        # Both are what save() keeps.
        self._seen_hashes = array("Q")
        self._seen_checks = array("Q")  # a second hash of each path (see digests_by_inode)
        self._seen_stamps = array("q")
        self._seen_digests = bytearray()
        self._sorted: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # see _seen_sorted
        self.damaged = False  # whether the index on disk was not what was written: it was not used
        self.unsaved: str | None = None  # why save() could not write the index, if it could not
        self.changed: list[str] = []  # files vouched for unread, changed since (see _vouched)
        try:
            if path is not None:
                self._load()
        except FileNotFoundError:
            pass  # no index yet: every file is read and hashed
        except (OSError, Damaged):
            self.damaged = True  # every file is read and hashed
        self._matched = np.zeros(len(self._hashes), dtype=bool)

    def _load(self) -> None:
        assert self.path is not None
        table = read_table(self.path)  # (the index's digest follows its bytes)
        if not table.schema.equals(self.SCHEMA):
            return
        # Views of the table's buffers (about 72 bytes a file), not copies.
        self._hashes = table.column("path_hash").to_numpy()
        self._stamps = [table.column(n).to_numpy() for n in self._STAMPS]
        column = table.column("sha256").combine_chunks()
        self._digests = np.frombuffer(
            column.buffers()[1],
            dtype=np.uint8,
            count=len(column) * 32,
            offset=column.offset * 32,
        ).reshape(-1, 32)

    def _find(
        self,
        hashes: np.ndarray,
        wanted: list[np.ndarray],
        columns: list[np.ndarray],
        matched_only: bool = False,
    ) -> _Found:
        """(found, at): whether each path hash is in the index with the wanted values in the given
        stamp columns (and, with matched_only, among the files matched in this build), and where."""
        count = len(hashes)
        if not len(self._hashes):
            return np.zeros(count, dtype=bool), np.zeros(count, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._hashes, hashes), len(self._hashes) - 1)
        same_hash = self._hashes[at] == hashes
        found = same_hash.copy()
        for value, known in zip(wanted, columns, strict=True):
            found &= known[at] == value
        if matched_only:
            found &= self._matched[at]
        # The same path hash twice in the index (a 64-bit collision): look past the first.
        for i in np.flatnonzero(~found & same_hash).tolist():
            j = int(at[i]) + 1
            while j < len(self._hashes) and self._hashes[j] == hashes[i]:
                if all(
                    int(known[j]) == int(value[i])
                    for value, known in zip(wanted, columns, strict=True)
                ) and (not matched_only or self._matched[j]):
                    at[i], found[i] = j, True
                    break
                j += 1
        return found, at

    def _known(self, found: np.ndarray, at: np.ndarray) -> list[bytes]:
        """The index's digests of the files found, in order."""
        # The known digests as one bytes object, sliced: not a numpy row per file.
        known = np.ascontiguousarray(self._digests[at[found]]).tobytes()
        return [known[start : start + 32] for start in range(0, len(known), 32)]

    def digests(
        self, paths: Sequence[str | Path], statuses: Sequence[os.stat_result]
    ) -> list[tuple[bytes, bytes | None]]:
        """(SHA-256, the bytes if the file had to be read, else None) of each file, whose stat is given."""
        found, read = self._lookup(paths, statuses)
        return [(digest, read.get(i)) for i, digest in enumerate(found)]

    def digests_only(
        self, paths: Sequence[str | Path], statuses: Sequence[os.stat_result]
    ) -> list[bytes]:
        """The SHA-256 of each file, whose stat is given (digests() without the bytes read)."""
        return self._lookup(paths, statuses)[0]

    def _lookup(
        self, paths: Sequence[str | Path], statuses: Sequence[os.stat_result]
    ) -> tuple[list[bytes], dict[int, bytes]]:
        """The SHA-256 of each file, and the bytes of those read (by their place in paths)."""
        count = len(paths)
        if not count:
            return [], {}
        hashes = _path_hashes(paths)
        # (one flat list of the four stamps, made into a (count, 4) array at once)
        stamps = np.array(
            [v for s in statuses for v in (s.st_size, s.st_ino, s.st_mtime_ns, s.st_ctime_ns)],
            dtype=np.int64,
        ).reshape(count, 4)
        found, at = self._find(hashes, [stamps[:, c] for c in range(4)], self._stamps)
        self._matched[at[found]] = True
        if found.all():
            return self._known(found, at), {}
        results: list[bytes] = [b""] * count
        for i, digest in zip(np.flatnonzero(found).tolist(), self._known(found, at), strict=True):
            results[i] = digest
        new = np.flatnonzero(~found).tolist()
        read: dict[int, bytes] = {}
        for i in new:
            with open_regular(paths[i]) as (handle, _):  # (a FIFO swapped in is not waited on)
                read[i] = handle.read()
            self.hashed += 1
            results[i] = sha256(read[i])
        self._seen_hashes.extend(hashes[new].tolist())
        self._seen_checks.extend(_path_hashes([paths[i] for i in new], CHECK_SEED).tolist())
        self._seen_stamps.extend(stamps[new].ravel().tolist())
        self._seen_digests += b"".join(results[i] for i in new)
        return results, read

    def observe(self, path: str | Path, status: os.stat_result, digest: bytes) -> None:
        """A file this build read (the SHA-256 of the bytes read, with its status as opened): its
        digest is that for the rest of the build, whatever was seen of it before (digests_by_inode)."""
        self._seen_hashes.extend(_path_hashes([path]).tolist())
        self._seen_checks.extend(_path_hashes([path], CHECK_SEED).tolist())
        self._seen_stamps.extend(
            [status.st_size, status.st_ino, status.st_mtime_ns, status.st_ctime_ns]
        )
        self._seen_digests += digest

    def _seen_sorted(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The path hashes of the files this build appended, their check hashes and the order that
        sorts the path hashes. Made again only once half as many files again have been seen: a file seen since is
        just not found here, and is stat instead (the same digest, a little later)."""
        if self._sorted is None or len(self._seen_hashes) > 1.5 * len(self._sorted[0]) + 1024:
            # Copies, not views: the arrays they come from grow later in the build.
            seen = np.frombuffer(self._seen_hashes, dtype=np.uint64).copy()
            checks = np.frombuffer(self._seen_checks, dtype=np.uint64).copy()
            self._sorted = (seen, checks, np.argsort(seen, kind="stable"))
        return self._sorted

    def digests_by_inode(self, paths: Sequence[str], inodes: Sequence[int]) -> list[bytes]:
        """SHA-256 of files (inodes: manifest.tree_sha256's, unused: every file not read is stat).

        A file this build read (or hashed) has the digest of the bytes it read last, whatever
        became of the file since (edited in place, or replaced by another inode): a build hashes
        raw/ for its manifest as it read it. The others are stat. A file the index vouched for in
        this build unread (the same path hash) has the index's digest, and is added to `changed`
        if its stat is no longer the one vouched for. The others are looked up in the index (or
        read) as digests() does.
        """
        count = len(paths)
        if not count:
            return []
        hashes = _path_hashes(paths)
        results: list[bytes | None] = [None] * count
        appended, rows = self._appended(paths, hashes)
        for i, row in zip(appended.tolist(), rows.tolist(), strict=True):
            results[i] = bytes(self._seen_digests[row * 32 : row * 32 + 32])
        rest = [i for i, digest in enumerate(results) if digest is None]
        if rest:
            statuses = [os.stat(paths[i], follow_symlinks=False) for i in rest]
            vouched = self._vouched([paths[i] for i in rest], hashes[rest], statuses)
            for i, known in zip(rest, vouched, strict=True):
                results[i] = known
            others = [k for k, known in enumerate(vouched) if known is None]
            computed = self.digests_only(
                [paths[rest[k]] for k in others], [statuses[k] for k in others]
            )
            for k, digest in zip(others, computed, strict=True):
                results[rest[k]] = digest
        return cast(list[bytes], results)

    def _vouched(
        self, paths: Sequence[str], hashes: np.ndarray, statuses: Sequence[os.stat_result]
    ) -> list[bytes | None]:
        """The index's digest of each file it vouched for in this build, unread (its size, inode
        and times as then); None for the others. A file vouched for whose stat is not what it
        was (edited, or another file renamed over it) is added to `changed`: the build used it
        as it was, and raw/ no longer holds those bytes."""
        found, at = self._find(hashes, [], [], matched_only=True)
        results: list[bytes | None] = [None] * len(paths)
        if not found.any():
            return results
        rows, which = at[found], np.flatnonzero(found)
        now = np.array(
            [
                v
                for i in which.tolist()
                for v in (
                    statuses[i].st_size,
                    statuses[i].st_ino,
                    statuses[i].st_mtime_ns,
                    statuses[i].st_ctime_ns,
                )
            ],
            dtype=np.int64,
        ).reshape(-1, 4)
        same = np.ones(len(rows), dtype=bool)
        for column, known in enumerate(self._stamps):
            same &= known[rows] == now[:, column]
        self.changed += [str(paths[i]) for i in which[~same].tolist()]
        for i, digest in zip(which.tolist(), self._known(found, at), strict=True):
            results[i] = digest
        return results

    def _appended(self, paths: Sequence[str], hashes: np.ndarray) -> _Found:
        """(which of paths this build appended, by index; the row of each among those appended,
        the last of that path).

        A path is known by its path hash and a second, seeded hash of it (two 64-bit hashes: two
        paths of raw/ cannot both collide), not by its inode, so a file replaced since it was read
        keeps the digest of the bytes read."""
        if not self._seen_hashes:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        seen, checks, order = self._seen_sorted()
        ordered = seen[order]
        last = np.searchsorted(ordered, hashes, side="right") - 1
        candidates = np.flatnonzero((last >= 0) & (ordered[np.maximum(last, 0)] == hashes))
        wanted = _path_hashes([paths[i] for i in candidates.tolist()], CHECK_SEED)
        rows = order[last[candidates]]
        same = checks[rows] == wanted
        # A path hash shared by two paths (a 64-bit collision): the last row of this path's.
        for k in np.flatnonzero(~same).tolist():
            i, j = int(candidates[k]), int(last[candidates[k]]) - 1
            while j >= 0 and ordered[j] == hashes[i]:
                if checks[order[j]] == wanted[k]:
                    rows[k], same[k] = order[j], True
                    break
                j -= 1
        return candidates[same], rows[same]

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
        if self.path is None:
            return  # (an index of this build's reads only)
        # (The views of what was seen go with this call: those arrays may grow again after it.)
        seen = self._seen_views()
        order = _latest_settled(seen[0], seen[1], self.started - RACY_NS)
        # The index's matched rows were settled when it was saved. They and the appended rows are
        # merged: an appended row goes after the matched rows of a hash no greater than its own.
        matched = np.flatnonzero(self._matched)
        from_seen = np.zeros(len(matched) + len(order), dtype=bool)
        from_seen[
            np.searchsorted(self._hashes[matched], seen[0][order], side="right")
            + np.arange(len(order))
        ] = True

        def write(out: IO[bytes]) -> None:
            taken_matched = taken_seen = 0
            sink = Hashing(out)
            with pa.ipc.new_file(sink, self.SCHEMA) as writer:
                for start in range(0, max(len(from_seen), 1), SAVE_ROWS):  # one batch when empty
                    pick = from_seen[start : start + SAVE_ROWS]
                    appended = order[taken_seen : taken_seen + int(pick.sum())]
                    kept = matched[taken_matched : taken_matched + len(pick) - len(appended)]
                    taken_seen += len(appended)
                    taken_matched += len(kept)
                    writer.write_batch(self._merged(pick, kept, [part[appended] for part in seen]))
            sink.sealed()

        try:
            write_atomically(self.path, write)
        except (OSError, pa.ArrowException) as exc:  # (a full disk: the next build hashes again)
            self.unsaved = str(exc)

    def _seen_views(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The files this build appended: their path hashes, stamps (a row of 4 each) and digests
        (a row of 32 bytes each), as views."""
        if not self._seen_hashes:
            return (
                np.empty(0, np.uint64),
                np.empty((0, 4), np.int64),
                np.empty((0, 32), np.uint8),
            )
        return (
            np.frombuffer(self._seen_hashes, dtype=np.uint64),
            np.frombuffer(self._seen_stamps, dtype=np.int64).reshape(-1, 4),
            np.frombuffer(self._seen_digests, dtype=np.uint8).reshape(-1, 32),
        )

    def _merged(
        self, pick: np.ndarray, kept: np.ndarray, appended: list[np.ndarray]
    ) -> pa.RecordBatch:
        """A batch of the saved index: the appended rows where pick is set, the matched rows kept
        elsewhere, each in order."""
        count = len(pick)
        hashes = np.empty(count, dtype=np.uint64)
        stamps = np.empty((count, 4), dtype=np.int64)
        digests = np.empty((count, 32), dtype=np.uint8)
        hashes[pick], hashes[~pick] = appended[0], self._hashes[kept]
        stamps[pick] = appended[1]
        for column, known in enumerate(self._stamps):
            stamps[~pick, column] = known[kept]
        digests[pick], digests[~pick] = appended[2], self._digests[kept]
        return pa.record_batch(
            [
                pa.array(hashes, pa.uint64()),
                *(pa.array(stamps[:, i], pa.int64()) for i in range(4)),
                pa.FixedSizeBinaryArray.from_buffers(
                    pa.binary(32), count, [None, pa.py_buffer(digests.tobytes())]
                ),
            ],
            schema=self.SCHEMA,
        )


def _path_hashes(paths: Sequence[str | Path], seed: int = 0) -> np.ndarray:
    return np.fromiter(
        (xxhash.xxh3_64_intdigest(str(p).encode("utf-8", "surrogateescape"), seed) for p in paths),
        dtype=np.uint64,
        count=len(paths),
    )


def _latest_settled(hashes: np.ndarray, stamps: np.ndarray, limit: int) -> np.ndarray:
    """Which appended files to keep, sorted by path hash: those not modified or changed since
    limit, each path (hash and inode) once, as last seen."""
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
    return arrival[last]
