"""MinHash signatures of word 5-gram shingles, and the exact measure of two shingle sets.

The signatures are datasketch's (MinHash, scheme "affine32", seed 1), computed in numpy;
checks/near_duplicates.py finds candidate pairs in their band buckets and corpus.py reports
them. A signature is stored in the build cache, so changing anything here changes what
cached signatures mean (tests/test_near_duplicates.py holds them to datasketch's).
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import xxhash

SHINGLE_WORDS = 5
NUM_PERM = 128
SCHEME = "affine32"  # datasketch's hashing scheme, pinned so cached signatures stay comparable
# A shingle's 32-bit hash is made from its words' xxHashes in numpy (see shingle_hashes): the
# MinHash is of ready hash values (datasketch's with the identity as its hash function).
_WORD_HASH = xxhash.xxh32_intdigest
# One odd 64-bit multiplier per position in a shingle: "a b c d e" and "b a c d e" hash apart.
_POSITION = np.array(
    [
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0xD6E8FEB86659FD93,
        0xFF51AFD7ED558CCD,
    ],
    dtype=np.uint64,
)[:SHINGLE_WORDS]


# datasketch's MinHash with its "affine32" scheme (seed 1), written out in numpy rather than
# called: datasketch sends every value through a Python hash function (here the values are
# already 32-bit hashes) and imports scipy, seconds in every worker process and every validate.
# The construction is a few lines; tests/test_near_duplicates.py checks the permutations and the
# signatures are datasketch's own, value for value (so cached signatures stay valid).
_EMPTY = np.uint32(2**32 - 1)  # a signature's value before any shingle (an empty text's)
_BLOCK = 4096  # shingles permuted at a time: a long text holds _BLOCK x NUM_PERM values, not all


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of the NUM_PERM affine permutations h -> a * h + b mod 2^32, a odd, as datasketch."""
    generator = np.random.RandomState(1)
    a = generator.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _premix(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, which datasketch applies to each value before permuting."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)  # wraps modulo 2^32, as intended
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


# Candidates only; the exact containment decides. A trimmed copy half as long as
# its original has a Jaccard similarity of 0.5, well above this.
LSH_THRESHOLD = 0.3
# The bands MinHashLSH uses at that threshold (37 bands of 3 values): a pair is a candidate when
# any band of its two signatures is equal.
# Written out rather than asked of MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM).hashranges
# (see above for why); tests/test_near_duplicates.py checks they are the same.
BANDS: list[tuple[int, int]] = [(band * 3, band * 3 + 3) for band in range(37)]
ROWS_PER_BAND = BANDS[0][1] - BANDS[0][0]
_WORD = re.compile(r"\w+")


def shingles(text: str) -> set[str]:
    words = _WORD.findall(text.casefold())
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def similarity(a: set[str], b: set[str]) -> tuple[float, float]:
    """(containment, jaccard): containment is the share of the shorter text found in the longer."""
    if not a or not b:
        return 0.0, 0.0
    common = len(a & b)
    return common / min(len(a), len(b)), common / len(a | b)


def _shingle_values(words: list[str], word_hash) -> np.ndarray:
    """A 64-bit value for each word shingle of words (at least SHINGLE_WORDS), repeats kept,
    combined in numpy from each word's word_hash rather than by joining and hashing every shingle
    string in Python: about 5 times faster. Equal shingles give equal values."""
    hashed = np.fromiter(map(word_hash, map(str.encode, words)), dtype=np.uint64, count=len(words))
    count = len(words) - SHINGLE_WORDS + 1
    combined = np.zeros(count, dtype=np.uint64)
    for position, multiplier in enumerate(_POSITION):  # wraps modulo 2^64, as intended
        combined += hashed[position : position + count] * multiplier
    return combined


def shingle_hashes(text: str) -> np.ndarray:
    """A 32-bit hash of each of the text's word shingles (those of shingles(text)), repeats kept:
    what MinHash signs. A clash of two different shingles (1 in 2^32 a pair) only blurs the
    MinHash estimate, which near-duplicate candidates tolerate (each pair reported is measured
    exactly)."""
    words = _WORD.findall(text.casefold())
    if len(words) < SHINGLE_WORDS:
        return np.array([_WORD_HASH(" ".join(words).encode())] if words else [], dtype=np.uint32)
    combined = _shingle_values(words, _WORD_HASH)
    return ((combined >> np.uint64(32)) ^ combined).astype(np.uint32)


def shingle_set(text: str) -> np.ndarray:
    """The text's shingles as sorted unique 64-bit values, words hashed with 64-bit xxHash: two
    different shingles share a value with a chance of about 1 in 2^64, so a containment measured
    on these is the exact one in practice, at 8 bytes a shingle rather than a Python string."""
    words = _WORD.findall(text.casefold())
    if len(words) < SHINGLE_WORDS:
        whole = [xxhash.xxh3_64_intdigest(" ".join(words).encode())] if words else []
        return np.array(whole, dtype=np.uint64)
    return np.unique(_shingle_values(words, xxhash.xxh3_64_intdigest))


def signature(text: str) -> list[int]:
    """MinHash signature of a text's shingles (deterministic: fixed seed and permutations)."""
    a, b = _permutations()
    values = np.full(NUM_PERM, _EMPTY, dtype=np.uint32)
    # A repeated shingle changes no minimum: the hashes need not be made a set first.
    hashes = _premix(shingle_hashes(text))
    for start in range(0, len(hashes), _BLOCK):
        permuted = hashes[start : start + _BLOCK, None] * a + b  # wraps modulo 2^32
        np.minimum(values, permuted.min(axis=0), out=values)
    return values.tolist()
