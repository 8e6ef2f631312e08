"""The command line: documented commands, exit codes, and report formats."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from corpuspack.cli.commands import main
from support import REPO, invoke

COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example_and_is_in_the_readme(command, runner):
    result = invoke(runner, command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output and f"corpuspack {command}" in result.output
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"corpuspack {command}" in readme


def test_validate_is_valid_on_the_seeds_and_writes_nothing(project, runner):
    result = invoke(runner, "validate", "--project", str(project))
    assert result.exit_code == 0, result.output
    assert "5 articles from 11 files: valid (0 errors, 0 warnings)" in result.output
    assert not (project / "dist").exists()


def test_json_report_shape(project, runner):
    (project / "raw/rt/empty.txt").write_bytes(b"")
    result = invoke(runner, "validate", "--project", str(project), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert set(report) == {"format_version", "valid", "stats", "severities", "findings"}
    assert report["severities"] == {}
    assert report["valid"] is False
    assert report["stats"] == {"files": 12, "articles": 5, "errors": 1, "warnings": 0}
    assert report["findings"] == [
        {
            "file": "raw/rt/empty.txt",
            "line": None,
            "code": "empty-file",
            "message": report["findings"][0]["message"],
            "severity": "error",
            "field": None,
            "related": [],
        }
    ]


def test_text_report_groups_findings_by_file(project, runner):
    (project / "raw/rt/empty.txt").write_bytes(b"")
    (project / "raw/tass/bad.txt").write_bytes(b"\xff\xfeT\x00")
    result = invoke(runner, "validate", "--project", str(project))
    lines = result.output.splitlines()
    assert lines[0] == "raw/rt/empty.txt" and lines[1].startswith("  error [empty-file]")
    assert lines[2] == "raw/tass/bad.txt" and lines[3].startswith("  error [invalid-utf8]")
    assert lines[-1].endswith("invalid (2 errors, 0 warnings)")


def test_validate_paths_filter_the_findings(project, runner):
    (project / "raw/rt/empty.txt").write_bytes(b"")
    only_tass = invoke(runner, "validate", "--project", str(project), str(project / "raw/tass"))
    assert only_tass.exit_code == 0 and "empty.txt" not in only_tass.output
    only_rt = invoke(runner, "validate", "--project", str(project), str(project / "raw/rt"))
    assert only_rt.exit_code == 1 and "raw/rt/empty.txt" in only_rt.output


def test_strict_fails_on_warnings(project, runner):
    (project / "raw/rt/notes.md").write_text("not a capture", encoding="utf-8")
    assert invoke(runner, "validate", "--project", str(project)).exit_code == 0
    strict = invoke(runner, "validate", "--project", str(project), "--strict")
    assert strict.exit_code == 1 and "[unexpected-file]" in strict.output


def test_usage_errors_exit_2(runner, tmp_path):
    assert invoke(runner, "validate", "--format", "xml").exit_code == 2
    missing = invoke(runner, "validate", "--project", str(tmp_path))
    assert missing.exit_code == 2 and "datapackage.json" in missing.output


def test_bad_version_is_a_usage_error(project, runner):
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"] = "1.0"
    (project / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    result = invoke(runner, "build", "--project", str(project))
    assert result.exit_code == 2 and "not SemVer" in result.output


def test_readme_quickstart_is_what_ci_runs():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^```(?:sh|bash|console)?\n(.*?)\n```", quickstart, re.S | re.M)
    commands = [line for block in commands for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert "corpuspack build" in commands[0]
    ci = (REPO / ".ci/run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()


def _validate_options() -> set[str]:
    return {opt for param in main.commands["validate"].params for opt in getattr(param, "opts", [])}


def test_the_github_workflow_runs_options_that_exist():
    workflow = yaml.safe_load((REPO / ".github/workflows/validate.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["validate"]["steps"]
    command = next(s["run"] for s in steps if "corpuspack validate" in s.get("run", ""))
    used = set(re.findall(r"(--[a-z-]+)", command))
    assert used == {"--changed-since", "--cache", "--format"} and used <= _validate_options()
    assert "--format github" in command
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0


def test_the_pre_commit_hook_runs_validate_on_the_staged_files(project, runner):
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "corpuspack-validate")
    assert hook["entry"] == "corpuspack validate" and hook["pass_filenames"] is True
    assert re.match(hook["files"], "raw/tass/x.txt") and not re.match(hook["files"], "src/x.py")
    (project / "raw/rt/empty.txt").write_bytes(b"")
    args = hook["entry"].split()[1:] + [
        "--project",
        str(project),
        str(project / "raw/rt/empty.txt"),
    ]
    assert invoke(runner, *args).exit_code == 1
    args = hook["entry"].split()[1:] + ["--project", str(project), str(project / "raw/tass")]
    assert invoke(runner, *args).exit_code == 0
