"""Extraction: apply an outlet profile (and the generic rules) to one raw capture.

A pure function of the capture, its sidecar and the profiles: no file system, no
clock. Every line of the capture that does not end up in the text is recorded with
the rule that took it, so nothing is lost silently. The steps, in order: resolve the
outlet, classify the page's lines (page.py), take the dateline and the lead before it
off the body, the suffix off the title, date the article, and carry people's
annotations onto the text.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from corpuspack.article import annotation_files, dates, normalize, standoff
from corpuspack.article.normalize import normalize_text, split_lines
from corpuspack.article.outlet import resolve_outlet
from corpuspack.article.page import Page, classify
from corpuspack.article.profiles import Profile, Registry
from corpuspack.article.record import Annotation, Article, Removal, article_id
from corpuspack.capture.model import RawDocument
from corpuspack.capture.sidecar import Sidecar
from corpuspack.findings.report import Finding, error, warning
from corpuspack.project.vocabulary import Vocabulary


def extract(
    doc: RawDocument,
    registry: Registry,
    known_outlets: Collection[str],
    vocabulary: Vocabulary | None = None,
) -> tuple[Article | None, list[Finding]]:
    """Turn one capture into an article record, or say why it cannot be.

    People's annotation files beside the capture are carried onto the text through
    the offset map of its normalisation (checked against the vocabulary).
    """
    outlet, profile, findings = resolve_outlet(doc, registry, known_outlets)
    if _has_error(findings):
        return None, findings
    parts, problems = _read(doc, profile, registry)
    findings += problems
    if _has_error(findings):
        return None, findings
    person: tuple[Annotation, ...] = ()
    if doc.annotation_files:
        person, problems = _person_annotations(doc, parts, vocabulary)
        findings += problems
        if _has_error(problems):
            return None, findings
    return _article(doc, outlet, parts, person), findings


def _has_error(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def _trailer_warning(doc: RawDocument, page: Page, profile: Profile | None) -> list[Finding]:
    if not page.trailer_rejected_at or profile is None:
        return []
    return [
        warning(
            doc.path,
            "trailer-not-recognised",
            f"the block after the body does not look like {profile.outlet}'s related links and "
            "tag line, so it is kept as text; check the capture's end",
            line=page.trailer_rejected_at,
        )
    ]


@dataclass
class _Body:
    """The body's paragraphs once the dateline, and the lead before it, are taken off."""

    paragraphs: list[tuple[int, str]]  # (line in the capture, normalised text)
    date_source: tuple[int, str] | None  # (line, text) of the page's date, if it gives one
    dateline: str | None = None
    cut: tuple[int, int, str] | None = None  # (line, characters cut from its start, rule)
    lead: str | None = None
    removed: list[Removal] = field(default_factory=list)
    page_lines: dict[str, int] = field(default_factory=dict)  # field -> line in the capture


def _body(
    doc: RawDocument,
    paragraphs: list[tuple[int, str]],
    profile: Profile | None,
    timestamp: tuple[int, str] | None,
) -> tuple[_Body, list[Finding]]:
    """The body with its dateline found in the first paragraphs (if the profile has one)."""
    body = _Body(paragraphs, date_source=timestamp)
    if profile is None or profile.dateline is None:
        return body, []
    for position, (_, paragraph) in enumerate(paragraphs[: profile.dateline_search_paragraphs]):
        match = profile.dateline.match(paragraph)
        if match:
            _take_dateline(body, profile, position, match)
            return body, []
    return body, [
        warning(
            doc.path,
            "dateline-not-found",
            f"no {profile.outlet} dateline in the first paragraphs; check the capture "
            "(the text is kept whole)",
            line=paragraphs[0][0] if paragraphs else None,
        )
    ]


