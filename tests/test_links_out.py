"""Nothing a project holds is followed outside it: raw/ as a link, schema/ or a schema as a link
out, a resource's "schema" naming a path outside, dist/, datapackage.json or CHANGELOG.md as a
link out are each a configuration error naming the path (exit 2), before anything is read or
written. A link inside the project is followed; a link inside raw/ is the "symlink" finding."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from support import files, invoke

SECRET = "Nothing outside the project is read"


def run(runner, command: str, project: Path):
    result = invoke(runner, command, "--project", str(project))
    assert "Traceback" not in result.output and SECRET not in result.output
    return result


def refused(result, *named: str) -> None:
    assert result.exit_code == 2, result.output
    error = result.output.strip().splitlines()[-1]
    assert error.startswith("Error: "), error
    for text in named:
        assert text in error, error


def _move_out(project: Path, name: str, outside: Path) -> Path:
    """Move the project's file or folder name outside it, and leave a link to it in its place."""
    target = outside / name.replace("/", "-")
    shutil.move(project / name, target)
    (project / name).symlink_to(target, target_is_directory=target.is_dir())
    return target


def _set_schema(project: Path, schema) -> None:
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][0]["schema"] = schema
    (project / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


def test_raw_as_a_link_out_is_refused_and_nothing_in_it_is_read(project, runner, outside):
    target = _move_out(project, "raw", outside)
    (target / "rt" / "999_secret.txt").write_text(f"Title\n\n{SECRET}.\n", encoding="utf-8")
    for command in ("validate", "build"):
        refused(run(runner, command, project), f"{project / 'raw'}: raw/ is a symbolic link")
    assert not (project / "dist").exists()


@pytest.mark.parametrize("name", ["schema", "schema/article.schema.json"])
def test_a_schema_that_leads_out_through_a_link_is_refused(project, runner, outside, name):
    _move_out(project, name, outside)
    refused(run(runner, "validate", project), 'the Table Schema "schema/article.schema.json"')


@pytest.mark.parametrize("absolute", [False, True])
def test_a_resource_schema_outside_the_project_is_refused(project, runner, outside, absolute):
    copied = outside / "article.schema.json"
    shutil.copy(project / "schema/article.schema.json", copied)
    named = str(copied) if absolute else "../outside/article.schema.json"
    _set_schema(project, named)
    refused(run(runner, "validate", project), f'the Table Schema "{copied if absolute else named}"')


def test_an_inline_resource_schema_is_a_clear_error(project, runner):
    _set_schema(project, {"fields": [{"name": "id"}]})
    refused(run(runner, "validate", project), '"schema" must be the path of a Table Schema file')


@pytest.mark.parametrize("name", ["dist", "CHANGELOG.md", "datapackage.json"])
def test_a_file_corpuspack_writes_or_reads_as_a_link_out_is_refused(project, runner, outside, name):
    if name == "dist":
        (project / "dist").mkdir()
    elif name == "CHANGELOG.md":
        (project / name).write_text("# Changelog\n", encoding="utf-8")
    target = _move_out(project, name, outside)
    before = files(outside)
    refused(run(runner, "build", project), f"{project / name}", "leads outside the project")
    assert files(outside) == before and target.exists()


def test_links_inside_the_project_are_followed(project, runner):
    expected = run(runner, "validate", project)
    shutil.move(project / "schema", project / "schemas")
    (project / "schema").symlink_to("schemas", target_is_directory=True)
    linked = run(runner, "validate", project)
    assert (linked.exit_code, linked.output) == (expected.exit_code, expected.output)
