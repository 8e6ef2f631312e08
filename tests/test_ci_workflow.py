"""The CI that `init` writes into a corpus, run as a runner would run its commands (not on
GitHub): on a fresh corpus with a pull-request branch, its validation passes a good change
and fails a bad one with annotations; and the pinned install is this version."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from corpuspack import __version__, api
from corpuspack.project.scaffold import WORKFLOW, Answers
from support import REPO

PROFILE = "outlet: Example News\nslug: example-news\ntitle: first-line\n"


def shell(command: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", command],
        cwd=cwd, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def steps(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"]["validate"]["steps"]


def corpus(tmp_path: Path, env: dict) -> Path:
    folder = tmp_path / "corpus"
    api.init(
        folder,
        Answers(name="c", title="C", licence="MIT", author="A", outlets=("Example News",)),
    )
    (folder / "profiles/example-news.yaml").write_text(PROFILE, encoding="utf-8")
    (folder / "raw/example-news").mkdir(parents=True)
    (folder / "raw/example-news/001.txt").write_text("A title\n\nA first text.\n", "utf-8")
    for command in ("git init -q -b main", "git add -A", "git commit -qm base"):
        assert shell(command, folder, env).returncode == 0
    # The runner's checkout has the base branch as origin/main.
    assert shell("git update-ref refs/remotes/origin/main main", folder, env).returncode == 0
    return folder


def test_the_workflow_init_writes_pins_this_version_and_checks_pull_requests(tmp_path):
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
    }  # fmt: skip
    folder = corpus(tmp_path, env)
    found = steps(folder / WORKFLOW)
    install = next(s for s in found if s.get("name") == "Install corpuspack")
    assert install["run"] == f'python -m pip install "corpuspack=={__version__}"'
    on_pr = next(s for s in found if s.get("if") == "github.event_name == 'pull_request'")
    command = on_pr["run"].replace("${{ github.base_ref }}", "main")

    shell("git checkout -qb good", folder, env)
    (folder / "raw/example-news/002.txt").write_text("Another title\n\nMore text.\n", "utf-8")
    good = shell(command, folder, env)
    assert good.returncode == 0, good.stdout + good.stderr

    shell("git checkout -qb bad main", folder, env)
    (folder / "raw/example-news/003.txt").write_bytes(b"\xff\xfe not text")
    bad = shell(command, folder, env)
    assert bad.returncode == 1
    assert "::error file=raw/example-news/003.txt" in bad.stdout

    # The composite action's validation step, as the runner runs it on this pull request.
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    runs = {s.get("name"): s.get("run", "") for s in action["runs"]["steps"]}
    assert runs["Install corpuspack"] == 'python -m pip install "corpuspack==${{ inputs.version }}"'
    pull_request = {**env, "GITHUB_BASE_REF": "main", "BASE": "main", "PROJECT": str(folder)}
    refused = shell(runs["Validate"], folder, pull_request)
    assert refused.returncode == 1 and "::error file=raw/example-news/003.txt" in refused.stdout
    shell("git checkout -q good", folder, env)
    (folder / "raw/example-news/003.txt").unlink()
    assert shell(runs["Validate"], folder, pull_request).returncode == 0
