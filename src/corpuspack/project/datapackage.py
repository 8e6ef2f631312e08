"""The corpus project: datapackage.json, raw/, schema/, dist/ and settings."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from pathlib import Path

import jsonschema

from corpuspack.findings.policy import Accepted
from corpuspack.project.vocabulary import Vocabulary, VocabularyError

# SemVer 2.0.0, the regular expression the specification itself recommends.
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)

DESCRIPTOR = "datapackage.json"

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
            return json.loads(path.read_text(encoding="utf-8"))
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
            return json.loads(self.schema_path.read_text(encoding="utf-8"))
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


def load(root: Path) -> Project:
    root = root.resolve()
    path = root / DESCRIPTOR
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ProjectError(f"{path}: not found; a corpus project needs a {DESCRIPTOR}") from exc
    except ValueError as exc:
        raise ProjectError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(descriptor, dict):
        raise ProjectError(f"{path}: must hold a JSON object")
    for key in ("name", "title", "version", "licenses", "resources"):
        if key not in descriptor:
            raise ProjectError(f'{path}: missing "{key}"')
    if not SEMVER.match(str(descriptor["version"])):
        raise ProjectError(
            f"{path}: version {descriptor['version']!r} is not SemVer (MAJOR.MINOR.PATCH, e.g. 1.0.0)"
        )
    settings = Settings.from_descriptor(descriptor.get("corpuspack", {}), path)
    return Project(root=root, descriptor=descriptor, settings=settings)
