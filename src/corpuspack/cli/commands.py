"""The corpuspack command line: parse options, call the library, render, exit."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

import click

from corpuspack import __version__
from corpuspack.article.profiles import ProfileError
from corpuspack.build import engines, pipeline
from corpuspack.build.store import StoreError
from corpuspack.cache import Cache
from corpuspack.capture import changes
from corpuspack.cli import render
from corpuspack.findings.report import Report
from corpuspack.project import datapackage as project_mod
from corpuspack.project.schema import SchemaError


class ConfigError(click.ClickException):
    """The project cannot be used as configured (exit 2, like a usage error)."""

    exit_code = 2


def _load_project(path: Path | None) -> project_mod.Project:
    try:
        root = path if path is not None else project_mod.find_root(Path.cwd())
        return project_mod.load(root)
    except project_mod.ProjectError as exc:
        raise ConfigError(str(exc)) from exc


class _Progress:
    """Captures done, rate and time left on a terminal (stderr); nothing in CI logs, pipes or with --quiet."""

    MININTERVAL = 0.5  # seconds between redraws

    def __init__(self, quiet: bool):
        self.enabled = not quiet and sys.stderr.isatty()
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total,
                unit=" captures",
                file=sys.stderr,
                dynamic_ncols=True,
                leave=False,
                mininterval=self.MININTERVAL,
            )
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _run(
    project: project_mod.Project,
    *,
    focus: set[str] | None = None,
    cache_dir: Path | None = None,
    jobs: int = 1,
    engine: str = "local",
    scheduler: str | None = None,
    quiet: bool = True,
) -> pipeline.Result:
    progress = _Progress(quiet)
    try:
        # The only use of the clock: a publication date after today is an error.
        result = pipeline.run(
            project,
            today=dt.datetime.now(dt.UTC).date(),
            focus=focus,
            cache=Cache(cache_dir) if cache_dir else None,
            jobs=jobs,
            engine=engine,
            scheduler=scheduler,
            progress=progress,
        )
        # The spill files (a copy of the corpus) go when the command ends.
        context = click.get_current_context(silent=True)
        if context is not None:
            context.call_on_close(result.store.cleanup)
        return result
    except (project_mod.ProjectError, ProfileError, SchemaError) as exc:
        raise ConfigError(str(exc)) from exc
    except (engines.EngineError, StoreError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        progress.close()


def _emit(report: Report, fmt: str, strict: bool) -> None:
    output = render.RENDERERS[fmt](report, strict=strict)
    if output:
        click.echo(output)


project_option = click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Corpus repository (the folder with datapackage.json). Default: the nearest one at or above the "
    "current folder.",
)
cache_option = click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for a cache of extraction results keyed by content: unchanged captures are neither read "
    "nor processed again, and Parquet files of unchanged shards are copied. Safe to delete; never "
    "changes the output.",
)
jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=os.cpu_count() or 1,
    show_default="all cores",
    help="Processes that extract captures in parallel; the output is the same for any number.",
)
engine_option = click.option(
    "--engine",
    type=click.Choice(engines.ENGINES),
    default="local",
    show_default=True,
    help="Where captures are processed: local processes (--jobs), or a Dask cluster (pip install "
    "'corpuspack[dask]'); the release is byte-identical either way.",
)
scheduler_option = click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="With --engine dask: the scheduler to use (e.g. tcp://10.0.0.5:8786), whose workers have this "
    "corpuspack installed. Default: start a local cluster of --jobs workers.",
)
quiet_option = click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="No progress bar (it is shown only on a terminal, never in CI logs or pipes).",
)


def scale_options(command):
    for option in reversed(
        [cache_option, jobs_option, engine_option, scheduler_option, quiet_option]
    ):
        command = option(command)
    return command


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(render.RENDERERS)),
    default="text",
    show_default=True,
    help="How to print the findings.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="corpuspack")
def main() -> None:
    """Package raw news captures into a validated, reproducible dataset release.

    \b
    Example:
        corpuspack validate          # check raw/ against the schema, write nothing
        corpuspack build             # write dist/<version>/
    """


strict_option = click.option(
    "--strict",
    is_flag=True,
    help="Fail on warnings too (e.g. an empty section of the dataset card).",
)


def _card_findings(project: project_mod.Project) -> list:
    from corpuspack.findings.report import warning
    from corpuspack.release.card import SECTIONS, missing_sections

    return [
        warning(
            "datapackage.json",
            "card-section-missing",
            f'the dataset card has no "{SECTIONS[key]}" section: write it under corpuspack.card.{key}',
        )
        for key in missing_sections(project.settings)
    ]


def _release_result(
    project: project_mod.Project, fmt: str, strict: bool, **scale
) -> pipeline.Result:
    """The pipeline's result, or an error (with the findings printed) when it may not be released."""
    result = _run(project, **scale)
    result.report.extend(_card_findings(project))
    if not result.report.is_valid(strict=strict):
        _emit(result.report, fmt, strict=strict)
        raise click.ClickException(
            "no release written: fix the "
            + ("errors and warnings" if strict else "errors")
            + " above and build again"
        )
    return result


