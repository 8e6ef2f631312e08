"""The Table Schema is enforced with frictionless's semantics, and each broken constraint has its code."""

from __future__ import annotations

import dataclasses
import json

import pyarrow as pa
import pytest

from corpuspack.build import pipeline
from corpuspack.checks import table as validate
from corpuspack.project import datapackage as project_mod
from corpuspack.project.schema import RecordSchema
from support import REPO


@pytest.fixture(scope="module")
def good():
    result = pipeline.run(project_mod.load(REPO))
    return result.articles, json.loads(
        (REPO / "schema/article.schema.json").read_text(encoding="utf-8")
    )


BROKEN = {
    "required": ({"text": None}, "text", "missing-text"),
    "pattern": ({"raw_sha256": "not-a-hash"}, "raw_sha256", "pattern-mismatch"),
    "enum": ({"outlet": "Daily Planet"}, "outlet", "not-in-enum"),
    "enum-precision": ({"published_precision": "year"}, "published_precision", "not-in-enum"),
    "minLength": ({"title": ""}, "title", "too-short"),
    "maxLength": ({"title": "x" * 501}, "title", "too-long"),
    "array-item": ({"keywords": ("ok", "")}, "keywords", "too-short"),
    "language-pattern": ({"language": "English"}, "language", "not-in-enum"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_broken_constraint_is_reported_with_its_code(case, good):
    articles, schema = good
    changes, field, code = BROKEN[case]
    index = next(i for i, a in enumerate(articles) if not a.sidecar_notes)  # the RT capture
    broken = dataclasses.replace(articles[index], **changes)
    findings = validate.validate_articles(
        [*articles[:index], broken, *articles[index + 1 :]], schema
    )
    flat = {(f.file, f.field, f.code) for f in findings}
    assert (broken.raw_path, field, code) in flat
    assert {f.file for f in findings} == {broken.raw_path}


def test_duplicate_id_is_a_primary_key_violation(good):
    articles, schema = good
    clash = dataclasses.replace(articles[1], id=articles[0].id)
    findings = validate.validate_articles([articles[0], clash, *articles[2:]], schema)
    assert [(f.file, f.code) for f in findings] == [(clash.raw_path, "duplicate-id")]
    assert articles[0].raw_path in findings[0].message


def test_the_seeds_are_valid(good):
    articles, schema = good
    assert validate.validate_articles(articles, schema) == []


def test_every_field_is_typed_and_described():
    schema = json.loads((REPO / "schema/article.schema.json").read_text(encoding="utf-8"))
    for field in schema["fields"]:
        assert field.get("type") and field.get("description"), field["name"]
    assert schema["primaryKey"] == ["id"]
    names = RecordSchema(schema).arrow.names
    assert names == [f["name"] for f in schema["fields"]]


def test_schema_outlets_match_the_profiles():
    from corpuspack.article.profiles import registry

    schema = RecordSchema(
        json.loads((REPO / "schema/article.schema.json").read_text(encoding="utf-8"))
    )
    assert sorted(schema.enum("outlet")) == sorted(p.outlet for p in registry().profiles)


def test_a_value_from_a_sidecar_is_reported_on_the_sidecar(good):
    articles, schema = good
    index = next(i for i, a in enumerate(articles) if "title" in dict(a.sidecar_notes))
    broken = dataclasses.replace(articles[index], title="")
    findings = validate.validate_articles(
        [*articles[:index], broken, *articles[index + 1 :]], schema
    )
    assert [(f.file, f.field, f.code) for f in findings] == [
        (broken.sidecar_path, "title", "too-short")
    ]


def test_the_record_the_code_produces_has_the_schemas_fields(good):
    from corpuspack.article.record import RECORD_FIELDS

    articles, schema = good
    assert (
        list(articles[0].to_row()) == list(RECORD_FIELDS) == [f["name"] for f in schema["fields"]]
    )


def test_arrow_checks_and_frictionless_give_the_same_findings(good, monkeypatch):
    """validate runs the schema's constraints on Arrow; frictionless itself is the fallback and the reference."""
    articles, schema = good
    broken = list(articles)
    for i, (case, (changes, _, _)) in enumerate(sorted(BROKEN.items())):
        broken.append(
            dataclasses.replace(
                articles[i % len(articles)], raw_path=f"raw/x/{case}.txt", id=f"{i:016x}", **changes
            )
        )
    broken.append(dataclasses.replace(articles[0], raw_path="raw/x/clash.txt"))  # a duplicate id
    on_arrow = validate.validate_articles(broken, schema)
    assert len({f.code for f in on_arrow}) >= 6
    # The first run took the Arrow path: these rows fit the Arrow types and the schema is mirrored.
    table = pa.Table.from_pylist([a.to_row() for a in broken], schema=RecordSchema(schema).arrow)
    assert validate.arrow_checks.check_table(table, schema)

    calls = []

    def refuse(*args, **kwargs):
        calls.append(1)
        raise NotImplementedError("as for a schema arrow_checks does not mirror")

    monkeypatch.setattr(validate.arrow_checks, "check_table", refuse)
    assert validate.validate_articles(broken, schema) == on_arrow
    assert calls
