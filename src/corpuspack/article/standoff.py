"""Span annotations: standoff files from people, and carrying spans through normalisation.

A person annotates the raw capture (offsets into its text as decoded: Unicode code
points, end exclusive), in a JSONL file or a brat .ann file beside it. Each span is
carried through the article's offset map onto the clean text, or rejected with a
finding that names the annotation file and line: nothing is shifted or dropped
silently. A pure function of the capture, its annotation files and the vocabulary.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import jsonschema

from corpuspack.article.offsets import OffsetMap
from corpuspack.capture.names import SPANS_JSONL_SUFFIX
from corpuspack.findings.report import Finding, error, warning
from corpuspack.project.vocabulary import Vocabulary


@dataclass(frozen=True)
class Annotation:
    """One span on an article's clean text, as the release stores it."""

    type: str
    label: str
    start: int
    end: int
    text: str
    source: str  # "person" or "rule"
    attributes: tuple[tuple[str, str], ...] = ()

    def attribute(self, name: str) -> str | None:
        return dict(self.attributes).get(name)

    def to_row(self) -> dict:
        return {
            "type": self.type,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "source": self.source,
            "attributes": [{"name": n, "value": v} for n, v in self.attributes],
        }

    @classmethod
    def from_row(cls, row: dict) -> Annotation:
        return cls(
            type=row["type"],
            label=row["label"],
            start=row["start"],
            end=row["end"],
            text=row["text"],
            source=row["source"],
            attributes=tuple((a["name"], a["value"]) for a in row["attributes"]),
        )


@dataclass(frozen=True)
class Span:
    """A span as a person wrote it, against the raw capture."""

    file: str
    line: int
    name: str  # how the file refers to it: "T3" in brat, "line 4" in JSONL
    start: int
    end: int
    label: str
    text: str | None
    attributes: tuple[tuple[str, str], ...] = ()


_SPAN_LINE = jsonschema.Draft202012Validator(
    {
        "type": "object",
        "required": ["start", "end", "label"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 1},
            "label": {"type": "string", "minLength": 1},
            "text": {"type": "string"},
            "attributes": {
                "type": "object",
                "additionalProperties": {"type": ["string", "number", "boolean"]},
            },
        },
    }
)


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    keys = [k for k, _ in pairs]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    if duplicated:
        raise ValueError(f"key {duplicated[0]!r} appears twice")
    return dict(pairs)


def _as_text(value: object) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _lines(data: bytes, shown: str) -> tuple[list[str] | None, list[Finding]]:
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [
            error(
                shown,
                "invalid-utf8",
                f"byte 0x{data[exc.start]:02x} is not valid UTF-8; "
                "save the annotation file as UTF-8",
                line=line,
            )
        ]
    return text.replace("\r\n", "\n").split("\n"), []


def parse_jsonl(data: bytes, shown: str) -> tuple[list[Span], list[Finding]]:
    """Spans from a JSONL file: one {"start", "end", "label", "text"?, "attributes"?, "id"?} per line."""
    lines, findings = _lines(data, shown)
    spans: list[Span] = []
    for number, line in enumerate(lines or [], start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line, object_pairs_hook=_unique_keys)
        except ValueError as exc:
            findings.append(
                error(shown, "annotation-syntax", f"not a JSON object: {exc}", line=number)
            )
            continue
        problem = next(iter(sorted(_SPAN_LINE.iter_errors(value), key=lambda e: e.path)), None)
        if problem is not None:
            where = "/".join(map(str, problem.absolute_path))
            findings.append(
                error(
                    shown,
                    "annotation-syntax",
                    (f"{where}: " if where else "")
                    + problem.message
                    + '; a line is {"start": 0, "end": 4, "label": "PERSON", "text": '
                    '"..."} (text and attributes optional)',
                    line=number,
                )
            )
            continue
        attributes = tuple(sorted((k, _as_text(v)) for k, v in value.get("attributes", {}).items()))
        spans.append(
            Span(
                shown,
                number,
                value.get("id") or f"line {number}",
                value["start"],
                value["end"],
                value["label"],
                value.get("text"),
                attributes,
            )
        )
    return spans, findings


_BRAT_TEXT = re.compile(r"(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t(.*)")
_BRAT_ATTRIBUTE = re.compile(r"([AM]\d+)\t(\S+) (T\d+)(?: (\S+))?")
_BRAT_NOTE = re.compile(r"(#\d+)\t\S+ (T\d+)\t(.*)")
_BRAT_OTHER = {"R": "relations", "E": "events", "N": "normalizations", "*": "equivalences"}