@main.command()
@project_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Release folder to write instead of dist/<version>/ (must not hold a different release).",
)
@format_option
@strict_option
@scale_options
def build(project_dir: Path | None, out: Path | None, fmt: str, strict: bool, **scale) -> None:
    """Build the release dist/<version>/ from raw/.

    Extracts every capture with its outlet profile, validates every article
    against schema/ (frictionless's rules, checked on Arrow), and, only if
    nothing is wrong, writes Parquet, the dataset card (README.md),
    datapackage.json, croissant.json, CITATION.cff and manifest.json
    atomically. While it runs, the records are kept in a temporary folder under
    $TMPDIR (about twice the corpus's text), not in memory. The version comes from
    datapackage.json. An existing release is never rewritten: building the same
    inputs again is a no-op, building different ones into the same version fails
    and names the version to bump to. Exit 0 on success, 1 on invalid input, 2 on
    a usage error.

    \b
    Example:
        corpuspack build --project path/to/corpus --out /tmp/release
    """
    project = _load_project(project_dir)
    result = _release_result(project, fmt, strict, **scale)
    target = out if out is not None else project.dist_dir / project.version
    from corpuspack.release import (
        ReleaseError,
        cut,  # datasets is slow to import: only for builds
    )

    try:
        outcome = cut.build(project, result, target)
    except ReleaseError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        _emit(result.report, fmt, strict=strict)
        return
    if result.report.findings:
        _emit(result.report, fmt, strict=strict)
    verb = "is up to date (identical bytes)" if outcome.unchanged else "written"
    click.echo(f"release {project.version}: {result.count} articles, {outcome.path} {verb}")
    for name in outcome.files:
        click.echo(f"  {name}")


@main.command("release")
@project_option
@click.option(
    "--bump",
    type=click.Choice(["major", "minor", "patch"]),
    default=None,
    help="Which part of the version to bump. Default: the one the change calls for under the "
    "versioning policy (README, Versions); a smaller bump than the policy's is refused.",
)
@click.option(
    "--date",
    "date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Release date (YYYY-MM-DD) for datapackage.json's created, CITATION.cff and croissant.json. "
    "Default: today (UTC).",
)
@click.option(
    "--commit/--no-commit",
    default=True,
    show_default=True,
    help="Commit datapackage.json and CHANGELOG.md as the release commit before building, so the "
    "release can be rebuilt from it (corpuspack verify --rebuild). Needs raw/ and schema/ "
    "committed.",
)
@click.option(
    "--dry-run", is_flag=True, help="Print the version and the CHANGELOG entry; change nothing."
)
@format_option
@strict_option
@scale_options
def release_command(
    project_dir: Path | None,
    bump: str | None,
    date,
    commit: bool,
    dry_run: bool,
    fmt: str,
    strict: bool,
    **scale,
) -> None:
    """Cut a new release: bump the version, write the CHANGELOG entry, build.

    Compares what raw/ would release now with the newest release in dist/ and
    bumps the version as the change calls for (major: articles or fields removed
    or redefined, split moves; minor: articles or fields added; patch:
    corrections). Then writes the version and release date into
    datapackage.json, adds a CHANGELOG.md entry generated from the diff, commits
    both (in a git repository), and builds dist/<new version>/. With no release
    in dist/, builds the version datapackage.json names. Exit 0 on success.

    \b
    Example:
        corpuspack release --dry-run
        corpuspack release --bump minor
    """
    project = _load_project(project_dir)
    result = _release_result(project, fmt, strict, **scale)
    from corpuspack.release import ReleaseError, cut

    today = date.date() if date else dt.datetime.now(dt.UTC).date()
    try:
        plan = cut.plan(project, result, bump=bump, date=today)
        if dry_run:
            click.echo(
                f"would release {plan.version}"
                + (
                    f" ({plan.part}, after {plan.previous.name})"
                    if plan.previous
                    else " (first release)"
                )
            )
            click.echo(plan.entry)
            return
        outcome, made = cut.cut(project, result, plan, commit=commit)
    except ReleaseError as exc:
        raise click.ClickException(str(exc)) from exc
    if result.report.findings:
        _emit(result.report, fmt, strict=strict)
    click.echo(
        f"release {plan.version}"
        + (f" ({plan.part} after {plan.previous.name})" if plan.previous else "")
        + f": {result.count} articles, {outcome.path} written"
    )
    click.echo(
        f"  datapackage.json and {cut.CHANGELOG} updated"
        + (f", committed as {made[:12]}" if made else "")
    )
    if made:
        click.echo(
            f"  next: git add {project.relative(outcome.path)} && git commit -m 'Add release {plan.version}'"
        )


