"""Corpus-level checks: what no single article shows (duplicates, reprints, missing metadata).

Near-duplicates are found with MinHash LSH (datasketch) over word 5-gram shingles
and every candidate pair is then confirmed with the exact similarity of the two
shingle sets, so a reported pair and its similarity never depend on hash noise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import xxhash
from datasketch import MinHash, MinHashLSH

from .article import Article
from .report import Finding, Severity, error

SHINGLE_WORDS = 5
NUM_PERM = 128
SCHEME = "affine32"  # datasketch's hashing scheme, pinned so cached signatures stay comparable
# 32-bit xxHash of each shingle: an order of magnitude faster than datasketch's default SHA-1.
_HASH = xxhash.xxh32_intdigest
# The permutations depend only on the seed: made once, not per signature.
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashfunc=_HASH).permutations


def _minhash(hashvalues=None) -> MinHash:
    return MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashfunc=_HASH, permutations=_PERMUTATIONS,
                   hashvalues=hashvalues)
# Candidates only; the exact containment decides. A trimmed copy half as long as
# its original has a Jaccard similarity of 0.5, well above this.
LSH_THRESHOLD = 0.3
_WORD = re.compile(r"\w+")


def shingles(text: str) -> set[str]:
    words = _WORD.findall(text.casefold())
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def similarity(a: set[str], b: set[str]) -> tuple[float, float]:
    """(containment, jaccard): containment is the share of the shorter text found in the longer."""
    if not a or not b:
        return 0.0, 0.0
    common = len(a & b)
    return common / min(len(a), len(b)), common / len(a | b)


def canonical_url(url: str) -> str:
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def signature(text: str) -> list[int]:
    """MinHash signature of a text's shingles (deterministic: fixed seed and permutations)."""
    minhash = _minhash()
    minhash.update_batch([s.encode() for s in sorted(shingles(text))])
    return [int(v) for v in minhash.hashvalues]


def _pairs(groups: dict[str, list[Article]], focus: set[str] | None):
    """(first, second) for every pair in a group, second being the one to report on:
    the contribution (in focus) if only one is, else the later path."""
    for members in groups.values():
        members = sorted(members, key=lambda a: a.raw_path)
        for i, first in enumerate(members):
            for second in members[i + 1:]:
                yield from _order(first, second, focus)


def _order(a: Article, b: Article, focus: set[str] | None):
    if focus is None:
        yield (a, b)
    elif b.raw_path in focus:
        yield (a, b)
    elif a.raw_path in focus:
        yield (b, a)


def duplicate_ids(articles: Sequence[Article], focus: set[str] | None = None) -> list[Finding]:
    """Id clashes across the whole corpus (frictionless sees one chunk of rows at a time)."""
    groups: dict[str, list[Article]] = {}
    for article in articles:
        groups.setdefault(article.id, []).append(article)
    findings = []
    for first, second in _pairs({k: v for k, v in groups.items() if len(v) > 1}, focus):
        file, line = second.source_of("id")
        findings.append(error(file, "duplicate-id", f"id {second.id} is already used by {first.raw_path}; ids "
                              "must be unique: pin a different id in the sidecar or move the capture",
                              line=line, field="id"))
    return findings


def duplicate_urls(articles: Sequence[Article], focus: set[str] | None = None) -> list[Finding]:
    groups: dict[str, list[Article]] = {}
    for article in articles:
        if article.url:
            groups.setdefault(canonical_url(article.url), []).append(article)
    findings = []
    for first, second in _pairs({k: v for k, v in groups.items() if len(v) > 1}, focus):
        file, line = second.source_of("url")
        findings.append(error(file, "duplicate-url", f"{second.url} is also the url of {first.raw_path}; the same "
                              "page is in the corpus twice: keep one capture", line=line, field="url"))
    return findings


def duplicate_texts(articles: Sequence[Article], focus: set[str] | None = None) -> list[Finding]:
    groups: dict[str, list[Article]] = {}
    for article in articles:
        groups.setdefault(hashlib.sha256(article.text.encode()).hexdigest(), []).append(article)
    return [error(second.raw_path, "duplicate-text", f"the text is identical to {first.raw_path}; keep one capture",
                  field="text")
            for first, second in _pairs({k: v for k, v in groups.items() if len(v) > 1}, focus)]


