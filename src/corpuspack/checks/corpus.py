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
from functools import cache
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pyarrow.compute as pc
import xxhash

from corpuspack.article.record import RECORD_FIELDS, Article
from corpuspack.findings.report import Finding, Severity, error

SHINGLE_WORDS = 5
NUM_PERM = 128
SCHEME = "affine32"  # datasketch's hashing scheme, pinned so cached signatures stay comparable
# A shingle's 32-bit hash is made from its words' xxHashes in numpy (see shingle_hashes), so
# datasketch is given ready hash values: its hash function is the identity.
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


def _identity(value: int) -> int:
    return value


# The permutations depend only on the seed: made once, not per signature.
# datasketch is imported on first use: it imports scipy (over a second), which a rebuild whose
# captures all come from the cache never needs.


@cache
def _permutations():
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashfunc=_identity).permutations


def _minhash(hashvalues=None):
    from datasketch import MinHash

    return MinHash(
        num_perm=NUM_PERM,
        seed=1,
        scheme=SCHEME,
        hashfunc=_identity,
        permutations=_permutations(),
        hashvalues=hashvalues,
    )


# Candidates only; the exact containment decides. A trimmed copy half as long as
# its original has a Jaccard similarity of 0.5, well above this.
LSH_THRESHOLD = 0.3
# The bands MinHashLSH uses at that threshold (37 bands of 3 values): a pair is a candidate when
# any band of its two signatures is equal.
# Written out rather than asked of MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM).hashranges
# (see above for why); tests/test_store.py checks they are the same.
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


def canonical_url(url: str) -> str:
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def shingle_hashes(text: str) -> np.ndarray:
    """A 32-bit hash of each of the text's word shingles (those of shingles(text)), repeats kept.

    Each word is hashed once (xxHash) and a shingle's hash is combined from its words' in numpy,
    rather than joining and hashing every shingle string in Python: about 5 times faster. Equal
    shingles hash equal; a clash of two different shingles (1 in 2^32 a pair) only blurs the
    MinHash estimate, which near-duplicate candidates tolerate (each pair is confirmed exactly).
    """
    words = _WORD.findall(text.casefold())
    if len(words) < SHINGLE_WORDS:
        return np.array([_WORD_HASH(" ".join(words).encode())] if words else [], dtype=np.uint32)
    hashed = np.fromiter(map(_WORD_HASH, map(str.encode, words)), dtype=np.uint64, count=len(words))
    count = len(words) - SHINGLE_WORDS + 1
    combined = np.zeros(count, dtype=np.uint64)
    for position, multiplier in enumerate(_POSITION):  # wraps modulo 2^64, as intended
        combined += hashed[position : position + count] * multiplier
    return ((combined >> np.uint64(32)) ^ combined).astype(np.uint32)


def signature(text: str) -> list[int]:
    """MinHash signature of a text's shingles (deterministic: fixed seed and permutations)."""
    minhash = _minhash()
    # A repeated shingle changes no minimum: the hashes need not be made a set first.
    minhash.update_batch(shingle_hashes(text).tolist())
    return minhash.hashvalues.tolist()


def _pairs(groups: dict[str, list[Article]], focus: set[str] | None):
    """(first, second) for every pair in a group, second being the one to report on:
    the contribution (in focus) if only one is, else the later path."""
    for members in groups.values():
        members = sorted(members, key=lambda a: a.raw_path)
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
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
        findings.append(
            error(
                file,
                "duplicate-id",
                f"id {second.id} is already used by {first.raw_path}; ids "
                "must be unique: pin a different id in the sidecar or move the capture",
                line=line,
                field="id",
                related=(first.raw_path,),
            )
        )
    return findings


def duplicate_urls(articles: Sequence[Article], focus: set[str] | None = None) -> list[Finding]:
    groups: dict[str, list[Article]] = {}
    for article in articles:
        if article.url:
            groups.setdefault(canonical_url(article.url), []).append(article)
    findings = []
    for first, second in _pairs({k: v for k, v in groups.items() if len(v) > 1}, focus):
        file, line = second.source_of("url")
        findings.append(
            error(
                file,
                "duplicate-url",
                f"{second.url} is also the url of {first.raw_path}; the same "
                "page is in the corpus twice: keep one capture",
                line=line,
                field="url",
                related=(first.raw_path,),
            )
        )
    return findings


