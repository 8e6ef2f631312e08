"""corpuspack's library API: check, build, release, verify, diff and publish a corpus.

Every command of the CLI is one call here, and every call that checks runs the same
checks (`run_checks`), so `validate` and `build` cannot disagree on a finding. Nothing
here prints or exits: results carry every finding, and errors are exceptions:

- `ConfigError`: the project cannot be used as configured (the CLI exits 2);
- `CorpuspackError`: the command could not do its job (the CLI exits 1).

A check's records live in a temporary spill folder until the result is closed, so the
results are context managers:

    with api.check(api.load_project(Path("my-corpus"))) as checked:
        for finding in checked.report.findings: ...
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from corpuspack import __version__, plugins
from corpuspack.article.profiles import ProfileError
from corpuspack.build import engines, pipeline
from corpuspack.build import explain as explain_mod
from corpuspack.build.extensions import Chosen
from corpuspack.build.store import StoreError
from corpuspack.cache import Cache
from corpuspack.capture import changes
from corpuspack.checks.card import card_findings, metadata_findings
from corpuspack.findings import policy
from corpuspack.findings.report import Finding, Report, error
from corpuspack.project import datapackage as project_mod
from corpuspack.project import scaffold
from corpuspack.project.datapackage import Project
from corpuspack.project.schema import SchemaError

if TYPE_CHECKING:  # the release modules import datasets, slow to import: builds only
    from corpuspack.release.cut import Plan
    from corpuspack.release.diff import ReleaseDiff
    from corpuspack.release.journal import Recovery
    from corpuspack.release.publish import Plan as PublishPlan
    from corpuspack.release.writer import Outcome

Progress = Callable[[int, int | None], None]


class CorpuspackError(Exception):
    """The command could not do its job; the message says why and what to try."""


class ConfigError(CorpuspackError):
    """The project cannot be used as configured (its datapackage.json, schema/ or profiles)."""


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
    _outside_raw(project, scale.cache_dir, "--cache")
    _outside_raw(project, Path(tempfile.gettempdir()), "the temporary folder (TMPDIR)")
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
    except (engines.EngineError, StoreError) as exc:
        raise CorpuspackError(str(exc)) from exc
    result.report.extend(card_findings(project.settings))
    result.report.extend(metadata_findings(project.descriptor, project.settings))
    policy.apply_severities(result.report, project.settings.severities)
    return result


def _check_severities(project: Project, *, every_code: bool) -> None:
    problems = policy.severity_problems(project.settings.severities, every_code=every_code)
    if problems:
        code, problem = problems[0]
        raise ConfigError(
            f"{project.root / project_mod.DESCRIPTOR}: setting corpuspack.severities.{code}: "
            f"{code} {problem}"
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
    """The extensions to check a contribution (the changes since ref) with: a contribution's
    code is never run, so when it changes a plugin module of the project, the project's
    modules are left out and each changed file is an error for a maintainer to review."""
    try:
        files = [f.path for f in plugins.project_sources(project)]
        changed = sorted(p for f in files for p in changes.changed_since(project.root, ref, f))
    except changes.ChangesUnavailable:
        return None, []
    except plugins.PluginError as exc:
        raise ConfigError(str(exc)) from exc
    if not changed:
        return None, []
    refused = [
        error(
            path,
            "contribution-changes-plugin",
            "the changes since "
            f"{ref} change this plugin module; corpuspack runs no code from a contribution, so "
            "the checks ran without the project's plugin modules",
        )
        for path in changed
    ]
    try:
        return plugins.load(project=project, project_code=False), refused
    except (plugins.PluginError, ProfileError) as exc:
        raise ConfigError(str(exc)) from exc


def focus_of(project: Project, paths: Iterable[Path]) -> set[str] | None:
    """The project-relative files that paths name (None: the whole corpus)."""
    focus: set[str] | None = None
    for path in paths:
        resolved = _inside(project, path)
        if resolved == project.root:
            return None
        shown = project.relative(resolved)
        found = {shown}
        if resolved.is_dir():
            found |= {project.relative(p) for p in resolved.rglob("*")}
        focus = found if focus is None else focus | found
    return focus


def _inside(project: Project, path: Path) -> Path:
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


def _outside_raw(project: Project, path: Path | None, what: str) -> None:
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


class UsageError(CorpuspackError):
    """An argument names something that cannot be used (a path outside raw/, no such release)."""


def init(folder: Path, answers: scaffold.Answers) -> list[Path]:
    """Create a corpus project in folder that validates and builds at once; the files written."""
    try:
        return scaffold.create(folder, answers, __version__)
    except scaffold.ScaffoldError as exc:
        raise UsageError(str(exc)) from exc


def explain(project: Project, path: Path) -> explain_mod.Explanation:
    """What extraction, with the project's profiles, does to the capture at path: the record,
    and every line it removed with the rule (and the rule's file) that removed it."""
    shown = project.relative(_inside(project, path))
    try:
        return explain_mod.explain(project, shown, plugins.load(project=project).chosen())
    except explain_mod.NotACapture as exc:
        raise UsageError(str(exc)) from exc
    except plugins.PluginError as exc:
        raise ConfigError(str(exc)) from exc
    except (project_mod.ProjectError, ProfileError, SchemaError) as exc:
        raise ConfigError(str(exc)) from exc


@dataclass
class BuildResult(Closing):
    """A build: its findings and, unless they refused it, the release written."""

    checked: pipeline.Result | None
    outcome: Outcome | None = None  # None when the findings refused a release, or no articles

    @property
    def report(self) -> Report:
        assert self.checked is not None
        return self.checked.report

    @property
    def written(self) -> bool:
        return self.outcome is not None

    @property
    def empty(self) -> bool:
        """A valid corpus with no articles yet: nothing to release (a release is never
        rewritten, so an empty one would hold its version against the first articles)."""
        return self.count == 0


def build(
    project: Project,
    *,
    out: Path | None = None,
    strict: bool = False,
    scale: Scale = Scale(),
    today: dt.date | None = None,
    extensions: plugins.Extensions | None = None,
) -> BuildResult:
    """Check the corpus and, if nothing is wrong (nor, with strict, warned of), write its release
    to out (default dist/<version>/). An existing release is never rewritten."""
    from corpuspack.release import ReleaseError, cut, journal  # datasets is slow: builds only

    if out is None and (project.dist_dir / journal.NAME).exists():
        raise CorpuspackError(
            f"a `corpuspack release` in {project.root} was interrupted: run `corpuspack release` "
            "to finish or roll it back before building into dist/"
        )
    target = out if out is not None else project.dist_dir / project.version
    _outside_raw(project, target, "--out")
    result = BuildResult(run_checks(project, scale=scale, today=today, extensions=extensions))
    if not result.report.is_valid(strict=strict) or result.count == 0:
        return result
    try:
        assert result.checked is not None
        result.outcome = cut.build(project, result.checked, target)
    except ReleaseError as exc:
        result.close()
        raise CorpuspackError(str(exc)) from exc
    except BaseException:  # Ctrl-C, say: the spill files go all the same
        result.close()
        raise
    _told_of_cache(result.checked)
    return result


def _told_of_cache(checked: pipeline.Result | None) -> None:
    """Add to the report the warnings about cache files found damaged while the release was
    written (kept release files: not used, written afresh)."""
    if checked is not None and checked.cache is not None:
        checked.report.extend(checked.cache.findings())


@dataclass
class ReleaseResult(Closing):
    """A release cut (or, with dry_run, planned): the plan, the outcome and the commit made."""

    checked: pipeline.Result | None
    plan: Plan | None = None
    outcome: Outcome | None = None
    commit: str | None = None
    recovered: Recovery | None = None  # what was done about a release a killed run left

    @property
    def report(self) -> Report:
        assert self.checked is not None
        return self.checked.report


def release(
    project: Project,
    *,
    bump: str | None = None,
    date: dt.date | None = None,
    commit: bool = True,
    dry_run: bool = False,
    strict: bool = False,
    scale: Scale = Scale(),
) -> ReleaseResult:
    """Bump the version as the change calls for, write the CHANGELOG entry, commit, build.

    Nothing is written when the findings refuse a release (result.plan is None then)."""
    from corpuspack.release import ReleaseError, cut

    today = date or dt.datetime.now(dt.UTC).date()
    result = ReleaseResult(run_checks(project, scale=scale, today=today))
    if not result.report.is_valid(strict=strict):
        return result
    assert result.checked is not None
    try:
        if dry_run:
            result.plan = cut.plan(project, result.checked, bump=bump, date=today)
        else:
            _cut_locked(project, result, bump=bump, date=today, commit=commit)
    except project_mod.ProjectError as exc:
        result.close()
        raise ConfigError(str(exc)) from exc
    except ReleaseError as exc:
        result.close()
        raise CorpuspackError(str(exc)) from exc
    except BaseException:
        result.close()
        raise
    _told_of_cache(result.checked)
    return result


def _cut_locked(
    project: Project, result: ReleaseResult, *, bump: str | None, date: dt.date, commit: bool
) -> None:
    """Under the release lock: finish or roll back a release a killed run left, then plan and cut."""
    from corpuspack.release import cut, journal

    assert result.checked is not None
    with journal.locked(project.root):
        result.recovered = journal.recover(project.root, project.dist_dir)
        if result.recovered is not None and result.recovered.finished:
            return  # that release was this one's to make: run release again for more
        project = project_mod.load(project.root)  # as the lock and the recovery left it
        result.plan = cut.plan(project, result.checked, bump=bump, date=date)
        result.outcome, result.commit = cut.cut(project, result.checked, result.plan, commit=commit)


def release_folder(given: str | Path, project_dir: Path | None = None) -> Path:
    """A release argument: a release folder, or a version in the project's dist/."""
    path = Path(given)
    if path.is_dir():
        return path
    project = load_project(project_dir)
    path = project.dist_dir / str(given)
    if not path.is_dir():
        raise UsageError(f"{given}: neither a release folder nor a version in {project.dist_dir}")
    return path


def verify(folder: Path, *, rebuild: bool = False, repository: Path | None = None) -> Report:
    """Check a release against its manifest; with rebuild, also rebuild it from its recorded
    commit (in a temporary git worktree of repository, default the release's parent folder)
    and compare every file's bytes."""
    from corpuspack.release import verify as verify_mod

    report = verify_mod.check(folder)
    if rebuild and (folder / "manifest.json").is_file():
        rebuilt = verify_mod.rebuild(folder, repository or folder.parent, _rebuild_at)
        report.extend(rebuilt.findings)
    return report


def _rebuild_at(root: Path, out: Path) -> Report:
    """The build verify --rebuild runs at the release's commit: the same checks as any build."""
    from corpuspack.release import cut

    try:
        project = project_mod.load(root)
        with BuildResult(run_checks(project)) as result:
            if result.report.valid:
                assert result.checked is not None
                cut.build(project, result.checked, out)
            return result.report
    except (CorpuspackError, project_mod.ProjectError, cut.ReleaseError, StoreError) as exc:
        report = Report()
        report.extend([error("datapackage.json", "rebuild-failed", str(exc))])
        return report


def diff(old: Path, new: Path) -> ReleaseDiff:
    """What changed between two release folders."""
    from corpuspack.release.diff import DiffError
    from corpuspack.release.diff import diff as diff_releases

    try:
        return diff_releases(old, new)
    except DiffError as exc:
        raise CorpuspackError(str(exc)) from exc


def publish_plan(folder: Path, repo_id: str, *, verify_first: bool = True) -> PublishPlan:
    """What publishing a release to the Hub would upload; the release is
    verified against its manifest first unless verify_first is False."""
    from corpuspack.release import publish

    if verify_first:
        report = verify(folder)
        if not report.valid:
            raise VerifyFailed(
                report, f"{folder} does not match its manifest: nothing was uploaded"
            )
    try:
        return publish.plan(folder, repo_id)
    except publish.PublishError as exc:
        raise CorpuspackError(str(exc)) from exc


def publish(plan: PublishPlan, folder: Path) -> str:
    """Upload a planned release and tag it; returns the commit's URL."""
    from corpuspack.release import publish as publish_mod

    try:
        return publish_mod.publish(plan, folder)
    except publish_mod.PublishError as exc:
        raise CorpuspackError(str(exc)) from exc


class VerifyFailed(CorpuspackError):
    """A release does not match its manifest; the report says how."""

    def __init__(self, report: Report, message: str):
        super().__init__(message)
        self.report = report
