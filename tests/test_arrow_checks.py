"""check_table finds on Arrow exactly what frictionless finds on the same rows.

Every comparison gives frictionless the rows of the very Arrow table that is
checked (table.to_pylist()), so both see the same values.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import re

import pyarrow as pa
import pytest
from frictionless import Resource, Schema

from corpuspack.build import pipeline
from corpuspack.checks.arrow import UniqueIds, check_table
from corpuspack.project import datapackage as project_mod
from corpuspack.project.schema import RecordSchema
from support import REPO

ARTICLE_SCHEMA = json.loads((REPO / "schema/article.schema.json").read_text(encoding="utf-8"))
NAMES = [f["name"] for f in ARTICLE_SCHEMA["fields"]]


def frictionless_findings(
    table: pa.Table, descriptor: dict, *, with_notes: bool = False
) -> list[tuple]:
    """As validate.py calls frictionless; a v2 schema (exclusive bounds) needs a v2 resource around it."""
    if "$schema" in descriptor:
        resource = Resource.from_descriptor(
            {
                "$schema": "https://datapackage.org/profiles/2.0/dataresource.json",
                "name": "rows",
                "data": table.to_pylist(),
                "schema": descriptor,
            }
        )
    else:
        resource = Resource(data=table.to_pylist(), schema=Schema.from_descriptor(descriptor))
    report = resource.validate(limit_errors=10**9)
    return [
        tuple(e)
        for e in report.flatten(
            ["rowNumber", "fieldName", "type"] + (["note"] if with_notes else [])
        )
    ]


def article_table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=RecordSchema(ARTICLE_SCHEMA).arrow)


@pytest.fixture(scope="module")
def seed_rows() -> list[dict]:
    """40 valid rows: the seed articles, repeated under new ids and paths."""
    articles = pipeline.run(project_mod.load(REPO)).articles
    rows = []
    for i in range(40):
        row = copy.deepcopy(articles[i % len(articles)].to_row())
        row["id"] = f"{i:016x}"
        row["raw_path"] = f"raw/copy/{i:03d}.txt"
        rows.append(row)
    return rows


# Each violation: the changes to one row, and the constraint frictionless names in its note.
VIOLATIONS = [
    ({"id": None}, "required"),  # and a null primary key
    ({"outlet": None}, "required"),
    ({"published_precision": None, "language": None}, "required"),
    ({"text": None, "keywords": None, "raw_path": None, "raw_sha256": None}, "required"),
    ({"removed": None, "sidecar_notes": None, "annotations": None}, "required"),
    ({"id": "0123456789ABCDEF"}, "pattern"),
    ({"id": "0000000000000001\n"}, None),  # Python's $ matches before a final newline
    ({"raw_sha256": "not-a-hash"}, "pattern"),
    ({"raw_path": "raw/a\\b.txt"}, "pattern"),
    ({"raw_path": "captures/a.txt"}, "pattern"),
    ({"outlet": "Daily Planet"}, "enum"),
    ({"outlet": ""}, "enum"),  # missingValues: [] makes "" a value
    ({"published_precision": "year"}, "enum"),
    ({"language": "English"}, "enum"),  # and the pattern: two errors on one cell
    ({"language": "fr"}, "enum"),
    ({"title": ""}, "minLength"),
    ({"lead": "", "dateline": "", "text": ""}, "minLength"),
    ({"title": "x" * 501}, "maxLength"),
    (
        {"title": "é" * 500, "lead": None, "dateline": None},
        None,
    ),  # lengths are in code points, not bytes
    ({"keywords": ["ok", ""]}, "minLength"),  # array item
    ({"keywords": ["", "", None]}, "minLength"),  # one error for the cell, a null item is fine
    ({"url": "example.com/page"}, "type"),  # format: uri needs a scheme
    ({"url": ""}, "type"),
    ({"url": "1http://x"}, "type"),
    ({"url": "https://example.com/ü?q=1#f", "title": None}, None),
    ({"url": "mailto:someone"}, None),
    ({"url": "not a uri", "outlet": "Nowhere", "title": ""}, "type"),
    ({"id": "0000000000000003"}, "unique"),  # repeats row 3 (0-based index 3)
    ({"id": "0000000000000003", "text": ""}, "unique"),
    ({"removed": [None], "annotations": [], "published": None, "published_date": None}, None),
    ({name: None for name in NAMES}, "blank-row"),  # one blank-row error, and a null primary key
]


def broken_rows(seed_rows: list[dict]) -> list[dict]:
    rows = copy.deepcopy(seed_rows)
    for index, (changes, _) in enumerate(VIOLATIONS):
        rows[4 + index].update(changes)
    rows.append({**copy.deepcopy(seed_rows[1]), "id": "0123456789ABCDEF"})  # a repeat of a bad id
    return rows


def test_every_violation_is_found_as_frictionless_finds_it(seed_rows):
    table = article_table(broken_rows(seed_rows))
    expected = frictionless_findings(table, ARTICLE_SCHEMA)
    assert check_table(table, ARTICLE_SCHEMA) == expected
    chunked = pa.concat_tables([table.slice(0, 9), table.slice(9, 13), table.slice(22)])
    assert check_table(chunked, ARTICLE_SCHEMA) == expected

    # The table exercises every error type, and every constraint the schema uses.
    assert {kind for _, _, kind in expected} == {
        "constraint-error",
        "type-error",
        "unique-error",
        "primary-key",
        "blank-row",
    }
    notes = frictionless_findings(table, ARTICLE_SCHEMA, with_notes=True)
    broken = {
        (field, re.search(r'constraint "(\w+)"', note).group(1))
        for _, field, kind, note in notes
        if kind == "constraint-error"
    }
    used = {
        (f["name"], name)
        for f in ARTICLE_SCHEMA["fields"]
        for name in f.get("constraints", {})
        if name != "unique"
    }
    used |= {
        (f["name"], name)
        for f in ARTICLE_SCHEMA["fields"]
        for name in f.get("arrayItem", {}).get("constraints", {})
    }
    assert used <= broken, used - broken
    assert ("url", "type-error") in {(f, k) for _, f, k in expected}
    assert ("id", "unique-error") in {(f, k) for _, f, k in expected}
    assert cell_notes(check_table(table, ARTICLE_SCHEMA, notes=True)) == cell_notes(notes)


def cell_notes(findings: list[tuple]) -> list[tuple]:
    """The findings with notes, those whose notes name an earlier row (duplicates, blank rows) without."""
    return [
        (row, field, kind, note if kind in ("type-error", "constraint-error") else None)
        for row, field, kind, note in findings
    ]


def test_a_clean_table_has_no_findings(seed_rows):
    table = article_table(seed_rows)
    assert frictionless_findings(table, ARTICLE_SCHEMA) == []
    assert check_table(table, ARTICLE_SCHEMA) == []


def test_batches_with_row_offset_and_one_unique_ids_are_numbered_like_one_table(seed_rows):
    rows = broken_rows(seed_rows)
    rows += [
        {**copy.deepcopy(seed_rows[2]), "id": f"{i:016x}"} for i in (7, 30, 45)
    ]  # repeats in later batches
    table = article_table(rows)
    expected = frictionless_findings(table, ARTICLE_SCHEMA)
    ids = UniqueIds(ARTICLE_SCHEMA)
    found, offset = [], 0
    for start in range(0, table.num_rows, 7):
        batch = table.slice(start, 7)
        found += check_table(batch, ARTICLE_SCHEMA, row_offset=offset, ids=ids)
        offset += batch.num_rows
    assert found == expected
    assert sum(1 for _, field, kind in expected if kind == "unique-error") >= 4


def test_unique_ids_finds_repeats_across_batches():
    ids = UniqueIds(ARTICLE_SCHEMA)
    first = pa.array(["00000000000000aa", "00000000000000bb", "not-hex", None, "00000000000000aa"])
    second = pa.chunked_array(
        [
            pa.array(["00000000000000bb", "00000000000000cc"]),
            pa.array(["not-hex", "NOT-HEX", "00000000000000AA", "00000000000000cc"]),
        ]
    )
    assert ids.add(first) == [(6, "id", "unique-error"), (6, None, "primary-key")]
    assert ids.add(second, row_offset=5) == [
        (7, "id", "unique-error"),
        (7, None, "primary-key"),
        (9, "id", "unique-error"),
        (9, None, "primary-key"),
        (12, "id", "unique-error"),
        (12, None, "primary-key"),
    ]
    assert len(ids) == 6  # aa bb cc as uint64; not-hex, NOT-HEX and ...AA as strings


def test_unique_ids_keeps_few_runs_and_finds_every_repeat():
    rng = random.Random(3)
    pool = [f"{rng.getrandbits(64):016x}" for _ in range(3000)]
    stream = [rng.choice(pool) for _ in range(20000)]
    ids = UniqueIds(ARTICLE_SCHEMA)
    found = []
    for start in range(0, len(stream), 613):
        found += ids.repeats(pa.array(stream[start : start + 613])).tolist()
    seen, expected = set(), []
    for value in stream:
        expected.append(value in seen)
        seen.add(value)
    assert found == expected
    assert len(ids) == len(seen)
    assert len(ids._runs) <= 12


# A schema of other standard constraints, checked against frictionless on random rows.

OTHER_SCHEMA = {
    "$schema": "https://datapackage.org/profiles/2.0/tableschema.json",
    "missingValues": ["", "n/a"],
    "fields": [
        {
            "name": "word",
            "type": "string",
            "constraints": {"pattern": "[a-c]+|x\\.y", "maxLength": 3},
        },
        {
            "name": "count",
            "type": "integer",
            "constraints": {"minimum": 0, "maximum": 5, "enum": [0, 1, 2, 7]},
        },
        {
            "name": "score",
            "type": "number",
            "constraints": {"exclusiveMinimum": 0, "exclusiveMaximum": 1.5},
        },
        {"name": "day", "type": "date", "constraints": {"minimum": "2020-01-01"}},
        {"name": "at", "type": "datetime", "constraints": {"required": True}},
        {"name": "flag", "type": "boolean"},
        {
            "name": "code",
            "type": "string",
            "constraints": {
                "unique": True,
                "required": True,
                "enum": ["a", "b", "c", "d", "n/a", ""],
            },
        },
        {"name": "link", "type": "string", "format": "uri", "constraints": {"unique": True}},
        {
            "name": "tags",
            "type": "array",
            "constraints": {"minLength": 1, "maxLength": 3},
            "arrayItem": {
                "type": "string",
                "constraints": {"required": True, "pattern": "\\w+", "maxLength": 2},
            },
        },
        {
            "name": "parts",
            "type": "array",
            "arrayItem": {"type": "object", "fields": [{"name": "k", "type": "string"}]},
        },
        {
            "name": "links",
            "type": "array",
            "constraints": {"required": True},
            "arrayItem": {
                "type": "string",
                "format": "uri",
                "missingValues": [],
                "constraints": {"minLength": 4},
            },
        },
        {"name": "ref", "type": "integer", "constraints": {"required": True}},
    ],
    "primaryKey": "ref",
}
OTHER_ARROW = pa.schema(
    [
        ("word", pa.string()),
        ("count", pa.int64()),
        ("score", pa.float64()),
        ("day", pa.date32()),
        ("at", pa.timestamp("us", tz="UTC")),
        ("flag", pa.bool_()),
        ("code", pa.string()),
        ("link", pa.large_string()),
        ("tags", pa.list_(pa.string())),
        ("parts", pa.list_(pa.struct([("k", pa.string())]))),
        ("links", pa.large_list(pa.string())),
        ("ref", pa.int32()),
    ]
)


def random_row(rng: random.Random) -> dict:
    def maybe(values):
        return rng.choice([None, *values])

    return {
        "word": maybe(["a", "abc", "abcd", "d", "", "n/a", "x.y", "xzy", "ab\n", "a\n\n", "é"]),
        "count": maybe([0, 1, 2, 5, 6, 7, -1]),
        "score": maybe([0.0, 0.1, 1.5, 1.4999, float("nan"), float("inf"), -2.0]),
        "day": maybe([dt.date(2019, 12, 31), dt.date(2020, 1, 1), dt.date(2024, 2, 29)]),
        "at": maybe([dt.datetime(2021, 1, 1, tzinfo=dt.UTC)]),
        "flag": maybe([True, False]),
        "code": maybe(["a", "b", "c", "d", "e", "", "n/a"]),
        "link": maybe(
            ["https://a", "https://b", "ftp:x", "a", "", "n/a", "x-y+z.w:1", "ü:x", " http://a"]
        ),
        "tags": maybe(
            [
                [],
                ["a"],
                ["a", "bb"],
                ["a", "b", "c", "d"],
                ["ccc"],
                [None],
                ["", "n/a"],
                ["é"],
                ["٣"],
                ["a\n"],
                ["-", "bbb"],
            ]
        ),
        "parts": maybe([[], [None], [{"k": None}], [{"k": "v"}]]),
        "links": maybe([[], ["http://a"], ["a:b"], ["nope", "a:b"], ["", None], ["x:yz", "q"]]),
        "ref": maybe(list(range(1, 150))),
    }


@pytest.mark.parametrize("seed", range(6))
def test_other_standard_constraints_match_frictionless_on_random_rows(seed):
    rng = random.Random(seed)
    rows = [random_row(rng) for _ in range(120)]
    rows += [{name: None for name in OTHER_ARROW.names}] * 2
    rng.shuffle(rows)
    table = pa.Table.from_pylist(rows, schema=OTHER_ARROW)
    expected = frictionless_findings(table, OTHER_SCHEMA)
    assert check_table(table, OTHER_SCHEMA) == expected
    assert cell_notes(check_table(table, OTHER_SCHEMA, notes=True)) == cell_notes(
        frictionless_findings(table, OTHER_SCHEMA, with_notes=True)
    )
    assert {kind for _, _, kind in expected} >= {
        "constraint-error",
        "type-error",
        "unique-error",
        "primary-key",
        "blank-row",
    }


def test_unique_fields_are_read_first_as_frictionless_does():
    """A unique field after others: its cell's errors come first in the row, unless the row repeats a value."""
    schema = {
        "missingValues": [],
        "fields": [
            {"name": "a", "type": "string", "constraints": {"minLength": 2}},
            {"name": "b", "type": "string", "constraints": {"unique": True, "maxLength": 1}},
            {"name": "c", "type": "string", "constraints": {"unique": True, "enum": ["x"]}},
        ],
    }
    table = pa.table(
        {"a": ["", "", "", "ok"], "b": ["zz", "zz", "y", "q"], "c": ["q", "x", "q", "w"]}
    )
    expected = frictionless_findings(table, schema)
    assert check_table(table, schema) == expected
    assert expected[0] == (2, "b", "constraint-error")


