"""datasketch is a test dependency only (tests/test_near_duplicates.py holds the numpy MinHash to
it): `corpuspack validate` and `build` run, in fresh processes, with datasketch impossible to
import, and the runtime lock does not install it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from support import REPO, cli_in_fresh_process, copy_project

# Runs the CLI as `corpuspack` does with every import of datasketch failing as if it were not
# installed, and writes the names of the modules loaded to argv[1] at exit.
DRIVER = """
import atexit, json, sys

class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "datasketch":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NotInstalled())
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
if sys.argv[1:] == ["import-datasketch"]:
    import datasketch
from corpuspack.cli import main
main()
"""


def run(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    return cli_in_fresh_process(tmp_path, DRIVER, *args)


@pytest.mark.parametrize("command", ["validate", "build"])
def test_runs_without_datasketch(tmp_path: Path, command: str) -> None:
    project = copy_project(tmp_path / "corpus")
    done, loaded = run(tmp_path, command, "--project", str(project))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "corpuspack.checks.minhash" in loaded  # the near-duplicate check did run
    assert not {m for m in loaded if m.split(".")[0] == "datasketch"}
    if command == "build":
        assert list((project / "dist").rglob("*.parquet"))


def test_the_driver_does_hide_datasketch(tmp_path: Path) -> None:
    """(So the test above would fail if the runtime imported it.)"""
    done, _ = run(tmp_path, "import-datasketch")
    assert done.returncode != 0
    assert "No module named 'datasketch'" in done.stderr


def test_the_runtime_lock_does_not_install_datasketch() -> None:
    runtime = (REPO / "requirements.lock").read_text(encoding="utf-8")
    development = (REPO / "requirements-dev.lock").read_text(encoding="utf-8")
    assert "\ndatasketch==" not in runtime
    assert "\ndatasketch==" in development
