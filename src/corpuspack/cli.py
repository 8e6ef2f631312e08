"""The corpuspack command line: parse options, call the library, render, exit."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import click

from . import __version__, changes, pipeline, render
from .cache import Cache
from . import project as project_mod
from .profiles import ProfileError
from .report import Report
from .schema import SchemaError


class ConfigError(click.ClickException):
    """The project cannot be used as configured (exit 2, like a usage error)."""

    exit_code = 2


def _load_project(path: Path | None) -> project_mod.Project:
    try:
        root = path if path is not None else project_mod.find_root(Path.cwd())
        return project_mod.load(root)
    except project_mod.ProjectError as exc:
        raise ConfigError(str(exc)) from exc


def _run(project: project_mod.Project, *, focus: set[str] | None = None,
         cache_dir: Path | None = None, jobs: int = 1) -> pipeline.Result:
    try:
        # The only use of the clock: a publication date after today is an error.
        return pipeline.run(project, today=dt.datetime.now(dt.timezone.utc).date(), focus=focus,
                            cache=Cache(cache_dir) if cache_dir else None, jobs=jobs)
    except (project_mod.ProjectError, ProfileError, SchemaError) as exc:
        raise ConfigError(str(exc)) from exc


def _emit(report: Report, fmt: str, strict: bool) -> None:
    output = render.RENDERERS[fmt](report, strict=strict)
    if output:
        click.echo(output)


project_option = click.option(
    "--project", "project_dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
    help="Corpus repository (the folder with datapackage.json). Default: the nearest one at or above the "
         "current folder.")
cache_option = click.option(
    "--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Folder for a cache of extraction results keyed by content; unchanged captures are not processed "
         "again. Safe to delete; never changes the output.")
jobs_option = click.option(
    "--jobs", "-j", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="all cores",
    help="Processes that extract captures in parallel; the output is the same for any number.")
format_option = click.option(
    "--format", "fmt", type=click.Choice(sorted(render.RENDERERS)), default="text", show_default=True,
    help="How to print the findings.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="corpuspack")
def main() -> None:
    """Package raw news captures into a validated, reproducible dataset release.

    \b
    Example:
        corpuspack validate          # check raw/ against the schema, write nothing
        corpuspack build             # write dist/<version>/
    """


@main.command()
@project_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Release folder to write instead of dist/<version>/ (must not hold a different release).")
@format_option
@cache_option
@jobs_option
def build(project_dir: Path | None, out: Path | None, fmt: str, cache_dir: Path | None, jobs: int) -> None:
    """Build the release dist/<version>/ from raw/.

    Extracts every capture with its outlet profile, validates every article
    against schema/ through frictionless, and, only if nothing is wrong, writes
    Parquet, the dataset card (README.md) and datapackage.json atomically. The
    version comes from datapackage.json. An existing release is never rewritten:
    building the same inputs again is a no-op, building different ones into the
    same version fails. Exit 0 on success, 1 on invalid input, 2 on a usage error.

    \b
    Example:
        corpuspack build --project path/to/corpus --out /tmp/release
    """
    project = _load_project(project_dir)
    result = _run(project, cache_dir=cache_dir, jobs=jobs)
    if not result.report.valid:
        _emit(result.report, fmt, strict=False)
        raise click.ClickException("no release written: fix the errors above and build again")
    target = out if out is not None else project.dist_dir / project.version
    from .release import ReleaseError, write_release  # datasets is slow to import: only for builds

    try:
        outcome = write_release(project.descriptor, project.settings, result.schema, result.articles, target,
                                result.quotes_schema, result.vocabulary)
    except ReleaseError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        _emit(result.report, fmt, strict=False)
        return
    if result.report.findings:
        _emit(result.report, fmt, strict=False)
    verb = "is up to date (identical bytes)" if outcome.unchanged else "written"
    click.echo(f"release {project.version}: {len(result.articles)} articles, {outcome.path} {verb}")
    for name in outcome.files:
        click.echo(f"  {name}")


@main.command()
@project_option
@format_option
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--changed-since", "ref", metavar="REF", default=None,
              help="Check only the files under raw/ added or changed since the merge base of the git ref REF "
                   "and HEAD (plus uncommitted ones), against the rest of the corpus. Falls back to a full "
                   "check, with a notice, when REF or git is unavailable.")
@cache_option
@jobs_option
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate(project_dir: Path | None, fmt: str, strict: bool, ref: str | None, cache_dir: Path | None,
             jobs: int, paths: tuple[Path, ...]) -> None:
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
            focus |= {shown, *(project.relative(p) for p in resolved.rglob("*"))} if resolved.is_dir() else {shown}
    if ref is not None:
        try:
            changed = changes.changed_since(project.root, ref)
        except changes.ChangesUnavailable as exc:
            _notice(fmt, f"{exc}: checking the whole corpus instead")
        else:
            focus = changed if focus is None else focus & changed
            _notice(fmt, f"{len(changed)} file(s) under raw/ changed since {ref}")
    result = _run(project, focus=focus, cache_dir=cache_dir, jobs=jobs)
    _emit(result.report, fmt, strict)
    if not result.report.is_valid(strict=strict):
        raise SystemExit(1)


@main.command("diff")
@project_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="How to print the differences.")
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
    from .release.diff import DiffError, diff, render_text

    folders = []
    for given in (old, new):
        path = Path(given)
        if not path.is_dir():
            project = _load_project(project_dir)
            path = project.dist_dir / given
            if not path.is_dir():
                raise click.UsageError(f"{given}: neither a release folder nor a version in {project.dist_dir}")
        folders.append(path)
    try:
        result = diff(*folders)
    except DiffError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) if fmt == "json" else render_text(result))


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
                raise click.UsageError(f"{path} is not in the corpus's raw/ folder ({project.root / 'raw'})")
            return absolute
    raise click.UsageError(f"{path}: no such file or folder in {project.root}")


def _notice(fmt: str, message: str) -> None:
    if fmt == "github":
        click.echo(f"::notice title=corpuspack::{render.escape_data(message)}")
    else:
        click.echo(f"notice: {message}", err=True)


if __name__ == "__main__":
    main()
