"""Reading the cache's packs back by location: a build's store keeps a cache hit as where it is, not
as a copy of its row in the spill, and reads the row only when a release file or a finding needs it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa

from corpuspack.cache import location
from corpuspack.cache.integrity import batch_digest

PACK_BATCH = 1024  # entries per record batch of a pack: what a hit reads


class CacheError(Exception):
    """The cache folder cannot be used (not writable, say); delete it or pick another."""


class PackRows:
    """Rows of the cache's packs, read back by location (location.encode(pack, row)): the
    location.RowReader the build's store reads cache hits through.

    A pack is opened when a build first reads from it and stays open until close(): a compaction
    at the end of the build may delete the file, and an open file stays readable (POSIX). Each batch
    is checked against its digest (digests[pack][index], from the pack's keys file) every time it is
    read; the packs found damaged are kept in damaged.
    """

    def __init__(self, paths: list[Path], schema: pa.Schema, digests: list[list[str]]):
        self.paths = paths
        self.schema = schema
        self.digests = digests
        self.damaged: list[Path] = []
        self._readers: dict[int, pa.ipc.RecordBatchFileReader] = {}
        self._sources: list[pa.OSFile] = []

    def batch(self, pack: int, index: int) -> pa.RecordBatch | None:
        """Record batch index of a pack; None if it cannot be read, is not of the schema or does
        not match its digest."""
        try:
            reader = self._readers.get(pack)
            if reader is None:
                source = pa.OSFile(str(self.paths[pack]))
                self._sources.append(source)
                reader = self._readers[pack] = pa.ipc.open_file(source)
            batch = reader.get_batch(index)
            intact = batch.schema.equals(self.schema) and (
                batch_digest(batch) == self.digests[pack][index]
            )
        except FileNotFoundError:
            return None  # deleted by another build's compaction: lost, not damaged
        except (OSError, pa.ArrowException, IndexError):
            intact = False
        if not intact:
            self.note_damaged(self.paths[pack])
            return None
        return batch

    def note_damaged(self, path: Path) -> None:
        if path not in self.damaged:
            self.damaged.append(path)

    def groups(self, where: np.ndarray) -> Iterator[tuple[np.ndarray, pa.RecordBatch]]:
        """(positions in where, their rows as a record batch) for each pack batch that holds some, in
        pack order: each batch is read once. A batch that cannot be read any more raises CacheError."""
        if not len(where):
            return
        pack, row = location.decode(where)
        index = row // PACK_BATCH
        order = np.lexsort((row, index, pack))
        edges = np.flatnonzero((np.diff(pack[order]) != 0) | (np.diff(index[order]) != 0)) + 1
        bounds = zip(np.r_[0, edges].tolist(), np.r_[edges, len(order)].tolist(), strict=True)
        for start, end in bounds:
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
