"""The build's store's rows by release file: which file a row is in, the cache keys of each file's
rows, and the rows of files that stayed in the cache's packs (cache hits), found and written out."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from corpuspack.cache.location import RowReader

ReleaseFile = tuple[str, int, int]  # (split, index, count)
ORDER = [("id", "ascending"), ("raw_path", "ascending")]  # of the rows of a release file


def file_of(positions: np.ndarray, count: int) -> np.ndarray:
    """The release file of each shard position among count: splits.shard's arithmetic on the
    positions the store keeps."""
    return np.minimum(count - 1, (positions * count).astype(np.int64))


def release_keys(table: pa.Table, split: str, count: int) -> list[bytes | None]:
    """For each of a split's count release files, the cache keys of its rows in ORDER, as one bytes
    object (32 bytes a row), or None if a row has none (built without a cache), from the store's
    columns id, raw_path, _key, _split and _pos (table): sorted once for all the files."""
    table = table.filter(pc.equal(table.column("_split"), split))
    shard = file_of(table.column("_pos").to_numpy(), count)
    table = table.append_column("_file", pa.array(shard))
    order = pc.sort_indices(table, sort_keys=[("_file", "ascending"), *ORDER])
    keys = table.column("_key").take(order).combine_chunks()
    bounds = np.searchsorted(shard[order.to_numpy()], np.arange(count + 1)).tolist()
    found: list[bytes | None] = []
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        part = keys.slice(start, end - start)
        found.append(
            None
            if part.null_count
            else part.buffers()[1].slice(32 * part.offset, 32 * len(part)).to_pybytes()
            if len(part)
            else b""
        )
    return found


def in_file(
    file: ReleaseFile, located: np.ndarray, positions: np.ndarray, split_of: pa.ChunkedArray
) -> np.ndarray:
    """Which of the rows in the cache's packs (located, with their shard positions and splits) are
    in a release file: where they are."""
    split, index, count = file
    member = file_of(positions, count) == index
    member &= pc.equal(split_of, split).to_numpy(zero_copy_only=False)
    return located[member]


def write_release_rows(
    packs: RowReader,
    paths: Mapping[ReleaseFile, Path],
    located: np.ndarray,
    positions: np.ndarray,
    split_of: pa.ChunkedArray,
    schema: pa.Schema,
) -> None:
    """Write the rows of release files (a file each, at paths) that are in the cache's packs
    (located, with their shard positions and splits) in one pass over the packs: each pack batch is
    read once, however many files need rows from it. Reading them file by file would read the packs
    once per file."""
    # Per split and file count (the files of one are disjoint): each cached row's file, or -1.
    wanted: dict[tuple[str, int], set[int]] = {}
    for split, index, count in paths:
        wanted.setdefault((split, count), set()).add(index)
    targets = []
    for (split, count), indices in wanted.items():
        shard_of = file_of(positions, count)
        member = np.isin(shard_of, sorted(indices)) & pc.equal(split_of, split).to_numpy(
            zero_copy_only=False
        )
        targets.append((split, count, np.where(member, shard_of, -1)))
    picked = np.flatnonzero(np.logical_or.reduce([t >= 0 for _, _, t in targets]))
    writers: dict[ReleaseFile, pa.ipc.RecordBatchFileWriter] = {}
    try:
        for file, path in paths.items():
            writers[file] = pa.ipc.new_file(str(path), schema)
        for found, rows in packs.groups(located[picked]):
            table = pa.Table.from_arrays([rows.column(n) for n in schema.names], schema=schema)
            for split, count, target in targets:
                destination = target[picked[found]]
                for index in np.unique(destination[destination >= 0]).tolist():
                    writers[(split, index, count)].write_table(
                        table.filter(pa.array(destination == index))
                    )
        for writer in writers.values():
            writer.close()
    except Exception:
        for writer in writers.values():
            try:
                writer.close()
            except (OSError, pa.ArrowException):
                pass
        raise