def near_duplicates(articles: Sequence[Article], signatures: dict[str, list[int]], *, threshold: float,
                    severity: Severity, focus: set[str] | None = None) -> list[Finding]:
    """Pairs whose exact shingle containment is at least threshold (candidates from MinHash LSH)."""
    by_path = {a.raw_path: a for a in articles}
    findings = []
    candidates = _candidates(by_path, signatures) if focus is None else _candidates_of(by_path, signatures, focus)
    for left, right in sorted(candidates):
        for first, second in _order(by_path[left], by_path[right], focus):
            if first.text == second.text:
                continue  # reported as duplicate-text
            containment, jaccard = similarity(shingles(first.text), shingles(second.text))
            if containment >= threshold:
                findings.append(Finding(
                    file=second.raw_path, line=None, code="near-duplicate", severity=severity, field="text",
                    message=(f"near-duplicate of {first.raw_path}: similarity {containment:.2f} (share of the "
                             f"shorter text's 5-word shingles found in the other; Jaccard {jaccard:.2f}); a reprint "
                             "or a trimmed copy: keep one, or raise \"near_duplicate_threshold\" if both belong")))
    return findings


def _candidates(by_path: dict[str, Article], signatures: dict[str, list[int]]) -> set[tuple[str, str]]:
    """Every pair MinHash LSH puts in a common band."""
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    signature_of = {path: _minhash(signatures[path]) for path in by_path}
    for path in sorted(by_path):
        lsh.insert(path, signature_of[path])
    candidates = set()
    for path in sorted(by_path):
        for other in lsh.query(signature_of[path]):
            if other != path:
                candidates.add(tuple(sorted((path, other))))
    return candidates


def _candidates_of(by_path: dict[str, Article], signatures: dict[str, list[int]],
                   focus: set[str]) -> set[tuple[str, str]]:
    """Pairs of a focused article with any other whose MinHash estimate of Jaccard similarity
    reaches LSH_THRESHOLD. For a handful of articles, comparing their signatures with all
    others at once (numpy) is faster than building an LSH index of the whole corpus, and
    misses nothing that banding would find."""
    paths = sorted(by_path)
    focused = [p for p in paths if p in focus]
    if not focused:
        return set()
    matrix = np.array([signatures[p] for p in paths], dtype=np.uint32)
    candidates = set()
    for path in focused:
        estimate = (matrix == np.asarray(signatures[path], dtype=np.uint32)).mean(axis=1)
        for index in np.flatnonzero(estimate >= LSH_THRESHOLD):
            if paths[index] != path:
                candidates.add(tuple(sorted((path, paths[index]))))
    return candidates


def missing_metadata(articles: Sequence[Article], required: Sequence[str]) -> list[Finding]:
    """Fields the project requires to be known, or acknowledged as unknown in a sidecar note."""
    findings = []
    for article in articles:
        noted = dict(article.sidecar_notes)
        for field in required:
            if getattr(article, field) in (None, "", ()) and field not in noted and not (
                    field == "published_date" and "published" in noted):
                sidecar = article.raw_path.removesuffix(".txt") + ".meta.yaml"
                key = "published" if field == "published_date" else field
                findings.append(error(article.raw_path, "missing-metadata",
                                      f"{field} is not on the page; add it to {sidecar} as "
                                      f"{key}: {{value: ..., note: where it comes from}} (value null if it "
                                      "cannot be found)", field=field))
    return findings


def future_dates(articles: Sequence[Article], today: dt.date) -> list[Finding]:
    """Publication dates after today (one day of slack: a local date can run ahead of UTC)."""
    findings = []
    for article in articles:
        if article.published_date and article.published_date > today + dt.timedelta(days=1):
            file, line = article.source_of("published")
            findings.append(error(file, "date-in-future", f"published {article.published_date} is after today "
                                  f"({today}); check the date", line=line, field="published"))
    return findings


def check(articles: Sequence[Article], signatures: dict[str, list[int]], settings, *,
          focus: set[str] | None = None, today: dt.date | None = None) -> list[Finding]:
    """Corpus-level findings; with focus, only those involving the focused captures."""
    focused = [a for a in articles if focus is None or a.raw_path in focus]
    return [
        *duplicate_ids(articles, focus),
        *duplicate_urls(articles, focus),
        *duplicate_texts(articles, focus),
        *near_duplicates(articles, signatures, threshold=settings.near_duplicate_threshold,
                         severity=settings.near_duplicate_severity, focus=focus),
        *missing_metadata(focused, settings.require),
        *(future_dates(focused, today) if today else []),
    ]
