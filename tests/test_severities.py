"""Severities are the corpus's choice, known duplicates can be accepted, and repeated findings
are summarised (issue 16, item 5)."""

from __future__ import annotations

import json
import shutil
from dataclasses import fields
from pathlib import Path

import pytest

from corpuspack.cli import render
from corpuspack.findings.catalogue import CATALOGUE, STAGES
from corpuspack.findings.report import Report, error, warning
from corpuspack.project.datapackage import _SETTINGS, Settings
from support import invoke

CAPTURE = "raw/rt/004_f2e18ad958418c56.txt"
COPY = "raw/rt/copy.txt"


def settle(project: Path, **settings) -> None:
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["corpuspack"].update(settings)
    (project / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


def validate(runner, project: Path, *args: str):
    result = invoke(runner, "validate", "--project", str(project), "-j", "1", *args)
    report = json.loads(result.stdout) if "json" in args else None
    return result, report


def codes(report: dict) -> list[tuple[str, str, str]]:
    return [(f["file"], f["code"], f["severity"]) for f in report["findings"]]


# Severities


def test_a_warning_can_be_raised_to_an_error_and_the_report_records_it(project, runner):
    (project / "raw/rt/notes.md").write_text("x", encoding="utf-8")
    result, report = validate(runner, project, "--format", "json")
    assert result.exit_code == 0 and codes(report) == [
        ("raw/rt/notes.md", "unexpected-file", "warning")
    ]
    settle(project, severities={"unexpected-file": "error"})
    result, report = validate(runner, project, "--format", "json")
    assert result.exit_code == 1
    assert codes(report) == [("raw/rt/notes.md", "unexpected-file", "error")]
    assert report["severities"] == {"unexpected-file": "error"}
    result, _ = validate(runner, project)
    assert "severities set in datapackage.json: unexpected-file error" in result.output


def test_an_error_can_be_lowered_or_turned_off(project, runner):
    (project / "raw/rt/empty.txt").write_bytes(b"")
    settle(project, severities={"empty-file": "warning"})
    result, report = validate(runner, project, "--format", "json")
    assert result.exit_code == 0
    assert codes(report) == [("raw/rt/empty.txt", "empty-file", "warning")]
    assert invoke(runner, "build", "--project", str(project), "--strict").exit_code == 1
    settle(project, severities={"empty-file": "off"})
    result, report = validate(runner, project, "--format", "json")
    assert result.exit_code == 0 and report["findings"] == []
    assert report["severities"] == {"empty-file": "off"}
    built = invoke(runner, "build", "--project", str(project), "--strict")
    assert built.exit_code == 0, built.output
    release = next((project / "dist").iterdir())
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["findings_settings"] == {"severities": {"empty-file": "off"}}
    verified = invoke(runner, "verify", str(release))
    assert verified.exit_code == 0, verified.output


def test_the_settings_schema_and_dataclass_name_the_same_settings():
    assert set(_SETTINGS.schema["properties"]) == {setting.name for setting in fields(Settings)}


@pytest.mark.parametrize(
    "severities, message",
    [
        ({"no-such-code": "warning"}, "corpuspack.severities.no-such-code: no-such-code is not a"),
        ({"empty-file": "ignore"}, "corpuspack.severities.empty-file: 'ignore' is not one of"),
        ({"duplicate-id": "warning"}, "corpuspack.severities.duplicate-id: duplicate-id cannot"),
        ({"missing-title": "off"}, "corpuspack.severities.missing-title: missing-title cannot"),
    ],
)
def test_unknown_codes_values_and_fixed_codes_are_configuration_errors(
    project, runner, severities, message
):
    settle(project, severities=severities)
    result = invoke(runner, "validate", "--project", str(project))
    assert result.exit_code == 2
    assert "datapackage.json" in result.output and message in result.output


def test_a_fixed_code_may_be_set_to_error(project, runner):
    settle(project, severities={"duplicate-id": "error"})
    assert validate(runner, project)[0].exit_code == 0


def test_codes_that_break_a_release_are_fixed():
    """What the schema, the primary key and a release's manifest hold cannot be lowered: a release
    with such a finding would not match its own datapackage.json or manifest."""
    fixed = {code for code, entry in CATALOGUE.items() if entry.fixed}
    for stage in STAGES:
        if stage.name in ("schema", "verify"):
            assert {code for entry in stage.entries for code in entry.codes} <= fixed
    assert {"duplicate-id", "unrepresentable-record"} <= fixed
    assert "near-duplicate" not in fixed and "duplicate-text" not in fixed


# Accepted duplicates


def test_an_accepted_duplicate_is_not_reported(project, runner):
    shutil.copy(project / CAPTURE, project / COPY)
    result, report = validate(runner, project, "--format", "json")
    assert result.exit_code == 1
    (finding,) = report["findings"]
    assert (finding["file"], finding["code"], finding["related"]) == (
        COPY,
        "duplicate-text",
        [CAPTURE],
    )
    settle(project, accepted_duplicates=[{"files": [COPY, CAPTURE], "note": "ran twice"}])
    result, report = validate(runner, project, "--format", "json")
    assert result.exit_code == 0 and report["findings"] == []


def test_an_acceptance_that_no_longer_holds_is_a_stale_warning(project, runner):
    shutil.copy(project / CAPTURE, project / COPY)
    other = "raw/tass/002_7aabf56efc3e79f2.txt"
    settle(
        project,
        accepted_duplicates=[{"files": [CAPTURE, COPY, other], "note": "syndicated"}],
    )
    result, report = validate(runner, project, "--format", "json")
    assert result.exit_code == 0
    (stale,) = report["findings"]
    assert (stale["file"], stale["code"], stale["severity"]) == (
        other,
        "stale-accepted-duplicate",
        "warning",
    )
    assert stale["related"] == [CAPTURE, COPY] and "syndicated" in stale["message"]
    # Edited so it no longer repeats the other: both are stale now, and the check of the
    # edited file alone (a pull request's) says so too.
    (project / COPY).write_text("A different article.\n\nWith its own text.\n", encoding="utf-8")
    _, report = validate(runner, project, "--format", "json")
    stale_files = [f["file"] for f in report["findings"] if f["code"] == "stale-accepted-duplicate"]
    assert sorted(stale_files) == sorted([CAPTURE, COPY, other])
    _, report = validate(runner, project, "--format", "json", COPY)
    assert (COPY, "stale-accepted-duplicate", "warning") in codes(report)
    assert {f["file"] for f in report["findings"]} == {COPY}


def test_an_accepted_pair_does_not_hide_a_third_copy(project, runner):
    shutil.copy(project / CAPTURE, project / COPY)
    shutil.copy(project / CAPTURE, project / "raw/rt/third.txt")
    settle(project, accepted_duplicates=[{"files": [COPY, CAPTURE], "note": "ran twice"}])
    result, report = validate(runner, project, "--format", "json")
    assert result.exit_code == 1
    # A copy is reported against the first of its group (the one to keep), not every other.
    assert {(f["file"], tuple(f["related"])) for f in report["findings"]} == {
        ("raw/rt/third.txt", (CAPTURE,)),
    }


@pytest.mark.parametrize(
    "entry, key",
    [
        ({"files": [COPY, CAPTURE]}, "corpuspack.accepted_duplicates.0: 'note' is a required"),
        ({"files": [COPY], "note": "n"}, "corpuspack.accepted_duplicates.0.files"),
        ({"files": [COPY, "rt/x.txt"], "note": "n"}, "corpuspack.accepted_duplicates.0.files.1"),
        ({"files": [COPY, CAPTURE], "note": " "}, "corpuspack.accepted_duplicates.0.note"),
    ],
)
def test_an_accepted_duplicate_needs_raw_paths_and_a_note(project, runner, entry, key):
    settle(project, accepted_duplicates=[entry])
    result = invoke(runner, "validate", "--project", str(project))
    assert result.exit_code == 2 and "datapackage.json" in result.output and key in result.output


def test_github_output_names_the_related_file(project, runner):
    shutil.copy(project / CAPTURE, project / COPY)
    result, _ = validate(runner, project, "--format", "github")
    (line,) = [line for line in result.output.splitlines() if "duplicate-text" in line]
    assert line.startswith(f"::error file={COPY},")
    assert line.endswith(f"(related: {CAPTURE})")


# Summaries


def _many(count: int, code: str = "outlet-without-profile") -> Report:
    make = warning if CATALOGUE[code].severity == "warning" else error
    return Report(findings=[make(f"raw/x/{i:04d}.txt", code, "no profile") for i in range(count)])


def test_repeated_findings_are_summarised_in_text_and_github_output():
    report = _many(40)
    report.extend(_many(2, "empty-file").findings)
    lines = render.text(report).splitlines()
    assert sum("[outlet-without-profile]" in line for line in lines) == render.SHOWN + 1
    assert f"warning [outlet-without-profile]: and {40 - render.SHOWN} more like this" in lines[-2]
    assert sum("[empty-file]" in line for line in lines) == 2
    annotations = render.github(report).splitlines()
    assert sum(line.startswith("::warning file=") for line in annotations) == render.SHOWN
    assert annotations[-2].startswith("::warning title=corpuspack outlet-without-profile::and 35")
    assert (
        lines[-1] == annotations[-1] == "0 articles from 0 files: invalid (2 errors, 40 warnings)"
    )


def test_quiet_shows_a_repeated_warning_once_but_every_error_up_to_the_limit():
    report = _many(40)
    report.extend(_many(40, "empty-file").findings)
    lines = render.text(report, quiet=True).splitlines()
    assert sum(line.startswith("  warning [outlet-without-profile]") for line in lines) == 1
    assert sum(line.startswith("  error [empty-file]") for line in lines) == render.SHOWN
    assert "warning [outlet-without-profile]: and 39 more like this" in "\n".join(lines)


def test_json_stays_complete(project, runner):
    report = _many(40)
    document = json.loads(render.as_json(report, quiet=True))
    assert len(document["findings"]) == 40


def test_quiet_on_the_command_line_hides_repeated_warnings(project, runner):
    for name in ("a", "b", "c"):
        (project / f"raw/rt/{name}.md").write_text("x", encoding="utf-8")
    result, _ = validate(runner, project)
    assert result.output.count("warning [unexpected-file]") == 3
    result, _ = validate(runner, project, "-q")
    assert result.output.count("  warning [unexpected-file]") == 1
    assert "warning [unexpected-file]: and 2 more like this" in result.output


def test_captures_in_a_bundle_are_accepted_by_their_own_names(project, runner):
    text = (project / CAPTURE).read_text(encoding="utf-8")
    lines = [json.dumps({"name": name, "text": text}) for name in ("a.txt", "b.txt")]
    (project / "raw/rt/batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, report = validate(runner, project, "--format", "json")
    assert {(f["file"], f["line"], tuple(f["related"])) for f in report["findings"]} == {
        ("raw/rt/batch.jsonl", 1, (CAPTURE,)),
        ("raw/rt/batch.jsonl", 2, (CAPTURE,)),  # each against the group's first only
    }
    members = ["raw/rt/batch.jsonl/a.txt", "raw/rt/batch.jsonl/b.txt"]
    settle(project, accepted_duplicates=[{"files": [CAPTURE, *members], "note": "a feed"}])
    result, report = validate(runner, project, "--format", "json")
    assert result.exit_code == 0 and report["findings"] == []


def test_a_plugin_s_code_can_be_set_even_where_the_plugin_is_not_run(tmp_path):
    from corpuspack import api
    from support import PROFILE, add_capture, code_of, git, make, with_plugin

    module = "weather_plugin_severities"
    folder = with_plugin(make(tmp_path / "c"), module)
    (folder / "profiles/example-news.yaml").write_text(PROFILE, encoding="utf-8")
    add_capture(folder)
    settle(folder, severities={code_of(module): "error"})
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "base")
    with (folder / f"{module}.py").open("a", encoding="utf-8") as code:
        code.write("# changed\n")
    # A contribution's check runs none of the project's plugin code, so it cannot know its codes.
    with api.check(api.load_project(folder), changed_since="main") as checked:
        assert "contribution-changes-plugin" in [f.code for f in checked.report.findings]
    with api.check(api.load_project(folder)) as checked:
        (weather,) = [f for f in checked.report.findings if f.code == code_of(module)]
        assert weather.severity == "error"
