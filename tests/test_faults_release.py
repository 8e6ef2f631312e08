"""`release` is a transaction: killed (kill -9, by a real SIGKILL at a chosen moment), failing
on a full disk, refused by a CHANGELOG.md that is not UTF-8, or run twice at once, it leaves the
project as it was, or the next `release` finishes or rolls back what the killed one left; the
release it then writes is the one a clean run writes, with one commit and one CHANGELOG entry."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from corpuspack.release import journal, manifest
from support import copy_project, invoke, set_version

TASS = "raw/tass/002_7aabf56efc3e79f2.txt"
DATE = "2026-11-24"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Maintainer",
    "GIT_AUTHOR_EMAIL": "m@example.org",
    "GIT_COMMITTER_NAME": "Maintainer",
    "GIT_COMMITTER_EMAIL": "m@example.org",
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A corpus with release 1.0.0 committed, then a typo fixed and committed: 1.0.1 is due."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in GIT_IDENTITY.items():
            patch.setenv(key, value)
        repo = copy_project(tmp_path_factory.mktemp("template") / "corpus")
        set_version(repo, "1.0.0")
        git(repo, "init", "--quiet", "--initial-branch=main")
        git(repo, "add", "-A")
        git(repo, "commit", "--quiet", "-m", "Corpus")
        first = invoke(CliRunner(), "release", "--project", str(repo), "--date", "2026-11-23")
        assert first.exit_code == 0, first.output
        git(repo, "add", "-A")
        git(repo, "commit", "--quiet", "-m", "Add release 1.0.0")
        capture = repo / TASS
        capture.write_bytes(capture.read_bytes().replace(b"cardinal", b"fundamental"))
        git(repo, "commit", "--quiet", "-am", "Fix a typo")
    return repo


@pytest.fixture
def repo(template: Path, tmp_path: Path, monkeypatch) -> Path:
    for key, value in GIT_IDENTITY.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))  # this process's and the runs'
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return Path(shutil.copytree(template, tmp_path / "corpus", symlinks=True))


@pytest.fixture(scope="module")
def clean(template: Path, tmp_path_factory) -> dict[str, bytes]:
    """Release 1.0.1 as an uninterrupted run writes it."""
    repo = Path(shutil.copytree(template, tmp_path_factory.mktemp("clean") / "corpus"))
    done = release(CliRunner(), repo)
    assert done.exit_code == 0, done.output
    return release_files(repo / "dist/1.0.1")


def release(runner, repo: Path):
    """corpuspack release in this process (quicker than a process's imports)."""
    return invoke(runner, "release", "--project", str(repo), "--date", DATE)


def run(repo: Path, *args: str, fault: str | None = None, **popen) -> subprocess.CompletedProcess:
    """corpuspack release in a process of its own (a kill -9 takes the whole process)."""
    env = {**os.environ, **GIT_IDENTITY}
    env.pop(journal.faults.ENV, None)
    if fault:
        env[journal.faults.ENV] = fault
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    command = [sys.executable, "-m", "corpuspack.cli", "release", "--project", str(repo)]
    return subprocess.run(
        [*command, "--date", DATE, *args], capture_output=True, text=True, env=env, **popen
    )


def release_files(folder: Path) -> dict[str, bytes]:
    """A release's bytes; the manifest without the commit it names (a commit's id has its time)."""
    files = {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
    text = files.pop(manifest.NAME).decode("utf-8")
    files[manifest.NAME] = json.dumps(manifest.comparable(text), sort_keys=True).encode()
    return files


def state(repo: Path) -> dict:
    """What a failed release must leave as it was."""
    dist = repo / "dist"
    return {
        "datapackage.json": (repo / "datapackage.json").read_bytes(),
        "CHANGELOG.md": (repo / "CHANGELOG.md").read_bytes(),
        "HEAD": git(repo, "rev-parse", "HEAD"),
        "status": git(repo, "status", "--porcelain", "--untracked-files=all"),
        "dist": sorted(p.name for p in dist.iterdir()),
    }


def assert_released_once(repo: Path, clean: dict[str, bytes]) -> None:
    assert git(repo, "log", "--format=%s").splitlines().count("Release 1.0.1") == 1
    assert git(repo, "log", "-1", "--format=%s").strip() == "Release 1.0.1"
    assert (repo / "CHANGELOG.md").read_text(encoding="utf-8").count("## 1.0.1") == 1
    descriptor = json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["version"] == "1.0.1"
    assert sorted(p.name for p in (repo / "dist").iterdir()) == ["1.0.0", "1.0.1"]
    assert git(repo, "status", "--porcelain", "--untracked-files=all").splitlines() == [
        f"?? dist/1.0.1/{name}" for name in sorted(clean)
    ]
    assert release_files(repo / "dist/1.0.1") == clean


# Every moment a kill leaves something different behind: before anything of the project is
# written, after each of its two files, after the commit, with the release written but not in
# place (its own partial folder, or the transaction's), after the rename.
POINTS = [
    "release-journal",
    "release-descriptor",
    "release-changelog",
    "release-committed",
    "release-renaming:2",  # the first is the candidate's, which release compares
    "release-built",
    "release-renamed",
]


@pytest.mark.parametrize("point", POINTS)
def test_a_release_killed_at_any_moment_is_finished_or_rolled_back_by_the_next(
    repo, clean, tmp_path, runner, point
):
    where, _, nth = point.partition(":")
    killed = run(repo, fault=f"{where}:kill:{nth or 1}")
    assert killed.returncode == -9, killed.stderr
    again = release(runner, repo)
    assert again.exit_code == 0, again.output
    if point in ("release-built", "release-renamed"):  # complete, only not in place: finished
        assert "finished release 1.0.1" in again.stderr
        assert "release 1.0.1: finished" in again.stdout
    else:
        assert "rolled back release 1.0.1" in again.stderr
        assert "release 1.0.1 (patch, after 1.0.0):" in again.stdout
    assert_released_once(repo, clean)
    assert os.listdir(tmp_path / "tmp") == []  # the killed run's candidate and spill folders too


def test_a_half_made_release_is_not_built_over(repo, runner):
    killed = run(repo, fault="release-changelog:kill")
    assert killed.returncode == -9
    assert json.loads((repo / "datapackage.json").read_bytes())["version"] == "1.0.1"
    refused = invoke(runner, "build", "--project", str(repo))
    assert refused.exit_code == 1 and "was interrupted" in refused.output
    assert not (repo / "dist/1.0.1").exists()


def test_a_full_disk_under_dist_changes_nothing(repo, clean, runner, monkeypatch):
    before = state(repo)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(pq, "write_table", full)  # every Parquet file of the release
        failed = release(runner, repo)
    assert failed.exit_code == 1
    assert "No space left on device" in failed.output and "Traceback" not in failed.output
    assert state(repo) == before
    again = release(runner, repo)
    assert again.exit_code == 0, again.output
    assert_released_once(repo, clean)


@pytest.mark.parametrize("point", ["release-changelog", "release-committed", "release-built"])
def test_a_full_disk_while_the_project_is_changed_rolls_it_back(
    repo, clean, runner, monkeypatch, point
):
    before = state(repo)
    monkeypatch.setenv(journal.faults.ENV, f"{point}:enospc")
    failed = release(runner, repo)
    assert failed.exit_code == 1
    assert "No space left on device" in failed.output and "nothing was changed" in failed.output
    assert state(repo) == before
    monkeypatch.delenv(journal.faults.ENV)
    again = release(runner, repo)
    assert again.exit_code == 0, again.output
    assert_released_once(repo, clean)


def test_a_full_disk_once_the_release_is_in_place_is_finished_by_the_next(
    repo, clean, runner, monkeypatch
):
    monkeypatch.setenv(journal.faults.ENV, "release-renamed:enospc")
    failed = release(runner, repo)
    assert failed.exit_code == 1 and "run `corpuspack release` again to finish" in failed.output
    monkeypatch.delenv(journal.faults.ENV)
    again = release(runner, repo)
    assert again.exit_code == 0, again.output
    assert "finished release 1.0.1" in again.output
    assert_released_once(repo, clean)


def test_a_changelog_that_is_not_utf8_is_refused_before_anything_is_written(repo, runner):
    (repo / "CHANGELOG.md").write_bytes(b"# Changelog\n\n## 1.0.0 \xe9t\xe9\n")
    git(repo, "commit", "--quiet", "-am", "A Latin-1 changelog")
    before = state(repo)
    refused = release(runner, repo)
    assert refused.exit_code == 1
    assert "CHANGELOG.md: not UTF-8" in refused.output and "Traceback" not in refused.output
    assert state(repo) == before


def test_a_release_while_another_runs_is_refused_and_changes_nothing(repo, runner):
    before = state(repo)
    with journal.locked(repo):  # as a release running in another process holds it
        refused = release(runner, repo)
    assert refused.exit_code == 1
    assert "another `corpuspack release` is running" in refused.output
    assert state(repo) == before


def test_two_releases_at_once_make_one_release(repo, clean):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-m", "corpuspack.cli", "release", "--project", str(repo)]
    runs = [
        subprocess.Popen(
            [*command, "--date", DATE], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        for _ in range(2)
    ]
    outputs = [(process.wait(), process.stderr.read().decode()) for process in runs]
    for process in runs:
        process.stdout.close()
        process.stderr.close()
    codes = sorted(code for code, _ in outputs)
    assert codes == [0, 1], outputs
    refusal = next(err for code, err in outputs if code == 1)
    # Refused while the other held the lock, or, started after it finished, nothing to do.
    assert "another `corpuspack release` is running" in refusal or "nothing changed" in refusal
    assert "Traceback" not in refusal
    assert_released_once(repo, clean)


def test_ctrl_c_after_the_commit_rolls_the_release_back(repo, tmp_path):
    before = state(repo)
    ready = tmp_path / "ready"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        journal.faults.ENV: "release-committed:stop",
        journal.faults.READY: str(ready),
    }
    command = [sys.executable, "-m", "corpuspack.cli", "release", "--project", str(repo)]
    run = subprocess.Popen(
        [*command, "--date", DATE], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    deadline = time.monotonic() + 120  # at most: not a timing test
    while not ready.exists() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ready.exists(), run.communicate()
    assert git(repo, "log", "-1", "--format=%s").strip() == "Release 1.0.1"  # stopped after it
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    assert b"Traceback" not in err
    assert state(repo) == before