def _take_dateline(body: _Body, profile: Profile, position: int, match: re.Match) -> None:
    """Cut the dateline off the paragraph at position, and take the paragraphs before it as the lead."""
    slug, paragraphs = profile.slug, body.paragraphs
    number, paragraph = paragraphs[position]
    body.dateline = match.group("dateline")
    body.page_lines["dateline"] = number
    rest = paragraph[match.end() :].strip()
    body.removed.append(Removal(f"{slug}/dateline", number, body.dateline))
    body.cut = (number, len(paragraph) - len(rest), f"{slug}/dateline")
    if "date" in match.groupdict() and body.date_source is None:
        body.date_source = (number, match.group("date"))
    if profile.lead == "before-dateline" and position > 0:
        body.lead = "\n\n".join(p for _, p in paragraphs[:position])
        body.page_lines["lead"] = paragraphs[0][0]
        body.removed.extend(Removal(f"{slug}/lead", n, p) for n, p in paragraphs[:position])
    body.paragraphs = ([(number, rest)] if rest else []) + paragraphs[position + 1 :]


@dataclass
class _Parts:
    """What the page and the sidecar give, before people's annotations are carried."""

    page: Page
    body: _Body
    removed: list[Removal]  # by line and rule, and the title's suffix last
    title: str | None
    language: str | None
    published: dates.Published
    text: str


def _read(
    doc: RawDocument, profile: Profile | None, registry: Registry
) -> tuple[_Parts, list[Finding]]:
    """Every field the capture and its sidecar give, each step on what the one before left."""
    values = doc.sidecar.values if doc.sidecar else {}
    page = classify(split_lines(doc.text), profile, registry.generic)
    findings = _trailer_warning(doc, page, profile)
    paragraphs = [(n, normalize_text(p)) for n, p in page.paragraphs]
    body, problems = _body(doc, [(n, p) for n, p in paragraphs if p], profile, page.timestamp)
    findings += problems
    removed = sorted([*page.removed, *body.removed], key=lambda r: (r.line, r.rule))
    title, suffix = _title(page, profile, values)
    removed += suffix
    language = values.get("language") or (profile.language if profile else None)
    published, problems = _published(doc, profile, body.date_source, language)
    findings += problems
    text = "\n\n".join(p for _, p in body.paragraphs)
    if not text:
        findings.append(
            error(
                doc.path,
                "no-body-text",
                "no article text is left once furniture is removed; "
                "check that this is an article capture and that its outlet is right",
                field="text",
            )
        )
    return _Parts(page, body, removed, title, language, published, text), findings


def _title(page: Page, profile: Profile | None, values: dict) -> tuple[str | None, list[Removal]]:
    """The title, without the outlet's suffix (recorded as removed); the sidecar's overrides it."""
    title = normalize_text(page.title[1]) if page.title else None
    removed = []
    if title and page.title and profile and profile.title_suffix:
        suffixes = list(profile.title_suffix.finditer(title))
        if suffixes and suffixes[-1].end() == len(title):
            suffix = suffixes[-1]
            removed.append(
                Removal(f"{profile.slug}/title-suffix", page.title[0], suffix.group(0).strip())
            )
            title = title[: suffix.start()].strip() or None
    if "title" in values:
        title = normalize_text(values["title"]) if values["title"] else None
    return title, removed


def _published(
    doc: RawDocument,
    profile: Profile | None,
    date_source: tuple[int, str] | None,
    language: str | None,
) -> tuple[dates.Published, list[Finding]]:
    """The publication date: the page's, unless the sidecar gives one (which must agree with it)."""
    published, findings = _page_date(doc, profile, date_source, language)
    side = doc.sidecar
    if side is not None and side.values.get("published"):
        published, problems = _sidecar_date(side, published, date_source)
        findings += problems
    if profile and profile.founded and published.date and published.date.year < profile.founded:
        findings.append(_before_outlet(doc, profile, published, date_source))
    return published, findings


def _page_date(
    doc: RawDocument,
    profile: Profile | None,
    date_source: tuple[int, str] | None,
    language: str | None,
) -> tuple[dates.Published, list[Finding]]:
    if date_source is None:
        return dates.Published.unknown(), []
    try:
        return dates.parse_page_date(
            date_source[1],
            language=language or "en",
            zone=profile.timestamp_zone if profile else None,
            formats=profile.date_formats if profile else (),
        ), []
    except dates.DateError as exc:
        return dates.Published.unknown(), [
            error(
                doc.path,
                "unparseable-date",
                f"{exc}; fix the capture or give the date in "
                "the sidecar as published: {value: YYYY-MM-DD, note: ...}",
                line=date_source[0],
                field="published",
            )
        ]


