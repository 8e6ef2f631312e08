"""Commands for setting up a corpus: `init` a new project, `profile show` what a profile does."""

from __future__ import annotations

import dataclasses
import json
import shlex
from pathlib import Path

import click

from corpuspack import api
from corpuspack.build.explain import Explanation
from corpuspack.cli.commands import main
from corpuspack.cli.options import errors, load_project, project_option
from corpuspack.project.scaffold import Answers, slug_of

_SHOWN_FIELDS = (
    "outlet",
    "title",
    "url",
    "published",
    "published_precision",
    "lead",
    "dateline",
    "language",
    "keywords",
)


@main.group()
def profile() -> None:
    """Outlet profiles: what they do to a capture.

    A corpus's own profiles are the YAML files in its profiles/ folder; they replace
    corpuspack's profile of the same slug.

    \b
    Example:
        corpuspack profile show raw/bbc-news/001.txt
    """


@profile.command("show")
@project_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to print the explanation.",
)
@click.argument("capture", type=click.Path(path_type=Path))
def profile_show(project_dir: Path | None, fmt: str, capture: Path) -> None:
    """Show what extraction does to one CAPTURE (a .txt file under raw/): the profile used,
    the record's fields, and every removed line with the rule (and its file) that removed it.

    \b
    Example:
        corpuspack profile show raw/bbc-news/001.txt
    """
    project = load_project(project_dir)
    with errors():
        shown = api.explain(project, capture)
    click.echo(
        json.dumps(_as_json(shown), indent=2, ensure_ascii=False)
        if fmt == "json"
        else _as_text(shown)
    )


def _as_json(shown: Explanation) -> dict:
    article = shown.article
    return {
        "capture": shown.capture,
        "profile": shown.profile,
        "record": {name: _value(getattr(article, name)) for name in _SHOWN_FIELDS}
        | {name: _value(value) for name, value in article.custom}
        | {"text": article.text}
        if article
        else None,
        "removed": [vars(r) for r in shown.removed],
        "findings": [dataclasses.asdict(f) for f in shown.findings],
    }


def _value(value: object) -> object:
    if isinstance(value, tuple):
        return list(value)
    return value.isoformat() if hasattr(value, "isoformat") else value


def _as_text(shown: Explanation) -> str:
    lines = [shown.capture, f"  profile: {shown.profile or 'none (generic rules only)'}", "record:"]
    article = shown.article
    if article is not None:
        for name in _SHOWN_FIELDS:
            lines.append(f"  {name}: {_value(getattr(article, name))}")
        lines += [f"  {name}: {_value(value)}" for name, value in article.custom]
        text = article.text if len(article.text) <= 300 else article.text[:300] + " …"
        lines.append(f"  text ({len(article.text)} characters): {text}")
    else:
        lines.append("  none: the capture could not be read (see the findings)")
    lines.append("removed lines:" if shown.removed else "removed lines: none")
    for removed in shown.removed:
        lines.append(f"  {removed.line:>4}  {removed.rule}: {removed.text}")
        lines.append(f"        why: {removed.why}")
    lines.append("findings:" if shown.findings else "findings: none")
    lines.extend(f"  {f.code}: {f.message}" for f in shown.findings)
    return "\n".join(lines)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option(
    "--name", help="Package name (lower-case words joined by '-'). Default: the folder's."
)
@click.option("--title", prompt="Title of the dataset", help="Title of the dataset.")
@click.option(
    "--license",
    "licence",
    prompt="Licence (an id the Hugging Face Hub accepts, such as cc-by-4.0, or 'other')",
    help="Licence of the dataset: an id the Hugging Face Hub accepts (cc-by-4.0, odbl, mit, "
    "...), or 'other' with --license-title.",
)
@click.option(
    "--author",
    prompt="Author (a person or team, cited by the releases)",
    help="Author of the dataset, cited in each release's CITATION.cff.",
)
@click.option("--license-title", "licence_title", default="", help="What the licence is, in words.")
@click.option("--description", default="", help="One paragraph on what the corpus holds.")
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="TITLE=URL",
    help="A source of the articles (repeat for each), e.g. 'BBC News=https://www.bbc.co.uk/news'.",
)
@click.option(
    "--outlet",
    "outlets",
    multiple=True,
    help="An outlet's canonical name for the schema (repeat for each; more can be added later).",
)
@click.option("--language", default="en", show_default=True, help="Language of the articles.")
def init(folder: Path, name: str | None, sources: tuple[str, ...], **answers: str) -> None:
    """Create a corpus project in FOLDER (default: here) that validates and builds at once.

    \b
    It writes datapackage.json, a generic schema/, empty raw/ and profiles/ folders, a
    README, a .gitignore and a CI workflow that installs this version of corpuspack.

    \b
    Example:
        corpuspack init my-corpus --title "My corpus" --license CC-BY-4.0 \\
            --author "My team" --source "Example News=https://news.example.org" --outlet "Example News"
    """
    pairs = []
    for source in sources:
        title, sep, url = source.partition("=")
        if not sep or not title.strip() or not url.strip():
            raise click.BadParameter(f"{source!r}: give TITLE=URL", param_hint="--source")
        pairs.append((title.strip(), url.strip()))
    chosen = Answers(
        name=name or slug_of(folder),
        sources=tuple(pairs),
        outlets=tuple(answers.pop("outlets", ())),
        **answers,
    )
    with errors():
        written = api.init(folder, chosen)
    click.echo(f"created a corpus project in {folder} ({len(written)} files); next:")
    click.echo(f"  cd {shlex.quote(str(folder))} && corpuspack validate && corpuspack build")
