"""The corpus's own fields: declared after the built-in ones in the Table Schema, filled from
sidecars (`fields:`), a bundle line's `meta` or a plugin, checked like the built-ins, and carried
into Parquet, the card, datapackage.json and Croissant, where `datasets` reads them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
import yaml

from conftest import copy_project
from corpuspack import api, hooks, plugins
from corpuspack.article.custom import read_value
from corpuspack.project.schema import RecordSchema, SchemaError

TODAY = dt.date(2026, 1, 1)

CUSTOM = [
    {
        "name": "category",
        "type": "string",
        "title": "Category",
        "description": "The desk that filed the article, as the corpus's editors assign it.",
        "constraints": {"required": True, "enum": ["diplomacy", "security", "economy"]},
    },
    {
        "name": "priority",
        "type": "integer",
        "title": "Priority",
        "description": "How early the editors read it: 1 first.",
        "constraints": {"minimum": 1},
    },
    {"name": "collected", "type": "date", "description": "When the page was saved."},
    {
        "name": "topics",
        "type": "array",
        "arrayItem": {"type": "string"},
        "description": "Topics the editors noted.",
    },
]

# A bundle of captures the test writes: RT's page form (title with its suffix, a timestamp).
BUNDLE = [
    (
        "010_ministers_talk.txt",
        "Ministers talk about trains — RT EN\n\n9 mar 2022 10:15 am\n\n"
        "Two ministers met on Tuesday to talk about a new railway across the steppe.\n\n"
        "They agreed to meet again in the spring, a spokesman said.",
        {"category": "economy", "priority": 2, "topics": ["railways", "trade"]},
    ),
    (
        "011_navy_drill.txt",
        "Navies hold a drill at sea — RT EN\n\n10 mar 2022 08:30 am\n\n"
        "Ships of both navies sailed together for a week of exercises far from any coast.\n\n"
        "Officers said the drill went to plan and no ship was damaged.",
        {"category": "security", "collected": "2022-03-11"},
    ),
]


def _noted(values: dict) -> dict:
    return {name: {"value": value, "note": "set by the test"} for name, value in values.items()}


def _add_fields(sidecar: Path, values: dict) -> None:
    """Give a capture's sidecar (made if it has none) the corpus's own fields."""
    document = yaml.safe_load(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
    document["fields"] = _noted(values)
    sidecar.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def _declare(project: Path, fields: list[dict]) -> None:
    path = project / "schema/article.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["fields"] += fields
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")


def _bundle(project: Path, lines: list[tuple[str, str, dict]]) -> Path:
    path = project / "raw/rt/2022-03.jsonl"
    records = [
        {"name": name, "text": text, "meta": {"fields": _noted(values)}}
        for name, text, values in lines
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


SIDECAR_VALUES = {
    "raw/global-times/003_eee14f7ce2fa8480": {"category": "diplomacy", "priority": 1},
    "raw/rt/004_f2e18ad958418c56": {"category": "diplomacy", "collected": "2022-03-09"},
    "raw/sputnik/000_b815a870e73c6b09": {"category": "security", "topics": ["navies"]},
    "raw/sputnik/001_dc70cf76e71f894f": {"category": "security", "priority": 3},
    "raw/tass/002_7aabf56efc3e79f2": {"category": "diplomacy", "topics": []},
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The repository's corpus with four fields of its own, each capture's given in its sidecar,
    and a bundle of two more captures whose lines give theirs in `meta`."""
    project = copy_project(tmp_path / "corpus")
    _declare(project, CUSTOM)
    for stem, values in SIDECAR_VALUES.items():
        _add_fields(project / f"{stem}.meta.yaml", values)
    _bundle(project, BUNDLE)
    return project


def _check(project: Path, extensions: plugins.Extensions | None = None, **scale):
    with api.check(
        api.load_project(project),
        today=TODAY,
        scale=api.Scale(**scale),
        extensions=extensions or plugins.load(entry_points=False),
    ) as result:
        return result.report.findings, {a.raw_path: dict(a.custom) for a in result.checked.articles}