def duplicate_texts(articles: Sequence[Article], focus: set[str] | None = None) -> list[Finding]:
    groups: dict[str, list[Article]] = {}
    for article in articles:
        groups.setdefault(hashlib.sha256(article.text.encode()).hexdigest(), []).append(article)
    return [
        error(
            second.raw_path,
            "duplicate-text",
            f"the text is identical to {first.raw_path}; keep one capture",
            field="text",
            related=(first.raw_path,),
        )
        for first, second in _pairs({k: v for k, v in groups.items() if len(v) > 1}, focus)
    ]


def near_duplicates(
    by_path: dict[str, Article],
    candidates: set[tuple[str, str]],
    *,
    threshold: float,
    severity: Severity = "warning",  # the catalogue's; a corpus sets its own under "severities"
    focus: set[str] | None = None,
) -> list[Finding]:
    """Candidate pairs (raw paths) whose exact shingle containment is at least threshold."""
    findings = []
    for left, right in sorted(candidates):
        for first, second in _order(by_path[left], by_path[right], focus):
            if first.text == second.text:
                continue  # reported as duplicate-text
            containment, jaccard = similarity(shingles(first.text), shingles(second.text))
            if containment >= threshold:
                findings.append(
                    Finding(
                        file=second.raw_path,
                        line=None,
                        code="near-duplicate",
                        severity=severity,
                        field="text",
                        related=(first.raw_path,),
                        message=(
                            f"near-duplicate of {first.raw_path}: similarity {containment:.2f} (share of the "
                            f"shorter text's 5-word shingles found in the other; Jaccard {jaccard:.2f}); a reprint "
                            'or a trimmed copy: keep one, or raise "near_duplicate_threshold" if both belong'
                        ),
                    )
                )
    return findings


def _mix(keys: np.ndarray) -> np.ndarray:
    """One uint64 per row of uint32 band values: equal rows mix alike (different ones rarely do)."""
    wide = keys.astype(np.uint64)
    mixed = (wide[:, 0] << np.uint64(32)) | wide[:, 1]
    for column in range(2, keys.shape[1]):  # wraps modulo 2^64, as intended
        mixed = (mixed * np.uint64(0x9E3779B97F4A7C15)) ^ wide[:, column]
    return mixed


def band_pairs(keys: np.ndarray, focused: np.ndarray | None) -> set[tuple[int, int]]:
    """Pairs of rows (positions) whose band keys are equal; with focused, only pairs with a focused row.

    keys: one row of ROWS_PER_BAND uint32 per record. Equal keys sit together once sorted, so
    memory is that of the keys, not of a hash table of them. The rows are sorted by one 64-bit
    mix of their values (one argsort, about 5 times faster than lexsort on the columns); rows
    that mix alike are then grouped by their exact values, so a clash of mixes pairs nothing."""
    if len(keys) < 2:
        return set()
    mixed = _mix(keys)
    order = np.argsort(mixed, kind="stable")
    ordered = mixed[order]
    same = ordered[1:] == ordered[:-1]
    pairs: set[tuple[int, int]] = set()
    starts = np.flatnonzero(same & ~np.r_[False, same[:-1]])
    for start in starts:
        end = start + 1
        while end < len(same) and same[end]:
            end += 1
        groups: dict[tuple[int, ...], list[int]] = {}
        for m in sorted(int(m) for m in order[start : end + 1]):
            groups.setdefault(tuple(keys[m].tolist()), []).append(m)
        for members in groups.values():
            if focused is not None and not focused[members].any():
                continue
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    if focused is None or focused[a] or focused[b]:
                        pairs.add((a, b))
    return pairs


def missing_metadata(articles: Sequence[Article], required: Sequence[str]) -> list[Finding]:
    """Fields the project requires to be known, or acknowledged as unknown in a sidecar note."""
    findings = []
    for article in articles:
        noted = dict(article.sidecar_notes)
        for field in required:
            if (
                article.value(field) in (None, "", ())
                and field not in noted
                and not (field == "published_date" and "published" in noted)
            ):
                sidecar = article.raw_path.removesuffix(".txt") + ".meta.yaml"
                key = "published" if field == "published_date" else field
                if field not in RECORD_FIELDS:  # the corpus's own: under fields:
                    key = f"fields: {{{field}: {{value: ..., note: where it comes from}}}}"
                else:
                    key = f"{key}: {{value: ..., note: where it comes from}}"
                findings.append(
                    error(
                        article.raw_path,
                        "missing-metadata",
                        f"{field} is not on the page; add it to {sidecar} as {key} (value null "
                        "if it cannot be found)",
                        field=field,
                    )
                )
    return findings


