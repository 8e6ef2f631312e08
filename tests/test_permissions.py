"""Written folders and files follow the umask (issue 16, item 8): a release folder made with a
temporary folder's drwx------ cannot be read by the team sharing the corpus."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO, copy_project

# The build runs in a process of its own: the umask belongs to the whole process, and setting it
# here would change it for every test running beside this one.
BUILD = """
import os, sys
os.umask(int(sys.argv[1], 8))
from corpuspack.cli.commands import main
main(["build", "--project", sys.argv[2], "--out", sys.argv[3], "--cache", sys.argv[4], "-j", "1"])
"""


def _build(project: Path, out: Path, cache: Path, umask: int) -> None:
    done = subprocess.run(
        [sys.executable, "-c", BUILD, f"{umask:o}", str(project), str(out), str(cache)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO / "src"), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _modes(folder: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    for path in sorted(folder.rglob("*")):
        found[path.relative_to(folder).as_posix()] = stat.S_IMODE(path.stat().st_mode)
    return found


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_a_release_and_its_cache_follow_the_umask(tmp_path, umask):
    project = copy_project(tmp_path / "corpus")
    out, cache = tmp_path / "release", tmp_path / "cache"
    _build(project, out, cache, umask)
    for folder in (out, cache):
        modes = _modes(folder)
        assert len(modes) > 3, modes
        for name, mode in modes.items():
            is_folder = (folder / name).is_dir()
            expected = (0o777 if is_folder else 0o666) & ~umask
            assert mode == expected, f"{folder.name}/{name}: {mode:o}, not {expected:o}"
