"""The cache's entry packs of one layout: which keys they hold and where, the entries read back by
key, and the entries a build computed, written as one new pack.

<layout> (packs/<layout>/) is a digest of the rules and of the packs' Arrow schema, which
schema/article.schema.json decides. Once there are more than MAX_PACKS, the entries the build used
are rewritten into one pack and the rest deleted. Packs of another layout go at the end of a build
(they were made by other rules and cannot be hit again by these).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa

from corpuspack.cache import location
from corpuspack.cache.atomic import Damaged
from corpuspack.cache.entries import entry_schema
from corpuspack.cache.fingerprint import rules_digest
from corpuspack.cache.pack_files import PackWriter, compact, pack_of, read_keys
from corpuspack.cache.pack_rows import PACK_BATCH, PackRows

MAX_PACKS = 8  # packs kept before the used entries are compacted into one
_NOWHERE = -1  # the location of a key no pack holds


class Packs:
    """The packs of one layout, as one build uses them: opened for the build's record schema."""

    def __init__(self, root: Path, record_schema: pa.Schema):
        self.root = root
        self.schema = schema = entry_schema(record_schema)
        layout = hashlib.sha256(
            rules_digest().encode() + schema.serialize().to_pybytes()
        ).hexdigest()[:24]
        self.folder = root / layout
        self.damaged: list[
            Path
        ] = []  # keys files that could not be read or do not match their packs
        self._paths: list[Path] = []
        # Every pack's keys, sorted by their first 8 bytes (as a number, for searchsorted), the whole
        # keys and where each is, in the same order. (numpy's bytes type would drop trailing NULs.)
        self._prefixes = np.empty(0, dtype=np.uint64)
        self._keys = np.empty((0, 32), dtype=np.uint8)
        self._where = np.empty(0, dtype=np.int64)
        self._digests: list[list[str]] = []  # each pack's batch digests
        self._load()
        self.rows = PackRows(
            self._paths, schema, self._digests
        )  # the build's store closes it when done
        self._batches: dict[tuple[int, int], pa.RecordBatch] = {}
        self._new = PackWriter(self.folder, schema)
        self._used = bytearray()  # the keys of the entries this build fetched, 32 bytes each
        self._located: dict[bytes, int] = {}

    def _load(self) -> None:
        keys, where = [], []
        for keys_path in sorted(self.folder.glob("pack-*.keys.arrow")):
            try:
                column, digests = read_keys(keys_path)
            except FileNotFoundError:
                continue  # deleted meanwhile by another build's compaction
            except (OSError, Damaged, KeyError, ValueError):
                self.damaged.append(keys_path)  # left out: its entries are computed again
                continue
            self._paths.append(pack_of(keys_path))
            self._digests.append(digests)
            keys.append(
                np.frombuffer(
                    column.buffers()[1],
                    dtype=np.uint8,
                    count=len(column) * 32,
                    offset=column.offset * 32,
                ).reshape(-1, 32)
            )
            where.append(location.encode(len(self._paths) - 1, np.arange(len(column))))
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
        present = [(i, key) for i, key in enumerate(keys) if key is not None]
        if not present or not len(self._prefixes):
            return held
        prefixes = np.frombuffer(b"".join(key[:8] for _, key in present), dtype=">u8")
        prefixes = prefixes.astype(np.uint64)
        first = np.searchsorted(self._prefixes, prefixes, side="left").tolist()
        last = np.searchsorted(self._prefixes, prefixes, side="right").tolist()
        for (i, key), start, end in zip(present, first, last, strict=True):
            for at in range(start, end):  # more than one only when 8-byte prefixes collide
                if self._keys[at].tobytes() == key:
                    self._located[key] = int(self._where[at])
                    held[i] = True
                    break
        return held

    def holds(self, key: bytes) -> bool:
        return self.known([key])[0]

    def fetch(self, keys: list[bytes]) -> tuple[pa.Table, np.ndarray, list[int]]:
        """The entries of keys, in that order, where each is in the packs (for self.rows), and the
        positions (in keys) of those that could not be read (a pack deleted meanwhile by another
        build's compaction, say): compute those."""
        where = self._locations(keys)
        pack, row = location.decode(where)  # pack -1 for a key not held
        pieces: list[pa.RecordBatch] = []
        lost: list[int] = []
        for first, end in _runs(pack, row):
            batch = (
                self._batch(int(pack[first]), int(row[first]) // PACK_BATCH)
                if where[first] >= 0
                else None
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
        table = (
            pa.Table.from_batches(pieces, schema=self.schema)
            if pieces
            else self.schema.empty_table()
        )
        found = np.ones(len(keys), dtype=bool)
        found[lost] = False
        return table, where[found], lost  # slices of the packs' batches, not copied into one chunk

    def _locations(self, keys: list[bytes]) -> np.ndarray:
        located = self._located
        where = np.fromiter(
            (located.pop(key, _NOWHERE) for key in keys), dtype=np.int64, count=len(keys)
        )
        for i in np.flatnonzero(where < 0).tolist():  # not looked up by known() first
            if self.holds(keys[i]):
                where[i] = located.pop(keys[i])
        return where

    def _batch(self, pack: int, index: int) -> pa.RecordBatch | None:
        found = self._batches.get((pack, index))
        if found is not None:
            return found
        batch = self.rows.batch(pack, index)
        if batch is None:
            return None
        if len(self._batches) >= 4:  # captures come in the order they were written: a few suffice
            self._batches.pop(next(iter(self._batches)))
        self._batches[(pack, index)] = batch
        return batch

    def put(self, entries: pa.Table) -> None:
        """Add computed entries (rows of entry_schema) to this build's new pack."""
        if entries.num_rows:
            self._new.add(entries)

    def close(self) -> None:
        """Finish the new pack (after a build that completed), compact, drop other layouts."""
        self._batches = {}  # (the packs stay open for the store's reads: see PackRows)
        if self._new.seal():
            self._new.publish()
        self._drop_damaged()
        if len(self._paths) + 1 > MAX_PACKS:
            compact(self.folder, self.schema, self._used + self._new.keys)
        self._drop_other_layouts()

    def _drop_damaged(self) -> None:
        """Delete the packs found damaged (their entries are in the new pack now), each before its
        keys file, so that the next build does not meet them again."""
        for path in {*self.rows.damaged, *map(pack_of, self.damaged)}:
            try:
                path.unlink(missing_ok=True)
                _keys_of(path).unlink(missing_ok=True)
            except OSError:
                continue  # read next time, found damaged again

    def _drop_other_layouts(self) -> None:
        """Packs made by other rules or for another record schema (an upgrade of corpuspack, a changed
        schema) would never be read by this build's rules again: they go, as compaction's do."""
        if not self.root.is_dir():
            return
        for other in self.root.iterdir():
            if other != self.folder and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)

    def discard(self) -> None:
        """Drop the new pack of a build that failed (the store that reads the packs closes them)."""
        self._new.discard()


def _keys_of(pack: Path) -> Path:
    return pack.with_name(pack.name.removesuffix(".arrow") + ".keys.arrow")


def _runs(pack: np.ndarray, row: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) of each run of consecutive rows of one pack batch: taken as one slice, found with
    numpy, not a Python step per key (captures mostly come in the order their entries were written)."""
    batch = row // PACK_BATCH
    starts = np.ones(len(pack), dtype=bool)
    starts[1:] = (pack[1:] != pack[:-1]) | (batch[1:] != batch[:-1]) | (row[1:] != row[:-1] + 1)
    bounds = np.append(np.flatnonzero(starts), len(pack)).tolist()
    return list(zip(bounds[:-1], bounds[1:], strict=True))
