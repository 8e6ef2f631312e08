"""The release's croissant.json: MLCommons Croissant 1.1 metadata, derived from the Table Schemas.

Croissant lets ML tools (mlcroissant, TFDS, PyTorch loaders, dataset search) load the
release without reading its card. Its record sets are derived from the same Table
Schemas as the Arrow schema and the card, so they cannot drift from the Parquet files.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from corpuspack.project.schema import RecordSchema
from corpuspack.release import card
from corpuspack.release.package import sha256_file

CONFORMS_TO = "http://mlcommons.org/croissant/1.1"
# The Parquet media type Croissant and mlcroissant use (the Data Package has application/vnd.apache.parquet).
PARQUET = "application/x-parquet"

# The context of the Croissant 1.1 specification (Appendix 1), plus the terms mlcroissant's
# own context still has (path, repeated, replace, samplingRate; name and description as
# language maps): mlcroissant warns about a context that lacks any of them. schema.org is
# https://, as in mlcroissant and every example dataset; the appendix writes http://.
CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "sc": "https://schema.org/",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "dct": "http://purl.org/dc/terms/",
    "annotation": "cr:annotation",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "description": {"@container": "@language"},
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "excludes": "cr:excludes",
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "name": {"@container": "@language"},
    "parentField": "cr:parentField",
    "path": "cr:path",
    "readLines": "cr:readLines",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sdVersion": "cr:sdVersion",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
    "unArchive": "cr:unArchive",
    "value": "cr:value",
}

# Table Schema type -> Croissant dataType; the same types as schema._PRIMITIVES (a test keeps them equal).
DATA_TYPES = {
    "string": "sc:Text",
    "integer": "sc:Integer",
    "number": "sc:Float",
    "boolean": "sc:Boolean",
    "date": "sc:Date",
    "datetime": "sc:DateTime",  # UTC timestamps in the Parquet files
}

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_]+")


class CroissantError(Exception):
    pass


def render(
    descriptor: dict,
    release_dir: Path,
    tables: list[tuple[str, RecordSchema, list[str]]],
    *,
    release_date: str | None = None,
) -> str:
    """The release croissant.json text: the same for the same inputs (no clock, no absolute paths).

    tables: (configuration, its schema, its Parquet files relative to release_dir). Every
    file is a FileObject with its SHA-256; each configuration reads its files through one
    FileSet (a record set has one source, and a configuration may have several splits).
    release_date (ISO) becomes datePublished; without it mlcroissant warns that a
    recommended property is missing, as it is not taken from the clock.
    """
    if release_date is not None:
        try:
            dt.date.fromisoformat(release_date)
        except ValueError as exc:
            raise CroissantError(
                f"release date {release_date!r} is not an ISO date (YYYY-MM-DD)"
            ) from exc
    creators = _people(descriptor, {"author", "creator"}) or _people(descriptor, None)
    dataset = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": descriptor["name"],
        "alternateName": descriptor.get("title"),
        "description": descriptor.get("description") or descriptor.get("title"),
        "version": descriptor["version"],
        "license": [_license(item) for item in descriptor.get("licenses", [])],
        "url": descriptor.get("homepage"),
        "creator": creators,
        "publisher": _people(descriptor, {"publisher"}),
        "datePublished": release_date,
        "keywords": descriptor.get("keywords"),
        "isBasedOn": [
            {"@type": "sc:CreativeWork", "name": s.get("title"), "url": s.get("path")}
            for s in descriptor.get("sources", [])
        ],
        "citeAs": card.bibtex(descriptor),
        "distribution": [],
        "recordSet": [],
    }
    for config, schema, data_files in tables:
        file_set = f"{config}-parquet"
        dataset["distribution"] += _distribution(release_dir, config, file_set, data_files)
        dataset["recordSet"].append(_record_set(config, schema, file_set))
    return json.dumps(_pruned(dataset), indent=2, ensure_ascii=False) + "\n"


def _distribution(
    release_dir: Path, config: str, file_set: str, data_files: list[str]
) -> list[dict]:
    """A configuration's release files, each a FileObject with its SHA-256, then their FileSet."""
    objects: list[dict] = []
    for relative in data_files:
        path = release_dir / relative
        objects.append(
            {
                "@type": "cr:FileObject",
                "@id": relative,
                "name": relative,
                "contentUrl": relative,
                "contentSize": f"{path.stat().st_size} B",
                "encodingFormat": PARQUET,
                "sha256": sha256_file(path),
            }
        )
    # "shards" is the wording of releases already written: changing it would change their bytes.
    files = (
        "one per split "
        if all(f.endswith("-00000-of-00001.parquet") for f in data_files)
        else "one or more shards per split "
    )
    objects.append(
        {
            "@type": "cr:FileSet",
            "@id": file_set,
            "name": file_set,
            "description": f"The Parquet files of the {config} configuration, "
            + files
            + "(each is also listed as a FileObject with its SHA-256).",
            "encodingFormat": PARQUET,
            "includes": list(data_files),
        }
    )
    return objects