@main.command()
@project_option
@format_option
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--changed-since",
    "ref",
    metavar="REF",
    default=None,
    help="Check only the files under raw/ added or changed since the merge base of the git ref REF "
    "and HEAD (plus uncommitted ones), against the rest of the corpus. Falls back to a full "
    "check, with a notice, when REF or git is unavailable.",
)
@scale_options
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate(
    project_dir: Path | None,
    fmt: str,
    strict: bool,
    ref: str | None,
    paths: tuple[Path, ...],
    **scale,
) -> None:
    """Run every check of the build and write nothing.

    With PATHS (captures, sidecars or folders under raw/) or --changed-since,
    only those files get per-file checks and only their findings are shown;
    corpus-level checks (duplicate ids, urls, texts, near-duplicates) still
    compare them with every other article. Exit 0 valid, 1 invalid, 2 usage error.

    \b
    Example:
        corpuspack validate --changed-since origin/main --format github
    """
    project = _load_project(project_dir)
    focus: set[str] | None = None
    if paths:
        focus = set()
        for path in paths:
            resolved = _inside(project, path)
            if resolved == project.root:
                focus = None  # the whole corpus
                break
            shown = project.relative(resolved)
            focus |= (
                {shown, *(project.relative(p) for p in resolved.rglob("*"))}
                if resolved.is_dir()
                else {shown}
            )
    if ref is not None:
        try:
            changed = changes.changed_since(project.root, ref)
        except changes.ChangesUnavailable as exc:
            _notice(fmt, f"{exc}: checking the whole corpus instead")
        else:
            focus = changed if focus is None else focus & changed
            _notice(fmt, f"{len(changed)} file(s) under raw/ changed since {ref}")
    result = _run(project, focus=focus, **scale)
    _emit(result.report, fmt, strict)
    if not result.report.is_valid(strict=strict):
        raise SystemExit(1)


@main.command("diff")
@project_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to print the differences.",
)
@click.argument("old")
@click.argument("new")
def diff_command(project_dir: Path | None, fmt: str, old: str, new: str) -> None:
    """Show what changed between two releases.

    OLD and NEW are release folders, or versions of this corpus's dist/.
    Lists articles added, removed and changed (which fields, and a short text
    diff), schema changes and articles that moved to another split. Exit 0.

    \b
    Example:
        corpuspack diff 1.0.0 1.1.0 --format json
    """
    from corpuspack.release.diff import DiffError, diff, render_text

    folders = [_release_folder(given, project_dir) for given in (old, new)]
    try:
        result = diff(*folders)
    except DiffError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        json.dumps(result.to_dict(), indent=2, ensure_ascii=False)
        if fmt == "json"
        else render_text(result)
    )


def _release_folder(given: str, project_dir: Path | None) -> Path:
    """A RELEASE argument: a release folder, or a version in the project's dist/."""
    path = Path(given)
    if path.is_dir():
        return path
    project = _load_project(project_dir)
    path = project.dist_dir / given
    if not path.is_dir():
        raise click.UsageError(
            f"{given}: neither a release folder nor a version in {project.dist_dir}"
        )
    return path


