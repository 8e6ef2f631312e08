"""Starting a corpus (`init`) and seeing what a profile does to one capture (`explain`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from corpuspack import __version__, plugins
from corpuspack.api.checking import inside_corpus
from corpuspack.api.errors import ConfigError, UsageError
from corpuspack.article.profiles import ProfileError
from corpuspack.build import explain as explain_mod
from corpuspack.checks.card import licence_problem
from corpuspack.project import datapackage as project_mod
from corpuspack.project import scaffold
from corpuspack.project.datapackage import Project
from corpuspack.project.schema import SchemaError

if TYPE_CHECKING:  # the release modules import datasets, slow to import: builds only
    pass


def init(folder: Path, answers: scaffold.Answers) -> list[Path]:
    """Create a corpus project in folder that validates and builds at once; the files written."""
    # "other" gets its license_name from init; any other licence must be one the Hub takes.
    problem = licence_problem(answers.licence.lower(), answers.name)
    if problem:
        raise UsageError(f"--license {answers.licence!r}: {problem}")
    try:
        return scaffold.create(folder, answers, __version__)
    except scaffold.ScaffoldError as exc:
        raise UsageError(str(exc)) from exc


def explain(project: Project, path: Path) -> explain_mod.Explanation:
    """What extraction, with the project's profiles, does to the capture at path: the record,
    and every line it removed with the rule (and the rule's file) that removed it."""
    shown = project.relative(inside_corpus(project, path))
    try:
        return explain_mod.explain(project, shown, plugins.load(project=project).chosen())
    except explain_mod.NotACapture as exc:
        raise UsageError(str(exc)) from exc
    except plugins.PluginError as exc:
        raise ConfigError(str(exc)) from exc
    except (project_mod.ProjectError, ProfileError, SchemaError) as exc:
        raise ConfigError(str(exc)) from exc