def _record_set(config: str, schema: RecordSchema, file_set: str) -> dict:
    """A configuration's RecordSet: its fields, read from its FileSet."""
    left_out: list[str] = []
    fields = _fields(schema.fields, config, file_set, (), left_out)
    description = f"The {config} configuration: one record per row of its Parquet files."
    if left_out:
        description += (
            " Left out, though in the Parquet files: " + ", ".join(left_out) + ". They are "
            "fields with sub-fields inside another field, which Croissant loaders "
            "(mlcroissant 1.1) cannot read from Parquet yet."
        )
    record_set = {
        "@type": "cr:RecordSet",
        "@id": config,
        "name": config,
        "description": description,
        "field": fields,
    }
    if schema.descriptor.get("primaryKey"):
        record_set["key"] = [
            {"@id": f"{config}/{name}"} for name in schema.descriptor["primaryKey"]
        ]
    return record_set


def _fields(
    items: list[dict], parent: str, file_set: str, route: tuple[str, ...], left_out: list[str]
) -> list[dict]:
    """Croissant fields for Table Schema fields; nested ones read their top-level column through jsonPath.

    mlcroissant 1.1 attaches a value only to its direct parent, placed at the top of the
    record: a field with sub-fields inside another field comes out misplaced (an object)
    or fails to load (an array of objects). Such fields are left out and listed instead.
    """
    fields = []
    for item in items:
        name, ident = item["name"], f"{parent}/{item['name']}"
        inner = item.get("arrayItem", {}) if item.get("type") == "array" else item
        nested = inner.get("type") == "object"
        if nested and route:
            left_out.append(ident)
            continue
        field = {
            "@type": "cr:Field",
            "@id": ident,
            "name": name,
            "description": item.get("description"),
        }
        if nested:
            field["subField"] = _fields(
                inner.get("fields", []), ident, file_set, route + (name,), left_out
            )
            if not field["subField"]:  # every sub-field left out: nothing to read
                left_out.append(ident)
                continue
        else:
            field["dataType"] = _data_type(inner, ident)
            field["source"] = _source(file_set, route + (name,))
        if inner is not item:
            field["isArray"] = True
        fields.append(field)
    return fields


def _data_type(descriptor: dict, where: str) -> str:
    kind = descriptor.get("type", "string")
    if kind not in DATA_TYPES:
        raise CroissantError(
            f"{where}: Table Schema type {kind!r} has no Croissant dataType in corpuspack"
        )
    if kind == "string" and descriptor.get("format") == "uri":
        return "sc:URL"
    return DATA_TYPES[kind]


def _source(file_set: str, route: tuple[str, ...]) -> dict:
    """The column is the top-level field, each level below it a jsonPath step (as Hugging Face writes)."""
    source: dict[str, object] = {"fileSet": {"@id": file_set}, "extract": {"column": route[0]}}
    steps = [
        key if _PLAIN_KEY.fullmatch(key) else "['" + key.replace("'", "\\'") + "']"
        for key in route[1:]
    ]
    if steps:
        source["transform"] = [{"jsonPath": step} for step in steps]
    return source


def _people(descriptor: dict, roles: set[str] | None) -> list[dict]:
    """Contributors with one of roles (any role if None), as schema.org Person or Organization.

    A Data Package contributor does not say what it is: one with a given or family name
    (Data Package v2) is a Person, any other (e.g. "corpuspack maintainers") an Organization.
    """
    people = []
    for person in descriptor.get("contributors", []):
        has = set(person.get("roles") or [person.get("role", "contributor")])
        if roles is not None and not has & roles:
            continue
        named = person.get("givenName") or person.get("familyName")
        people.append(
            {
                "@type": "sc:Person" if named else "sc:Organization",
                "name": person.get("title"),
                "givenName": person.get("givenName"),
                "familyName": person.get("familyName"),
                "email": person.get("email"),
                "url": person.get("path"),
            }
        )
    return people


def _license(licence: dict) -> str | dict:
    """A licence with a URL is that URL (Croissant recommends one); otherwise a named CreativeWork."""
    if licence.get("path"):
        return licence["path"]
    return {"@type": "sc:CreativeWork", "name": licence.get("title") or licence.get("name")}


def _pruned(value):
    """Without empty values (None, "", [], {}): absent is how JSON-LD says unknown."""
    if isinstance(value, dict):
        pruned = {key: _pruned(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        return [item for item in (_pruned(v) for v in value) if item not in (None, "", [], {})]
    return value
