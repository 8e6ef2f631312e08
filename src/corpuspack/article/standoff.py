"""Span annotations on the article text, and carrying people's spans onto it through normalisation.

A person annotates the raw capture (offsets into its text as decoded: Unicode code
points, end exclusive), in a JSONL file or a brat .ann file beside it (read by
annotation_files). Each span is carried through the article's offset map onto the
clean text, or rejected with a finding that names the annotation file and line:
nothing is shifted or dropped silently. A pure function of the capture, its
annotation files and the vocabulary.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from corpuspack.article.annotation_files import Span
from corpuspack.article.normalize import align_text, line_spans
from corpuspack.article.offsets import Mapped, OffsetMap, Segment
from corpuspack.article.record import Annotation, Removal
from corpuspack.findings.report import Finding, error, warning
from corpuspack.project.vocabulary import Vocabulary


def article_map(
    raw: str,
    line_spans: Sequence[tuple[int, int]],
    paragraphs: Sequence[tuple[int, OffsetMap]],
    removed: dict[int, str],
) -> OffsetMap:
    """The map from the raw capture to the article text.

    paragraphs: (1-based line, map from that raw line to its paragraph) in text order;
    removed: line -> rule for the lines the text does not hold. Paragraphs are joined
    by a blank line ("\\n\\n"), which stands for the line break after the previous one.
    """
    parts: list[Segment] = []
    at = 0
    for index, (line, mapping) in enumerate(paragraphs):
        start, end = line_spans[line - 1]
        if index:
            # The line ending right after the previous paragraph becomes the blank line between them.
            previous_end = line_spans[paragraphs[index - 1][0] - 1][1]
            following = line_spans[paragraphs[index - 1][0]][0]  # start of the next raw line
            parts.append(Segment(following - previous_end, 2, "replace"))
            at = following
        parts.extend(_gap(line_spans, at, start, removed))
        parts.extend(mapping.segments)
        at = end
    parts.extend(_gap(line_spans, at, len(raw), removed))
    return OffsetMap.build(parts)


def text_map(
    raw: str,
    paragraphs: list[tuple[int, str]],
    dateline_cut: tuple[int, int, str] | None,
    removed: list[Removal],
    text: str,
) -> OffsetMap:
    """The offset map from the raw capture to the article text, rebuilt line by line with align_text."""
    spans = line_spans(raw)
    maps = []
    for number, paragraph in paragraphs:
        start, end = spans[number - 1]
        aligned, mapping = align_text(raw[start:end])
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
    mapping = article_map(raw, spans, maps, rules)
    if mapping.dst_len != len(text):
        raise AssertionError(
            "the article's offset map does not end at its text's length: a bug in corpuspack"
        )
    return mapping


def _gap(
    line_spans: Sequence[tuple[int, int]], start: int, end: int, removed: dict[int, str]
) -> Iterator[Segment]:
    """Deletions for raw text between paragraphs: each removed line with its rule, the rest as whitespace."""
    at = start
    first = bisect.bisect_right([s for s, _ in line_spans], start) - 1
    for number in range(first + 1, len(line_spans) + 1):
        line_start, line_end = line_spans[number - 1]
        if line_start >= end:
            break
        lo, hi = max(line_start, at), min(line_end, end)
        if lo > at:
            yield Segment(lo - at, 0, "delete")
        if hi > lo:
            yield Segment(hi - lo, 0, "delete", removed.get(number))
        at = max(at, hi)
    if end > at:
        yield Segment(end - at, 0, "delete")


def _line_of(line_spans: Sequence[tuple[int, int]], offset: int) -> int:
    return bisect.bisect_right([s for s, _ in line_spans], offset)


def carry(
    spans: Iterable[Span],
    raw: str,
    raw_path: str,
    line_spans: Sequence[tuple[int, int]],
    mapping: OffsetMap,
    text: str,
    vocabulary: Vocabulary,
) -> tuple[list[Annotation], list[Finding]]:
    """Carry people's spans from the raw capture onto the article text, or say why one cannot be."""
    carrier = _Carrier(raw, raw_path, line_spans, mapping, text, vocabulary)
    annotations: list[tuple[Span, Annotation]] = []
    findings: list[Finding] = []
    for span in spans:
        carried = carrier.carry(span)
        if isinstance(carried, Finding):
            findings.append(carried)
        else:
            annotations.append((span, carried))
    kept, repeated = _once(annotations)
    findings.extend(repeated)
    findings.extend(_overlaps(kept, vocabulary))
    return [a for _, a in kept], findings


