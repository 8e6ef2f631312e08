"""Corpus-level checks: what no single article shows (duplicates, reprints, missing metadata).

Near-duplicates are found with MinHash over word 5-gram shingles, in time linear in the corpus
(checks/near_duplicates.py), and every pair reported is measured with the exact similarity of
the two shingle sets, so a reported pair and its similarity never depend on hash noise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pyarrow.compute as pc

from corpuspack.article.record import RECORD_FIELDS, Article
from corpuspack.checks import near_duplicates
from corpuspack.checks.minhash import BANDS, ROWS_PER_BAND, shingle_set
from corpuspack.findings.report import Finding, Severity, error, warning


def canonical_url(url: str) -> str:
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def _pairs(groups: dict[str, list[Article]], focus: set[str] | None):
    """(kept, other) for every other member of a group: kept is the group's first by path (with
    focus, its first not in focus, if any), the one to keep; every other one is reported against
    it (with focus, only those in focus). One finding a copy, not one a pair: linear in a group."""
    for members in groups.values():
        members = sorted(
            members, key=lambda a: (focus is not None and a.raw_path in focus, a.raw_path)
        )
        kept = members[0]
        for other in members[1:]:
            if focus is None or other.raw_path in focus:
                yield kept, other


def _duplicate(
    code: str,
    other: str,
    message: str,
    *,
    file: str,
    line: int | None = None,
    field: str,
    severity: Severity = "error",
) -> Finding:
    """Every duplicate finding (ids, urls, texts, near-duplicates) is made here: file is the copy
    reported, other the one it copies (in related, and named in the message)."""
    return Finding(
        file=file,
        line=line,
        code=code,
        message=message,
        severity=severity,
        field=field,
        related=(other,),
    )


def duplicate_ids(articles: Sequence[Article], focus: set[str] | None = None) -> list[Finding]:
    """Id clashes across the whole corpus (frictionless sees one chunk of rows at a time)."""
    groups: dict[str, list[Article]] = {}
    for article in articles:
        groups.setdefault(article.id, []).append(article)
    findings = []
    for first, second in _pairs({k: v for k, v in groups.items() if len(v) > 1}, focus):
        file, line = second.source_of("id")
        findings.append(
            _duplicate(
                "duplicate-id",
                first.raw_path,
                f"id {second.id} is already used by {first.raw_path}; ids "
                "must be unique: pin a different id in the sidecar or move the capture",
                file=file,
                line=line,
                field="id",
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
            _duplicate(
                "duplicate-url",
                first.raw_path,
                f"{second.url} is also the url of {first.raw_path}; the same "
                "page is in the corpus twice: keep one capture",
                file=file,
                line=line,
                field="url",
            )
        )
    return findings


def duplicate_texts(articles: Sequence[Article], focus: set[str] | None = None) -> list[Finding]:
    groups: dict[str, list[Article]] = {}
    for article in articles:
        groups.setdefault(hashlib.sha256(article.text.encode()).hexdigest(), []).append(article)
    return [
        _duplicate(
            "duplicate-text",
            first.raw_path,
            f"the text is identical to {first.raw_path}; keep one capture",
            file=second.raw_path,
            field="text",
        )
        for first, second in _pairs({k: v for k, v in groups.items() if len(v) > 1}, focus)
    ]


def near_duplicate(
    file: str,
    other: str,
    containment: float,
    jaccard: float,
    severity: Severity = "warning",  # the catalogue's; a corpus sets its own under "severities"
) -> Finding:
    return _duplicate(
        "near-duplicate",
        other,
        f"near-duplicate of {other}: similarity {containment:.2f} (share of the "
        f"shorter text's 5-word shingles found in the other; Jaccard {jaccard:.2f}); a reprint "
        'or a trimmed copy: keep one, or raise "near_duplicate_threshold" if both belong',
        file=file,
        field="text",
        severity=severity,
    )


def shared_text(file: str, bucket_size: int) -> Finding:
    return warning(
        file,
        "near-duplicate-boilerplate",
        f"{bucket_size} articles, this one among them, share so much text without being copies "
        f"of one another (boilerplate or a template) that near-duplicates of this one were looked "
        f"for among the first {near_duplicates.CAP} of them only: remove the shared text with a "
        "furniture rule in the outlet's profile if it is page furniture",
        field="text",
    )


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


# The checks of repeated values: each a column of the store, and what reports its repeats.
REPEATS = (
    ("id", duplicate_ids),
    ("_url_key", duplicate_urls),
    ("_text_sha", duplicate_texts),
)


def repeats(store, column: str, report, focus: set[str] | None) -> list[Finding]:
    """report's findings on the records whose value of column another record shares: repeats are
    found on the store's column (pyarrow's value_counts), and only their records are rebuilt."""
    counts = pc.value_counts(store.column(column).drop_null())
    repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    return report(store.where(column, repeated), focus) if len(repeated) else []


def check(store, settings, *, focus: set[str] | None = None) -> list[Finding]:
    """Corpus-level findings over every record in the store; with focus, only those involving the
    focused captures: repeated ids, canonical urls and text digests (repeats), then
    near-duplicates (near_duplicate_check)."""
    if store.count == 0:
        return []
    findings = [f for column, report in REPEATS for f in repeats(store, column, report, focus)]
    return findings + near_duplicate_check(store, settings, focus)


def _band_keys(store, order: np.ndarray):
    """Each band's keys (rows of ROWS_PER_BAND uint32) in the given order of records."""
    for band in range(len(BANDS)):
        column = store.column(f"_band{band:02d}").combine_chunks()
        keys = np.frombuffer(
            column.buffers()[1],
            dtype="<u4",
            count=len(column) * ROWS_PER_BAND,
            offset=column.offset * ROWS_PER_BAND * 4,
        ).reshape(-1, ROWS_PER_BAND)
        yield keys[order]


