"""Checking a release folder against its manifest, its schemas and, optionally, a rebuild.

`check` needs only the release: every file's size and SHA-256, no file missing or
added, each Parquet file readable with the Arrow schema its Table Schema gives and its
rows valid against that Table Schema through frictionless, and the row counts the
manifest records. `rebuild` checks out the recorded commit in a temporary git
worktree (hooks disabled), builds the release there and compares the bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

import pyarrow.parquet as pq

from corpuspack import __version__
from corpuspack.checks import arrow as arrow_checks
from corpuspack.findings.report import Finding, Report, error, warning
from corpuspack.project.schema import RecordSchema, SchemaError
from corpuspack.release import manifest as manifest_mod
from corpuspack.release.package import sha256_file

FRICTIONLESS_CHUNK = 5000


def _load_manifest(release: Path) -> tuple[dict | None, list[Finding]]:
    path = release / manifest_mod.NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, [
            error(
                manifest_mod.NAME,
                "missing-manifest",
                f"{release} has no {manifest_mod.NAME}: it is "
                "not a corpuspack release, or one written before manifests (corpuspack < 0.2)",
            )
        ]
    except (OSError, ValueError) as exc:
        return None, [error(manifest_mod.NAME, "invalid-manifest", f"cannot read it: {exc}")]
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        return None, [
            error(manifest_mod.NAME, "invalid-manifest", 'expected an object with a "files" list')
        ]
    return data, []


def _check_files(release: Path, data: dict) -> list[Finding]:
    findings = []
    listed = {}
    for entry in data["files"]:
        name = entry.get("path", "")
        listed[name] = entry
        path = release / name
        if (
            not path.is_file()
            or path.is_symlink()
            or not path.resolve().is_relative_to(release.resolve())
        ):
            findings.append(
                error(name, "missing-file", "the manifest lists this file but the release lacks it")
            )
            continue
        size = path.stat().st_size
        if size != entry.get("bytes"):
            findings.append(
                error(
                    name, "size-mismatch", f"{size} bytes, the manifest says {entry.get('bytes')}"
                )
            )
        digest = sha256_file(path)
        if digest != entry.get("sha256"):
            findings.append(
                error(
                    name,
                    "checksum-mismatch",
                    f"SHA-256 {digest}, the manifest says "
                    f"{entry.get('sha256')}: the file was changed after the release was written",
                )
            )
    for path in sorted(release.rglob("*")):
        name = path.relative_to(release).as_posix()
        if (
            (path.is_file() or path.is_symlink())
            and name != manifest_mod.NAME
            and name not in listed
        ):
            findings.append(
                error(name, "unexpected-file", "in the release folder but not in its manifest")
            )
    return findings


def _as_built(rows: list[dict]) -> list[dict]:
    """Parquet rows in the form the build validated them: dates and datetimes as ISO 8601 text."""
    for row in rows:
        for name, value in row.items():
            if isinstance(value, (dt.date, dt.datetime)):
                row[name] = value.isoformat()
    return rows


def _table_findings(table, descriptor: dict) -> list[tuple]:
    """The Table Schema's findings for a whole file: on Arrow, or through frictionless a chunk at a time."""
    from frictionless import Resource, Schema

    try:
        return arrow_checks.check_table(table, descriptor, notes=True)
    except NotImplementedError:
        pass
    found = []
    frictionless_schema = Schema.from_descriptor(descriptor)
    for start in range(0, table.num_rows, FRICTIONLESS_CHUNK):
        rows = _as_built(table.slice(start, FRICTIONLESS_CHUNK).to_pylist())
        report = Resource(data=rows, schema=frictionless_schema).validate()
        found += [
            (start + (row or 1), field, kind, note)
            for row, field, kind, note in report.flatten(["rowNumber", "fieldName", "type", "note"])
        ]
    return found


