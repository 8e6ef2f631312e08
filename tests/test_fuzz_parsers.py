"""The parsers of untrusted files, fuzzed with Hypothesis for a bounded time: sidecars, bundles
(JSONL captures), JSONL span files and brat .ann files. Whatever the bytes, each returns its
result and findings about the file it was given, and never raises."""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path

import yaml
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpuspack.article import annotation_files
from corpuspack.capture import bundles, sidecar

# Bounded: the four parsers together take a few seconds. deadline: per example, generous for a
# loaded CI machine; the examples are small.
FUZZ = settings(
    max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _nested(opener: str, closer: str) -> st.SearchStrategy[str]:
    """Text nested n levels deep (up to 3,000: past Python's recursion limit)."""
    return st.integers(0, 3000).map(lambda n: opener * n + closer * n)


def _checked(findings, shown: str, lines: int) -> None:
    for finding in findings:
        assert finding.file.startswith(shown.rsplit("/", 1)[0]), finding
        assert finding.message
        assert finding.line is None or 1 <= finding.line <= lines + 1, finding


YAML_ALPHABET = ":-[]{}#&*!|>'\"\n ?,%@`\t\\abcvaluenote019é"
sidecar_texts = st.one_of(
    st.binary(max_size=400),
    st.text(YAML_ALPHABET, max_size=400).map(str.encode),
    st.dictionaries(
        st.sampled_from(["title", "published", "url", "keywords", "id", "other"]),
        st.fixed_dictionaries({"value": json_values, "note": st.text(max_size=10)}) | json_values,
        max_size=6,
    ).map(lambda d: yaml.safe_dump(d, allow_unicode=True).encode()),
    _nested("- [", "]").map(lambda t: f"title:\n  value: {t}\n  note: x\n".encode()),
    _nested("{a: ", "}").map(lambda t: f"title: {t}".encode()),
)


@FUZZ
@given(sidecar_texts)
def test_sidecars(data):
    parsed, findings = sidecar.parse(data, "raw/x/a.meta.yaml")
    assert (parsed is None) == bool(findings)
    _checked(findings, "raw/x/a.meta.yaml", data.count(b"\n"))


def _capture_line(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


bundle_lines = st.one_of(
    st.binary(max_size=200),
    st.fixed_dictionaries(
        {
            "name": st.sampled_from(["a.txt", "b.txt", "../c.txt", "d"]),
            "text": st.text(max_size=50),
        },
        optional={"meta": json_values, "other": json_values},
    ).map(_capture_line),
    json_values.map(_capture_line),
    _nested("[", "]").map(lambda t: f'{{"name": "a.txt", "text": "x", "meta": {t}}}'.encode()),
)


@FUZZ
@given(
    st.lists(bundle_lines, max_size=6),
    st.sampled_from([".jsonl", ".jsonl.gz", ".jsonl.zst"]),
    st.integers(1, 400),
)
def test_bundles(lines, suffix, max_bytes):
    data = b"\n".join(lines)
    packed = {
        ".jsonl": lambda d: d,
        ".jsonl.gz": lambda d: gzip.compress(d, mtime=0),
        ".jsonl.zst": lambda d: zstandard.ZstdCompressor().compress(d),
    }[suffix](data)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"b{suffix}"
        path.write_bytes(packed[: len(packed) - (len(packed) % 7 == 0)])  # some cut short
        read = list(bundles.read(path, "raw/x/b.jsonl", max_bytes))
    for member, text, _meta, findings in read:
        assert (member is None) == bool(findings)
        if member is not None:
            assert text is not None and len(text) <= max_bytes * 6  # text, its JSON escapes undone
        _checked(findings, "raw/x/b.jsonl", data.count(b"\n") + 1)


@FUZZ
@given(st.lists(st.binary(max_size=300), max_size=8), st.integers(1, 64), st.integers(1, 200))
def test_bundle_lines_split_as_they_stream(chunks, cut, max_bytes):
    """However the stream comes in chunks, the lines are the data's, and a line over the limit
    comes as its length."""
    data = b"".join(chunks)
    pieces = [data[i : i + cut] for i in range(0, len(data), cut)]
    *ended, last = data.split(b"\n")
    lines = [part + b"\n" for part in ended] + ([last] if last else [])
    expected = [line if len(line) <= max_bytes else len(line) for line in lines]
    assert list(bundles._split(iter(pieces), max_bytes)) == expected


SPAN_ALPHABET = '{}[]":,0123456789 startendlabeltextattributesid\n-.'
span_files = st.one_of(
    st.binary(max_size=300),
    st.text(SPAN_ALPHABET, max_size=300).map(str.encode),
    st.lists(
        st.fixed_dictionaries(
            {
                "start": st.integers(-2, 50),
                "end": st.integers(-2, 50),
                "label": st.text(max_size=5),
            },
            optional={"text": json_values, "attributes": json_values, "id": json_values},
        ).map(_capture_line),
        max_size=5,
    ).map(b"\n".join),
    _nested("[", "]").map(str.encode),
)

BRAT_ALPHABET = "TAMRN#*E0123456789 \t;\nPERSONtext"
brat_files = st.one_of(
    st.binary(max_size=300),
    st.text(BRAT_ALPHABET, max_size=300).map(str.encode),
    st.lists(
        st.tuples(
            st.integers(0, 5), st.integers(-1, 40), st.integers(-1, 40), st.text(max_size=8)
        ).map(lambda t: f"T{t[0]}\tPERSON {t[1]} {t[2]}\t{t[3]}")
        | st.integers(0, 5).map(lambda i: f"A{i}\tNegated T{i}"),
        max_size=6,
    ).map(lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")),
)


@FUZZ
@given(span_files)
def test_span_files(data):
    spans, findings = annotation_files.parse(data, "raw/x/a.spans.jsonl")
    _checked(findings, "raw/x/a.spans.jsonl", data.count(b"\n"))
    assert all(isinstance(s.start, int) and isinstance(s.end, int) for s in spans)


@FUZZ
@given(brat_files)
def test_brat_files(data):
    spans, findings = annotation_files.parse(data, "raw/x/a.ann")
    _checked(findings, "raw/x/a.ann", data.count(b"\n"))
    assert all(isinstance(s.start, int) and isinstance(s.end, int) for s in spans)
