"""A worker process that dies under --jobs 2 (here: a real SIGSEGV, raised by a project plugin's
annotator on one capture) is named: the capture file, or the bundle and its line, and the
signal, exit 3 (README, exit codes), no traceback, nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from corpuspack.build import dask_engine, engines
from support import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import synth  # noqa: E402

MARK = "Zyzzogeton"  # the word the plugin's annotator dies on

PLUGIN = f"""\
import os
import signal

from corpuspack.hooks import hookimpl


class Crash:
    name = "crash"

    def annotate(self, text):
        if "{MARK}" in text:
            os.kill(os.getpid(), signal.SIGSEGV)
        return []


@hookimpl
def corpuspack_annotators():
    return [Crash()]
"""


def _crashing_corpus(folder: Path) -> Path:
    """440 synthetic captures (enough for Local's pool under --jobs 2) and the crashing plugin."""
    root = synth.generate(folder, 440)
    (root / "crasher.py").write_text(PLUGIN, encoding="utf-8")
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["corpuspack"]["plugins"] = ["crasher"]
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return root


def _mark(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n\n{MARK} said so.\n", encoding="utf-8")


def _build(root: Path, out: Path, tmp: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "TMPDIR": str(tmp)}
    command = [sys.executable, "-m", "corpuspack.cli", "build", "--project", str(root)]
    return subprocess.run(
        [*command, "--out", str(out), "--jobs", "2", "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_a_worker_killed_by_a_signal_names_the_capture_and_the_signal(tmp_path):
    root = _crashing_corpus(tmp_path / "corpus")
    captures = sorted((root / "raw").rglob("*.txt"))
    victim = captures[300]
    text = victim.read_text(encoding="utf-8")
    _mark(victim)
    run = _build(root, tmp_path / "out", tmp_path)
    shown = victim.relative_to(root).as_posix()
    assert run.returncode == 3, run.stderr
    assert f"{shown}: a worker process died (killed by signal SIGSEGV)" in run.stderr
    assert "Traceback" not in run.stderr and "BrokenProcessPool" not in run.stderr
    assert not (tmp_path / "out").exists()
    # With the capture as it was, the build goes through: it was that capture.
    victim.write_text(text, encoding="utf-8")
    again = _build(root, tmp_path / "again", tmp_path)
    assert again.returncode == 0, again.stderr


def test_a_bundle_s_capture_is_named_by_the_bundle_and_its_line(tmp_path):
    root = _crashing_corpus(tmp_path / "corpus")
    outlet = root / "raw/rt"
    moved = sorted(outlet.glob("*.txt"))[:40]  # a batch big enough to be sent to a worker
    _mark(moved[24])
    lines = [
        json.dumps({"name": path.name, "text": path.read_text(encoding="utf-8")}) + "\n"
        for path in moved
    ]
    (outlet / "crowd.jsonl").write_text("".join(lines), encoding="utf-8")
    for path in moved:
        path.unlink()
    run = _build(root, tmp_path / "out", tmp_path)
    assert run.returncode == 3, run.stderr
    assert "raw/rt/crowd.jsonl, line 25: a worker process died (killed by signal SIGSEGV)" in (
        run.stderr
    )
    assert "Traceback" not in run.stderr


def _exits_on_seven(items):
    if 7 in items:
        os._exit(9)
    return list(items)


def test_the_local_engine_finds_the_item_a_worker_exits_on():
    with engines.Local(_exits_on_seven, jobs=2, total=None) as local:
        with pytest.raises(engines.WorkerDied) as died:
            local.run(list(range(100)))
    assert died.value.item == 7 and died.value.exitcode == 9
    assert "exit code 9" in str(died.value)


def _dies_once(items):
    """Exits on a batch holding 7, never on 7 alone (as the search computes it)."""
    if 7 in items and len(items) > 1:
        os._exit(1)
    return list(items)


def test_a_death_that_does_not_recur_is_said_to_be_so():
    with engines.Local(_dies_once, jobs=2, total=None) as local:
        with pytest.raises(engines.WorkerDied) as died:
            local.run(list(range(100)))
    assert died.value.item is None and died.value.tried >= 1
    assert "none made it die" in str(died.value)


def test_the_dask_engine_finds_the_item_its_workers_die_on():
    import dask

    # The scheduler gives up on the task at the first death rather than the fourth.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with dask_engine.Dask(_exits_on_seven, jobs=2) as cluster:
            with pytest.raises(engines.WorkerDied) as died:
                cluster.run(list(range(600)))
    assert died.value.item == 7 and died.value.exitcode == 9
    assert died.value.tried <= 600