@dataclass(frozen=True)
class _Carrier:
    """One capture's text, its article's and the map between them, to carry spans across."""

    raw: str
    raw_path: str
    line_spans: Sequence[tuple[int, int]]
    mapping: OffsetMap
    text: str
    vocabulary: Vocabulary

    def carry(self, span: Span) -> Annotation | Finding:
        where = f"{span.name} [{span.start}, {span.end})"
        label = self.vocabulary.canonical(span.label)
        if label is None:
            return error(
                span.file,
                "unknown-label",
                f"{where}: label {span.label!r} is not in "
                f"schema/annotations.schema.json; use one of {self.vocabulary.known()}, or add it "
                "there",
                line=span.line,
                field="label",
            )
        problem = self._raw_problem(span, where)
        if problem is not None:
            return problem
        result = self.mapping.map_span(span.start, span.end)
        if result.start is None or result.end is None:
            return self._unmapped(span, where, result)
        return Annotation(
            type=self.vocabulary.labels[label],
            label=label,
            start=result.start,
            end=result.end,
            text=self.text[result.start : result.end],
            source="person",
            attributes=span.attributes,
        )

    def _raw_problem(self, span: Span, where: str) -> Finding | None:
        """Why the span does not fit the capture: its offsets are out of range, or its text differs."""
        raw = self.raw
        if not 0 <= span.start < span.end <= len(raw):
            return error(
                span.file,
                "span-out-of-range",
                f"{where}: offsets must satisfy 0 <= start < end "
                f"<= {len(raw)} (the capture's length in characters)",
                line=span.line,
            )
        actual = raw[span.start : span.end]
        if span.text is None or span.text == actual:
            return None
        hint = ""
        nearby = raw.find(span.text, max(0, span.start - 200), span.end + 200) if span.text else -1
        if nearby >= 0:
            hint = f"; {span.text!r} is at [{nearby}, {nearby + len(span.text)})"
        return error(
            span.file,
            "span-text-mismatch",
            f"{where}: the capture has {actual!r} there, "
            f"the annotation says {span.text!r}{hint} (offsets count Unicode characters "
            f"of {self.raw_path}, from 0)",
            line=span.line,
        )

    def _unmapped(self, span: Span, where: str, result: Mapped) -> Finding:
        """Why a span that fits the capture has no place in the article text."""
        actual = self.raw[span.start : span.end]
        if result.problem == "removed":
            line = _line_of(self.line_spans, result.at if result.at is not None else span.start)
            what = (
                f"rule {result.rule} removed line {line} of the capture"
                if result.rule
                else "normalisation removed it as space"
            )
            return error(
                span.file,
                "span-in-removed-text",
                f"{where} {actual!r} begins, ends or lies in "
                f"text the article does not keep: {what}; annotate only text the article keeps",
                line=span.line,
            )
        return error(
            span.file,
            "span-cut-by-normalisation",
            f"{where} {actual!r}: offset {result.at} "
            "falls inside characters normalisation replaced as a whole (repaired mojibake, "
            "folded spaces); move the span's edge outside them",
            line=span.line,
        )


def _once(
    annotations: list[tuple[Span, Annotation]],
) -> tuple[list[tuple[Span, Annotation]], list[Finding]]:
    """The annotations without repeats (the same label on the same span), and a warning per repeat."""
    kept: list[tuple[Span, Annotation]] = []
    findings: list[Finding] = []
    seen: dict[tuple[str, int, int], Span] = {}
    for span, annotation in annotations:
        key = (annotation.label, annotation.start, annotation.end)
        if key in seen:
            first = seen[key]
            findings.append(
                warning(
                    span.file,
                    "duplicate-annotation",
                    f"{span.name} repeats {first.name} "
                    f"({first.file}:{first.line}); it is kept once",
                    line=span.line,
                )
            )
            continue
        seen[key] = span
        kept.append((span, annotation))
    return kept, findings


def _overlaps(items: list[tuple[Span, Annotation]], vocabulary: Vocabulary) -> list[Finding]:
    findings = []
    for group in vocabulary.exclusive:
        members = sorted(
            ((a.start, a.end, span) for span, a in items if a.label in group), key=lambda m: m[:2]
        )
        reach, holder = -1, None  # the furthest end so far, and the span that reaches it
        for start, end, span in members:
            if holder is not None and start < reach:
                findings.append(
                    error(
                        span.file,
                        "span-overlap",
                        f"{span.name} overlaps {holder.name} "
                        f"({holder.file}:{holder.line}); the vocabulary does not let "
                        f"{', '.join(sorted(group))} spans overlap",
                        line=span.line,
                    )
                )
            if end > reach:
                reach, holder = end, span
    return findings


def merge(person: Sequence[Annotation], rule: Sequence[Annotation]) -> tuple[Annotation, ...]:
    """People's annotations, plus the rules' where no person annotated an overlapping span of the same label."""
    kept = list(person)
    for annotation in rule:
        if not any(
            p.label == annotation.label and p.start < annotation.end and annotation.start < p.end
            for p in person
        ):
            kept.append(annotation)
    return tuple(sorted(kept, key=lambda a: (a.start, a.end, a.label, a.source)))