def _found(findings) -> list[tuple]:
    return sorted((f.file, f.line, f.code, f.field) for f in findings if f.severity == "error")


@pytest.fixture
def release(corpus, tmp_path) -> Path:
    folder = tmp_path / "release-custom-fields"
    with api.build(
        api.load_project(corpus),
        out=folder,
        today=TODAY,
        extensions=plugins.load(entry_points=False),
    ) as built:
        assert built.written, [f for f in built.report.findings if f.severity == "error"]
    return folder


def test_custom_fields_reach_parquet_card_package_croissant_and_datasets(release):
    arrow = pq.read_schema(release / "data/train-00000-of-00001.parquet")
    assert arrow.names[-4:] == ["category", "priority", "collected", "topics"]
    assert [str(arrow.field(n).type) for n in arrow.names[-4:]] == [
        "string",
        "int64",
        "date32[day]",
        "list<element: string>",
    ]
    loaded = datasets.load_dataset(str(release), split="train")
    assert loaded.features["category"] == datasets.Value("string")
    assert loaded.features["priority"] == datasets.Value("int64")
    rows = {row["raw_path"]: row for row in loaded}
    assert len(rows) == 7
    bundled = "raw/rt/2022-03.jsonl/010_ministers_talk.txt"
    assert (rows[bundled]["category"], rows[bundled]["priority"], rows[bundled]["topics"]) == (
        "economy",
        2,
        ["railways", "trade"],
    )
    other = rows["raw/rt/2022-03.jsonl/011_navy_drill.txt"]
    assert (other["collected"], other["priority"], other["topics"]) == (
        dt.date(2022, 3, 11),
        None,
        None,
    )
    for stem, values in SIDECAR_VALUES.items():
        row = rows[f"{stem}.txt"]
        expected = {
            n: dt.date.fromisoformat(v) if n == "collected" else v for n, v in values.items()
        }
        assert {name: row[name] for name in values} == expected
        assert {"field": "category", "note": "set by the test"} in row["sidecar_notes"]

    card = (release / "README.md").read_text(encoding="utf-8")
    assert "| `category` | string | yes | The desk that filed the article" in card
    assert "| `topics` | list of string | no | Topics the editors noted. |" in card
    package = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    articles = next(r for r in package["resources"] if r["name"] == "articles")
    assert [f["name"] for f in articles["schema"]["fields"]][-4:] == [
        "category",
        "priority",
        "collected",
        "topics",
    ]
    croissant = json.loads((release / "croissant.json").read_text(encoding="utf-8"))
    record_set = next(r for r in croissant["recordSet"] if r["@id"] == "articles")
    types = {f["@id"]: f.get("dataType") for f in record_set["field"]}
    assert types["articles/category"] == "sc:Text"
    assert types["articles/priority"] == "sc:Integer"
    assert types["articles/collected"] == "sc:Date"
    topics = next(f for f in record_set["field"] if f["@id"] == "articles/topics")
    assert topics["isArray"] is True and topics["dataType"] == "sc:Text"


def test_mlcroissant_reads_the_custom_fields(release):
    import mlcroissant as mlc

    dataset = mlc.Dataset(jsonld=release / "croissant.json")
    got = {
        record["articles/raw_path"].decode(): (
            record["articles/category"].decode(),
            [topic.decode() for topic in record["articles/topics"] or ()],
        )
        for record in dataset.records("articles")
    }
    assert got["raw/rt/2022-03.jsonl/010_ministers_talk.txt"] == ("economy", ["railways", "trade"])
    assert got["raw/sputnik/000_b815a870e73c6b09.txt"] == ("security", ["navies"])
    assert len(got) == 7


