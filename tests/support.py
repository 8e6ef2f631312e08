"""What tests share besides fixtures: the repository's paths, a copy of its corpus, the CLI
called in-process, a plugin, and a corpus project made by init. Fixtures are in conftest.py
(which pytest loads itself and tests never import); no test module imports another."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from corpuspack import api, hooks
from corpuspack.article.record import Annotation
from corpuspack.build import engines
from corpuspack.project.scaffold import Answers

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
VERSION = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))[
    "version"
]  # the committed release's


def copy_project(destination: Path) -> Path:
    """A corpus project with the repository's datapackage.json, schema/ and raw/."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "datapackage.json", destination / "datapackage.json")
    shutil.copytree(REPO / "schema", destination / "schema")
    shutil.copytree(REPO / "raw", destination / "raw")
    return destination


def files(folder: Path) -> dict[str, bytes]:
    """Every file under folder by its relative path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def set_version(project: Path, version: str) -> None:
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"] = version
    (project / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


def invoke(runner: CliRunner, *args: str):
    """The CLI, in this process, with its exceptions raised (a traceback is a failure)."""
    from corpuspack.cli import main

    return runner.invoke(main, list(args), catch_exceptions=False)


def committed_release(project: Path, runner, monkeypatch) -> Path:
    """The corpus committed in a new git repository, and its release built from that commit."""
    for key in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{key}_NAME", "Maintainer")
        monkeypatch.setenv(f"GIT_{key}_EMAIL", "m@example.org")
    for args in (
        ["init", "--quiet", "--initial-branch=main"],
        ["add", "-A"],
        ["commit", "-qm", "c"],
    ):
        subprocess.run(["git", "-C", str(project), *args], check=True, capture_output=True)
    built = invoke(runner, "build", "--project", str(project))
    assert built.exit_code == 0, built.output
    return project / "dist" / VERSION


# A plugin with an annotator and an engine (test_plugins, test_cache_faults).


class Shouting:
    name = "shouting"

    def annotate(self, text):
        return [
            Annotation(type="entity", label="ORG", start=0, end=3, text=text[:3], source="rule")
        ]


def mine(task, *, jobs, total, scheduler=None):
    """An engine factory: every batch in this process."""
    return engines.InProcess(task)


class APlugin:
    @hooks.hookimpl
    def corpuspack_annotators(self):
        return [Shouting()]

    @hooks.hookimpl
    def corpuspack_engines(self):
        return {"local": mine}


# A corpus project made by init, with a profile, captures and a plugin module of its own.

PROFILE = """\
outlet: Example News
slug: example-news
title: first-line
furniture:
  - id: share
    pattern: 'Share this article'
    why: social media buttons
"""
CAPTURE = (
    "A headline of the example\n\n"
    "The first paragraph says something new about the weather.\n\n"
    "Share this article\n"
)


def make(folder: Path, **given) -> Path:
    answers = {
        "name": "example-corpus",
        "title": "An example corpus",
        "licence": "CC-BY-4.0",
        "author": "The example team",
        "outlets": ("Example News",),
        **given,
    }
    api.init(folder, Answers(**answers))
    return folder


def add_capture(folder: Path, name: str = "001.txt", text: str = CAPTURE) -> Path:
    path = folder / "raw/example-news" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


PLUGIN = """\
from corpuspack.findings.report import warning
from corpuspack.hooks import hookimpl


class WeatherCheck:
    name = "weather"

    def check(self, articles, settings, today):
        return [
            warning(a.raw_path, "{code}", "the article is about the weather")
            for a in articles
            if "weather" in a.text
        ]


@hookimpl
def corpuspack_findings():
    return [{{"code": "{code}", "severity": "warning", "title": "Weather", "fix": "None."}}]


@hookimpl
def corpuspack_record_checks():
    return [WeatherCheck()]
"""


def code_of(module: str) -> str:
    return module.replace("_", "-") + "-weather"


def with_plugin(folder: Path, module: str) -> Path:
    (folder / f"{module}.py").write_text(PLUGIN.format(code=code_of(module)), "utf-8")
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["corpuspack"]["plugins"] = [module]
    (folder / "datapackage.json").write_text(json.dumps(descriptor, indent=2), "utf-8")
    return folder


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout


def cli_in_fresh_process(
    tmp_path: Path, driver: str, *args: str
) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run `driver` (Python that takes a file to write the loaded modules to, then the CLI's
    arguments) in a fresh interpreter on this checkout's src/: what it did, and the modules it had
    loaded at exit (empty if it wrote none)."""
    out = tmp_path / "modules.json"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run(
        [sys.executable, "-c", driver, str(out), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done, set(json.loads(out.read_text())) if out.exists() else set()
