"""Where a row is, as one int64, and what reads rows back by it.

A location is (file << ROW_BITS) | row: the file a cache pack or a spill bucket of the build's store,
the row its place in that file. A column of locations is one numpy array, not an object per row
(a build keeps one for every capture it holds).

Where locations of two kinds share a column (the store's rows: in its own buckets, or left in the
cache's packs), one kind is kept as its complement, elsewhere(location), which is negative: a
location itself never is, its file and row being far below 2**23 and 2**40.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

ROW_BITS = 40
ROW_MASK = (1 << ROW_BITS) - 1


def encode(file: int, rows: np.ndarray | int) -> np.ndarray:
    """The locations of rows (an array of row numbers) of one file."""
    return (np.int64(file) << ROW_BITS) | np.asarray(rows, dtype=np.int64)


def decode(where: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(file, row) arrays of locations."""
    where = np.asarray(where, dtype=np.int64)
    return where >> ROW_BITS, where & ROW_MASK


def elsewhere(where: np.ndarray) -> np.ndarray:
    """Locations of the other kind as kept beside those of one kind, and back:
    elsewhere(elsewhere(where)) is where."""
    return ~np.asarray(where, dtype=np.int64)


def is_elsewhere(where: np.ndarray) -> np.ndarray:
    """Which of a column's values are elsewhere() of a location."""
    return np.asarray(where) < 0


class RowReader(Protocol):
    """Rows read back by their locations: what the build's store needs of the cache's packs
    (cache.PackRows), which hold the rows of cache hits the store does not copy."""

    def groups(self, where: np.ndarray) -> Iterator[tuple[np.ndarray, pa.RecordBatch]]:
        """(positions in where, their rows) for each stored batch that holds some, each read once."""
        ...

    def rows(self, where: np.ndarray, names: list[str]) -> pa.Table:
        """The columns names of the rows at where, in that order."""
        ...

    def close(self) -> None: ...
