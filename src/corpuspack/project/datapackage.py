"""The corpus project: datapackage.json, raw/, schema/, dist/ and settings."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path

import jsonschema

from corpuspack.findings.policy import Accepted
from corpuspack.project import jsonfile
from corpuspack.project.vocabulary import Vocabulary, VocabularyError

# SemVer 2.0.0, the regular expression the specification itself recommends.
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?\Z"  # \Z: "$" would accept "1.0.0\n"
)

DESCRIPTOR = "datapackage.json"
# Files and folders of a project that corpuspack reads or writes at fixed places (the schemas,
# named by datapackage.json, are checked too). A contribution could make any of them a link to
# a file of whoever runs corpuspack, so none may lead outside the project (see inside_project).
FIXED_PATHS = (DESCRIPTOR, "dist", "CHANGELOG.md")

_STRINGS = {"type": "array", "items": {"type": "string"}}
_SETTINGS = jsonschema.Draft202012Validator(
    {
        "type": "object",
        "properties": {
            "max_file_bytes": {"type": "integer", "minimum": 1},
            "pretty_name": {"type": "string"},
            "license_name": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9.]+)*$"},
            "task_categories": _STRINGS,
            "task_ids": _STRINGS,
            "require": _STRINGS,
            "near_duplicate_threshold": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "severities": {
                "type": "object",
                "additionalProperties": {"enum": ["error", "warning", "off"]},
            },
            "accepted_duplicates": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["files", "note"],
                    "additionalProperties": False,
                    "properties": {
                        "files": {
                            "type": "array",
                            "minItems": 2,
                            "uniqueItems": True,
                            "items": {"type": "string", "pattern": "^raw/."},
                        },
                        "note": {"type": "string", "pattern": "\\S"},
                    },
                },
            },
            "card": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    key: {"type": "string"}
                    for key in (
                        "curation_rationale",
                        "intended_uses",
                        "out_of_scope_uses",
                        "biases_and_limitations",
                        "personal_information",
                        "source_licensing",
                    )
                },
            },
            "shard_rows": {"type": "integer", "minimum": 1},
            "plugins": {
                "type": "array",
                "items": {
                    "type": "string",
                    "pattern": r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$",
                },
            },
            "splits": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
                "additionalProperties": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            },
        },
    }
)


class ProjectError(Exception):
    """The project itself (not one article) cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class Settings:
    """Knobs a corpus sets under "corpuspack" in its datapackage.json."""

    max_file_bytes: int = 5_000_000
    pretty_name: str | None = None
    license_name: str | None = None  # the card's slug for a licence the Hub calls "other"
    task_categories: tuple[str, ...] = ("text-classification", "token-classification")
    task_ids: tuple[str, ...] = ()
    card: dict = field(default_factory=dict)
    require: tuple[
        str, ...
    ] = ()  # record fields that must be known, or noted as unknown in a sidecar
    near_duplicate_threshold: float = 0.8
    # finding code -> "error", "warning" or "off" (findings/policy.py applies them)
    severities: dict[str, str] = field(default_factory=dict)
    accepted_duplicates: tuple[Accepted, ...] = ()  # captures that repeat one another, kept
    splits: dict = field(default_factory=lambda: {"train": 1.0})  # split name -> share, in order
    # At most this many articles per Parquet file (see release/writer.py). A file's rows are in memory
    # while it is written, about 6 KB each in Arrow for 3 KB articles (10,000: about 60 MB), and a
    # rebuild after one change writes that article's file again (10,000 rows: about 1.5 s).
    shard_rows: int = 10_000
    # Modules of the corpus's own plugins, imported from the project's folder (see plugins/).
    plugins: tuple[str, ...] = ()

    @classmethod
    def from_descriptor(cls, raw: dict, path: Path) -> Settings:
        if not isinstance(raw, dict):
            raise ProjectError(f'{path}: "corpuspack" must be an object of settings')
        problems = sorted(_SETTINGS.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path)))
        if problems:
            where = ".".join(str(p) for p in problems[0].absolute_path)
            raise ProjectError(f"{path}: setting corpuspack.{where}: {problems[0].message}")
        known = {setting.name for setting in fields(cls)}
        if "near_duplicate_severity" in raw:
            raise ProjectError(
                f'{path}: "near_duplicate_severity" is now one of the "severities" under '
                '"corpuspack": write "severities": {"near-duplicate": "error"}'
            )
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ProjectError(
                f'{path}: unknown setting(s) under "corpuspack": {", ".join(unknown)}; '
                f"known settings are {', '.join(sorted(known))}"
            )
        values = dict(raw)
        if "splits" in values and abs(sum(values["splits"].values()) - 1) > 1e-9:
            raise ProjectError(
                f"{path}: the shares under corpuspack.build.splits must add up to 1 "
                f"(they add up to {sum(values['splits'].values())})"
            )
        for key in ("task_categories", "task_ids", "require", "plugins"):
            if key in values:
                values[key] = tuple(values[key])
        values["accepted_duplicates"] = tuple(
            Accepted(tuple(entry["files"]), entry["note"])
            for entry in values.get("accepted_duplicates", ())
        )
        return cls(**values)