@main.command("verify")
@project_option
@click.option(
    "--rebuild",
    is_flag=True,
    help="Also rebuild the release from the raw captures at its recorded commit (in a temporary git "
    "worktree of the project's repository) and compare every file's bytes.",
)
@format_option
@click.argument("release")
def verify_command(project_dir: Path | None, rebuild: bool, fmt: str, release: str) -> None:
    """Check that a release is what its manifest says it is.

    RELEASE is a release folder, or a version of this corpus's dist/. Checks
    every file's size and SHA-256 against manifest.json, that no file is missing
    or added, that each Parquet file has the Arrow schema and the rows its Table
    Schema allows (through frictionless), and the row counts. With --rebuild,
    also proves the bytes come from the raw captures at the recorded commit.
    Exit 0 verified, 1 not.

    \b
    Example:
        corpuspack verify 1.2.0 --rebuild
    """
    from corpuspack.release import cut, verify

    folder = _release_folder(release, project_dir).resolve()
    report = verify.check(folder)
    if rebuild and (folder / "manifest.json").is_file():
        repository = project_dir if project_dir is not None else _repository_of(folder)

        def build_at(root: Path, out: Path) -> Report:
            try:
                project = project_mod.load(root)
                result = pipeline.run(project)
                with result.store:  # its spill files go when the rebuild is written
                    if result.report.valid:
                        cut.build(project, result, out)
            except (
                project_mod.ProjectError,
                ProfileError,
                SchemaError,
                cut.ReleaseError,
                StoreError,
            ) as exc:
                result_report = Report()
                result_report.extend([verify.error("datapackage.json", "rebuild-failed", str(exc))])
                return result_report
            return result.report

        report.extend(verify.rebuild(folder, repository, build_at).findings)
    if fmt != "text" or report.findings:
        _emit(report, fmt, strict=False)
    if not report.valid:
        raise SystemExit(1)
    if fmt == "text":
        click.echo(
            f"{folder.name}: verified"
            + (" and rebuilt byte for byte from its commit" if rebuild else "")
        )


@main.command("publish")
@click.option(
    "--repo-id",
    required=True,
    metavar="ORG/NAME",
    help="The dataset repository on the Hugging Face Hub.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print what would be uploaded, where, and the tag; upload nothing.",
)
@click.option(
    "--no-verify",
    "skip_verify",
    is_flag=True,
    help="Skip checking the release against its manifest before uploading.",
)
@project_option
@click.argument("release")
def publish_command(
    repo_id: str, dry_run: bool, skip_verify: bool, project_dir: Path | None, release: str
) -> None:
    """Upload a release to the Hugging Face Hub and tag it with its version.

    RELEASE is a release folder, or a version of this corpus's dist/. The
    release is verified against its manifest, uploaded to the dataset
    repository ORG/NAME in one commit (which also removes the previous
    release's files), and that commit is tagged vX.Y.Z, so
    load_dataset("ORG/NAME", revision="vX.Y.Z") gets exactly this release. An
    existing tag is never moved. The token comes from the standard Hugging Face
    configuration (HF_TOKEN, or `hf auth login`), never from the command line.

    \b
    Example:
        corpuspack publish 1.2.0 --repo-id my-lab/china-russia-security-news --dry-run
    """
    from corpuspack.release import publish, verify

    folder = _release_folder(release, project_dir).resolve()
    if not skip_verify:
        report = verify.check(folder)
        if not report.valid:
            _emit(report, "text", strict=False)
            raise click.ClickException(
                f"{folder} does not match its manifest: nothing was uploaded"
            )
    try:
        plan = publish.plan(folder, repo_id)
        if dry_run:
            click.echo(publish.render_plan(plan))
            return
        url = publish.publish(plan, folder)
    except publish.PublishError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"published {plan.version} to {plan.url} ({url}), tagged {plan.tag}")


def _repository_of(release: Path) -> Path:
    """The git repository to rebuild from: the one holding the release folder."""
    return release.parent


def _inside(project: project_mod.Project, path: Path) -> Path:
    """A PATH argument as a path in the corpus: a relative path is taken from the current folder
    when that is inside the corpus, else from the corpus root; anything that does not exist or
    lies outside raw/ is refused."""
    cwd = Path(os.path.normpath(Path.cwd()))
    base = cwd if cwd.is_relative_to(project.root) else project.root
    for candidate in [path if path.is_absolute() else base / path]:
        # Not resolve(): a symlink must not lead the check outside the corpus.
        absolute = Path(os.path.normpath(candidate))
        if absolute.exists() or absolute.is_symlink():
            if absolute != project.root and not absolute.is_relative_to(project.root / "raw"):
                raise click.UsageError(
                    f"{path} is not in the corpus's raw/ folder ({project.root / 'raw'})"
                )
            return absolute
    raise click.UsageError(f"{path}: no such file or folder in {project.root}")


def _notice(fmt: str, message: str) -> None:
    if fmt == "github":
        click.echo(f"::notice title=corpuspack::{render.escape_data(message)}")
    else:
        click.echo(f"notice: {message}", err=True)


if __name__ == "__main__":
    main()
