"""Docs as tests: README.md's "Start your own corpus" runs as written, in a shell."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from support import REPO


def walkthrough() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- walkthrough -->\n```sh\n(.*?)\n```", readme, re.DOTALL)
    assert found, "README.md has no walkthrough block"
    return found.group(1)


def test_the_readme_walkthrough_runs_from_init_to_a_verified_rebuild(tmp_path: Path):
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
        "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
    }  # fmt: skip
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", walkthrough()],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "profile: profiles/example-news.yaml" in out
    assert "example-news/menu: Menu" in out and "example-news/share: Share this article" in out
    assert "Storm warning for the coast | Example News | weather" in out
    assert "verified" in out.lower()
    # Nothing of the walkthrough touched the installed package.
    package = Path(__import__("corpuspack").__file__).parent
    assert not list(package.rglob("example-news*"))