def _sidecar_date(
    side: Sidecar, page: dates.Published, date_source: tuple[int, str] | None
) -> tuple[dates.Published, list[Finding]]:
    given_text = side.values["published"]
    try:
        given = dates.parse_iso(given_text)
    except dates.DateError as exc:
        problem = error(
            side.path,
            "unparseable-date",
            str(exc),
            line=side.lines.get("published"),
            field="published",
        )
        return page, [problem]
    if dates.agrees(page, given):
        return given, []
    original = date_source[1] if date_source else None
    return given, [
        error(
            side.path,
            "published-mismatch",
            f"the sidecar date {given_text} contradicts the page's "
            f"{original!r}; correct one of them",
            line=side.lines.get("published"),
            field="published",
        )
    ]


def _before_outlet(
    doc: RawDocument,
    profile: Profile,
    published: dates.Published,
    date_source: tuple[int, str] | None,
) -> Finding:
    side = doc.sidecar
    if side is not None and side.values.get("published"):
        file, line = side.path, side.lines.get("published")
    else:
        file, line = doc.path, (date_source[0] if date_source else None)
    return error(
        file,
        "date-before-outlet",
        f"published {published.date} is before {profile.outlet} existed ({profile.founded}); "
        "check the date",
        line=line,
        field="published",
    )


def _keywords(tag_line: str | None, extra: list[str] | None) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    candidates = [normalize_text(k) for k in (tag_line or "").split(",")] + [
        normalize_text(k) for k in extra or []
    ]
    for keyword in candidates:
        if keyword and keyword.casefold() not in seen:
            seen[keyword.casefold()] = keyword
    return tuple(seen.values())


def _article(
    doc: RawDocument, outlet: str | None, parts: _Parts, person: tuple[Annotation, ...]
) -> Article:
    side, page, body, published = doc.sidecar, parts.page, parts.body, parts.published
    values = side.values if side else {}
    return Article(
        id=values.get("id") or article_id(doc.path),
        outlet=outlet,
        url=values.get("url"),
        title=parts.title,
        lead=body.lead,
        published=published.instant,
        published_date=published.date,
        published_precision=published.precision,
        published_original=body.date_source[1] if body.date_source else None,
        dateline=body.dateline,
        language=parts.language,
        text=parts.text,
        keywords=_keywords(page.tag_line[1] if page.tag_line else None, values.get("keywords")),
        raw_path=doc.path,
        raw_sha256=doc.sha256,
        removed=tuple(sorted(parts.removed, key=lambda r: (r.line, r.rule))),
        sidecar_notes=tuple((name, side.notes[name]) for name in side.values) if side else (),
        annotations=person,
        sidecar_path=side.path if side else None,
        sidecar_lines=tuple(
            (name, side.lines[name]) for name in side.values if side.lines.get(name)
        )
        if side
        else (),
        page_lines=_page_lines(page, body),
    )


def _page_lines(page: Page, body: _Body) -> tuple[tuple[str, int], ...]:
    """The line of the capture each field came from, for the fields the page gave."""
    lines = dict(body.page_lines)
    if page.title:
        lines["title"] = page.title[0]
    if body.date_source:
        lines["published"] = lines["published_date"] = body.date_source[0]
    if page.tag_line:
        lines["keywords"] = page.tag_line[0]
    return tuple(sorted(lines.items()))


def _person_annotations(
    doc: RawDocument, parts: _Parts, vocabulary: Vocabulary | None
) -> tuple[tuple[Annotation, ...], list[Finding]]:
    """People's spans from the capture's annotation files, carried onto the article text."""
    spans: list[annotation_files.Span] = []
    problems: list[Finding] = []
    for shown, data in doc.annotation_files:
        found, trouble = annotation_files.parse(data, shown)
        spans += found
        problems += trouble
    text = parts.text
    mapping = standoff.text_map(
        doc.text, parts.body.paragraphs, parts.body.cut, parts.removed, text
    )
    carried, trouble = standoff.carry(
        spans,
        doc.text,
        doc.path,
        normalize.line_spans(doc.text),
        mapping,
        text,
        vocabulary or _no_vocabulary(),
    )
    return tuple(carried), problems + trouble


def _no_vocabulary() -> Vocabulary:
    raise ValueError("annotation files need a vocabulary: pass the project's to extract()")
