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


def position(article_id: str) -> float:
    digest = hashlib.sha256(f"corpuspack:split:{article_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def assign(article_id: str, ratios: Mapping[str, float]) -> str:
    point, cumulative = position(article_id), 0.0
    names = list(ratios)
    for name in names:
        cumulative += ratios[name]
        if point < cumulative:
            return name
    return names[-1]  # floating-point rounding of a sum of exactly 1
