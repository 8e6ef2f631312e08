"""`release` as a transaction: a lock against a concurrent release, and a journal that lets the
next release finish or roll back what a killed one left.

A release changes four things: dist/<version>/, datapackage.json, CHANGELOG.md and (with
--commit) the git history. It is done in this order (release/cut.py):

1. the journal, dist/.release-journal.json, records the version, the partial folder the
   release will be written to, the bytes datapackage.json and CHANGELOG.md had and git's
   HEAD ("prepared");
2. datapackage.json and CHANGELOG.md are written and committed;
3. the release is written, fsynced, into the partial folder (after the commit, so that its
   manifest names the commit it can be rebuilt from);
4. the journal says "built"; the partial folder is renamed to dist/<version>/;
5. the journal is removed.

A failure before the rename rolls back at once (the two files get their old bytes, the
commit is undone, the partial folder removed). A kill leaves the journal, and the next
`release` (under the lock) finishes a release that was built (the rename is all that is
left) or rolls back one that was not. Either way there is one commit and one CHANGELOG
entry per version, and no dist/<version>/ without them.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from corpuspack import faults, leftovers
from corpuspack.release import manifest
from corpuspack.release.writer import ReleaseError

NAME = ".release-journal.json"
CHANGELOG = "CHANGELOG.md"
PROJECT_FILES = ("datapackage.json", CHANGELOG)
PENDING = ".pending-"  # a release's folder in dist/ while it is made: .<version>.pending-<random>


def is_pending(name: str) -> bool:
    return name.startswith(".") and PENDING in name


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the project's release lock: an flock on the project folder itself, so it leaves no
    file behind and the kernel drops it when the process dies, however it dies."""
    handle = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise ReleaseError(
                f"another `corpuspack release` is running in {root}; wait for it to finish and "
                "run release again (nothing was changed)"
            ) from exc
        yield
    finally:
        os.close(handle)


@dataclass(frozen=True)
class Journal:
    version: str
    partial: str  # the partial folder's name in dist/
    saved: dict[str, str | None]  # project file -> its bytes before, base64 (None: absent)
    head: str | None  # git's HEAD before, when the release is committed
    phase: str = "prepared"  # then "built"

    def write(self, dist: Path) -> None:
        """Atomically and durably: the journal is what a kill leaves to go by."""
        temporary = dist / f"{NAME}.tmp"
        try:
            with open(temporary, "w", encoding="utf-8") as out:
                json.dump(asdict(self), out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, dist / NAME)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        leftovers.fsync_folder(dist)

    @classmethod
    def read(cls, dist: Path) -> Journal | None:
        path = dist / NAME
        if not path.is_file():
            return None
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            raise ReleaseError(
                f"{path}: a journal of an interrupted release that cannot be read ({exc}); "
                f"restore {' and '.join(PROJECT_FILES)} from git, remove the file and release again"
            ) from exc

    def built(self, dist: Path) -> None:
        """The release is complete in its partial folder: from here on a kill is finished, not undone."""
        replace(self, phase="built").write(dist)


def begin(root: Path, dist: Path, version: str, partial: Path, commit: bool) -> Journal:
    """Record what is about to change, before anything in the project is written."""
    saved = {}
    for name in PROJECT_FILES:
        path = root / name
        saved[name] = base64.b64encode(path.read_bytes()).decode() if path.exists() else None
    head = manifest.git(root, "rev-parse", "--verify", "--quiet", "HEAD") if commit else None
    journal = Journal(
        version, partial.relative_to(dist).as_posix(), saved, head.strip() if head else None
    )
    journal.write(dist)
    faults.point("release-journal")
    return journal


def finish(journal: Journal, dist: Path) -> None:
    """The last step: the partial folder renamed into place, the journal removed."""
    target = dist / journal.version
    partial = dist / journal.partial
    if not target.exists():
        os.rename(partial, target)
        leftovers.fsync_folder(dist)
    faults.point("release-renamed")
    (dist / NAME).unlink(missing_ok=True)
    leftovers.fsync_folder(dist)


def rollback(journal: Journal, root: Path, dist: Path) -> None:
    """Put the project back as it was before the release: its files, git's HEAD and index."""
    if journal.head is not None:
        _undo_commit(journal, root)
    for name, data in journal.saved.items():
        path = root / name
        if data is None:
            path.unlink(missing_ok=True)
        else:
            _write_durably(path, base64.b64decode(data))
    shutil.rmtree(dist / journal.partial, ignore_errors=True)
    (dist / NAME).unlink(missing_ok=True)
    leftovers.fsync_folder(dist)


def _undo_commit(journal: Journal, root: Path) -> None:
    """Undo the release commit if it was made (and is still HEAD), and unstage the two files."""
    head = (manifest.git(root, "rev-parse", "--verify", "--quiet", "HEAD") or "").strip()
    if head and head != journal.head:
        subject = (manifest.git(root, "log", "-1", "--format=%s") or "").strip()
        parent = (manifest.git(root, "rev-parse", "--verify", "--quiet", "HEAD^") or "").strip()
        if subject != f"Release {journal.version}" or parent != journal.head:
            raise ReleaseError(
                f"an interrupted release of {journal.version} cannot be rolled back: git's HEAD "
                f"moved from {journal.head} to {head} since; remove {root / 'dist' / NAME} once "
                "datapackage.json and CHANGELOG.md are as they should be"
            )
        manifest.git(root, "reset", "--quiet", "--soft", journal.head)
    manifest.git(root, "reset", "--quiet", "--", *PROJECT_FILES)


def _write_durably(path: Path, data: bytes) -> None:
    with open(path, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


@dataclass(frozen=True)
class Recovery:
    version: str
    finished: bool  # else rolled back

    @property
    def message(self) -> str:
        if self.finished:
            return f"finished release {self.version}, which an interrupted release had built"
        return f"rolled back release {self.version}, which an interrupted release had begun"


def recover(root: Path, dist: Path) -> Recovery | None:
    """Finish or roll back the release a killed run left, if any (under the lock)."""
    journal = Journal.read(dist)
    if journal is None:
        return None
    finished = (dist / journal.version).exists() or (
        journal.phase == "built" and (dist / journal.partial).is_dir()
    )
    if finished:
        finish(journal, dist)
    else:
        rollback(journal, root, dist)
    leftovers.sweep(dist, is_pending)  # the killed run's, now empty or half made
    return Recovery(journal.version, finished)


def write_project_files(root: Path, texts: dict[str, str]) -> None:
    """datapackage.json and CHANGELOG.md with the release's version and entry (journal begun)."""
    for name, point in zip(PROJECT_FILES, ("release-descriptor", "release-changelog"), strict=True):
        _write_durably(root / name, texts[name].encode("utf-8"))
        faults.point(point)
