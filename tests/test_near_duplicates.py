"""Near-duplicates in linear time (corpuspack.checks.near_duplicates): band buckets are the
candidates of datasketch's LSH, the signatures' estimate of containment tracks the exact one, and
a bucket of shared text is capped without losing the copies inside it."""

from __future__ import annotations

import itertools
import random
from types import SimpleNamespace

import numpy as np
from datasketch import MinHash, MinHashLSH

from corpuspack.checks import minhash
from corpuspack.checks import near_duplicates as nd


def datasketch_minhash(hashvalues=None) -> MinHash:
    return MinHash(
        num_perm=minhash.NUM_PERM,
        seed=1,
        scheme=minhash.SCHEME,
        hashfunc=lambda value: value,
        hashvalues=hashvalues,
    )


def test_signatures_are_datasketchs_value_for_value():
    a, b = datasketch_minhash().permutations
    assert (minhash._permutations()[0] == a).all() and (minhash._permutations()[1] == b).all()
    rng = random.Random(4)
    texts = ["", "one", "two words", "a b c d e", "Zoë and ĲSSEL in Straße " * 3]
    texts += [text(rng, n) for n in (6, 50, 700, 9000)]  # 9,000 words: several blocks
    for t in texts:
        expected = datasketch_minhash()
        expected.update_batch(minhash.shingle_hashes(t).tolist())
        assert minhash.signature(t) == expected.hashvalues.tolist(), t[:20]


def bucket_pairs(keys, focused=None):
    rows, buckets = nd.band_buckets(keys, focused)
    pairs = set()
    for bucket in np.unique(buckets):
        members = rows[buckets == bucket].tolist()
        assert members == sorted(members)
        pairs |= set(itertools.combinations(members, 2))
    return pairs


def test_band_buckets_are_the_candidates_of_datasketchs_lsh():
    rng = np.random.default_rng(7)
    base = rng.integers(0, 2**32, size=(60, minhash.NUM_PERM), dtype=np.uint32)
    signatures = np.vstack([base, base[:20]])  # 20 near copies: most of their values kept
    changed = rng.random(signatures[60:].shape) < 0.4
    signatures[60:][changed] = rng.integers(0, 2**32, size=changed.sum(), dtype=np.uint32)
    signatures[70:75, :30] = 5  # and a few sharing only some bands
    lsh = MinHashLSH(threshold=minhash.LSH_THRESHOLD, num_perm=minhash.NUM_PERM)
    assert minhash.BANDS == lsh.hashranges  # written out in minhash.py: datasketch imported on use
    hashes = [datasketch_minhash(s) for s in signatures]
    for i, h in enumerate(hashes):
        lsh.insert(i, h)
    expected = {tuple(sorted((i, j))) for i, h in enumerate(hashes) for j in lsh.query(h) if i != j}
    found = set()
    for start, end in minhash.BANDS:
        found |= bucket_pairs(np.ascontiguousarray(signatures[:, start:end]))
    assert len(expected) > 20 and found == expected
    focused = np.zeros(len(signatures), dtype=bool)
    focused[65] = True
    only = set()
    for start, end in minhash.BANDS:
        only |= bucket_pairs(np.ascontiguousarray(signatures[:, start:end]), focused)
    assert {p for p in only if 65 in p} == {p for p in expected if 65 in p} != set()
    assert only <= expected


def test_band_rows_that_mix_alike_are_grouped_only_when_equal(monkeypatch):
    rng = np.random.default_rng(11)
    keys = rng.integers(0, 2**32, size=(50, minhash.ROWS_PER_BAND), dtype=np.uint32)
    keys[40], keys[45] = keys[3], keys[3]
    keys[30] = keys[7]
    expected = {(3, 40), (3, 45), (40, 45), (7, 30)}
    assert bucket_pairs(keys) == expected
    monkeypatch.setattr(nd, "mix", lambda k: np.zeros(len(k), dtype=np.uint64))  # all clash
    assert bucket_pairs(keys) == expected
    focused = np.zeros(50, dtype=bool)
    focused[30] = True
    assert bucket_pairs(keys, focused) == {(7, 30)}


WORDS = [f"w{i}" for i in range(3000)]


def text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def signatures(texts: list[str]) -> np.ndarray:
    return np.array([minhash.signature(t) for t in texts], dtype=np.uint32)