def _check_data(release: Path, data: dict) -> list[Finding]:
    try:
        descriptor = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [error("datapackage.json", "invalid-datapackage", f"cannot read it: {exc}")]
    findings = []
    counts: dict[str, dict[str, int]] = {}
    for resource in descriptor.get("resources", []):
        name = resource.get("path", "")
        config = "articles" if name.startswith("data/") else name.split("/", 1)[0]
        split = Path(name).name.split("-", 1)[0]
        try:
            schema = RecordSchema(
                resource["schema"], expected=tuple(f["name"] for f in resource["schema"]["fields"])
            )
            table = pq.read_table(release / name)
        except (KeyError, SchemaError, OSError, ValueError) as exc:
            findings.append(
                error(name, "unreadable-data", f"cannot read it with its Table Schema: {exc}")
            )
            continue
        split_counts = counts.setdefault(config, {})
        split_counts[split] = split_counts.get(split, 0) + table.num_rows  # over its release files
        if not table.schema.equals(schema.arrow, check_metadata=False):
            findings.append(
                error(
                    name,
                    "arrow-schema-mismatch",
                    "its Arrow schema is not the one its Table Schema "
                    f"gives: {table.schema} instead of {schema.arrow}",
                )
            )
            continue
        for row_number, field, kind, note in _table_findings(table, resource["schema"]):
            findings.append(
                error(
                    name, kind, f"row {(row_number or 2) - 1}: {note or kind}", field=field or None
                )
            )
    if counts != data.get("rows"):
        findings.append(
            error(
                manifest_mod.NAME,
                "row-count-mismatch",
                f"the data files hold {counts} rows, the manifest says {data.get('rows')}",
            )
        )
    return findings


def check(release: Path) -> Report:
    """Every check that needs only the release folder."""
    data, findings = _load_manifest(release)
    report = Report(files_checked=len(data["files"]) if data else 0)
    report.extend(findings)
    if data is None:
        return report
    report.extend(_check_files(release, data))
    if report.valid:  # rows of a file whose bytes are wrong are not worth reading
        report.extend(_check_data(release, data))
    return report


def rebuild(release: Path, repository: Path, build) -> Report:
    """Build the release again from the recorded commit and compare every file's bytes.

    repository: a folder of the git repository that holds the corpus's history.
    build(project_root, out) builds the project at project_root into out and returns
    the report of its findings (the CLI passes its own build, so both use one code path).
    """
    report = Report()
    data, findings = _load_manifest(release)
    if data is None:
        report.extend(findings)
        return report
    source = data.get("source") or {}
    refusal = _unrebuildable(source, repository)
    if refusal is not None:
        report.extend([refusal])
        return report
    report.extend(installed_differences(data))
    commit = source["commit"]
    scratch = Path(tempfile.mkdtemp(prefix="corpuspack-verify-"))
    worktree = scratch / "worktree"
    try:
        if (
            manifest_mod.git(
                repository, "worktree", "add", "--detach", "--quiet", str(worktree), commit
            )
            is None
        ):
            report.extend(
                [
                    error(
                        manifest_mod.NAME,
                        "worktree-failed",
                        f"git could not check out {commit} into a temporary worktree",
                    )
                ]
            )
            return report
        project_root = worktree / source.get("path", ".")
        out = scratch / "out" / release.name
        built = build(project_root, out)
        report.extend(built.findings)
        if not out.is_dir():
            report.extend(
                [error(manifest_mod.NAME, "rebuild-failed", "the rebuild wrote no release")]
            )
            return report
        report.extend(compare(release, out, data))
        return report
    finally:
        manifest_mod.git(repository, "worktree", "remove", "--force", str(worktree))
        shutil.rmtree(scratch, ignore_errors=True)
        manifest_mod.git(repository, "worktree", "prune")


