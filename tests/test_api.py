"""The library API: every command that checks runs the same checks.

`validate` (pull-request CI) and `build` (a release) must agree on every finding, or CI
passes what a release refuses. Each case breaks the corpus in one kind of check and
compares the two commands' JSON reports and exit codes, strict and not.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from corpuspack import api
from support import invoke


def _edit_descriptor(project: Path, change) -> None:
    path = project / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    change(descriptor)
    path.write_text(json.dumps(descriptor), encoding="utf-8")


def _no_intended_uses(project: Path) -> None:
    _edit_descriptor(project, lambda d: d["corpuspack"]["card"].pop("intended_uses"))


def _unknown_outlet(project: Path) -> None:
    (project / "raw/the-daily-unknown").mkdir()
    shutil.copy2(
        project / "raw/rt/004_f2e18ad958418c56.txt", project / "raw/the-daily-unknown/a.txt"
    )


def _a_copy(project: Path) -> None:
    shutil.copy2(
        project / "raw/rt/004_f2e18ad958418c56.txt", project / "raw/rt/005_copy_of_004.txt"
    )


def _bad_sidecar(project: Path) -> None:
    (project / "raw/rt/004_f2e18ad958418c56.meta.yaml").write_text(
        "published: not a date\n", encoding="utf-8"
    )


def _schema_constraint(project: Path) -> None:
    path = project / "schema/article.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    for descriptor in schema["fields"]:
        if descriptor["name"] == "text":
            descriptor.setdefault("constraints", {})["maxLength"] = 100
    path.write_text(json.dumps(schema), encoding="utf-8")


KINDS = {
    "card": _no_intended_uses,
    "record": _unknown_outlet,
    "corpus": _a_copy,
    "sidecar": _bad_sidecar,
    "table schema": _schema_constraint,
}


def _findings(output: str) -> list[tuple]:
    report, _ = json.JSONDecoder().raw_decode(output[output.index("{") :])
    return sorted(
        (f["file"], f["line"], f["code"], f["severity"], f["message"]) for f in report["findings"]
    )


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_validate_and_build_agree_on_every_finding(runner, project, tmp_path, kind, strict):
    KINDS[kind](project)
    flags = ["--strict"] if strict else []
    checked = invoke(runner, "validate", "--project", str(project), "--format", "json", *flags)
    built = invoke(
        runner,
        "build",
        "--project",
        str(project),
        "--out",
        str(tmp_path / "release"),
        "--format",
        "json",
        *flags,
    )
    assert _findings(checked.output), f"the {kind} case found nothing to agree on"
    assert _findings(checked.output) == _findings(built.output)
    assert (checked.exit_code == 0) == (built.exit_code == 0)
    assert (tmp_path / "release").exists() == (built.exit_code == 0)


def test_validate_strict_refuses_a_card_without_intended_uses(runner, project):
    _no_intended_uses(project)
    assert invoke(runner, "validate", "--project", str(project)).exit_code == 0
    strict = invoke(runner, "validate", "--project", str(project), "--strict")
    assert strict.exit_code == 1 and "card-section-missing" in strict.output


def test_results_clean_up_their_spill_files(project):
    loaded = api.load_project(project)
    with api.check(loaded) as checked:
        spill = checked.checked.store.folder
        assert checked.count == 5 and spill.exists()
    assert not spill.exists()


def test_the_api_reports_errors_as_exceptions_not_exits(project, tmp_path):
    with pytest.raises(api.ConfigError, match="datapackage.json"):
        api.load_project(tmp_path)
    with pytest.raises(api.UsageError, match="neither a release folder nor a version"):
        api.release_folder("9.9.9", project)
    with pytest.raises(api.UsageError, match="not in the corpus's raw/ folder"):
        api.check(api.load_project(project), paths=[project / "schema"])