def test_the_estimate_of_containment_follows_the_exact_one():
    rng = random.Random(5)
    original = text(rng, 600).split()
    others = [
        " ".join(original[:300]),  # a trimmed copy: wholly inside
        " ".join(original[:500] + text(rng, 100).split()),  # most of it, and its own end
        " ".join(original[:250] + text(rng, 350).split()),
        text(rng, 600),
    ]
    texts = [" ".join(original), *others]
    high = (signatures(texts)[:, :111] >> 16).astype(np.uint16)
    estimates = nd.estimated_containment(high, 0, np.arange(1, len(texts)))
    exact = [minhash.similarity(minhash.shingles(texts[0]), minhash.shingles(t))[0] for t in others]
    assert estimates[0] == 1.0 == exact[0]  # never smaller on any permutation: exactly 1
    assert exact[1] > 0.8 > exact[2] > 0.3 > exact[3]
    assert all(abs(e - x) < 0.1 for e, x in zip(estimates, exact, strict=True))


def leaders_of(texts: list[str], threshold: float = 0.8) -> nd.Leaders:
    signed = signatures(texts)
    return nd.leaders((np.ascontiguousarray(signed[:, s:e]) for s, e in minhash.BANDS), threshold)


def test_a_bucket_of_shared_text_is_capped_and_the_copies_inside_it_are_still_found():
    """Sixty templated reports (the same 200 words, 60 of their own): all alike, none a copy;
    two of them copied with a word changed, one trimmed."""
    rng = random.Random(9)
    template = text(rng, 200)
    reports = [template + " " + text(rng, 60) for _ in range(60)]
    copied = reports[41].replace(reports[41].split()[230], "changed", 1)
    trimmed = " ".join(reports[50].split()[80:])  # its own end, so mostly not the template
    texts = [*reports, copied, trimmed]
    found = leaders_of(texts)
    assert found.refused  # more distinct articles alike than a bucket keeps
    assert found.count.max() == nd.CAP
    assert all(len(found.leaders(b)) == nd.CAP < found.size(b) for b in found.refused)
    measures = nd.measured(
        found.pairs,
        lambda positions: {int(p): SimpleNamespace(text=texts[p]) for p in positions},
        np.arange(len(texts))[::-1],  # records kept in the reverse order: read in that order
        minhash.shingle_set,
    )
    assert measures.shape == (len(found.pairs), 2)
    confirmed = {
        tuple(p) for p, m in zip(found.pairs.tolist(), measures, strict=True) if m[0] >= 0.8
    }
    assert confirmed == {(60, 41), (61, 50)}
    # Each measured exactly as the old all-pairs check did.
    for (a, b), measure in zip(found.pairs.tolist(), measures.tolist(), strict=True):
        assert measure == list(
            minhash.similarity(minhash.shingles(texts[a]), minhash.shingles(texts[b]))
        )
    # Linear: each report meets a bounded number of leaders, not every other report.
    per_row = np.bincount(found.pairs[:, 0], minlength=len(texts))
    assert per_row.max() <= nd.MEASURED and len(found.pairs) < 60 * 59 / 2


def test_copies_are_compared_with_the_first_not_with_each_other():
    rng = random.Random(2)
    original = text(rng, 400)
    copies = [original.replace(original.split()[i * 10], f"edit{i}", 1) for i in range(1, 6)]
    found = leaders_of([original, *copies])
    assert sorted(map(tuple, found.pairs.tolist())) == [(i, 0) for i in range(1, 6)]
    assert len(found.count) and all(found.leaders(b) == [0] for b in range(len(found.count)))


def test_the_exact_measure_counts_the_shingles_themselves():
    rng = random.Random(8)
    for t in ["", "one", "two words", "a b c d e a b c d e", text(rng, 3000)]:
        assert len(minhash.shingle_set(t)) == len(minhash.shingles(t))
    a, b = text(rng, 400), text(rng, 400)
    both = a + " " + b
    for x, y in ((a, both), (b, both), (a, b), (both, a[:500])):
        assert nd.similarity(minhash.shingle_set(x), minhash.shingle_set(y)) == minhash.similarity(
            minhash.shingles(x), minhash.shingles(y)
        )
