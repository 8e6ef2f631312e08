"""Corpus-level checks: what no single article shows (duplicates, reprints, missing metadata).

Near-duplicates are found with MinHash LSH (datasketch) over word 5-gram shingles
and every candidate pair is then confirmed with the exact similarity of the two
shingle sets, so a reported pair and its similarity never depend on hash noise.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

from datasketch import MinHash, MinHashLSH

from .article import Article
from .report import Finding, Severity, error

SHINGLE_WORDS = 5
NUM_PERM = 128
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


def _where(article: Article, field: str) -> str:
    return article.sidecar_path if article.sidecar_path and field in dict(article.sidecar_notes) else article.raw_path


def duplicate_urls(articles: Sequence[Article]) -> list[Finding]:
    seen: dict[str, Article] = {}
    findings = []
    for article in sorted(articles, key=lambda a: a.raw_path):
        if not article.url:
            continue
        key = canonical_url(article.url)
        if key in seen:
            findings.append(error(_where(article, "url"), "duplicate-url",
                                  f"{article.url} is also the url of {seen[key].raw_path}; the same page is in "
                                  "the corpus twice: keep one capture", field="url"))
        else:
            seen[key] = article
    return findings


def duplicate_texts(articles: Sequence[Article]) -> list[Finding]:
    seen: dict[str, Article] = {}
    findings = []
    for article in sorted(articles, key=lambda a: a.raw_path):
        key = hashlib.sha256(article.text.encode()).hexdigest()
        if key in seen:
            findings.append(error(article.raw_path, "duplicate-text",
                                  f"the text is identical to {seen[key].raw_path}; keep one capture", field="text"))
        else:
            seen[key] = article
    return findings


def near_duplicates(articles: Sequence[Article], *, threshold: float, severity: Severity,
                    exclude_exact: bool = True) -> list[Finding]:
    """Pairs whose shingle containment is at least threshold, reported on the later path."""
    ordered = sorted(articles, key=lambda a: a.raw_path)
    sets = [shingles(a.text) for a in ordered]
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    candidates: set[tuple[int, int]] = set()
    for index, shingle_set in enumerate(sets):
        signature = MinHash(num_perm=NUM_PERM, seed=1)
        signature.update_batch([s.encode() for s in sorted(shingle_set)])
        for other in lsh.query(signature):
            candidates.add((other, index))
        lsh.insert(index, signature)
    findings = []
    for first, second in sorted(candidates):
        a, b = ordered[first], ordered[second]
        if exclude_exact and a.text == b.text:
            continue  # reported as duplicate-text
        containment, jaccard = similarity(sets[first], sets[second])
        if containment >= threshold:
            findings.append(Finding(
                file=b.raw_path, line=None, code="near-duplicate", severity=severity, field="text",
                message=(f"near-duplicate of {a.raw_path}: similarity {containment:.2f} (share of the shorter "
                         f"text's 5-word shingles found in the other; Jaccard {jaccard:.2f}); a reprint or a "
                         "trimmed copy: keep one, or raise \"near_duplicate_threshold\" if both belong")))
    return findings


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


def check(articles: Sequence[Article], settings) -> list[Finding]:
    return [
        *duplicate_urls(articles),
        *duplicate_texts(articles),
        *near_duplicates(articles, threshold=settings.near_duplicate_threshold,
                         severity=settings.near_duplicate_severity),
        *missing_metadata(articles, settings.require),
    ]
