"""People's standoff annotation files, read into spans against the raw capture.

A JSONL file (one {"start", "end", "label", ...} per line) or a brat .ann file
beside a capture; offsets count the capture's Unicode code points as decoded, end
exclusive. Every line that cannot be read becomes a finding naming the file and
line; carrying the spans onto the article text is standoff.carry's work.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

import jsonschema

from corpuspack.capture.names import SPANS_JSONL_SUFFIX
from corpuspack.findings.report import Finding, error, warning
from corpuspack.project import jsonfile


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
            if jsonfile.too_deep(value):  # jsonschema's messages would recurse into it
                raise RecursionError
        except ValueError as exc:
            findings.append(
                error(shown, "annotation-syntax", f"not a JSON object: {exc}", line=number)
            )
            continue
        except RecursionError:
            findings.append(
                error(shown, "annotation-syntax", "nested too deeply to be a span", line=number)
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
    pending: list[tuple[int, str, str, str]] = []  # (line, target, name, value)
    for number, line in enumerate(lines or [], start=1):
        if not line.strip():
            continue
        problem = _brat_line(line, number, shown, found, pending)
        if problem is not None:
            findings.append(problem)
    spans, problems = _attach(found, pending, shown)
    return spans, findings + problems


def _brat_line(
    line: str,
    number: int,
    shown: str,
    found: dict[str, Span],
    pending: list[tuple[int, str, str, str]],
) -> Finding | None:
    """Take one line: a text-bound annotation into found, an attribute or note into pending; or say why not."""
    if match := _BRAT_TEXT.fullmatch(line):
        return _text_bound(match, number, shown, found)
    if match := _BRAT_ATTRIBUTE.fullmatch(line):
        _, attribute, target, value = match.groups()
        pending.append((number, target, attribute, value or "true"))
        return None
    if match := _BRAT_NOTE.fullmatch(line):
        _, target, note = match.groups()
        pending.append((number, target, "note", note))
        return None
    if line[:1] in _BRAT_OTHER:
        return warning(
            shown,
            "brat-not-imported",
            f"brat {_BRAT_OTHER[line[:1]]} ({line.split()[0]}) "
            "are not imported; only text-bound annotations, attributes and notes are",
            line=number,
        )
    return error(
        shown,
        "annotation-syntax",
        "not a brat standoff line (T, A, M or # followed by a number and a tab)",
        line=number,
    )


def _text_bound(match: re.Match, number: int, shown: str, found: dict[str, Span]) -> Finding | None:
    name, label, offsets, text = match.groups()
    if ";" in offsets:
        return error(
            shown,
            "span-discontinuous",
            f"{name} has several fragments ({offsets}); "
            "corpuspack stores one continuous span per annotation: split it into one "
            "annotation per fragment",
            line=number,
        )
    if name in found:
        return error(
            shown,
            "annotation-syntax",
            f"{name} is defined twice (first on line "
            f"{found[name].line}); give each annotation its own id",
            line=number,
        )
    start, end = map(int, offsets.split())
    found[name] = Span(shown, number, name, start, end, label, text)
    return None


def _attach(
    found: dict[str, Span], pending: list[tuple[int, str, str, str]], shown: str
) -> tuple[list[Span], list[Finding]]:
    """The spans in file order with their attributes and notes, and the lines that name no span."""
    findings = []
    extra: dict[str, list[tuple[str, str]]] = {}
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
    spans = [replace(s, attributes=tuple(sorted(extra.get(k, [])))) for k, s in found.items()]
    return sorted(spans, key=lambda s: s.line), findings


def parse(data: bytes, shown: str) -> tuple[list[Span], list[Finding]]:
    return (
        parse_jsonl(data, shown) if shown.endswith(SPANS_JSONL_SUFFIX) else parse_brat(data, shown)
    )