def future_dates(articles: Sequence[Article], today: dt.date) -> list[Finding]:
    """Publication dates after today (one day of slack: a local date can run ahead of UTC)."""
    findings = []
    for article in articles:
        if article.published_date and article.published_date > today + dt.timedelta(days=1):
            file, line = article.source_of("published")
            findings.append(
                error(
                    file,
                    "date-in-future",
                    f"published {article.published_date} is after today ({today}); check the date",
                    line=line,
                    field="published",
                )
            )
    return findings


def check(store, settings, *, focus: set[str] | None = None) -> list[Finding]:
    """Corpus-level findings over every record in the store; with focus, only those involving the
    focused captures.

    Repeats of ids, canonical urls and text digests are found on the store's columns
    (pyarrow's value_counts), and only the records in a repeated group are rebuilt.
    Near-duplicate candidates are the pairs MinHash LSH would put in a common bucket (equal
    band keys, sorted band by band on the columns); each is then confirmed exactly.
    """
    findings: list[Finding] = []
    if store.count == 0:
        return findings
    for column, repeats in (
        ("id", duplicate_ids),
        ("_url_key", duplicate_urls),
        ("_text_sha", duplicate_texts),
    ):
        counts = pc.value_counts(store.column(column).drop_null())
        repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
        if len(repeated):
            findings += repeats(store.where(column, repeated), focus)
    focused = None if focus is None else store.column("_focus").to_numpy(zero_copy_only=False)
    pairs: set[tuple[int, int]] = set()
    for band in range(len(BANDS)):
        column = store.column(f"_band{band:02d}").combine_chunks()
        keys = np.frombuffer(
            column.buffers()[1],
            dtype="<u4",
            count=len(column) * ROWS_PER_BAND,
            offset=column.offset * ROWS_PER_BAND * 4,
        ).reshape(-1, ROWS_PER_BAND)
        pairs |= band_pairs(keys, focused)
    if pairs:
        records = store.take([p for pair in pairs for p in pair])
        by_path = {a.raw_path: a for a in records.values()}
        candidates = {tuple(sorted((records[a].raw_path, records[b].raw_path))) for a, b in pairs}
        findings += near_duplicates(
            by_path,
            candidates,
            threshold=settings.near_duplicate_threshold,
            focus=focus,
        )
    return findings


def record_checks(articles: Sequence[Article], settings, today: dt.date | None) -> list[Finding]:
    """The per-record checks that need the project's settings: required metadata and future dates."""
    return [
        *missing_metadata(articles, settings.require),
        *(future_dates(articles, today) if today else []),
    ]


def record_check_suspects(table, settings, today: dt.date | None) -> list[int]:
    """Rows of an Arrow table of records that record_checks could report on (a superset: a required
    field empty, or a publication date after today), found on the columns, so only those rows'
    records need rebuilding."""
    import pyarrow as pa

    suspect = np.zeros(table.num_rows, dtype=bool)
    notes = table.column("sidecar_notes").combine_chunks()
    noted_rows = pc.list_parent_indices(notes).to_numpy()
    noted_fields = pc.struct_field(pc.list_flatten(notes), "field").to_numpy(zero_copy_only=False)
    for name in settings.require:
        if name not in table.column_names:
            continue
        # A field acknowledged as unknown in a sidecar note is not missing.
        acknowledged = {name, "published"} if name == "published_date" else {name}
        noted = np.zeros(table.num_rows, dtype=bool)
        noted[noted_rows[np.isin(noted_fields, list(acknowledged))]] = True
        column = table.column(name)
        empty = pc.is_null(column)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            empty = pc.or_(empty, pc.fill_null(pc.equal(column, ""), False))
        elif pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
            empty = pc.or_(empty, pc.fill_null(pc.equal(pc.list_value_length(column), 0), False))
        suspect |= empty.to_numpy(zero_copy_only=False) & ~noted
    if today is not None:
        latest = pa.scalar(today + dt.timedelta(days=1), pa.date32())
        later = pc.fill_null(
            pc.greater(pc.cast(table.column("published_date"), pa.date32()), latest), False
        )
        suspect |= later.to_numpy(zero_copy_only=False)
    return np.flatnonzero(suspect).tolist()
