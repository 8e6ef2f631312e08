"""`corpuspack init`: a new corpus project that validates and builds at once.

The project holds nothing of any other corpus: a generic Table Schema (the record's fields,
with the outlets given), a datapackage.json made from the answers, empty raw/ and profiles/
folders, a README, a .gitignore and a CI workflow pinned to the corpuspack that made it.
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from corpuspack.project.datapackage import DESCRIPTOR

WORKFLOW = ".github/workflows/corpuspack.yml"
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class ScaffoldError(Exception):
    """The project cannot be made there, or an answer cannot be used; the message says which."""


@dataclass(frozen=True)
class Answers:
    """What a new corpus needs to be described: from options or prompts."""

    name: str  # the package name: lower-case words joined by "-"
    title: str
    licence: str  # a licence id the Hugging Face Hub accepts (e.g. cc-by-4.0), or "other"
    author: str  # a person or team: the release's CITATION.cff cites them
    description: str = ""
    sources: tuple[tuple[str, str], ...] = ()  # (title, address) of each source
    outlets: tuple[str, ...] = ()  # canonical outlet names for the schema's enum
    language: str = "en"
    licence_title: str = ""  # what "other" means, in words

    def problems(self) -> list[str]:
        found = []
        if not _SLUG.match(self.name):
            found.append(f"name {self.name!r}: lower-case letters, digits and '-' only")
        if not self.title.strip():
            found.append("title: give one")
        if not self.author.strip():
            found.append("author: give a person or team to cite")
        if self.licence == "other" and not self.licence_title.strip():
            found.append("licence 'other': say what it is with a licence title")
        found += [f"outlet {o!r}: give the outlet's name" for o in self.outlets if not o.strip()]
        found += [
            f"source {title!r}: {address!r} is not a web address (https://...)"
            for title, address in self.sources
            if not _is_web_address(address)
        ]
        return found


def _is_web_address(address: str) -> bool:
    parts = urlsplit(address)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in address


def slug_of(folder: Path) -> str:
    """A package name from a folder's name ("My Corpus" -> "my-corpus")."""
    return re.sub(r"[^a-z0-9]+", "-", folder.resolve().name.lower()).strip("-") or "corpus"


def descriptor(answers: Answers) -> dict:
    licence: dict = {"name": answers.licence}
    if answers.licence_title:
        licence["title"] = answers.licence_title
    return {
        "name": answers.name,
        "title": answers.title,
        "description": answers.description or answers.title,
        "version": "0.1.0",
        "licenses": [licence],
        "sources": [{"title": t, "path": p} for t, p in answers.sources],
        "contributors": [{"title": answers.author, "role": "author"}],
        "resources": [
            {
                "name": "articles",
                "path": "raw",
                "format": "txt",
                "mediatype": "text/plain",
                "encoding": "utf-8",
                "description": "Raw captures, one UTF-8 text file per article under "
                "raw/<outlet>/, with optional <name>.meta.yaml sidecars; corpuspack build "
                "extracts one article record per capture.",
                "schema": "schema/article.schema.json",
            }
        ],
        "corpuspack": {
            "pretty_name": answers.title,
            # The Hub calls a licence that is not on its list "other", with an id of its own.
            **({"license_name": f"{answers.name}-license"} if answers.licence == "other" else {}),
        },
    }


def _template(name: str) -> str:
    return resources.files(__package__).joinpath("template", name).read_text(encoding="utf-8")


def article_schema(outlets: tuple[str, ...], language: str) -> dict:
    schema = json.loads(_template("article.schema.json"))
    for item in schema["fields"]:
        constraints = item.get("constraints", {})
        if item["name"] == "outlet":
            if outlets:
                constraints["enum"] = sorted(set(outlets))
            else:
                constraints.pop("enum", None)
        if item["name"] == "language":
            constraints["enum"] = [language]
    return schema


def files(answers: Answers, version: str) -> dict[str, str]:
    """Every file of the new project by its relative path."""
    values = {
        "title": answers.title,
        "description": answers.description or answers.title,
        "version": version,
    }

    def json_text(data: dict) -> str:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    return {
        DESCRIPTOR: json_text(descriptor(answers)),
        "schema/article.schema.json": json_text(article_schema(answers.outlets, answers.language)),
        "schema/annotations.schema.json": _template("annotations.schema.json"),
        "schema/quotes.schema.json": _template("quotes.schema.json"),
        "profiles/README.md": _template("profiles-README.md"),
        "README.md": string.Template(_template("README.md")).substitute(values),
        ".gitignore": _template("gitignore"),
        WORKFLOW: string.Template(_template("workflow.yml")).substitute(values),
    }


def create(folder: Path, answers: Answers, version: str) -> list[Path]:
    """Write a new project into folder (made if missing; refused if it holds a project or any
    file init would write). Returns the files written."""
    problems = answers.problems()
    if problems:
        raise ScaffoldError("; ".join(problems))
    wanted = files(answers, version)
    clashes = sorted(p for p in [DESCRIPTOR, *wanted] if (folder / p).exists())
    if clashes:
        raise ScaffoldError(
            f"{folder} already holds {', '.join(clashes)}: init writes only into a new project"
        )
    written = []
    for relative, text in wanted.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    (folder / "raw").mkdir(exist_ok=True)
    return written
