"""Checking a corpus: the checks every command runs, and `check`, which writes nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from corpuspack import plugins
from corpuspack.api.errors import ConfigError, CorpuspackError, UsageError, WorkerDied
from corpuspack.article.profiles import ProfileError
from corpuspack.build import engines, pipeline
from corpuspack.build.extensions import Chosen, ExtensionFailed
from corpuspack.build.store import StoreError
from corpuspack.cache import Cache
from corpuspack.capture import changes
from corpuspack.checks.card import card_findings, metadata_findings
from corpuspack.findings import policy
from corpuspack.findings.report import Finding, Report, error
from corpuspack.plugins.project import is_code
from corpuspack.project import datapackage as project_mod
from corpuspack.project.datapackage import Project
from corpuspack.project.schema import SchemaError

if TYPE_CHECKING:  # the release modules import datasets, slow to import: builds only
    pass

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class Scale:
    """How a check runs; none of it changes a result."""

    cache_dir: Path | None = None
    jobs: int = 1
    engine: str = "local"
    scheduler: str | None = None
    progress: Progress | None = None


def load_project(path: Path | None = None) -> Project:
    """The corpus project at path, or the nearest one at or above the current folder."""
    try:
        root = path if path is not None else project_mod.find_root(Path.cwd())
        return project_mod.load(root)
    except project_mod.ProjectError as exc:
        raise ConfigError(str(exc)) from exc


class Closing:
    """A result that holds the build's spill files until it is closed."""

    checked: pipeline.Result | None

    @property
    def count(self) -> int:
        """Articles checked."""
        return self.checked.count if self.checked is not None else 0

    def close(self) -> None:
        if self.checked is not None:
            self.checked.store.cleanup()

    def __enter__(self):
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


@dataclass
class CheckResult(Closing):
    """Every finding of every check, and the checked records (in `checked.store`)."""

    checked: pipeline.Result | None
    notices: list[str] = field(default_factory=list)

    @property
    def report(self) -> Report:
        assert self.checked is not None
        return self.checked.report

    def is_valid(self, *, strict: bool = False) -> bool:
        return self.report.is_valid(strict=strict)


def _extensions(project: Project) -> plugins.Extensions:
    """Every registered plugin's extensions, the project's own included."""
    try:
        return plugins.load(project=project)
    except plugins.PluginError as exc:
        raise ConfigError(str(exc)) from exc
    except ProfileError as exc:
        raise ConfigError(str(exc)) from exc


def _chosen(extensions: plugins.Extensions) -> Chosen:
    """What a build runs of extensions, with their fingerprint for the cache key."""
    return replace(extensions.chosen(), fingerprint=extensions.fingerprint())


def run_checks(
    project: Project,
    *,
    focus: set[str] | None = None,
    scale: Scale = Scale(),
    today: dt.date | None = None,
    extensions: plugins.Extensions | None = None,
) -> pipeline.Result:
    """The checks every command runs: records, corpus and the dataset card, with the
    annotators and checks of extensions (default: every registered plugin's).

    today: the date after which a publication date is an error (default: today, UTC): the
    only use of the clock. raw/ is only ever read: a cache or temporary folder in it is refused.
    """
    refuse_in_raw(project, scale.cache_dir, "--cache")
    refuse_in_raw(project, Path(tempfile.gettempdir()), "the temporary folder (TMPDIR)")
    try:
        loaded = extensions or _extensions(project)
        # once plugins have added their codes; the codes of the project's own plugin modules are
        # unknown when they were left out (a contribution's check runs none of its code)
        _check_severities(project, every_code=bool(loaded.sources) or not project.settings.plugins)
        chosen = _chosen(loaded)
        if scale.engine not in chosen.engines:
            raise UsageError(
                f"--engine {scale.engine!r}: no such engine; the registered engines are "
                + ", ".join(sorted(chosen.engines))
            )
        result = pipeline.run(
            project,
            today=today or dt.datetime.now(dt.UTC).date(),
            focus=focus,
            cache=Cache(scale.cache_dir) if scale.cache_dir else None,
            jobs=scale.jobs,
            engine=scale.engine,
            scheduler=scale.scheduler,
            progress=scale.progress,
            chosen=chosen,
        )
    except plugins.PluginError as exc:
        raise ConfigError(str(exc)) from exc
    except (project_mod.ProjectError, ProfileError, SchemaError) as exc:
        raise ConfigError(str(exc)) from exc
    except ExtensionFailed as exc:
        raise ConfigError(f"{exc} (an extension of this project or an installed plugin)") from exc
    except engines.WorkerDied as exc:
        raise WorkerDied(str(exc)) from None
    except (engines.EngineError, StoreError) as exc:
        raise CorpuspackError(str(exc)) from exc
    result.report.extend(card_findings(project.settings))
    result.report.extend(metadata_findings(project.descriptor, project.settings))
    policy.apply_severities(result.report, project.settings.severities)
    return result


def _check_severities(
    project: Project, *, every_code: bool, severities: dict[str, str] | None = None, why: str = ""
) -> None:
    chosen = project.settings.severities if severities is None else severities
    problems = policy.severity_problems(chosen, every_code=every_code)
    if problems:
        code, problem = problems[0]
        raise ConfigError(
            f"{project.root / project_mod.DESCRIPTOR}: setting corpuspack.severities.{code}: "
            f"{code} {problem}{why}"
        )