def installed_differences(data: dict) -> list[Finding]:
    """What the manifest says made the release that this installation lacks or has at another
    version: plugin distributions (an error: their code made bytes), corpuspack and its
    dependencies (a warning: a rebuild may still match)."""
    found = []
    extensions = data.get("extensions")
    pins = extensions.get("distributions") if isinstance(extensions, dict) else None
    for pinned in pins if isinstance(pins, list) else []:
        name, _, version = str(pinned).partition("==")
        try:
            here = metadata.version(name)
        except metadata.PackageNotFoundError:
            here = None
        if here != version:
            found.append(
                error(
                    manifest_mod.NAME,
                    "rebuild-plugin-missing",
                    f"the release was built with the plugin {name}=={version}; "
                    + (f"{here} is installed" if here else "it is not installed")
                    + f": pip install '{name}=={version}'",
                )
            )
    recorded = {"corpuspack": data.get("corpuspack_version"), **(data.get("dependencies") or {})}
    here_versions = {"corpuspack": __version__, **manifest_mod.dependency_versions()}
    differ = sorted(
        f"{name} {version} (here {here_versions.get(name, 'not installed')})"
        for name, version in recorded.items()
        if isinstance(version, str) and here_versions.get(name) != version
    )
    if differ:
        found.append(
            warning(
                manifest_mod.NAME,
                "rebuild-other-corpuspack",
                "the release was made with " + ", ".join(differ),
            )
        )
    return found


def _unrebuildable(source: dict, repository: Path) -> Finding | None:
    """Why the manifest's source commit alone cannot rebuild the release, if it cannot."""
    commit, uncommitted = source.get("commit"), source.get("uncommitted") or []
    if not commit:
        return error(
            manifest_mod.NAME,
            "no-source-commit",
            "the release was not built in a git "
            "repository, so there is no commit to rebuild it from",
        )
    if uncommitted:
        return error(
            manifest_mod.NAME,
            "built-from-uncommitted",
            "the release was built with "
            f"uncommitted changes to {', '.join(uncommitted[:5])}"
            + (" and more" if len(uncommitted) > 5 else "")
            + f"; commit {commit} alone cannot rebuild it",
        )
    if manifest_mod.git(repository, "cat-file", "-e", f"{commit}^{{commit}}") is None:
        return error(
            manifest_mod.NAME,
            "source-commit-missing",
            f"commit {commit} is not in the "
            f"git repository at {repository}; fetch it (git fetch --unshallow) and try again",
        )
    return None


def compare(release: Path, rebuilt: Path, data: dict) -> list[Finding]:
    """Byte-for-byte: each file of the release against the same file rebuilt."""
    findings = []
    names = sorted(
        {
            p.relative_to(folder).as_posix()
            for folder in (release, rebuilt)
            for p in folder.rglob("*")
            if p.is_file()
        }
    )
    for name in names:
        ours, theirs = release / name, rebuilt / name
        if not theirs.is_file():
            findings.append(error(name, "not-rebuilt", "the rebuild does not write this file"))
        elif not ours.is_file():
            findings.append(
                error(name, "missing-file", "the rebuild writes this file; the release lacks it")
            )
        elif ours.read_bytes() != theirs.read_bytes():
            findings.append(
                error(
                    name,
                    "rebuild-differs",
                    "rebuilt from the recorded commit, this file's bytes "
                    f"differ (SHA-256 {sha256_file(theirs)} rebuilt, {sha256_file(ours)} here)",
                )
            )
    rebuilt_manifest = json.loads((rebuilt / manifest_mod.NAME).read_text(encoding="utf-8"))
    if findings and rebuilt_manifest.get("dependencies") != data.get("dependencies"):
        differing = sorted(
            name
            for name in set(data.get("dependencies", {})) | set(rebuilt_manifest["dependencies"])
            if data.get("dependencies", {}).get(name) != rebuilt_manifest["dependencies"].get(name)
        )
        findings.append(
            warning(
                manifest_mod.NAME,
                "dependencies-differ",
                "the release was built with other "
                f"package versions ({', '.join(differing[:8])}); install the lock file it was "
                "built with and verify again",
            )
        )
    if findings and rebuilt_manifest.get("corpuspack_version") != data.get("corpuspack_version"):
        findings.append(
            warning(
                manifest_mod.NAME,
                "corpuspack-version-differs",
                f"built by corpuspack {data.get('corpuspack_version')}, rebuilt by "
                f"{rebuilt_manifest.get('corpuspack_version')}",
            )
        )
    return findings