def parse_brat(data: bytes, shown: str) -> tuple[list[Span], list[Finding]]:
    """Spans from a brat standoff .ann file: text-bound annotations (T), their attributes (A/M) and notes (#)."""
    lines, findings = _lines(data, shown)
    found: dict[str, Span] = {}
    extra: dict[str, list[tuple[str, str]]] = {}
    pending: list[tuple[int, str, str, str]] = []  # (line, target, name, value)
    for number, line in enumerate(lines or [], start=1):
        if not line.strip():
            continue
        if match := _BRAT_TEXT.fullmatch(line):
            name, label, offsets, text = match.groups()
            if ";" in offsets:
                findings.append(
                    error(
                        shown,
                        "span-discontinuous",
                        f"{name} has several fragments ({offsets}); "
                        "corpuspack stores one continuous span per annotation: split it into one "
                        "annotation per fragment",
                        line=number,
                    )
                )
                continue
            if name in found:
                findings.append(
                    error(
                        shown,
                        "annotation-syntax",
                        f"{name} is defined twice (first on line "
                        f"{found[name].line}); give each annotation its own id",
                        line=number,
                    )
                )
                continue
            start, end = map(int, offsets.split())
            found[name] = Span(shown, number, name, start, end, label, text)
        elif match := _BRAT_ATTRIBUTE.fullmatch(line):
            _, attribute, target, value = match.groups()
            pending.append((number, target, attribute, value or "true"))
        elif match := _BRAT_NOTE.fullmatch(line):
            _, target, note = match.groups()
            pending.append((number, target, "note", note))
        elif line[:1] in _BRAT_OTHER:
            findings.append(
                warning(
                    shown,
                    "brat-not-imported",
                    f"brat {_BRAT_OTHER[line[:1]]} ({line.split()[0]}) "
                    "are not imported; only text-bound annotations, attributes and notes are",
                    line=number,
                )
            )
        else:
            findings.append(
                error(
                    shown,
                    "annotation-syntax",
                    "not a brat standoff line (T, A, M or # followed by a number and a tab)",
                    line=number,
                )
            )
    for number, target, name, value in pending:
        if target not in found:
            findings.append(
                error(
                    shown,
                    "annotation-syntax",
                    f"refers to {target}, which this file does not "
                    "define as a text-bound annotation",
                    line=number,
                )
            )
            continue
        extra.setdefault(target, []).append((name, value))
    spans = [
        Span(
            s.file, s.line, s.name, s.start, s.end, s.label, s.text, tuple(sorted(extra.get(k, [])))
        )
        for k, s in found.items()
    ]
    return sorted(spans, key=lambda s: s.line), findings


def parse(data: bytes, shown: str) -> tuple[list[Span], list[Finding]]:
    return (
        parse_jsonl(data, shown) if shown.endswith(SPANS_JSONL_SUFFIX) else parse_brat(data, shown)
    )


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
    from corpuspack.article.offsets import Segment

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


def _gap(line_spans: Sequence[tuple[int, int]], start: int, end: int, removed: dict[int, str]):
    """Deletions for raw text between paragraphs: each removed line with its rule, the rest as whitespace."""
    from corpuspack.article.offsets import Segment

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
    annotations: list[tuple[Span, Annotation]] = []
    findings: list[Finding] = []
    for span in spans:
        where = f"{span.name} [{span.start}, {span.end})"
        label = vocabulary.canonical(span.label)
        if label is None:
            findings.append(
                error(
                    span.file,
                    "unknown-label",
                    f"{where}: label {span.label!r} is not in "
                    f"schema/annotations.schema.json; use one of {vocabulary.known()}, or add it "
                    "there",
                    line=span.line,
                    field="label",
                )
            )
            continue
        if not 0 <= span.start < span.end <= len(raw):
            findings.append(
                error(
                    span.file,
                    "span-out-of-range",
                    f"{where}: offsets must satisfy 0 <= start < end "
                    f"<= {len(raw)} (the capture's length in characters)",
                    line=span.line,
                )
            )
            continue
        actual = raw[span.start : span.end]
        if span.text is not None and span.text != actual:
            hint = ""
            nearby = (
                raw.find(span.text, max(0, span.start - 200), span.end + 200) if span.text else -1
            )
            if nearby >= 0:
                hint = f"; {span.text!r} is at [{nearby}, {nearby + len(span.text)})"
            findings.append(
                error(
                    span.file,
                    "span-text-mismatch",
                    f"{where}: the capture has {actual!r} there, "
                    f"the annotation says {span.text!r}{hint} (offsets count Unicode characters "
                    f"of {raw_path}, from 0)",
                    line=span.line,
                )
            )
            continue
        result = mapping.map_span(span.start, span.end)
        if result.problem == "removed":
            line = _line_of(line_spans, result.at)
            what = (
                f"rule {result.rule} removed line {line} of the capture"
                if result.rule
                else "normalisation removed it as space"
            )
            findings.append(
                error(
                    span.file,
                    "span-in-removed-text",
                    f"{where} {actual!r} begins, ends or lies in "
                    f"text the article does not keep: {what}; annotate only text the article keeps",
                    line=span.line,
                )
            )
            continue
        if result.problem == "cut":
            findings.append(
                error(
                    span.file,
                    "span-cut-by-normalisation",
                    f"{where} {actual!r}: offset {result.at} "
                    "falls inside characters normalisation replaced as a whole (repaired mojibake, "
                    "folded spaces); move the span's edge outside them",
                    line=span.line,
                )
            )
            continue
        annotation = Annotation(
            type=vocabulary.labels[label],
            label=label,
            start=result.start,
            end=result.end,
            text=text[result.start : result.end],
            source="person",
            attributes=span.attributes,
        )
        annotations.append((span, annotation))
    kept: list[tuple[Span, Annotation]] = []
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
    findings.extend(_overlaps(kept, vocabulary))
    return [a for _, a in kept], findings


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
