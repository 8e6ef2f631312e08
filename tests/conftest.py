"""Shared fixtures. Every test works on a copy of the corpus in a temporary folder,
so no test depends on the working directory or changes the repository."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

# datasets reads these when it is imported: keep its cache out of $HOME and never go online.
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="corpuspack-hf-")
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

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


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "corpus")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str):
    from corpuspack.cli.commands import main

    return runner.invoke(main, list(args), catch_exceptions=False)
