"""Stable split assignment: a split is a function of the article id alone.

Each id is hashed to a number in [0, 1) and the configured ratios, in their
declared order, cut that interval. Adding or removing other articles never moves
an article to another split; changing the ratios moves only the articles whose
number falls where the cuts moved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

DEFAULT = {"train": 1.0}


def position(article_id: str, purpose: str = "split") -> float:
    digest = hashlib.sha256(f"corpuspack:{purpose}:{article_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def shards(rows: int, shard_rows: int) -> int:
    """How many Parquet files a split of this many rows is written as."""
    return max(1, -(-rows // shard_rows))


def shard(article_id: str, count: int) -> int:
    """The file of its split an article is written to: a function of the id and the count alone, so
    the files do not depend on batch sizes, workers or file-system order. Independent of the split
    hash, so every shard of a split gets an even share."""
    return min(count - 1, int(position(article_id, "shard") * count))


def assign(article_id: str, ratios: Mapping[str, float]) -> str:
    point, cumulative = position(article_id), 0.0
    names = list(ratios)
    for name in names:
        cumulative += ratios[name]
        if point < cumulative:
            return name
    return names[-1]  # floating-point rounding of a sum of exactly 1


def assign_positions(points, ratios: Mapping[str, float]) -> list[str]:
    """assign() for many ids at once, given their position(id) (a numpy array): the same cuts,
    summed in the same order, so the same splits."""
    import numpy as np

    names, cumulative, total = list(ratios), [], 0.0
    for name in names:
        total += ratios[name]
        cumulative.append(total)
    # The first cut above the point; a point at or past the last cut (rounding) goes to the last split.
    index = np.minimum(np.searchsorted(np.array(cumulative), points, side="right"), len(names) - 1)
    return [names[i] for i in index.tolist()]
