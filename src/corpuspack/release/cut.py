"""Cutting a release: the bump the change calls for, datapackage.json and CHANGELOG.md, the release commit.

`corpuspack release` compares what the corpus would release now with the newest
release in dist/, picks the bump under the versioning policy (versioning.py), writes
the new version and release date into datapackage.json and an entry into
CHANGELOG.md, commits those two files in a git repository (so the release can be
rebuilt from that commit), and builds dist/<new version>/.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from corpuspack.project.datapackage import SEMVER, Project
from corpuspack.release import manifest, versioning
from corpuspack.release.diff import ReleaseDiff, diff
from corpuspack.release.manifest import Source
from corpuspack.release.writer import Outcome, ReleaseError, write_release

CHANGELOG = "CHANGELOG.md"


def build(
    project: Project,
    result,
    target: Path,
    *,
    descriptor: dict | None = None,
    source: Source | None = None,
) -> Outcome:
    """Write the release of a pipeline result; descriptor and source default to the project's own
    (with what the result's extensions record)."""
    extensions = getattr(result, "extensions", None)
    cache = getattr(result, "cache", None)
    digests = getattr(result, "file_digests", None)  # raw/ as the build read it (pipeline.Result)
    outcome = write_release(
        descriptor or project.descriptor,
        project.settings,
        result.schema,
        result.store,
        target,
        result.quotes_schema,
        result.vocabulary,
        source or manifest.source_of(project.root, project.schema_paths, digests, extensions),
        cache=cache,
    )
    if cache is not None:
        cache.release.prune()
        cache.files.save()  # with the digests of raw/'s other files, hashed for the manifest
    return outcome


def releases(dist: Path) -> list[Path]:
    """Release folders in dist/, oldest version first."""
    found = (
        [
            p
            for p in dist.iterdir()
            if p.is_dir() and SEMVER.match(p.name) and (p / "datapackage.json").is_file()
        ]
        if dist.is_dir()
        else []
    )
    return sorted(found, key=lambda p: versioning.parse(p.name))


@dataclass(frozen=True)
class Plan:
    version: str
    part: str | None  # None for a first release
    reasons: tuple[str, ...]
    previous: Path | None
    change: ReleaseDiff | None
    date: str

    @property
    def entry(self) -> str:
        return versioning.changelog_entry(
            self.version, self.date, self.part or "", list(self.reasons), self.change
        )


def plan(project: Project, result, *, bump: str | None, date: dt.date) -> Plan:
    """What `release` would do; writes nothing in the project (the candidate is built in a temporary folder)."""
    existing = releases(project.dist_dir)
    if not existing:
        if bump:
            raise ReleaseError(
                f"there is no release in {project.dist_dir} to bump from: the first release is "
                f"the version in datapackage.json ({project.version}); run without --bump"
            )
        return Plan(project.version, None, (), None, None, date.isoformat())
    previous = existing[-1]
    scratch = Path(tempfile.mkdtemp(prefix="corpuspack-release-"))
    try:
        candidate = scratch / previous.name
        # The candidate gets the previous release's version and date, so only real changes differ.
        descriptor = {k: v for k, v in project.descriptor.items() if k != "created"}
        descriptor["version"] = previous.name
        released = json.loads((previous / "datapackage.json").read_text(encoding="utf-8")).get(
            "created"
        )
        if released:
            descriptor["created"] = released
        outcome = build(project, result, candidate, descriptor=descriptor)
        change = diff(previous, outcome.path)
        differing = [
            p
            for p in outcome.files
            if p != manifest.NAME
            and (
                not (previous / p).is_file()
                or (previous / p).read_bytes() != (candidate / p).read_bytes()
            )
        ]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    part, reasons = versioning.required(change)
    if part is None:
        if not differing:
            raise ReleaseError(
                f"nothing changed since release {previous.name}: no new release is needed"
            )
        part, reasons = "patch", _unchanged_rows_reasons(differing)
    if bump:
        if versioning.PARTS.index(bump) > versioning.PARTS.index(part):
            raise ReleaseError(
                f"the change calls for a {part} release ({'; '.join(reasons)}); --bump {bump} would "
                "understate it (see the versioning policy in the README)"
            )
        part = bump
    version = versioning.bump(previous.name, part)
    if (project.dist_dir / version).exists():
        raise ReleaseError(
            f"{project.dist_dir / version} already exists; releases are never rewritten"
        )
    return Plan(version, part, tuple(reasons), previous, change, date.isoformat())


def _unchanged_rows_reasons(differing: list[str]) -> list[str]:
    """Why a release whose rows and fields are unchanged differs: files encoded anew, or metadata."""
    encoded = [p for p in differing if p.endswith(".parquet")]
    others = [p for p in differing if not p.endswith(".parquet")]
    reasons = []
    if encoded:
        reasons.append(
            f"the same rows encoded anew ({len(encoded)} Parquet file(s) differ in their bytes, "
            "e.g. another compression or writer)"
        )
    if others:
        reasons.append(
            f"{'other files differ' if encoded else 'metadata changed'}: {', '.join(others)}"
        )
    return reasons


def cut(project: Project, result, release: Plan, *, commit: bool) -> tuple[Outcome, str | None]:
    """Write the version, the date and the CHANGELOG entry, commit them (if asked), build the release.

    Returns the outcome and the release commit. The release is first built in a temporary
    folder, so a problem with the data or its metadata stops everything before a file of the
    project is changed; if the commit fails, datapackage.json and CHANGELOG.md are restored.
    """
    descriptor = {
        **project.descriptor,
        "version": release.version,
        "created": f"{release.date}T00:00:00Z",
    }
    scratch = Path(tempfile.mkdtemp(prefix="corpuspack-release-"))
    try:
        build(project, result, scratch / release.version, descriptor=descriptor)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    source = manifest.source_of(project.root, project.schema_paths)
    if commit and source.commit is None:
        raise ReleaseError(
            f"{project.root} is not in a git repository (or git is missing), so there is nothing "
            "to commit the release to; use --no-commit"
        )
    if commit and source.uncommitted:
        raise ReleaseError(
            "commit or stash the changes to "
            + ", ".join(source.uncommitted[:5])
            + (" and more" if len(source.uncommitted) > 5 else "")
            + " first: a release must be rebuildable from a commit (or use --no-commit)"
        )
    descriptor_path, changelog_path = project.root / "datapackage.json", project.root / CHANGELOG
    saved = {
        path: path.read_bytes() if path.exists() else None
        for path in (descriptor_path, changelog_path)
    }
    descriptor_path.write_text(
        json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    previous = changelog_path.read_text(encoding="utf-8") if changelog_path.exists() else None
    changelog_path.write_text(
        versioning.add_to_changelog(previous, release.entry), encoding="utf-8"
    )
    made = _commit(project, release.version, saved) if commit else None
    reloaded = replace(project, descriptor=descriptor)
    outcome = build(reloaded, result, project.dist_dir / release.version, descriptor=descriptor)
    return outcome, made


def _commit(project: Project, version: str, saved: dict[Path, bytes | None]) -> str | None:
    """Commit datapackage.json and CHANGELOG.md as the release commit; returns its id.

    If git cannot, the two files are restored to their saved bytes (None: absent) first.
    """
    added = manifest.git(project.root, "add", "--", "datapackage.json", CHANGELOG)
    done = (
        added is not None
        and manifest.git(
            project.root,
            "commit",
            "--quiet",
            "--no-verify",
            "-m",
            f"Release {version}",
            "--",
            "datapackage.json",
            CHANGELOG,
        )
        is not None
    )
    if not done:
        for path, data in saved.items():
            if data is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(data)
        manifest.git(project.root, "reset", "--quiet", "--", "datapackage.json", CHANGELOG)
        raise ReleaseError(
            "git could not commit datapackage.json and CHANGELOG.md (is user.name and "
            "user.email set?); nothing was changed"
        )
    return (manifest.git(project.root, "rev-parse", "HEAD") or "").strip() or None
