"""Cutting a release: the bump the change calls for, datapackage.json and CHANGELOG.md, the release commit.

`corpuspack release` compares what the corpus would release now with the newest
release in dist/, picks the bump under the versioning policy (versioning.py), writes
the new version and release date into datapackage.json and an entry into
CHANGELOG.md, commits those two files in a git repository (so the release can be
rebuilt from that commit), and builds dist/<new version>/: a transaction (journal.py).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from pathlib import Path

from corpuspack import faults, leftovers
from corpuspack.project.datapackage import SEMVER, Project
from corpuspack.release import journal, manifest, versioning
from corpuspack.release.diff import ReleaseDiff, diff
from corpuspack.release.manifest import Source
from corpuspack.release.writer import Outcome, ReleaseError, write_release

CHANGELOG = journal.CHANGELOG
SCRATCH = "corpuspack-release-"  # the candidate release's folder under $TMPDIR


class RawChanged(ReleaseError):
    """raw/ changed while the build ran (findings: raw-changed-during-build): nothing was written."""

    def __init__(self, findings: list):
        self.findings = findings
        names = [f.file for f in findings]
        super().__init__(
            "raw/ changed while the build ran: "
            + ", ".join(names[:5])
            + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            + "; nothing was written: run the build again"
        )


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
    walk = result.walk_raw() if source is None and hasattr(result, "walk_raw") else None
    if source is None:
        listed = walk.listed if walk is not None else None
        source = manifest.source_of(project.root, project.schema_paths, digests, extensions, listed)
    changed = result.raw_changes(walk) if walk is not None else []
    if changed:  # the manifest would not describe what the release was made from
        raise RawChanged(changed)
    outcome = write_release(
        descriptor or project.descriptor,
        project.settings,
        result.schema,
        result.store,
        target,
        result.quotes_schema,
        result.vocabulary,
        source,
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
    leftovers.sweep(None, lambda name: name.startswith(SCRATCH))
    scratch = leftovers.make(SCRATCH)
    try:
        candidate = scratch.path / previous.name
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
        scratch.remove()
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
    """Write the release, then the version, the date and the CHANGELOG entry, commit them (if
    asked), and put the release in place: all of it, or (on any failure) none of it.

    Call it under journal.locked(project.root), after journal.recover (api.release does).
    Returns the outcome and the release commit. The steps and what a kill between them
    leaves are in journal.py.
    """
    descriptor = {
        **project.descriptor,
        "version": release.version,
        "created": f"{release.date}T00:00:00Z",
    }
    changelog = _changelog(project.root / CHANGELOG)
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
    dist = project.dist_dir
    dist.mkdir(parents=True, exist_ok=True)
    leftovers.sweep(dist, journal.is_pending)  # of releases killed before they could remove them
    pending = leftovers.make(f".{release.version}{journal.PENDING}", dist)
    texts = {
        "datapackage.json": json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n",
        CHANGELOG: versioning.add_to_changelog(changelog, release.entry),
    }
    try:
        partial = pending.path / release.version
        record = journal.begin(project.root, dist, release.version, partial, commit)
        try:
            journal.write_project_files(project.root, texts)
            made = _commit(project.root, release.version) if commit else None
            faults.point("release-committed")
            # Built after the commit, so its manifest names the commit it can be rebuilt from.
            outcome = build(
                replace(project, descriptor=descriptor), result, partial, descriptor=descriptor
            )
            record.built(dist)
            faults.point("release-built")
            journal.finish(record, dist)
        except BaseException as exc:  # a failure or Ctrl-C: the project as it was
            if (dist / release.version).exists():  # in place: complete, but for the journal
                if isinstance(exc, OSError):
                    raise ReleaseError(
                        f"release {release.version} is written, but {exc}; run `corpuspack "
                        "release` again to finish it"
                    ) from exc
                raise
            journal.rollback(record, project.root, dist)
            if isinstance(exc, OSError):
                raise ReleaseError(
                    f"could not write the release: {exc}; nothing was changed"
                ) from exc
            raise
    finally:
        pending.remove()
    return replace(outcome, path=dist / release.version), made


def _changelog(path: Path) -> str | None:
    """CHANGELOG.md's text, checked before anything is written."""
    try:
        return path.read_text(encoding="utf-8") if path.exists() else None
    except UnicodeDecodeError as exc:
        raise ReleaseError(
            f"{path}: not UTF-8 (byte {exc.start}); re-save it as UTF-8 and release again "
            "(nothing was changed)"
        ) from exc
    except OSError as exc:
        raise ReleaseError(f"{path}: cannot read it: {exc}; nothing was changed") from exc


def _commit(root: Path, version: str) -> str:
    """Commit datapackage.json and CHANGELOG.md as the release commit; returns its id."""
    added = manifest.git(root, "add", "--", *journal.PROJECT_FILES)
    done = (
        added is not None
        and manifest.git(
            root,
            "commit",
            "--quiet",
            "--no-verify",
            "-m",
            f"Release {version}",
            "--",
            *journal.PROJECT_FILES,
        )
        is not None
    )
    if not done:
        raise ReleaseError(
            "git could not commit datapackage.json and CHANGELOG.md (is user.name and "
            "user.email set?); nothing was changed"
        )
    return (manifest.git(root, "rev-parse", "HEAD") or "").strip()