def _check_added_severities(project: Project, ref: str) -> None:
    """With the project's plugin modules left out, their codes are unknown, so a code of
    severities that the catalogue lacks cannot be told from a misspelling. One the base branch
    already set was checked there, with the plugins; one the contribution adds is refused as it
    is without --changed-since."""
    try:
        base = json.loads(changes.file_at_base(project.root, ref, project_mod.DESCRIPTOR))
        before = set(base["corpuspack"]["severities"])
    except (changes.ChangesUnavailable, ValueError, LookupError, TypeError):
        before = set()  # a new project, or a base without severities: every code is added
    added = {k: v for k, v in project.settings.severities.items() if k not in before}
    _check_severities(
        project,
        every_code=True,
        severities=added,
        why=" (the project's plugin modules were not run, as the contribution changes code, so "
        "a code of theirs is accepted only once the base branch sets it)",
    )


def check(
    project: Project,
    *,
    paths: Iterable[Path] = (),
    changed_since: str | None = None,
    scale: Scale = Scale(),
    today: dt.date | None = None,
    extensions: plugins.Extensions | None = None,
) -> CheckResult:
    """Run every check of the build and write nothing.

    paths (files or folders under raw/) and changed_since (a git ref) narrow the per-file
    findings to those files; corpus-level checks still compare them with every article.
    """
    focus = focus_of(project, paths)
    notices = []
    refused: list[Finding] = []
    if changed_since is not None and extensions is None:
        extensions, refused = _contribution_extensions(project, changed_since)
    if changed_since is not None:
        try:
            changed = changes.changed_since(project.root, changed_since)
        except changes.ChangesUnavailable as exc:
            notices.append(f"{exc}: checking the whole corpus instead")
        else:
            focus = changed if focus is None else focus & changed
            notices.append(f"{len(changed)} file(s) under raw/ changed since {changed_since}")
    checked = run_checks(project, focus=focus, scale=scale, today=today, extensions=extensions)
    checked.report.extend(refused)
    return CheckResult(checked, notices)


def _contribution_extensions(
    project: Project, ref: str
) -> tuple[plugins.Extensions | None, list[Finding]]:
    """The extensions to check a contribution (the changes since ref) with. A contribution's
    code is never run: when it changes any code file of the repository (Python source or
    bytecode, wherever it is), or when what it changes cannot be listed while the project has
    plugin modules, the project's modules are left out and that is an error for a maintainer."""
    try:
        changed = sorted(p for p in changes.changed_since(project.root, ref, ".") if is_code(p))
    except changes.ChangesUnavailable as exc:
        if not project.settings.plugins:
            return None, []
        refused = [
            error(
                "datapackage.json",
                "plugins-not-run",
                f"{exc}: what the contribution changes cannot be listed, so the project's plugin "
                "modules were not run (fetch the base branch's history: fetch-depth: 0)",
            )
        ]
        return _without_project_code(project), refused
    if not changed:
        return None, []
    refused = [
        error(
            path,
            "contribution-changes-plugin",
            f"the changes since {ref} change this code file; corpuspack runs no code from a "
            "contribution, so the checks ran without the project's plugin modules",
        )
        for path in changed
    ]
    _check_added_severities(project, ref)
    return _without_project_code(project), refused


def _without_project_code(project: Project) -> plugins.Extensions:
    try:
        return plugins.load(project=project, project_code=False)
    except (plugins.PluginError, ProfileError) as exc:
        raise ConfigError(str(exc)) from exc


def focus_of(project: Project, paths: Iterable[Path]) -> set[str] | None:
    """The project-relative files that paths name (None: the whole corpus)."""
    focus: set[str] | None = None
    for path in paths:
        resolved = inside_corpus(project, path)
        if resolved == project.root:
            return None
        shown = project.relative(resolved)
        found = {shown}
        if resolved.is_dir():
            found |= {project.relative(p) for p in resolved.rglob("*")}
        focus = found if focus is None else focus | found
    return focus


def inside_corpus(project: Project, path: Path) -> Path:
    """A path as a path in the corpus: a relative path is taken from the current folder when
    that is inside the corpus, else from the corpus root; anything that does not exist or lies
    outside raw/ is refused."""
    cwd = Path(os.path.normpath(Path.cwd()))
    base = cwd if cwd.is_relative_to(project.root) else project.root
    # Not resolve(): a symlink must not lead the check outside the corpus.
    absolute = Path(os.path.normpath(path if path.is_absolute() else base / path))
    if not (absolute.exists() or absolute.is_symlink()):
        raise UsageError(f"{path}: no such file or folder in {project.root}")
    if absolute != project.root and not absolute.is_relative_to(project.root / "raw"):
        raise UsageError(f"{path} is not in the corpus's raw/ folder ({project.root / 'raw'})")
    return absolute


def refuse_in_raw(project: Project, path: Path | None, what: str) -> None:
    """Refuse a folder to write in (what names it) that is raw/ or inside it, links resolved:
    raw/ is the provenance, only ever read, and a file written there would become input."""
    if path is None:
        return
    raw = project.raw_dir.resolve()
    resolved = path.resolve()  # (a path that does not exist yet: its existing part resolved)
    if resolved == raw or resolved.is_relative_to(raw):
        raise UsageError(
            f"{what} {path} is inside the corpus's raw/ folder ({project.raw_dir}), which is only "
            "ever read; pick a folder outside it"
        )