def test_a_required_custom_field_without_a_value_is_a_finding_naming_the_capture(corpus):
    sidecar = corpus / "raw/sputnik/001_dc70cf76e71f894f.meta.yaml"
    _add_fields(sidecar, {"priority": 3})  # no category
    findings, records = _check(corpus)
    assert _found(findings) == [
        ("raw/sputnik/001_dc70cf76e71f894f.txt", None, "missing-field", "category")
    ]
    message = next(f.message for f in findings if f.code == "missing-field")
    assert "fields: {category: {value: ..., note: ...}}" in message
    assert records["raw/sputnik/001_dc70cf76e71f894f.txt"]["category"] is None


def test_constraints_of_custom_fields_are_checked_and_name_the_sidecar_line(corpus):
    _add_fields(
        corpus / "raw/tass/002_7aabf56efc3e79f2.meta.yaml", {"category": "sport", "priority": 0}
    )
    findings, _ = _check(corpus)
    sidecar = "raw/tass/002_7aabf56efc3e79f2.meta.yaml"
    text = (corpus / sidecar).read_text(encoding="utf-8").splitlines()
    category_line = text.index("  category:") + 1
    priority_line = text.index("  priority:") + 1
    assert _found(findings) == [
        (sidecar, category_line, "not-in-enum", "category"),
        (sidecar, priority_line, "too-small", "priority"),
    ]


def test_an_undeclared_or_mistyped_sidecar_field_names_the_file_and_line(corpus):
    sidecar = corpus / "raw/rt/004_f2e18ad958418c56.meta.yaml"
    sidecar.write_text(
        "fields:\n"
        "  category: {value: diplomacy, note: desk list}\n"
        "  colour: {value: red, note: not a field of this corpus}\n"
        "  priority: {value: high, note: the wrong type}\n"
        "  collected: {value: 2022-02-30, note: no such day}\n",
        encoding="utf-8",
    )
    findings, _ = _check(corpus)
    shown = "raw/rt/004_f2e18ad958418c56.meta.yaml"
    assert _found(findings) == [
        (shown, 3, "sidecar-unknown-field", "colour"),
        (shown, 4, "sidecar-invalid-value", "priority"),
        (shown, 5, "sidecar-invalid-value", "collected"),
    ]
    messages = {f.field: f.message for f in findings}
    assert "declares category, priority, collected, topics" in messages["colour"]
    assert "'high' is not an integer" in messages["priority"]
    assert "'2022-02-30' is not a date" in messages["collected"]


def test_a_custom_field_at_the_sidecar_top_level_is_pointed_under_fields(corpus):
    (corpus / "raw/rt/004_f2e18ad958418c56.meta.yaml").write_text(
        "category: {value: diplomacy, note: desk list}\n", encoding="utf-8"
    )
    findings, _ = _check(corpus)
    found = [f for f in findings if f.code == "sidecar-unknown-field"]
    assert [(f.file, f.line) for f in found] == [("raw/rt/004_f2e18ad958418c56.meta.yaml", 1)]
    assert "the corpus's own fields under fields:" in found[0].message


def test_an_undeclared_field_in_a_bundle_meta_names_the_bundle_line(corpus):
    lines = [BUNDLE[0], (BUNDLE[1][0], BUNDLE[1][1], {"category": "security", "mood": "calm"})]
    _bundle(corpus, lines)
    findings, _ = _check(corpus)
    assert _found(findings) == [("raw/rt/2022-03.jsonl", 2, "sidecar-unknown-field", "mood")]
    assert "011_navy_drill.txt (meta" in findings[0].message


def test_a_project_without_custom_fields_refuses_them_in_a_sidecar(tmp_path):
    project = copy_project(tmp_path / "plain")
    _add_fields(project / "raw/rt/004_f2e18ad958418c56.meta.yaml", {"category": "diplomacy"})
    findings, records = _check(project)
    assert _found(findings) == [
        ("raw/rt/004_f2e18ad958418c56.meta.yaml", 2, "sidecar-unknown-field", "category")
    ]
    assert "declares none" in findings[0].message
    assert all(custom == {} for custom in records.values())


