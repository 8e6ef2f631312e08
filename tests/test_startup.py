"""What `corpuspack validate` imports: never datasets (over a second of a pull-request check's
start), which only writing or reading a release needs. The command runs in a fresh process, as
CI runs it, and the modules it loaded are listed when it exits."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from corpuspack.project.schema import RecordSchema
from support import REPO, cli_in_fresh_process, copy_project, invoke

# Runs the CLI as `corpuspack` does and writes the names of the modules loaded to argv[1] at exit.
DRIVER = """
import atexit, json, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
from corpuspack.cli import main
main()
"""


def modules_loaded(tmp_path: Path, *args: str) -> set[str]:
    done, loaded = cli_in_fresh_process(tmp_path, DRIVER, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return loaded


@pytest.mark.parametrize("cached", [False, True], ids=["no cache", "warm cache"])
def test_validate_does_not_import_datasets(tmp_path: Path, cached: bool) -> None:
    project = copy_project(tmp_path / "corpus")
    command = ["validate", "--project", str(project)]
    if cached:
        command += ["--cache", str(tmp_path / "cache")]
        modules_loaded(tmp_path, *command)  # fills the cache
    loaded = modules_loaded(tmp_path, *command)
    assert "corpuspack.build.pipeline" in loaded  # the driver did run the checks
    assert not {m for m in loaded if m == "datasets" or m.startswith("datasets.")}


def test_build_does_import_datasets(tmp_path: Path) -> None:
    """The driver sees the import where there is one (so the test above can fail)."""
    project = copy_project(tmp_path / "corpus")
    assert "datasets" in modules_loaded(tmp_path, "build", "--project", str(project))


def _schemas() -> list[RecordSchema]:
    def read(name: str) -> dict:
        return json.loads((REPO / "schema" / f"{name}.schema.json").read_text(encoding="utf-8"))

    article = read("article")
    schemas = [RecordSchema(article)]
    for name in ("quotes", "annotations"):
        descriptor = read(name)
        schemas.append(RecordSchema(descriptor, tuple(f["name"] for f in descriptor["fields"])))
    custom = {
        **article,
        "fields": [
            *article["fields"],
            {"name": "topic", "type": "string"},
            {"name": "score", "type": "number"},
            {"name": "seen", "type": "datetime"},
            {"name": "tags", "type": "array", "arrayItem": {"type": "date"}},
        ],
    }
    return [*schemas, RecordSchema(custom)]


@pytest.mark.parametrize("schema", _schemas(), ids=lambda s: ",".join(s.names[:2]))
def test_plain_arrow_is_the_release_schema_less_its_metadata(schema: RecordSchema) -> None:
    """The build's tables (plain_arrow) and the release's files (arrow) have the same fields and types."""
    assert schema.plain_arrow.equals(schema.arrow, check_metadata=False)
    assert schema.plain_arrow.metadata is None
    assert b"huggingface" in schema.arrow.metadata
    assert all(field.metadata is None for field in schema.arrow)


def test_release_files_carry_the_datasets_features(tmp_path: Path, runner) -> None:
    """The build works on tables without metadata; the release's Parquet files get the features."""
    project = copy_project(tmp_path / "corpus")
    assert invoke(runner, "build", "--project", str(project)).exit_code == 0
    descriptor = json.loads((project / "schema" / "article.schema.json").read_text())
    expected = RecordSchema(descriptor).arrow
    shards = sorted((project / "dist").rglob("*.parquet"))
    articles = [p for p in shards if "quotes" not in p.parts]
    assert articles
    for path in articles:
        assert pq.read_schema(path).metadata == expected.metadata


def test_a_warm_cache_validates_without_importing_frictionless(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "corpus")
    command = ["validate", "--project", str(project), "--cache", str(tmp_path / "cache")]
    first = modules_loaded(tmp_path, *command)  # frictionless accepts the schemas; remembered
    assert "frictionless" in first  # (the driver sees the import where there is one)
    loaded = modules_loaded(tmp_path, *command)
    assert "corpuspack.build.pipeline" in loaded
    assert not {m for m in loaded if m == "frictionless" or m.startswith("frictionless.")}


def test_a_schema_frictionless_refuses_is_refused_whatever_the_cache_remembers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corpuspack.cache import schemas
    from corpuspack.project.schema import SchemaError

    good = json.loads((REPO / "schema" / "article.schema.json").read_text(encoding="utf-8"))
    bad = {**good, "primaryKey": ["no-such-field"]}  # only frictionless knows this is wrong
    RecordSchema(bad, frictionless_accepted=True)
    assert schemas.record_schema(good, tmp_path).frictionless_accepted is False
    assert schemas.record_schema(good, tmp_path).frictionless_accepted is True  # remembered
    for _ in range(2):  # refused, and so never remembered
        with pytest.raises(SchemaError, match="primary key"):
            schemas.record_schema(bad, tmp_path)
    # Under other rules (another corpuspack or frictionless) the same schema is checked again.
    monkeypatch.setattr(schemas, "rules_digest", lambda: "other rules")
    assert schemas.record_schema(good, tmp_path).frictionless_accepted is False
