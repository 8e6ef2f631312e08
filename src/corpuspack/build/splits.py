"""Stable split assignment: a split is a function of the article id alone.

Each id is hashed to a number in [0, 1) and the configured ratios, in their
declared order, cut that interval. Adding or removing other articles never moves
an article to another split; changing the ratios moves only the articles whose
number falls where the cuts moved.

Each rule has one implementation, on numpy arrays of positions (what the store and
the cache keep of every record); the function of one id is a thin wrapper over it, so
the two cannot drift apart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

DEFAULT = {"train": 1.0}


def position(article_id: str, purpose: str = "split") -> float:
    digest = hashlib.sha256(f"corpuspack:{purpose}:{article_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def shards(rows: int, shard_rows: int) -> int:
    """How many Parquet files a split of this many rows is written as."""
    return max(1, -(-rows // shard_rows))


def shard_positions(points: npt.ArrayLike, count: int) -> npt.NDArray[np.int64]:
    """The file of its split (0 to count - 1) of each article, given position(id, "shard") of each.

    A function of the id and the count alone, so the files do not depend on batch sizes,
    workers or file-system order. Independent of the split hash, so every file of a split
    gets an even share."""
    scaled = np.asarray(points, dtype=np.float64) * count
    # The cast truncates, as int() does; a point that rounds up to count goes to the last file.
    return np.minimum(count - 1, scaled.astype(np.int64))


def shard(article_id: str, count: int) -> int:
    """shard_positions() of one id."""
    return int(shard_positions([position(article_id, "shard")], count)[0])


def assign(article_id: str, ratios: Mapping[str, float]) -> str:
    """The split of one id: assign_positions() of its position."""
    return assign_positions([position(article_id)], ratios)[0]


def assign_positions(points: npt.ArrayLike, ratios: Mapping[str, float]) -> list[str]:
    """The split of each article, given position(id) of each: the first cut above its point, the
    cuts being the ratios summed in their declared order."""
    names, cumulative, total = list(ratios), [], 0.0
    for name in names:
        total += ratios[name]
        cumulative.append(total)
    # A point at or past the last cut (a sum of ratios that rounds below 1) goes to the last split.
    index = np.minimum(np.searchsorted(np.array(cumulative), points, side="right"), len(names) - 1)
    return [names[i] for i in index.tolist()]