class DeskFromOutlet:
    """A field source: the desk from the capture's outlet folder."""

    name = "desk-from-outlet"

    def fields(self, article, document):
        desks = {"sputnik": "security", "tass": "diplomacy", "rt": "diplomacy"}
        return {"category": desks.get(document.outlet_dir, "economy"), "priority": 5}


class DeskPlugin:
    @hooks.hookimpl
    def corpuspack_field_sources(self):
        return [DeskFromOutlet()]


class WrongSource:
    name = "wrong"

    def fields(self, article, document):
        return {"priority": "soon", "mood": "calm"}


class WrongPlugin:
    @hooks.hookimpl
    def corpuspack_field_sources(self):
        return [WrongSource()]


def test_a_plugin_fills_fields_and_a_sidecar_corrects_it(tmp_path):
    project = copy_project(tmp_path / "corpus")
    _declare(project, CUSTOM)
    _add_fields(project / "raw/tass/002_7aabf56efc3e79f2.meta.yaml", {"category": "economy"})
    extensions = plugins.load([DeskPlugin()], entry_points=False)
    assert [s.name for s in extensions.field_sources] == ["desk-from-outlet"]
    findings, records = _check(project, extensions)
    assert _found(findings) == []
    assert {path: custom["category"] for path, custom in records.items()} == {
        "raw/global-times/003_eee14f7ce2fa8480.txt": "economy",
        "raw/rt/004_f2e18ad958418c56.txt": "diplomacy",
        "raw/sputnik/000_b815a870e73c6b09.txt": "security",
        "raw/sputnik/001_dc70cf76e71f894f.txt": "security",
        "raw/tass/002_7aabf56efc3e79f2.txt": "economy",  # the sidecar's, over the plugin's
    }
    assert {custom["priority"] for custom in records.values()} == {5}


def test_a_plugin_value_of_the_wrong_type_or_field_is_a_finding_naming_the_plugin(tmp_path):
    project = copy_project(tmp_path / "corpus")
    _declare(project, CUSTOM)
    findings, _ = _check(project, plugins.load([WrongPlugin()], entry_points=False))
    wrong = [f for f in findings if f.code == "field-source-invalid"]
    assert {(f.file, f.field) for f in wrong} == {
        (f"{stem}.txt", name) for stem in SIDECAR_VALUES for name in ("priority", "mood")
    }
    assert any("the field source 'wrong' gave priority: 'soon' is not" in f.message for f in wrong)


def test_custom_fields_come_back_the_same_from_the_cache(corpus, tmp_path):
    cache = tmp_path / "cache"
    first = _check(corpus, cache_dir=cache)
    again = _check(corpus, cache_dir=cache)
    assert first == again
    assert again[1]["raw/rt/2022-03.jsonl/010_ministers_talk.txt"] == {
        "category": "economy",
        "priority": 2,
        "collected": None,
        "topics": ("railways", "trade"),
    }


@pytest.mark.parametrize(
    "field, problem",
    [
        ({"name": "_category", "type": "string"}, "lowercase letters, digits and '_'"),
        ({"name": "title", "type": "string"}, "names of the fields are not unique"),
        ({"name": "place", "type": "object", "fields": [{"name": "x"}]}, "type 'object'"),
        (
            {
                "name": "pairs",
                "type": "array",
                "arrayItem": {"type": "array", "arrayItem": {"type": "string"}},
            },
            "an array of 'array'",
        ),
    ],
)
def test_a_custom_field_the_record_cannot_hold_is_refused(field, problem):
    schema = json.loads(Path("schema/article.schema.json").read_text(encoding="utf-8"))
    schema["fields"].append(field)
    with pytest.raises(SchemaError, match=problem):
        RecordSchema(schema)


def test_the_built_in_fields_come_first_and_in_order():
    schema = json.loads(Path("schema/article.schema.json").read_text(encoding="utf-8"))
    schema["fields"].insert(3, {"name": "category", "type": "string"})
    with pytest.raises(SchemaError, match="the corpus's own fields may follow them") as caught:
        RecordSchema(schema)
    assert "; among them: category;" in str(caught.value) and "missing" not in str(caught.value)


