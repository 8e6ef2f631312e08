"""Extraction: apply an outlet profile (and the generic rules) to one raw capture.

A pure function of the capture, its sidecar and the profiles: no file system, no
clock. Every line of the capture that does not end up in the text is recorded with
the rule that took it, so nothing is lost silently.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from corpuspack.article import annotation_files, dates, normalize, standoff
from corpuspack.article.normalize import normalize_text, split_lines
from corpuspack.article.offsets import OffsetMap, Segment
from corpuspack.article.profiles import LineRule, Profile, Registry
from corpuspack.article.record import Annotation, Article, Removal, article_id
from corpuspack.capture.model import RawDocument
from corpuspack.findings.report import Finding, error, warning
from corpuspack.project.vocabulary import Vocabulary

_NOT_IN_TAG = re.compile(r"[.!?:;\"“”]")


def is_tag_line(line: str) -> bool:
    """A comma-separated list of short keywords ("regional security, THAAD missile defense system, China")."""
    items = [item.strip() for item in line.split(",")]
    return all(1 <= len(item.split()) <= 6 and not _NOT_IN_TAG.search(item) for item in items)


def _is_headline(line: str) -> bool:
    return len(line) <= 200 and not line.endswith((".", "”", '"', ":"))


@dataclass
class _Page:
    """What the line classifier found on the page, before normalisation."""

    title: tuple[int, str] | None = None
    timestamp: tuple[int, str] | None = None
    paragraphs: list[tuple[int, str]] = field(default_factory=list)
    tag_line: tuple[int, str] | None = None
    removed: list[Removal] = field(default_factory=list)
    trailer_rejected_at: int | None = None


def _furniture(line: str, rules: tuple[LineRule, ...], where: str) -> LineRule | None:
    for rule in rules:
        if rule.where in (where, "anywhere") and rule.pattern.fullmatch(line):
            return rule
    return None


def _trailer_start(
    lines: list[str], start: int, blank_run: int, is_furniture
) -> tuple[int | None, int | None]:
    """(index of the trailer, None) or (None, line of a rejected candidate).

    The trailer follows the last run of >= blank_run blank lines and is one block:
    links to related stories (headline-like lines) ending with the tag line.
    Anything else is kept as text, so an unusual page loses nothing.
    """
    run, candidate = 0, None
    for index in range(start, len(lines)):
        if lines[index].strip():
            if run >= blank_run:
                candidate = index
            run = 0
        else:
            run += 1
    if candidate is None:
        return None, None
    tail = [line.strip() for line in lines[candidate:]]
    while tail and not tail[-1]:
        tail.pop()
    content = [line for line in tail if line and not is_furniture(line)]
    if (
        all(tail)
        and content
        and is_tag_line(content[-1])
        and all(_is_headline(x) for x in content[:-1])
    ):
        return candidate, None
    return None, candidate + 1


def _classify(lines: list[str], profile: Profile | None, generic: tuple[LineRule, ...]) -> _Page:
    page = _Page()
    slug = profile.slug if profile else "generic"
    rules = [(f"{slug}/{r.id}", r) for r in (profile.furniture if profile else ())]
    rules += [(f"generic/{r.id}", r) for r in generic]
    rule_ids = {id(r): name for name, r in rules}
    all_rules = tuple(r for _, r in rules)

    def furniture(line: str, where: str) -> str | None:
        rule = _furniture(line, all_rules, where)
        return rule_ids[id(rule)] if rule else None

    in_body = False
    trailer_at = None
    for number, raw_line in enumerate(lines, start=1):
        line = raw_line.strip()
        index = number - 1
        if not line:
            continue
        if in_body and trailer_at is None and profile and profile.trailer_after_blank_lines:
            trailer_at, page.trailer_rejected_at = _trailer_start(
                lines,
                index,
                profile.trailer_after_blank_lines,
                lambda x: furniture(x, "trailer") is not None,
            )
            if trailer_at is None:
                trailer_at = len(lines)
        if trailer_at is not None and index >= trailer_at:
            rule = furniture(line, "trailer")
            page.removed.append(Removal(rule or f"{slug}/{profile.trailer_other}", number, line))
            continue
        if not in_body:
            rule = furniture(line, "header")
            if rule:
                page.removed.append(Removal(rule, number, line))
                continue
            if (
                profile
                and profile.timestamp
                and page.timestamp is None
                and profile.timestamp.fullmatch(line)
            ):
                page.timestamp = (number, line)
                page.removed.append(Removal(f"{slug}/timestamp", number, line))
                continue
            # The headline comes first: once the timestamp has been seen, it is not on the page.
            if (
                profile
                and profile.title == "first-line"
                and page.title is None
                and page.timestamp is None
            ):
                page.title = (number, line)
                page.removed.append(Removal(f"{slug}/title", number, line))
                continue
            in_body = True
        rule = furniture(line, "body")
        if rule:
            page.removed.append(Removal(rule, number, line))
        else:
            page.paragraphs.append((number, line))
    if profile and profile.trailer_keywords == "last-line":
        trailer = [r for r in page.removed if r.rule == f"{slug}/{profile.trailer_other}"]
        if trailer and is_tag_line(trailer[-1].text):
            last = trailer[-1]
            page.tag_line = (last.line, last.text)
            page.removed[page.removed.index(last)] = Removal(
                f"{slug}/tag-line", last.line, last.text
            )
    page.removed.sort(key=lambda r: r.line)
    return page


def _resolve_outlet(
    doc: RawDocument, registry: Registry, known_outlets: Collection[str]
) -> tuple[str | None, Profile | None, list[Finding]]:
    side = doc.sidecar
    if side and side.values.get("outlet"):
        given = side.values["outlet"]
        canonical = registry.canonical_outlet(given)
        if canonical:
            return canonical, registry.by_outlet(canonical), []
        if given in known_outlets:
            return (
                given,
                None,
                [
                    warning(
                        side.path,
                        "outlet-without-profile",
                        f"outlet {given!r} has no profile, so only the generic rules remove "
                        "furniture; add src/corpuspack/profiles/<slug>.yaml",
                        line=side.lines.get("outlet"),
                        field="outlet",
                    )
                ],
            )
        known = ", ".join(sorted({*known_outlets, *(p.outlet for p in registry.profiles)}))
        return (
            None,
            None,
            [
                error(
                    side.path,
                    "unknown-outlet",
                    f"unknown outlet {given!r}; use one of: {known} (or add a profile and "
                    "the outlet to the schema's enum)",
                    line=side.lines.get("outlet"),
                    field="outlet",
                )
            ],
        )
    profile = registry.by_slug(doc.outlet_dir)
    if profile:
        return profile.outlet, profile, []
    slugs = ", ".join(p.slug for p in registry.profiles)
    where = f"raw/{doc.outlet_dir}/" if doc.outlet_dir else "raw/ itself"
    return (
        None,
        None,
        [
            error(
                doc.path,
                "unknown-outlet",
                f"{where} names no outlet profile; put the capture in raw/<outlet>/ "
                f"(one of: {slugs}) or set outlet in its sidecar",
                field="outlet",
            )
        ],
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
    outlet, profile, findings = _resolve_outlet(doc, registry, known_outlets)
    if any(f.severity == "error" for f in findings):
        return None, findings
    side = doc.sidecar
    values = side.values if side else {}
    slug = profile.slug if profile else "generic"
    lines = split_lines(doc.text)
    page = _classify(lines, profile, registry.generic)

    if page.trailer_rejected_at:
        findings.append(
            warning(
                doc.path,
                "trailer-not-recognised",
                f"the block after the body does not look like {profile.outlet}'s related links and "
                "tag line, so it is kept as text; check the capture's end",
                line=page.trailer_rejected_at,
            )
        )
    paragraphs = [(n, normalize_text(p)) for n, p in page.paragraphs]
    paragraphs = [(n, p) for n, p in paragraphs if p]
    removed = list(page.removed)

    dateline = None
    dateline_cut: tuple[int, int, str] | None = None  # (line, characters cut from its start, rule)
    date_source = page.timestamp
    lead = None
    page_lines: dict[str, int] = {}
    if profile and profile.dateline:
        for position, (number, paragraph) in enumerate(
            paragraphs[: profile.dateline_search_paragraphs]
        ):
            match = profile.dateline.match(paragraph)
            if match:
                dateline = match.group("dateline")
                page_lines["dateline"] = number
                rest = paragraph[match.end() :].strip()
                removed.append(Removal(f"{slug}/dateline", number, dateline))
                dateline_cut = (number, len(paragraph) - len(rest), f"{slug}/dateline")
                if "date" in match.groupdict() and date_source is None:
                    date_source = (number, match.group("date"))
                if profile.lead == "before-dateline" and position > 0:
                    lead = "\n\n".join(p for _, p in paragraphs[:position])
                    page_lines["lead"] = paragraphs[0][0]
                    removed.extend(Removal(f"{slug}/lead", n, p) for n, p in paragraphs[:position])
                paragraphs = ([(number, rest)] if rest else []) + paragraphs[position + 1 :]
                break
        else:
            findings.append(
                warning(
                    doc.path,
                    "dateline-not-found",
                    f"no {profile.outlet} dateline in the first paragraphs; check the capture "
                    "(the text is kept whole)",
                    line=paragraphs[0][0] if paragraphs else None,
                )
            )
    removed.sort(key=lambda r: (r.line, r.rule))

    title = normalize_text(page.title[1]) if page.title else None
    if title and profile and profile.title_suffix:
        match = None
        for match in profile.title_suffix.finditer(title):
            pass
        if match and match.end() == len(title):
            removed.append(Removal(f"{slug}/title-suffix", page.title[0], match.group(0).strip()))
            title = title[: match.start()].strip() or None
    if "title" in values:
        title = normalize_text(values["title"]) if values["title"] else None

    published = dates.Published.unknown()
    original = date_source[1] if date_source else None
    language = values.get("language") or (profile.language if profile else None)
    if date_source:
        try:
            published = dates.parse_page_date(
                original,
                language=language or "en",
                zone=profile.timestamp_zone if profile else None,
                formats=profile.date_formats if profile else (),
            )
        except dates.DateError as exc:
            findings.append(
                error(
                    doc.path,
                    "unparseable-date",
                    f"{exc}; fix the capture or give the date in "
                    "the sidecar as published: {value: YYYY-MM-DD, note: ...}",
                    line=date_source[0],
                    field="published",
                )
            )
    if values.get("published"):
        try:
            given = dates.parse_iso(values["published"])
        except dates.DateError as exc:
            findings.append(
                error(
                    side.path,
                    "unparseable-date",
                    str(exc),
                    line=side.lines.get("published"),
                    field="published",
                )
            )
        else:
            if not dates.agrees(published, given):
                findings.append(
                    error(
                        side.path,
                        "published-mismatch",
                        f"the sidecar date {values['published']} contradicts the page's "
                        f"{original!r}; correct one of them",
                        line=side.lines.get("published"),
                        field="published",
                    )
                )
            published = given
    if profile and profile.founded and published.date and published.date.year < profile.founded:
        findings.append(
            error(
                side.path if values.get("published") else doc.path,
                "date-before-outlet",
                f"published {published.date} is before {profile.outlet} existed ({profile.founded}); "
                "check the date",
                line=side.lines.get("published")
                if values.get("published")
                else (date_source[0] if date_source else None),
                field="published",
            )
        )

    text = "\n\n".join(p for _, p in paragraphs)
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
    if any(f.severity == "error" for f in findings):
        return None, findings

    person: tuple[Annotation, ...] = ()
    if doc.annotation_files:
        spans, problems = [], []
        for shown, data in doc.annotation_files:
            found, trouble = annotation_files.parse(data, shown)
            spans += found
            problems += trouble
        mapping = _text_map(doc.text, paragraphs, dateline_cut, removed, text)
        carried, trouble = standoff.carry(
            spans,
            doc.text,
            doc.path,
            normalize.line_spans(doc.text),
            mapping,
            text,
            vocabulary or _no_vocabulary(),
        )
        findings += problems + trouble
        person = tuple(carried)
        if any(f.severity == "error" for f in problems + trouble):
            return None, findings

    notes = tuple((name, side.notes[name]) for name in side.values) if side else ()
    if page.title:
        page_lines["title"] = page.title[0]
    if date_source:
        page_lines["published"] = page_lines["published_date"] = date_source[0]
    if page.tag_line:
        page_lines["keywords"] = page.tag_line[0]
    article = Article(
        id=values.get("id") or article_id(doc.path),
        outlet=outlet,
        url=values.get("url"),
        title=title,
        lead=lead,
        published=published.instant,
        published_date=published.date,
        published_precision=published.precision,
        published_original=original,
        dateline=dateline,
        language=language,
        text=text,
        keywords=_keywords(page.tag_line[1] if page.tag_line else None, values.get("keywords")),
        raw_path=doc.path,
        raw_sha256=doc.sha256,
        removed=tuple(sorted(removed, key=lambda r: (r.line, r.rule))),
        sidecar_notes=notes,
        annotations=person,
        sidecar_path=side.path if side else None,
        sidecar_lines=tuple(
            (name, side.lines[name]) for name in side.values if side.lines.get(name)
        )
        if side
        else (),
        page_lines=tuple(sorted(page_lines.items())),
    )
    return article, findings


def _no_vocabulary() -> Vocabulary:
    raise ValueError("annotation files need a vocabulary: pass the project's to extract()")


def _text_map(
    raw: str,
    paragraphs: list[tuple[int, str]],
    dateline_cut: tuple[int, int, str] | None,
    removed: list[Removal],
    text: str,
) -> OffsetMap:
    """The offset map from the raw capture to the article text, rebuilt line by line with align_text."""
    spans = normalize.line_spans(raw)
    maps = []
    for number, paragraph in paragraphs:
        start, end = spans[number - 1]
        aligned, mapping = normalize.align_text(raw[start:end])
        if dateline_cut and dateline_cut[0] == number:
            cut = dateline_cut[1]
            mapping = mapping.then(
                OffsetMap.build(
                    [
                        Segment(cut, 0, "delete", dateline_cut[2]),
                        Segment(len(aligned) - cut, len(aligned) - cut, "keep"),
                    ]
                )
            )
            aligned = aligned[cut:]
        if aligned != paragraph:
            raise AssertionError(
                f"align_text and normalize_text disagree on line {number}: a bug in corpuspack"
            )
        maps.append((number, mapping))
    rules: dict[int, str] = {}
    for removal in removed:
        rules.setdefault(removal.line, removal.rule)
    mapping = standoff.article_map(raw, spans, maps, rules)
    if mapping.dst_len != len(text):
        raise AssertionError(
            "the article's offset map does not end at its text's length: a bug in corpuspack"
        )
    return mapping
