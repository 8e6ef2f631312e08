"""Shared fixtures. Every test works on a copy of the corpus in a temporary folder,
so no test depends on the working directory or changes the repository."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# datasets reads these when it is imported: keep its cache out of $HOME and never go online.
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="corpuspack-hf-")
atexit.register(shutil.rmtree, os.environ["HF_HOME"], True)  # not left in TMPDIR by each run
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from hypothesis import settings  # noqa: E402

# In CI (CI=true) Hypothesis draws the same examples on every run, so a run of main is green or
# red for the code, not for its luck: a failure found on a developer's random run is written as
# an @example and fixed. Elsewhere each run explores new examples.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

from support import copy_project  # noqa: E402
from synthetic import build, problem_corpus  # noqa: E402


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "corpus")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory):
    """A synthetic corpus with every corpus-level problem, the copies far apart in the file order."""
    return problem_corpus(tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="module")
def reference(corpus_root, tmp_path_factory):
    """Its findings and release files, built without a cache."""
    return build(corpus_root, tmp_path_factory.mktemp("reference") / "release")