@pytest.mark.parametrize(
    "descriptor, value, expected",
    [
        ({"type": "string"}, "economy", "economy"),
        ({"type": "integer"}, 3, 3),
        ({"type": "number"}, 3, 3.0),
        ({"type": "boolean"}, False, False),
        ({"type": "date"}, "2005-02-28", dt.date(2005, 2, 28)),
        ({"type": "date"}, dt.date(2005, 2, 28), dt.date(2005, 2, 28)),
        (
            {"type": "datetime"},
            "2005-02-28T16:49+03:00",
            dt.datetime(2005, 2, 28, 13, 49, tzinfo=dt.UTC),
        ),
        ({"type": "array", "arrayItem": {"type": "integer"}}, [1, 2], (1, 2)),
        ({"type": "string"}, None, None),
    ],
)
def test_values_are_read_as_their_table_schema_type(descriptor, value, expected):
    assert read_value(descriptor, value) == (expected, None)


@pytest.mark.parametrize(
    "descriptor, value, problem",
    [
        ({"type": "string"}, 5, "5 is not a string"),
        ({"type": "integer"}, True, "True is not an integer"),
        ({"type": "integer"}, 2.5, "2.5 is not an integer"),
        ({"type": "boolean"}, "yes", "'yes' is not true or false"),
        ({"type": "date"}, "2005-02", "'2005-02' is not a date written YYYY-MM-DD"),
        ({"type": "datetime"}, "2005-02-28T13:49", "is not a date and time with its offset"),
        ({"type": "array", "arrayItem": {"type": "string"}}, "a, b", "'a, b' is not a list"),
        ({"type": "array", "arrayItem": {"type": "string"}}, ["a", 2], "item 2: 2 is not"),
    ],
)
def test_values_not_of_their_type_say_why(descriptor, value, problem):
    found, said = read_value(descriptor, value)
    assert found is None and said is not None and problem in said


@pytest.mark.parametrize("cached", [False, True])
def test_a_custom_field_may_be_required_known_by_the_settings(corpus, tmp_path, cached):
    path = corpus / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["corpuspack"]["require"] = [*descriptor["corpuspack"].get("require", []), "priority"]
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    # Acknowledged as unknown, with a note: not missing.
    (corpus / "raw/rt/004_f2e18ad958418c56.meta.yaml").write_text(
        "fields:\n  category: {value: diplomacy, note: desk list}\n"
        "  priority: {value: null, note: the editors did not rank it}\n",
        encoding="utf-8",
    )
    scale = {"cache_dir": tmp_path / "cache"} if cached else {}
    if cached:
        _check(corpus, **scale)  # fills the cache: the check below takes every record from it
    findings, _ = _check(corpus, **scale)
    missing = sorted((f.file, f.line, f.field) for f in findings if f.code == "missing-metadata")
    assert missing == [  # those whose sidecar, or bundle line, gives no priority
        ("raw/rt/2022-03.jsonl", 2, "priority"),
        ("raw/sputnik/000_b815a870e73c6b09.txt", None, "priority"),
        ("raw/tass/002_7aabf56efc3e79f2.txt", None, "priority"),
    ]
    message = next(f.message for f in findings if f.code == "missing-metadata")
    assert "fields: {priority: {value: ..., note: where it comes from}}" in message


def test_profile_show_gives_a_capture_s_custom_fields(corpus):
    from click.testing import CliRunner

    from corpuspack.cli import main

    shown = CliRunner().invoke(
        main,
        [
            "profile",
            "show",
            "--project",
            str(corpus),
            "--format",
            "json",
            str(corpus / "raw/sputnik/000_b815a870e73c6b09.txt"),
        ],  # fmt: skip
        catch_exceptions=False,
    )
    explained = json.loads(shown.output)
    assert explained["findings"] == []
    record = explained["record"]
    assert (record["category"], record["topics"], record["priority"]) == (
        "security",
        ["navies"],
        None,
    )