@dataclass(frozen=True)
class Project:
    root: Path
    descriptor: dict
    settings: Settings

    @property
    def raw_dir(self) -> Path:
        return self.root / "raw"

    @property
    def schema_path(self) -> Path:
        resource = self.article_resource
        return self.root / resource.get("schema", "schema/article.schema.json")

    @property
    def dist_dir(self) -> Path:
        return self.root / "dist"

    @property
    def version(self) -> str:
        return self.descriptor["version"]

    @property
    def article_resource(self) -> dict:
        for resource in self.descriptor.get("resources", []):
            if resource.get("name") == "articles":
                return resource
        raise ProjectError(
            f'{self.root / DESCRIPTOR}: no resource named "articles"; add one whose '
            '"schema" is the path of the article Table Schema'
        )

    def relative(self, path: Path) -> str:
        """Path as shown in findings and provenance: POSIX, relative to the project root."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    @property
    def vocabulary_path(self) -> Path:
        """The annotation vocabulary: the "annotations" resource's schema, or schema/annotations.schema.json."""
        for resource in self.descriptor.get("resources", []):
            if resource.get("name") == "annotations" and isinstance(resource.get("schema"), str):
                return self.root / resource["schema"]
        return self.root / "schema" / "annotations.schema.json"

    @property
    def quotes_schema_path(self) -> Path:
        return self.root / "schema" / "quotes.schema.json"

    @property
    def schema_paths(self) -> list[Path]:
        """Every schema a build reads: the article, annotation and quotation Table Schemas."""
        return [self.schema_path, self.vocabulary_path, self.quotes_schema_path]

    def _read_json(self, path: Path, what: str) -> dict:
        try:
            return jsonfile.load(path)
        except (OSError, ValueError) as exc:
            raise ProjectError(f"{self.relative(path)}: cannot read the {what}: {exc}") from exc

    def load_vocabulary(self) -> Vocabulary:
        try:
            return Vocabulary.from_descriptor(
                self._read_json(self.vocabulary_path, "annotation vocabulary"),
                self.relative(self.vocabulary_path),
            )
        except VocabularyError as exc:
            raise ProjectError(str(exc)) from exc

    def load_quotes_schema(self) -> dict:
        return self._read_json(self.quotes_schema_path, "quotes Table Schema")

    def load_schema(self) -> dict:
        try:
            return jsonfile.load(self.schema_path)
        except (OSError, ValueError) as exc:
            raise ProjectError(
                f"{self.relative(self.schema_path)}: cannot read the Table Schema: {exc}"
            ) from exc


