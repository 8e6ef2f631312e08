"""The release's datapackage.json: the source package's metadata plus its files."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from frictionless import Package

from corpuspack import __version__

_KEPT = (
    "name",
    "title",
    "description",
    "version",
    "created",
    "licenses",
    "sources",
    "contributors",
    "keywords",
    "homepage",
)


class PackageError(Exception):
    pass


_remembered: dict[tuple, str] | None = None  # while digests_remembered() is on


@contextlib.contextmanager
def digests_remembered():
    """Within it, a file hashed once is not read again while its path, size, inode and modification
    time stay the same: a release's files are hashed by datapackage.json, croissant.json and the
    manifest alike, and written once, just before."""
    global _remembered
    _remembered = {}
    try:
        yield
    finally:
        _remembered = None


def _stamp(path: Path) -> tuple:
    status = os.stat(path)
    return (os.fspath(path), status.st_size, status.st_ino, status.st_mtime_ns)


def remember(path: Path, digest: str) -> None:
    """Within digests_remembered(), take digest (hex SHA-256) as that of the file at path as it is now:
    for a file copied from one whose digest is known (a cached release file), not read to be hashed."""
    if _remembered is not None:
        _remembered[_stamp(path)] = digest


def sha256_file(path: Path) -> str:
    remembered = _remembered
    key = _stamp(path) if remembered is not None else None
    if remembered is not None and key in remembered:
        return remembered[key]
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if remembered is not None and key is not None:
        remembered[key] = digest.hexdigest()
    return digest.hexdigest()


def _resource_name(table: str, relative: str, files: int) -> str:
    """The table's name; with several release files, the split's; with several in one split, the file's."""
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
            release["resources"].append(
                {
                    "name": _resource_name(table, relative, len(data_files)),
                    "path": relative,
                    "format": "parquet",
                    "mediatype": "application/vnd.apache.parquet",
                    "encoding": "binary",
                    "bytes": path.stat().st_size,
                    "hash": f"sha256:{sha256_file(path)}",
                    "schema": schema,
                }
            )
    release["corpuspack"] = {"version": __version__}
    try:
        # Frictionless checks the descriptor's structure against the Data Package profile.
        Package.from_descriptor(json.loads(json.dumps(release)), basepath=str(release_dir))
    except Exception as exc:  # frictionless raises FrictionlessException with the list of errors
        raise PackageError(f"the release datapackage.json would be invalid: {exc}") from exc
    return json.dumps(release, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