@pytest.mark.parametrize(
    "pattern",
    [
        "[0-9a-f]{16}",
        "[a-z]{2,3}(-[A-Za-z0-9]{2,8})*",
        "raw/[^\\\\]+",
        "a|b",
        "\\d+",
        "a{,2}",
        pytest.param("[[:alpha:]]+", marks=pytest.mark.filterwarnings("ignore")),
        "(?=a)a",
        "(?:a)b",
        "x$",
        "a{2",
        "\\w\\.\\-",
    ],
)
def test_patterns_match_as_python_re_does(pattern):
    values = [
        "0123456789abcdef",
        "0123456789abcdef\n",
        "en",
        "en-GB",
        "raw/x",
        "raw/x\\y",
        "raw/\n",
        "a",
        "b",
        "ab",
        "ba",
        "٣",
        "12",
        "",
        "aa",
        "A",
        ":",
        "x",
        "x\n",
        "AB",
        "a{2",
        "é.-",
        "a.-",
        None,
    ]
    schema = {
        "missingValues": [],
        "fields": [{"name": "v", "type": "string", "constraints": {"pattern": pattern}}],
    }
    table = pa.table({"v": pa.array(values, pa.string())})
    assert check_table(table, schema) == frictionless_findings(table, schema)


@pytest.mark.parametrize(
    "field, column",
    [
        ({"name": "v", "type": "string", "format": "email"}, pa.array(["a@b.c"])),
        ({"name": "v", "type": "string", "constraints": {"jsonSchema": {}}}, pa.array(["a"])),
        ({"name": "v", "type": "number", "constraints": {"enum": [1.5]}}, pa.array([1.5])),
        ({"name": "v", "type": "date"}, pa.array(["2020-01-01"])),
        ({"name": "v", "type": "geopoint"}, pa.array(["1,2"])),
        (
            {
                "name": "v",
                "type": "array",
                "arrayItem": {
                    "type": "object",
                    "fields": [{"name": "k", "type": "string", "constraints": {"required": True}}],
                },
            },
            pa.array([[{"k": "a"}]]),
        ),
    ],
)
def test_what_is_not_mirrored_is_refused_by_name(field, column):
    with pytest.raises(NotImplementedError):
        check_table(pa.table({"v": column}), {"fields": [field]})