def find_root(start: Path) -> Path:
    """The nearest folder at or above start that holds a datapackage.json."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / DESCRIPTOR).is_file():
            return candidate
    raise ProjectError(
        f"no {DESCRIPTOR} in {start} or any folder above it; run corpuspack inside a corpus "
        "repository or pass --project DIR"
    )


# What load() needs of a descriptor before it uses it; frictionless checks the rest when a
# release is written. A version names a folder in dist/: short enough for any file system.
_DESCRIPTOR_SHAPE = jsonschema.Draft202012Validator(
    {
        "type": "object",
        "required": ["name", "title", "version", "licenses", "resources"],
        "properties": {
            "name": {"type": "string"},
            "title": {"type": "string"},
            "version": {"type": "string", "maxLength": 64},
            "licenses": {"type": "array", "items": {"type": "object"}},
            "resources": {"type": "array", "items": {"type": "object"}},
            "corpuspack": {"type": "object"},
        },
    }
)


def load(root: Path) -> Project:
    root = root.resolve()
    path = root / DESCRIPTOR
    _refuse_outside(root, path, str(path), "make it the file itself, not a link")
    try:
        descriptor = jsonfile.load(path, max_bytes=jsonfile.MAX_BYTES // 10)
    except FileNotFoundError as exc:
        raise ProjectError(f"{path}: not found; a corpus project needs a {DESCRIPTOR}") from exc
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read it: {exc.strerror or exc}") from exc
    except jsonfile.JSONFileError as exc:
        raise ProjectError(f"{path}: {exc}") from exc
    if not isinstance(descriptor, dict):
        raise ProjectError(f"{path}: must hold a JSON object")
    for key in ("name", "title", "version", "licenses", "resources"):
        if key not in descriptor:
            raise ProjectError(f'{path}: missing "{key}"')
    problem = next(iter(_DESCRIPTOR_SHAPE.iter_errors(descriptor)), None)
    if problem is not None:
        where = "/".join(str(p) for p in problem.absolute_path)
        message = (
            problem.message
            if len(problem.message) <= 120
            else f"{problem.message[:60]}...{problem.message[-50:]}"  # what is wrong is at the end
        )
        raise ProjectError(f'{path}: "{where}": {message}')
    if not SEMVER.match(descriptor["version"]):
        raise ProjectError(
            f"{path}: version {descriptor['version']!r} is not SemVer (MAJOR.MINOR.PATCH, e.g. 1.0.0)"
        )
    settings = Settings.from_descriptor(descriptor.get("corpuspack", {}), path)
    project = Project(root=root, descriptor=descriptor, settings=settings)
    inside_project(project)
    return project


def inside_project(project: Project) -> None:
    """ProjectError unless nothing of the project that corpuspack reads or writes leads outside it.

    raw/ is never a link, as nothing in it is (a link in raw/ is the "symlink" finding, never
    followed); the schemas datapackage.json names and the fixed files (FIXED_PATHS) must lead,
    links and all, to a place inside the project: a link within it is followed, like git does."""
    raw = project.raw_dir
    if raw.is_symlink():
        raise ProjectError(
            f"{raw}: raw/ is a symbolic link (to {os.readlink(raw)}); corpuspack never follows a "
            "link in raw/, raw/ included: make raw/ the folder that holds the captures"
        )
    schema = project.article_resource.get("schema", "")
    if not isinstance(schema, str):
        raise ProjectError(
            f'{project.root / DESCRIPTOR}: the "articles" resource\'s "schema" must be the path '
            'of a Table Schema file in the project, such as "schema/article.schema.json"'
        )
    for path in project.schema_paths:
        _refuse_outside(
            project.root,
            path,
            f'{project.root / DESCRIPTOR}: the Table Schema "{project.relative(path)}"',
            "put the schema in the project's schema/ folder",
        )
    for name in FIXED_PATHS:
        _refuse_outside(
            project.root,
            project.root / name,
            str(project.root / name),
            "make it the file or folder itself, not a link (build --out writes a release anywhere)",
        )


def _refuse_outside(root: Path, path: Path, shown: str, fix: str) -> None:
    """ProjectError if path (an absolute path, a "..", or a link on the way) leads outside root,
    the project's resolved root."""
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of links (Python 3.11)
        raise ProjectError(f"{shown}: cannot be followed: {exc}") from exc
    if not resolved.is_relative_to(root):
        raise ProjectError(
            f"{shown} leads outside the project (to {resolved}); corpuspack reads and writes a "
            f"project's files only inside it: {fix}"
        )
