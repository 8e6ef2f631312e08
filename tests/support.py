"""What tests share besides fixtures: the repository's paths, a copy of its corpus, and the
CLI called in-process. Fixtures that use these are in conftest.py (which pytest loads
itself and tests never import)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

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


def set_version(project: Path, version: str) -> None:
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"] = version
    (project / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


def invoke(runner: CliRunner, *args: str):
    """The CLI, in this process, with its exceptions raised (a traceback is a failure)."""
    from corpuspack.cli import main

    return runner.invoke(main, list(args), catch_exceptions=False)
