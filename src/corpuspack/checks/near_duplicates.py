"""Near-duplicates in time and memory linear in the corpus, whatever its articles share.

Three steps, the field's recipe (datatrove's MinHash dedup: signatures, band buckets,
clusters) with an exact confirmation at the end (see docs/near-duplicates.md):

1. Band buckets (band_buckets): the records whose MinHash values agree on one band, as
   datasketch's MinHashLSH would put them in one bucket. Only buckets of two or more
   records matter; every record is in at most one bucket a band.
2. Leaders (Leaders): records are taken in path order; each is compared with the leaders
   of its buckets only (the first records of a bucket that were not copies of an earlier
   leader), never with every member, by the containment its signature estimates
   (estimated_containment). A record that is plainly a copy of a leader does not lead; a
   bucket keeps at most CAP leaders. A bucket that would need more is not duplication
   but shared text (boilerplate, a template): the first record it refused gets a
   near-duplicate-boilerplate finding, and its other members are compared in their
   other buckets only.
3. Exact measure (measured): of the leaders a record meets, the MEASURED closest whose
   estimate comes within MARGIN of the threshold are measured exactly on the shingles, each
   record's shingles made once, a bounded chunk of records at a time, and kept in a temporary
   file rather than in memory; only pairs at or above the threshold are reported.

Each record is so compared with at most CAP leaders per bucket it is in, and measured
against at most MEASURED: the work grows with the corpus, not with the square of a bucket.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from corpuspack.article.record import Article
from corpuspack.checks.minhash import BANDS

CAP = 16  # leaders a band bucket keeps: more distinct articles alike are shared text, not copies
MARGIN = 0.15  # how far below the threshold an estimate still sends a pair to the exact measure
CHUNK = 4096  # records whose texts are read at a time to confirm pairs
MEASURED = 4  # leaders a record is measured against at most: those its estimate puts closest


def mix(keys: np.ndarray) -> np.ndarray:
    """One uint64 per row of uint32 band values: equal rows mix alike (different ones rarely do)."""
    wide = keys.astype(np.uint64)
    mixed = (wide[:, 0] << np.uint64(32)) | wide[:, 1]
    for column in range(2, keys.shape[1]):  # wraps modulo 2^64, as intended
        mixed = (mixed * np.uint64(0x9E3779B97F4A7C15)) ^ wide[:, column]
    return mixed


def band_buckets(keys: np.ndarray, focused: np.ndarray | None = None):
    """(rows, buckets): the rows whose band keys another row shares, grouped, and a bucket number
    for each (0, 1, ...), rows in increasing order within a bucket. With focused, only buckets
    that hold a focused row.

    keys: one row of band values (uint32) per record. The rows are sorted by one 64-bit mix of
    their values (an argsort, about 5 times faster than lexsort on the columns); if two
    different keys ever mix alike, by the keys themselves, so a clash of mixes pairs nothing.
    """
    if len(keys) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    order = np.argsort(mix(keys), kind="stable")
    equal = (keys[order][1:] == keys[order][:-1]).all(axis=1)
    mixed = mix(keys)[order]
    if ((mixed[1:] == mixed[:-1]) & ~equal).any():
        order = np.lexsort(keys.T[::-1])  # stable: rows stay in order within a bucket
        equal = (keys[order][1:] == keys[order][:-1]).all(axis=1)
    run = np.cumsum(np.r_[True, ~equal]) - 1  # the run of equal keys each sorted row is in
    sizes = np.bincount(run)
    keep = sizes[run] > 1
    if focused is not None:
        keep &= np.bincount(run, weights=focused[order])[run] > 0
    rows, runs = order[keep], run[keep]
    _, buckets = np.unique(runs, return_inverse=True)
    return rows.astype(np.int64), buckets.astype(np.int64)


def estimated_containment(signatures: np.ndarray, row: int, others: np.ndarray) -> np.ndarray:
    """The share of the smaller shingle set found in the larger, for row against each of others,
    estimated from their MinHash values alone.

    On each permutation the smallest hash of the union of two sets is in both (the two values
    are equal), or only in one (that one's value is smaller): the three counts estimate
    |A∩B|, |A\\B| and |B\\A| in proportion, so |A∩B| / min(|A|, |B|) needs no set sizes. A set
    wholly inside the other is never smaller on any permutation: its estimate is exactly 1.
    """
    mine, theirs = signatures[row], signatures[others]
    equal = (theirs == mine).sum(axis=1)
    below = (mine < theirs).sum(axis=1)  # permutations whose smallest hash is only in row's set
    above = signatures.shape[1] - equal - below
    shared = equal + np.minimum(below, above)
    return np.divide(equal, shared, out=np.zeros(len(others)), where=shared > 0)


@dataclass
class Leaders:
    """Step 2: the records each record is compared with, bucket by bucket (see the module's doc).

    floor: the estimate that sends a pair to the exact measure; sure: the estimate above which a
    record is taken for a copy of a leader and does not lead in turn. Bucket b's leaders are
    slots[start[b] : start[b] + count[b]]: its members' own slots, so a bucket costs a few bytes
    rather than a Python list."""

    signatures: np.ndarray
    floor: float
    sure: float
    start: np.ndarray  # bucket -> its first slot; start[-1] is the number of slots
    slots: np.ndarray = field(init=False)
    count: np.ndarray = field(init=False)
    refused: dict[int, int] = field(default_factory=dict)  # full bucket -> first record refused
    rows: array = field(default_factory=lambda: array("q"))  # pairs (record, earlier leader),
    others: array = field(default_factory=lambda: array("q"))  # 16 bytes each

    @property
    def pairs(self) -> np.ndarray:
        """(record, earlier leader) of each pair worth measuring, one row a pair."""
        return np.column_stack(
            [np.frombuffer(self.rows, dtype=np.int64), np.frombuffer(self.others, dtype=np.int64)]
        ).reshape(-1, 2)

    def __post_init__(self) -> None:
        self.slots = np.zeros(int(self.start[-1]), dtype=np.int32)
        self.count = np.zeros(len(self.start) - 1, dtype=np.uint8)

    def leaders(self, bucket: int) -> list[int]:
        first = int(self.start[bucket])
        return self.slots[first : first + int(self.count[bucket])].tolist()

    def size(self, bucket: int) -> int:
        return int(self.start[bucket + 1] - self.start[bucket])

    def visit(self, row: int, buckets: Sequence[int]) -> None:
        candidates = sorted({c for b in buckets for c in self.leaders(b)})
        if candidates:
            others = np.array(candidates, dtype=np.int64)
            estimates = estimated_containment(self.signatures, row, others)
            # The closest few only: a record is rarely a copy of more than one distinct leader,
            # while a templated report comes close to many without being a copy of any.
            closest = np.argsort(-estimates, kind="stable")[:MEASURED]
            for c in others[closest[estimates[closest] >= self.floor]].tolist():
                self.rows.append(row)
                self.others.append(c)
            if estimates.max() >= self.sure:
                return
        for bucket in buckets:
            count = int(self.count[bucket])
            if count < CAP:
                self.slots[self.start[bucket] + count] = row
                self.count[bucket] = count + 1
            else:
                self.refused.setdefault(bucket, row)

    def crowded(self) -> list[tuple[int, int]]:
        """(first record refused, records in the largest bucket) for each set of full buckets that
        share leaders: one template or one boilerplate fills a bucket in many bands, each with
        some of the same leaders (a union-find over the leaders of full buckets)."""
        parent: dict[int, int] = {}

        def root(row: int) -> int:
            while parent.setdefault(row, row) != row:
                parent[row] = parent[parent[row]]
                row = parent[row]
            return row

        for bucket in self.refused:
            first, *others = self.leaders(bucket)
            for other in others:
                parent[root(other)] = root(first)
        groups: dict[int, tuple[int, int]] = {}
        for bucket, row in self.refused.items():
            key = root(self.leaders(bucket)[0])
            first, size = groups.get(key, (row, 0))
            groups[key] = (min(first, row), max(size, self.size(bucket)))
        return sorted(groups.values())


def leaders(
    band_keys: Iterable[np.ndarray], threshold: float, focused: np.ndarray | None = None
) -> Leaders:
    """Steps 1 and 2 over records in the order they are to be compared (rows of each band's keys,
    uint32, one band after another): pairs (record, earlier record) worth measuring, and the full
    buckets. With focused, only buckets holding a focused record are looked into."""
    rows, buckets, offset, filled = [], [], 0, 0
    signatures = np.empty((0, 0), np.uint16)
    for keys in band_keys:
        if not filled:
            # The high 16 bits of each value are enough for an estimate (a false tie: 1 in
            # 65,536), and halve what is held: 222 bytes a record for 37 bands of 3, in one
            # matrix filled band by band (bands stacked at the end would be held twice).
            signatures = np.zeros((len(keys), len(BANDS) * keys.shape[1]), np.uint16)
        signatures[:, filled : filled + keys.shape[1]] = keys >> np.uint32(16)
        filled += keys.shape[1]
        found_rows, found_buckets = band_buckets(keys, focused)
        rows.append(found_rows.astype(np.int32))
        buckets.append((found_buckets + offset).astype(np.int32))  # in order: grouped by bucket
        offset += int(found_buckets.max()) + 1 if len(found_buckets) else 0
    member_of = np.concatenate(buckets) if buckets else np.empty(0, np.int32)
    del buckets
    found = Leaders(
        signatures[:, :filled],
        floor=threshold - MARGIN,
        sure=(1 + threshold) / 2,
        start=np.r_[0, np.cumsum(np.bincount(member_of, minlength=offset))],
    )
    if not len(member_of):
        return found
    member = np.concatenate(rows)
    del rows
    order = np.argsort(member, kind="stable")
    member, member_of = member[order], member_of[order]
    del order
    edges = np.r_[0, np.flatnonzero(np.diff(member)) + 1, len(member)].tolist()
    for first, end in itertools.pairwise(edges):
        found.visit(int(member[first]), member_of[first:end].tolist())
    return found


def similarity(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(containment, jaccard) of two sets of shingles as sorted unique values (minhash.shingle_set);
    containment is the share of the smaller."""
    if not len(a) or not len(b):
        return 0.0, 0.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / min(len(a), len(b)), common / (len(a) + len(b) - common)


def measured(
    pairs: np.ndarray,
    take: Callable[[np.ndarray], dict[int, Article]],
    stored_at: np.ndarray,
    shingle_set: Callable[[str], np.ndarray],
) -> np.ndarray:
    """Step 3: the (containment, jaccard) of each pair of positions (a row of pairs), a row each.

    take(positions) gives the records at those positions; they are asked for CHUNK at a time in
    the order of stored_at (where each position's record is kept, so a chunk reads few of the
    store's files), and each one's shingles are made once and written to a temporary file
    (unlinked, so removed however the run ends): what is held is 16 bytes a record, not its
    shingles (at a million hard articles, 4 KB each for a sixth of them). The pairs are then
    measured leader by leader, each set read back from the file (the page cache keeps it)."""
    out = np.zeros((len(pairs), 2))
    if not len(pairs):
        return out
    wanted = np.unique(pairs.ravel())  # sorted: a position's place in it is found by bisection
    starts = np.zeros(len(wanted), np.int64)  # in the file, in bytes
    sizes = np.zeros(len(wanted), np.int64)  # in shingles
    with tempfile.TemporaryFile(prefix="corpuspack-shingles-") as spill:
        order = wanted[np.argsort(stored_at[wanted], kind="stable")]
        for first in range(0, len(order), CHUNK):
            for position, article in take(order[first : first + CHUNK]).items():
                values = shingle_set(article.text)
                at = np.searchsorted(wanted, position)
                starts[at], sizes[at] = spill.tell(), len(values)
                spill.write(values.tobytes())
        spill.flush()
        at_of = np.searchsorted(wanted, pairs)  # each pair's two places in wanted
        begins, lengths = starts.tolist(), (sizes * 8).tolist()

        def read(at: int) -> np.ndarray:
            return np.frombuffer(os.pread(spill.fileno(), lengths[at], begins[at]), np.uint64)

        leader, shingles = -1, np.empty(0, np.uint64)
        by_leader = np.argsort(pairs[:, 1], kind="stable")
        for first in range(0, len(by_leader), CHUNK):
            rows = by_leader[first : first + CHUNK]
            measures = []
            for a, b in zip(at_of[rows, 0].tolist(), at_of[rows, 1].tolist(), strict=True):
                if b != leader:
                    leader, shingles = b, read(b)
                measures.append(similarity(read(a), shingles))
            out[rows] = measures
    return out
