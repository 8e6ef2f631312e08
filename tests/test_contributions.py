"""Pull-request checks in a real git repository: the real CLI, --changed-since, annotations."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest

from contributions import CASES, NEW_RT, NEW_RT_SIDECAR, apply, write
from corpuspack.cli import render
from corpuspack.findings.report import Finding, Report
from support import REPO, copy_project, invoke

# GitHub's workflow command syntax: ::level key=value,key=value::message, with % \r \n escaped.
WORKFLOW_COMMAND = re.compile(
    r"^::(error|warning|notice)( (file=[^,:]+)(,line=\d+)?(,title=[^,:]+)?"
    r"| title=[^,:]+)?::[^\r\n]*$"
)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The seed corpus committed on main, with a pull-request branch checked out."""
    project = copy_project(tmp_path / "corpus")
    git(project, "init", "-q", "-b", "main")
    git(project, "config", "user.email", "ci@example.invalid")
    git(project, "config", "user.name", "CI")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "seed corpus")
    git(project, "checkout", "-q", "-b", "contribution")
    return project


def commit(repo: Path, message: str = "contribution") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def check(runner, repo: Path, *extra: str):
    return invoke(runner, "validate", "--project", str(repo), "--changed-since", "main", *extra)


def test_a_clean_pull_request_passes(repo, runner):
    apply(repo, {"raw/rt/new.txt": NEW_RT, "raw/rt/new.meta.yaml": NEW_RT_SIDECAR})
    commit(repo)
    result = check(runner, repo, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["valid"] and report["stats"]["articles"] == 1 and report["findings"] == []
    assert "2 file(s) under raw/ changed since main" in result.stderr


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_hostile_contribution_fails_with_its_code_file_and_line(case, repo, runner):
    files, expected = CASES[case]
    apply(repo, files)
    commit(repo)
    result = check(runner, repo, "--format", "json")
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert [(f["code"], f["file"], f["line"]) for f in findings if f["severity"] == "error"] == [
        expected
    ]
    github = check(runner, repo, "--format", "github")
    annotations = [line for line in github.stdout.splitlines() if line.startswith("::")]
    assert annotations and all(WORKFLOW_COMMAND.match(line) for line in annotations), annotations
    assert any(
        line.startswith("::error file=") and f"title=corpuspack {expected[0]}::" in line
        for line in annotations
    )


def test_a_symlink_out_of_the_repository_is_refused(repo, runner, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("Title\n\nOutside the repository.\n", encoding="utf-8")
    (repo / "raw/rt/link.txt").symlink_to(secret)
    commit(repo)
    result = check(runner, repo, "--format", "json")
    assert result.exit_code == 1
    assert [(f["code"], f["file"]) for f in json.loads(result.stdout)["findings"]] == [
        ("symlink", "raw/rt/link.txt")
    ]
    assert "Outside the repository" not in result.output


def test_only_the_changed_files_are_checked(repo, runner):
    git(repo, "checkout", "-q", "main")
    write(repo, "raw/rt/broken-on-main.txt", b"")
    commit(repo, "a broken file already on main")
    git(repo, "checkout", "-q", "-b", "second-contribution")
    apply(repo, {"raw/rt/new.txt": NEW_RT})
    commit(repo)
    assert check(runner, repo).exit_code == 0
    full = invoke(runner, "validate", "--project", str(repo))
    assert full.exit_code == 1 and "broken-on-main.txt" in full.output


def test_uncommitted_changes_count_too(repo, runner):
    write(repo, "raw/rt/empty.txt", b"")
    result = check(runner, repo, "--format", "json")
    assert result.exit_code == 1
    assert [f["file"] for f in json.loads(result.stdout)["findings"]] == ["raw/rt/empty.txt"]


def test_a_missing_ref_falls_back_to_a_full_check_with_a_notice(repo, runner):
    write(repo, "raw/rt/empty.txt", b"")
    result = invoke(runner, "validate", "--project", str(repo), "--changed-since", "origin/nowhere")
    assert result.exit_code == 1
    assert (
        "notice: git ref 'origin/nowhere' not found: checking the whole corpus instead"
        in result.stderr
    )
    github = invoke(
        runner,
        "validate",
        "--project",
        str(repo),
        "--changed-since",
        "nowhere",
        "--format",
        "github",
    )
    assert github.stdout.splitlines()[0].startswith(
        "::notice title=corpuspack::git ref 'nowhere' not found"
    )


def test_outside_a_git_repository_falls_back_too(project, runner):
    result = invoke(runner, "validate", "--project", str(project), "--changed-since", "main")
    assert result.exit_code == 0
    assert "checking the whole corpus instead" in result.stderr


def test_near_duplicates_reprint_and_trimmed_copy(repo, runner):
    tass = (repo / "raw/tass/002_7aabf56efc3e79f2.txt").read_text(encoding="utf-8")
    body = tass.split("BEIJING, September 18. /TASS/. ", 1)[1].replace(
        "Chinese expert", "Chinese analyst"
    )
    reprint = (
        "China, Russia to strengthen security cooperation — RT EN\n\n18 sep 2023 10:15 am\n\n"
        + body
        + "\n\nMore on the subject – Russia and China\n\nSource link\n"
    )
    sputnik = (repo / "raw/sputnik/000_b815a870e73c6b09.txt").read_text(encoding="utf-8")
    trimmed = "\n\n".join(sputnik.split("\n\n")[:7]) + "\n"
    write(repo, "raw/rt/reprint.txt", reprint.encode())
    write(repo, "raw/sputnik/trimmed.txt", trimmed.encode())
    write(repo, "raw/sputnik/trimmed.meta.yaml", b"title:\n  value: null\n  note: not saved\n")
    commit(repo)
    result = check(runner, repo, "--format", "json")
    assert result.exit_code == 0  # near-duplicates are warnings by default (a project setting)
    findings = json.loads(result.stdout)["findings"]
    pairs = {
        (
            f["file"],
            re.search(r"near-duplicate of (\S+): similarity (\d\.\d\d)", f["message"]).groups(),
        )
        for f in findings
        if f["code"] == "near-duplicate"
    }
    assert {(file, other) for file, (other, _) in pairs} == {
        ("raw/rt/reprint.txt", "raw/tass/002_7aabf56efc3e79f2.txt"),
        ("raw/sputnik/trimmed.txt", "raw/sputnik/000_b815a870e73c6b09.txt"),
    }
    assert all(float(similarity) >= 0.8 for _, (_, similarity) in pairs)
    assert len(findings) == 2

    descriptor = json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["corpuspack"]["severities"] = {"near-duplicate": "error"}
    (repo / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert check(runner, repo).exit_code == 1


def test_different_seed_articles_are_not_near_duplicates(project, runner):
    result = invoke(runner, "validate", "--project", str(project), "--format", "json")
    assert not [f for f in json.loads(result.stdout)["findings"] if f["code"] == "near-duplicate"]


def test_json_report_round_trips_through_the_documented_shape(repo, runner):
    apply(repo, CASES["latin-1"][0] | CASES["orphan-sidecar"][0])
    write(repo, "raw/rt/notes.md", b"x")
    result = check(runner, repo, "--format", "json")
    document = json.loads(result.stdout)
    schema = json.loads((REPO / "docs/report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    rebuilt = Report.from_dict(document)
    assert json.loads(render.as_json(rebuilt)) == document
    assert all(isinstance(f, Finding) for f in rebuilt.findings)
    assert {f["severity"] for f in document["findings"]} == {"error", "warning"}


def test_cache_gives_the_same_report(repo, runner, tmp_path):
    apply(repo, CASES["latin-1"][0] | {"raw/rt/new.txt": NEW_RT})
    cache = tmp_path / "cache"
    first = invoke(
        runner, "validate", "--project", str(repo), "--cache", str(cache), "--format", "json"
    )
    assert any(cache.rglob("pack-*.keys.arrow")) and any(cache.rglob("files.arrow"))
    second = invoke(
        runner, "validate", "--project", str(repo), "--cache", str(cache), "--format", "json"
    )
    uncached = invoke(runner, "validate", "--project", str(repo), "--format", "json")
    assert first.stdout == second.stdout == uncached.stdout


def test_paths_outside_raw_or_missing_are_usage_errors(repo, runner, monkeypatch):
    outside = invoke(runner, "validate", "--project", str(repo), str(repo / "raw" / ".." / ".."))
    assert outside.exit_code == 2 and "is not in the corpus's raw/ folder" in outside.output
    missing = invoke(runner, "validate", "--project", str(repo), "raw/tas")
    assert missing.exit_code == 2 and "no such file or folder" in missing.output


def test_relative_paths_resolve_from_the_corpus_root_and_dot_means_all(
    repo, runner, monkeypatch, tmp_path
):
    write(repo, "raw/tass/empty.txt", b"")
    monkeypatch.chdir(tmp_path)
    assert invoke(runner, "validate", "--project", str(repo), "raw/tass").exit_code == 1
    monkeypatch.chdir(repo)
    assert invoke(runner, "validate", ".").exit_code == 1


def test_a_sidecar_path_shows_its_captures_findings(repo, runner):
    write(repo, "raw/rt/empty.txt", b"")
    write(repo, "raw/rt/empty.meta.yaml", b"title:\n  value: T\n  note: n\n")
    result = invoke(
        runner, "validate", "--project", str(repo), "--format", "json", "raw/rt/empty.meta.yaml"
    )
    assert result.exit_code == 1
    assert [(f["code"], f["file"]) for f in json.loads(result.stdout)["findings"]] == [
        ("empty-file", "raw/rt/empty.txt")
    ]
