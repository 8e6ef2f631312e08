"""The release's datapackage.json: the source package's metadata plus its files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from frictionless import Package

from .. import __version__

_KEPT = ("name", "title", "description", "version", "created", "licenses", "sources", "contributors", "keywords", "homepage")


class PackageError(Exception):
    pass


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _resource_name(table: str, relative: str, files: int) -> str:
    """The table's name; with several files, the split's; with several shards of a split, the file's."""
    stem = Path(relative).name.removesuffix(".parquet")
    if files == 1:
        return table
    return f"{table}-{stem.split('-', 1)[0]}" if stem.endswith("-of-00001") else f"{table}-{stem}"


def render(descriptor: dict, release_dir: Path, tables: list[tuple[str, dict, list[str]]]) -> str:
    """The release datapackage.json text, checked by frictionless before it is written.

    tables: (name, Table Schema, data files) per configuration; one resource per file.
    """
    release = {key: descriptor[key] for key in _KEPT if key in descriptor}
    release["resources"] = []
    for table, schema_descriptor, data_files in tables:
        schema = {k: v for k, v in schema_descriptor.items() if not k.startswith("$")}
        for relative in data_files:
            path = release_dir / relative
            release["resources"].append({
                "name": _resource_name(table, relative, len(data_files)),
                "path": relative,
                "format": "parquet",
                "mediatype": "application/vnd.apache.parquet",
                "encoding": "binary",
                "bytes": path.stat().st_size,
                "hash": f"sha256:{sha256_file(path)}",
                "schema": schema,
            })
    release["corpuspack"] = {"version": __version__}
    try:
        # Frictionless checks the descriptor's structure against the Data Package profile.
        Package.from_descriptor(json.loads(json.dumps(release)), basepath=str(release_dir))
    except Exception as exc:  # frictionless raises FrictionlessException with the list of errors
        raise PackageError(f"the release datapackage.json would be invalid: {exc}") from exc
    return json.dumps(release, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
