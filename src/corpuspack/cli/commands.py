"""The corpuspack command line: parse options, call the library (corpuspack.api), render, exit."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, NoReturn

import click

from corpuspack import __version__, api
from corpuspack.cli.options import (
    Main,
    call,
    emit,
    errors,
    format_option,
    load_project,
    notice,
    project_option,
    scale_options,
    strict_option,
)
from corpuspack.findings.report import Report


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="corpuspack")
def main() -> None:
    """Package raw news captures into a validated, reproducible dataset release.

    \b
    Example:
        corpuspack validate          # check raw/ against the schema, write nothing
        corpuspack build             # write dist/<version>/
    """


def _refused(report: Report, fmt: str, strict: bool) -> NoReturn:
    emit(report, fmt, strict=strict)
    raise click.ClickException(
        "no release written: fix the "
        + ("errors and warnings" if strict else "errors")
        + " above and build again"
    )


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
def build(
    project_dir: Path | None, out: Path | None, fmt: str, strict: bool, **options: Any
) -> None:
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
    project = load_project(project_dir)
    result = call(options, lambda scale: api.build(project, out=out, strict=strict, scale=scale))
    if not result.report.is_valid(strict=strict):
        _refused(result.report, fmt, strict)
    if result.outcome is None:  # valid, and no articles
        emit(result.report, fmt, strict=strict)
        notice(fmt, "raw/ holds no captures yet: nothing to release")
        return
    if fmt == "json" or result.report.findings:
        emit(result.report, fmt, strict=strict)
    if fmt == "json":
        return
    verb = "is up to date (identical bytes)" if result.outcome.unchanged else "written"
    click.echo(f"release {project.version}: {result.count} articles, {result.outcome.path} {verb}")
    for name in result.outcome.files:
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
    date: dt.datetime | None,
    commit: bool,
    dry_run: bool,
    fmt: str,
    strict: bool,
    **options: Any,
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
    project = load_project(project_dir)
    result = call(
        options,
        lambda scale: api.release(
            project,
            bump=bump,
            date=date.date() if date else None,
            commit=commit,
            dry_run=dry_run,
            strict=strict,
            scale=scale,
        ),
    )
    plan = result.plan
    if result.recovered is not None:
        notice(fmt, result.recovered.message)
        if result.recovered.finished:
            version = result.recovered.version
            click.echo(f"release {version}: finished, {project.dist_dir / version}")
            return
    if plan is None:
        _refused(result.report, fmt, strict)
    after = f" ({plan.part}, after {plan.previous.name})" if plan.previous else " (first release)"
    if dry_run:
        click.echo(f"would release {plan.version}{after}")
        click.echo(plan.entry)
        return
    assert result.outcome is not None
    if result.report.findings:
        emit(result.report, fmt, strict=strict)
    click.echo(
        f"release {plan.version}{after}: {result.count} articles, {result.outcome.path} written"
    )
    made = result.commit
    click.echo(
        "  datapackage.json and CHANGELOG.md updated"
        + (f", committed as {made[:12]}" if made else "")
    )
    if made:
        click.echo(
            f"  next: git add {project.relative(result.outcome.path)} && "
            f"git commit -m 'Add release {plan.version}'"
        )


@main.command()
@project_option
@format_option
@strict_option
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
    **options: Any,
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
    project = load_project(project_dir)
    result = call(
        options,
        lambda scale: api.check(project, paths=paths, changed_since=ref, scale=scale),
    )
    for message in result.notices:
        notice(fmt, message)
    emit(result.report, fmt, strict)
    if not result.is_valid(strict=strict):
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
    from corpuspack.release.diff import render_text

    with errors():
        folders = [api.release_folder(given, project_dir) for given in (old, new)]
        result = api.diff(*folders)
    click.echo(
        json.dumps(result.to_dict(), indent=2, ensure_ascii=False)
        if fmt == "json"
        else render_text(result)
    )


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
    with errors():
        folder = api.release_folder(release, project_dir).resolve()
        report = api.verify(folder, rebuild=rebuild, repository=project_dir)
    if fmt != "text" or report.findings:
        emit(report, fmt, strict=False)
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
    try:
        with errors():
            folder = api.release_folder(release, project_dir).resolve()
            plan = api.publish_plan(folder, repo_id, verify_first=not skip_verify)
            if dry_run:
                from corpuspack.release.publish import render_plan

                click.echo(render_plan(plan))
                return
            url = api.publish(plan, folder)
    except click.ClickException as exc:
        failed = exc.__cause__
        if isinstance(failed, api.VerifyFailed):
            emit(failed.report, "text", strict=False)
        raise
    click.echo(f"published {plan.version} to {plan.url} ({url}), tagged {plan.tag}")


if __name__ == "__main__":
    main()
