"""Writing and reading releases: build, release, verify, diff, publish."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from corpuspack import plugins
from corpuspack.api.checking import Closing, Scale, load_project, refuse_in_raw, run_checks
from corpuspack.api.errors import ConfigError, CorpuspackError, UsageError, VerifyFailed
from corpuspack.build import pipeline
from corpuspack.build.store import StoreError
from corpuspack.findings.report import Report, error
from corpuspack.project import datapackage as project_mod
from corpuspack.project.datapackage import Project

if TYPE_CHECKING:  # the release modules import datasets, slow to import: builds only
    from corpuspack.release.cut import Plan
    from corpuspack.release.diff import ReleaseDiff
    from corpuspack.release.journal import Recovery
    from corpuspack.release.publish import Plan as PublishPlan
    from corpuspack.release.writer import Outcome


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
    refuse_in_raw(project, target, "--out")
    result = BuildResult(run_checks(project, scale=scale, today=today, extensions=extensions))
    if not result.report.is_valid(strict=strict) or result.count == 0:
        return result
    try:
        assert result.checked is not None
        result.outcome = cut.build(project, result.checked, target)
    except cut.RawChanged as exc:  # a finding, as bad input is: no release
        result.report.extend(exc.findings)
        result.close()
        return result
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
    except cut.RawChanged as exc:  # a finding, as in build(): nothing was written
        result.report.extend(exc.findings)
        result.plan = result.outcome = None
        result.close()
        return result
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
