"""Nothing is left behind after any death: workers exit with their parent; the spill folders,
partial release folders and verify's worktrees of killed runs are removed by the next run (and
only theirs: a live run's are kept); Ctrl-C and SIGTERM clean up and say so; a bug exits 3."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from corpuspack import faults, leftovers
from corpuspack.cli.commands import main
from corpuspack.release import manifest
from support import VERSION, committed_release, invoke

WAIT = 60  # seconds a test waits for a process to do what it must, at most (not a timing test)


def env(tmp: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "TMPDIR": str(tmp),
        **extra,
    }


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has exited; only its parent's wait is missing


def wait_until(check, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        assert time.monotonic() < deadline, f"still waiting after {WAIT} s: {what}"
        time.sleep(0.1)


@pytest.fixture
def tmp(tmp_path: Path, monkeypatch) -> Path:
    """$TMPDIR for this test: the runs' and this process's own."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


WORKERS = textwrap.dedent(
    """
    import os, sys, time
    from corpuspack.build import engines

    def task(items):
        if items[0] == "block":
            time.sleep(3600)  # a worker busy when its parent dies
        return [os.getpid() for _ in items]

    if __name__ == "__main__":
        with engines.Local(task, jobs=2, total=None) as engine:
            engine.submit(["pid"] * 64).result()
            engine.submit(["block"] * 64)
            print(" ".join(str(pid) for pid in engine.pool._processes), flush=True)
            time.sleep(3600)
    """
)


def test_workers_exit_when_their_parent_is_killed(tmp_path, tmp):
    script = tmp_path / "workers.py"
    script.write_text(WORKERS, encoding="utf-8")
    parent = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env(tmp)
    )
    assert parent.stdout is not None
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(workers) == 2 and all(alive(pid) for pid in workers)
    parent.kill()  # SIGKILL: the parent runs no cleanup at all
    parent.wait()
    parent.stdout.close()
    wait_until(lambda: not any(alive(pid) for pid in workers), "the workers to exit")


def test_a_killed_builds_leftovers_are_removed_by_the_next_and_a_live_runs_kept(
    project, runner, tmp
):
    live_spill = leftovers.make("corpuspack-spill-")  # as a build running beside it holds it
    # An older corpuspack's (no lock: its run may be alive): never taken for a dead run's.
    older = tmp / "corpuspack-spill-k2j4h5g6"
    older.mkdir()
    killed = subprocess.run(
        [sys.executable, "-m", "corpuspack.cli", "build", "--project", str(project)],
        env=env(tmp, **{faults.ENV: "release-renaming:kill"}),
        capture_output=True,
    )
    assert killed.returncode == -signal.SIGKILL
    dist = project / "dist"
    left = sorted(p.name for p in dist.iterdir())
    assert len(left) == 1 and left[0].startswith(f".{VERSION}.partial-")
    spills = sorted(p for p in tmp.iterdir() if p not in (live_spill.path, older))
    assert [p.name.startswith("corpuspack-spill-") for p in spills] == [True]

    built = invoke(runner, "build", "--project", str(project))
    assert built.exit_code == 0, built.output
    assert sorted(p.name for p in dist.iterdir()) == [VERSION]
    # The dead build's gone, the live one's and the older corpuspack's kept.
    assert sorted(tmp.iterdir()) == sorted([live_spill.path, older])
    live_spill.remove()


def _worktrees(project: Path) -> list[str]:
    listing = manifest.git(project, "worktree", "list", "--porcelain") or ""
    return [line.split(" ", 1)[1] for line in listing.splitlines() if line.startswith("worktree ")]


def test_a_killed_verify_rebuilds_worktree_is_removed_by_the_next(
    project, runner, monkeypatch, tmp
):
    release = committed_release(project, runner, monkeypatch)
    command = [sys.executable, "-m", "corpuspack.cli", "verify", "--rebuild", str(release)]
    killed = subprocess.run(
        command, env=env(tmp, **{faults.ENV: "verify-worktree:kill"}), capture_output=True
    )
    assert killed.returncode == -signal.SIGKILL
    (dead,) = [path for path in _worktrees(project) if Path(path) != project]
    assert Path(dead).is_relative_to(tmp)
    # As a kill inside `git worktree add` leaves it: locked, which `git worktree prune` keeps.
    assert manifest.git(project, "worktree", "lock", dead) is not None

    verified = invoke(runner, "verify", "--rebuild", str(release))
    assert verified.exit_code == 0, verified.output
    assert _worktrees(project) == [str(project)]
    assert list(tmp.iterdir()) == []


@pytest.mark.parametrize("sent, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_and_sigterm_clean_up_and_exit_with_their_own_codes(
    project, tmp, tmp_path, sent, code
):
    ready = tmp_path / "ready"
    run = subprocess.Popen(
        [sys.executable, "-m", "corpuspack.cli", "build", "--project", str(project)],
        env=env(tmp, **{faults.ENV: "release-renaming:stop", faults.READY: str(ready)}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_until(ready.exists, "the build to reach the moment it is stopped at")
    assert list(tmp.iterdir()) and list((project / "dist").iterdir())  # spill and partial folders
    run.send_signal(sent)
    out, err = run.communicate(timeout=WAIT)
    assert run.returncode == code, err
    assert "Traceback" not in err and f"(exit {code})" in err
    assert list(tmp.iterdir()) == [] and list((project / "dist").iterdir()) == []


def test_a_bug_exits_3_and_asks_for_a_report(project, runner, monkeypatch):
    from corpuspack import api

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(api, "check", broken)
    result = runner.invoke(main, ["validate", "--project", str(project)])
    assert result.exit_code == 3
    assert "internal error: RuntimeError: a bug; this is a bug in corpuspack" in result.output
