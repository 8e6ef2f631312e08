"""Temporary folders a run owns, and removing the ones of runs that died.

A run that is killed (kill -9, a power cut, an OOM kill) cannot remove its temporary
folders: spill files under $TMPDIR, a release's partial folder in dist/, verify's git
worktree. Each such folder is made here with an exclusive flock held on the folder itself
for as long as the run uses it; the kernel drops the lock when the process dies, however it
dies. The next run removes the folders of the same kind whose lock it can take: their owner
is gone. A live run's folder is never touched.

Hand-written rather than a library's: filelock and its kind lock a separate lock file
(itself a leftover after a kill -9) and know nothing of removing what the lock guarded; a
PID file can name a PID the system has since given to another process.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


class Owned:
    """A temporary folder this process holds the lock of until release() or remove()."""

    def __init__(self, path: Path, handle: int):
        self.path = path
        self._handle: int | None = handle

    def release(self) -> None:
        """Let go of the lock (the folder stays: it was renamed into place, say)."""
        if self._handle is not None:
            os.close(self._handle)
            self._handle = None

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self.release()


def _lock(path: Path) -> int | None:
    """An open handle on the folder holding its exclusive lock, or None if another process holds it
    (or the folder is gone, or is not a folder)."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(handle)
        return None
    return handle


# In the name of every folder made here: sweep() removes no other. A folder of the same kind
# made by an older corpuspack holds no lock, though its run may be alive.
MARK = "owned-"


def make(prefix: str, folder: Path | None = None, *, private: bool = True) -> Owned:
    """A new folder named prefix, MARK and a random part in folder (default $TMPDIR), locked by
    this process. private: drwx------ (spill files hold the corpus's text); else the umask's
    permissions, for a folder that becomes a release others read (tempfile.mkdtemp would make it
    drwx------ whatever the umask)."""
    where = Path(folder) if folder is not None else Path(tempfile.gettempdir())
    while True:
        path = where / f"{prefix}{MARK}{secrets.token_hex(8)}"
        try:
            path.mkdir(mode=0o700 if private else 0o777)  # exclusive: never an existing folder
        except FileExistsError:
            continue
        handle = _lock(path)
        # A sweep by another run can take the lock between mkdtemp and ours, and remove the
        # folder: then it has no links left, and another one is made.
        if handle is not None and os.fstat(handle).st_nlink > 0:
            return Owned(path, handle)
        if handle is not None:
            os.close(handle)


def sweep(folder: Path | None, matches: Callable[[str], bool]) -> list[Path]:
    """Remove the folders in folder (default $TMPDIR) made by make() whose names match and whose
    owner is gone; returns them."""
    where = Path(folder) if folder is not None else Path(tempfile.gettempdir())
    removed = []
    try:
        with os.scandir(where) as entries:
            names = [
                e.name
                for e in entries
                if MARK in e.name and matches(e.name) and e.is_dir(follow_symlinks=False)
            ]
    except OSError:
        return []
    for name in sorted(names):
        path = where / name
        handle = _lock(path)
        if handle is None:
            continue  # a live run's, or gone
        try:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        finally:
            os.close(handle)
    return removed


def fsync_tree(folder: Path) -> None:
    """Every file and folder under folder (and folder) on disk, before folder is renamed into place:
    a rename that a power cut keeps must not reveal files whose bytes it lost."""
    folders = [folder]
    for path in folder.rglob("*"):
        if path.is_symlink():
            continue
        if path.is_dir():
            folders.append(path)
        elif path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    for path in folders:
        fsync_folder(path)


def fsync_folder(folder: Path) -> None:
    """A folder's entries (a rename or a new file in it) on disk."""
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with contextlib.suppress(OSError):  # some file systems cannot fsync a folder
            os.fsync(handle)
    finally:
        os.close(handle)