def near_duplicate_check(store, settings, focus: set[str] | None) -> list[Finding]:
    """near_duplicates' three steps over the store's columns. Records are compared in path order
    (with focus, those not in focus first, so a contribution is reported against the corpus it
    joins); only the records of pairs worth measuring are rebuilt."""
    import pyarrow as pa

    flags = store.column("_focus").to_numpy(zero_copy_only=False)
    paths = store.column("raw_path")
    order = pc.sort_indices(
        pa.table(
            {"focus": flags if focus is not None else np.zeros(len(flags), bool), "path": paths}
        ),
        sort_keys=[("focus", "ascending"), ("path", "ascending")],
    ).to_numpy()
    focused = None if focus is None else flags[order]
    threshold = settings.near_duplicate_threshold
    found = near_duplicates.leaders(_band_keys(store, order), threshold, focused)
    crowded = [order[row] for row, _ in found.crowded() if focused is None or focused[row]]
    sizes = [size for row, size in found.crowded() if focused is None or focused[row]]
    pairs = found.pairs
    del found  # the signatures: the exact measure needs other memory
    if focused is not None:
        pairs = pairs[focused[pairs[:, 0]]]
    pairs = order[pairs]  # positions in the store
    digests = store.column("_text_sha")
    differ = pc.not_equal(digests.take(pairs[:, 0]), digests.take(pairs[:, 1]))
    pairs = pairs[differ.to_numpy(zero_copy_only=False)]  # equal texts are duplicate-text's
    measures = near_duplicates.measured(
        pairs, store.take, store.column("_where").to_numpy(), shingle_set
    )
    above = measures[:, 0] >= threshold
    reported = sorted(
        zip(map(tuple, pairs[above].tolist()), map(tuple, measures[above].tolist()), strict=True)
    )
    named = [int(p) for pair, _ in reported for p in pair] + [int(p) for p in crowded]
    names = dict(zip(named, paths.take(pa.array(named, pa.int64())).to_pylist(), strict=True))
    return [
        *(near_duplicate(names[a], names[b], *m) for (a, b), m in reported),
        *(shared_text(names[int(p)], size) for p, size in zip(crowded, sizes, strict=True)),
    ]


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
