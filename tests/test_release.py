"""The release: byte-identical rebuilds, loadable with datasets, metadata that checks out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from frictionless import Package

from corpuspack.build import pipeline
from corpuspack.project import datapackage as project_mod
from corpuspack.release import ReleaseError, ReleaseExists, cut, hub, manifest, versioning
from support import REPO, VERSION, invoke


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def card_yaml(release: Path) -> dict:
    text = (release / "README.md").read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / VERSION
    project = project_mod.load(REPO)
    cut.build(project, pipeline.run(project), out)
    return out


def test_build_writes_the_release(project, runner):
    result = invoke(runner, "build", "--project", str(project))
    assert result.exit_code == 0, result.output
    release = project / "dist" / VERSION
    assert sorted(files(release)) == [
        "CITATION.cff",
        "README.md",
        "croissant.json",
        "data/train-00000-of-00001.parquet",
        "datapackage.json",
        "manifest.json",
        "quotes/train-00000-of-00001.parquet",
    ]
    assert not [
        p for p in (project / "dist").iterdir() if p.name.startswith(".")
    ]  # no staging left


def test_rebuild_is_byte_identical(project, runner, tmp_path):
    invoke(runner, "build", "--project", str(project), "--out", str(tmp_path / "a"))
    invoke(runner, "build", "--project", str(project), "--out", str(tmp_path / "b"))
    assert files(tmp_path / "a") == files(tmp_path / "b")


def test_committed_release_equals_a_fresh_build(release):
    committed = REPO / "dist" / VERSION
    assert committed.is_dir(), f"the repository must carry the release it builds (dist/{VERSION})"
    ours, fresh = files(committed), files(release)
    # The manifest names the commit it was built at; all else is byte for byte.
    assert manifest.comparable(ours.pop("manifest.json").decode()) == manifest.comparable(
        fresh.pop("manifest.json").decode()
    )
    assert ours == fresh


def test_building_again_is_a_no_op(project, runner):
    invoke(runner, "build", "--project", str(project))
    before = files(project / "dist" / VERSION)
    result = invoke(runner, "build", "--project", str(project))
    assert result.exit_code == 0 and "up to date" in result.output
    assert files(project / "dist" / VERSION) == before


def test_existing_different_release_is_never_touched(project, runner):
    invoke(runner, "build", "--project", str(project))
    before = files(project / "dist" / VERSION)
    capture = project / "raw/rt/004_f2e18ad958418c56.txt"
    capture.write_bytes(capture.read_bytes().replace(b"Wang said.", b"Wang Yi said."))
    result = invoke(runner, "build", "--project", str(project))
    assert result.exit_code == 1
    assert "data/train-00000-of-00001.parquet differs" in result.output
    next_patch = versioning.bump(VERSION, "patch")
    assert (
        f"bump to {next_patch} (patch: 1 article(s) corrected) with `corpuspack release`"
        in result.output
    )
    assert files(project / "dist" / VERSION) == before
    assert [p.name for p in (project / "dist").iterdir()] == [VERSION]


def test_failed_metadata_leaves_no_partial_release(project, runner):
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["licenses"] = [{"name": "not-a-licence"}]
    (project / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    result = invoke(runner, "build", "--project", str(project))
    assert result.exit_code == 1
    assert "'not-a-licence' is not a licence id the Hugging Face Hub accepts" in result.output
    assert not (project / "dist").exists() or not any((project / "dist").iterdir())


def config_info(release: Path, name: str) -> dict:
    return next(c for c in card_yaml(release)["dataset_info"] if c["config_name"] == name)


def test_load_dataset_returns_the_declared_features(release):
    declared = datasets.Features._from_yaml_list(config_info(release, "articles")["features"])
    loaded = datasets.load_dataset(str(release), split="train")
    assert loaded.num_rows == 5
    assert loaded.features == declared
    assert loaded["id"] == sorted(loaded["id"])
    streamed = datasets.load_dataset(str(release), split="train", streaming=True)
    rows = list(streamed)
    assert [r["id"] for r in rows] == loaded["id"]
    assert streamed.features == declared
    sputnik = next(r for r in rows if r["raw_path"].endswith("000_b815a870e73c6b09.txt"))
    assert sputnik["published"].isoformat() == "2021-02-28T13:49:00+00:00"


def test_parquet_is_zstd_sorted_and_typed_from_the_schema(release):
    parquet = pq.ParquetFile(release / "data/train-00000-of-00001.parquet")
    assert parquet.metadata.row_group(0).column(0).compression == "ZSTD"
    schema = parquet.schema_arrow
    assert str(schema.field("published").type) == "timestamp[us, tz=UTC]"
    assert str(schema.field("published_date").type) == "date32[day]"
    table_schema = json.loads((REPO / "schema/article.schema.json").read_text(encoding="utf-8"))
    assert schema.names == [f["name"] for f in table_schema["fields"]]


def test_card_metadata_is_complete_and_allowed(release):
    meta = card_yaml(release)
    hub.check(meta)  # raises on any value the Hub would refuse
    assert meta["configs"] == [
        {
            "config_name": "articles",
            "default": True,
            "data_files": [{"split": "train", "path": "data/train-*.parquet"}],
        },
        {
            "config_name": "quotes",
            "data_files": [{"split": "train", "path": "quotes/train-*.parquet"}],
        },
    ]
    articles, quotes = config_info(release, "articles"), config_info(release, "quotes")
    assert articles["splits"][0]["num_examples"] == 5 and articles["splits"][0]["num_bytes"] > 0
    assert quotes["splits"][0]["num_examples"] == 22 and quotes["splits"][0]["num_bytes"] > 0
    assert meta["size_categories"] == ["n<1K"] and meta["language"] == ["en"]
    body = (release / "README.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    for heading in (
        "## Loading",
        "## Fields",
        "### quotes",
        "## Annotations",
        "## Contents",
        "## Provenance",
        "## Citation",
    ):
        assert heading in body
    for name in ("article", "quotes"):
        schema = json.loads((REPO / f"schema/{name}.schema.json").read_text(encoding="utf-8"))
        for field in schema[
            "fields"
        ]:  # the fields tables are generated from the schemas' descriptions
            assert f"| `{field['name']}` |" in body and field["description"][:60] in body
    assert 'load_dataset("path/to/dist/' + VERSION + '", "quotes", split="train")' in body
    vocabulary = json.loads((REPO / "schema/annotations.schema.json").read_text(encoding="utf-8"))
    for label in vocabulary["corpuspack:labels"]:
        assert f"| `{label}` |" in body
    assert "| `QUOTE` | quotation | QUOTATION | " in body and "| 0 | 22 |" in body
    assert "| Sputnik | 2 |" in body and "| 2022 | 2 |" in body


def test_hub_check_rejects_values_outside_the_real_lists():
    with pytest.raises(hub.MetadataError) as caught:
        hub.check(
            {
                "license": "cc-by-4",
                "language": ["english"],
                "task_categories": ["news"],
                "size_categories": ["n<5"],
            }
        )
    message = str(caught.value)
    for bad in ("'cc-by-4'", "'english'", "'news'", "'n<5'"):
        assert bad in message


def test_release_datapackage_has_sizes_and_hashes(release):
    descriptor = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    resource = descriptor["resources"][0]
    data = release / resource["path"]
    assert resource["bytes"] == data.stat().st_size
    import hashlib

    assert resource["hash"] == "sha256:" + hashlib.sha256(data.read_bytes()).hexdigest()
    assert descriptor["version"] == VERSION
    package = Package(str(release / "datapackage.json"))
    assert package.get_resource("articles").format == "parquet"


def test_release_into_an_existing_different_folder_raises(release, tmp_path):
    target = tmp_path / VERSION
    shutil.copytree(release, target)
    (target / "README.md").write_text("edited", encoding="utf-8")
    project = project_mod.load(REPO)
    with pytest.raises(ReleaseExists) as caught:
        cut.build(project, pipeline.run(project), target)
    assert caught.value.differences == ["README.md differs"]
    assert isinstance(caught.value, ReleaseError)
    assert (target / "README.md").read_text(encoding="utf-8") == "edited"


def test_the_committed_release_matches_its_manifest(runner):
    result = invoke(runner, "verify", str(REPO / "dist" / VERSION))
    assert result.exit_code == 0, result.output


def test_derived_rows_that_break_their_schema_stop_the_release():
    from corpuspack.build.tables import QUOTE_FIELDS
    from corpuspack.project.schema import RecordSchema
    from corpuspack.release import package, writer

    quotes = RecordSchema(
        json.loads((REPO / "schema/quotes.schema.json").read_text(encoding="utf-8")),
        expected=QUOTE_FIELDS,
    )
    row = {
        "article_id": "0123456789abcdef",
        "speaker": None,
        "speaker_as_written": None,
        "attribution": None,
        "quote": "",
        "start": -1,
        "end": 3,
        "outlet": "TASS",
        "published": None,
        "published_date": None,
        "source": "oracle",
    }
    with pytest.raises(package.PackageError) as caught:
        writer._check_table(pa.Table.from_pylist([row], schema=quotes.arrow), quotes, "quotes")
    message = str(caught.value)
    assert 'row 2, quote: constraint-error constraint "minLength" is "1"' in message
    assert "row 2, start" in message and "row 2, source" in message
    valid = pa.Table.from_pylist(
        [dict(row, quote="x", start=0, source="rule")], schema=quotes.arrow
    )
    writer._check_table(valid, quotes, "quotes")  # a valid row passes


def _quote_rows_one_by_one(table) -> list[dict]:
    """The quote rows as the per-article Python of corpuspack 1.1 made them: the oracle for quote_table_of."""
    rows = []
    for article in table.to_pylist():
        for annotation in article["annotations"]:
            if annotation["label"] != "QUOTE":
                continue
            attributes = {a["name"]: a["value"] for a in annotation["attributes"]}
            rows.append(
                {
                    "article_id": article["id"],
                    "speaker": attributes.get("speaker"),
                    "speaker_as_written": attributes.get("speaker_as_written"),
                    "attribution": attributes.get("attribution"),
                    "quote": annotation["text"],
                    "start": annotation["start"],
                    "end": annotation["end"],
                    "outlet": article["outlet"],
                    "published": article["published"],
                    "published_date": article["published_date"],
                    "source": annotation["source"],
                }
            )
    return rows


def test_quote_rows_are_made_in_arrow_as_one_article_at_a_time_made_them():
    from corpuspack.build.tables import QUOTE_FIELDS, quote_table_of
    from corpuspack.project.schema import RecordSchema

    articles = RecordSchema(
        json.loads((REPO / "schema/article.schema.json").read_text(encoding="utf-8"))
    )
    quotes = RecordSchema(
        json.loads((REPO / "schema/quotes.schema.json").read_text(encoding="utf-8")),
        expected=QUOTE_FIELDS,
    )
    released = pq.read_table(
        next((REPO / "dist" / VERSION / "data").glob("*.parquet")), schema=articles.arrow
    )
    assert _quote_rows_one_by_one(released)  # the seeds have quotations
    rows = released.to_pylist()

    def span(label, start, attributes, source="rule"):
        return {
            "type": "span",
            "label": label,
            "start": start,
            "end": start + 5,
            "text": "words",
            "source": source,
            "attributes": [{"name": n, "value": v} for n, v in attributes],
        }

    # Quotes with no attributes, a speaker given twice, other labels between them, an article without any.
    rows[0] = dict(
        rows[0],
        annotations=[
            span("QUOTE", 0, []),
            span("DATELINE", 3, [("speaker", "not a quote")]),
            span("QUOTE", 9, [("speaker", "First"), ("other", "x"), ("speaker", "Last")], "person"),
            span("QUOTE", 20, [("speaker_as_written", "he")]),
        ],
    )
    rows[1] = dict(rows[1], annotations=[])
    for table in (
        pa.Table.from_pylist(rows, schema=articles.arrow),
        released,
        articles.arrow.empty_table(),
        pa.Table.from_pylist(rows, schema=articles.arrow).slice(1, 2),
    ):
        made = quote_table_of(table, quotes.arrow)
        assert made.schema == quotes.arrow
        assert made.to_pylist() == _quote_rows_one_by_one(table)
    assert quote_table_of(
        pa.Table.from_pylist(rows[:1], schema=articles.arrow), quotes.arrow
    ).column("speaker").to_pylist() == [None, "Last", None]


def test_a_release_file_is_read_once_for_its_hashes(tmp_path, monkeypatch):
    import hashlib

    from corpuspack.release import package

    data = tmp_path / "train.parquet"
    data.write_bytes(b"x" * 10)
    opened = []
    real_open = Path.open
    monkeypatch.setattr(
        Path,
        "open",
        lambda self, mode="r", *a, **k: (
            (mode == "rb" and opened.append(self)) or real_open(self, mode, *a, **k)
        ),
    )
    with package.digests_remembered():
        first, again = package.sha256_file(data), package.sha256_file(data)
        data.write_bytes(b"y" * 11)  # another size: read again
        changed = package.sha256_file(data)
    after = package.sha256_file(data)  # outside: always read
    assert first == again == hashlib.sha256(b"x" * 10).hexdigest()
    assert changed == after == hashlib.sha256(b"y" * 11).hexdigest()
    assert len(opened) == 3
