"""What makes the cache checked, not trusted: the digests its files carry, the warning a damaged
one gives, and the temporary files of runs that died.

Every file the cache keeps carries a digest that is checked when the file is used: a pack's
record batches (each batch's digest in its keys file), the file index (a digest after its
bytes), a release file (its SHA-256 in its entry's sizes.json). What does not match is a cache
miss: computed again, with a warning naming the file, never output.

The packs' and the file index's digests are XXH3-128, not SHA-256: they guard against damage
(a disk, a copy cut short, a hand edit), not against someone who can write the cache folder
(who could write the digest too), and at about 10 GB/s they cost a warm rebuild almost
nothing, where SHA-256 read every batch at about 0.5 GB/s. A release file's is SHA-256
because that is the digest its release lists.

A temporary file or folder in the cache is named .tmp-<pid>-..., the pid of the process
writing it, so a later run can tell one whose writer is gone (killed midway) from one being
written right now, and removes only the first.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow as pa
import xxhash

from corpuspack.findings.report import Finding, warning

TEMPORARY = ".tmp-"
_DIGEST_BYTES = 16


def batch_digest(batch: pa.RecordBatch) -> str:
    """A record batch's digest, of its rows as Arrow IPC encodes them: the same for the batch
    written (a slice of a larger table) and the batch read back, whatever their buffers' offsets."""
    return xxhash.xxh3_128_hexdigest(batch.serialize())


def seal(data: bytes) -> bytes:
    """The digest written after a file's bytes (see unsealed)."""
    return xxhash.xxh3_128_digest(data)


def unsealed(data: bytes) -> memoryview | None:
    """The bytes of a file written with seal()'s digest after them, or None if they do not match it."""
    if len(data) < _DIGEST_BYTES:
        return None
    view = memoryview(data)
    body, tail = view[:-_DIGEST_BYTES], view[-_DIGEST_BYTES:]
    return body if xxhash.xxh3_128_digest(body) == tail.tobytes() else None


class Hashing:
    """A binary file being written, and the digest of what has been written to it (for seal())."""

    def __init__(self, out):
        self.out = out
        self.digest = xxhash.xxh3_128()
        self.closed = False

    def write(self, data) -> int:
        self.digest.update(data)
        return self.out.write(data)

    def flush(self) -> None:
        self.out.flush()

    def close(self) -> None:  # (the file is the caller's to close)
        self.closed = True

    def sealed(self) -> None:
        """Write the digest of everything written after it."""
        self.out.write(self.digest.digest())


def damaged(path: Path | str, what: str) -> Finding:
    """The warning about a cache file that is not what was written: it was not used."""
    return warning(
        str(path),
        "damaged-cache-file",
        f"this {what} of the cache does not match the digest recorded when it was written, so it "
        "was not used: what it held was computed again. The cache repairs itself; if this recurs, "
        "check the disk the cache is on, or delete the cache folder",
    )


def not_written(folder: Path, why: str) -> Finding:
    """The warning about a cache that could not be written (a full disk, say): the build went on."""
    return warning(
        str(folder),
        "cache-not-written",
        f"the cache could not be written ({why}), so some of this build's results were not kept "
        "in it; the build and its release are not affected. Free some room, or pick another "
        "--cache folder",
    )


def temporary_name(stem: str) -> str:
    """The name of a temporary file or folder this process writes: .tmp-<pid>-<stem>."""
    return f"{TEMPORARY}{os.getpid()}-{stem}"


def _owner_gone(name: str) -> bool:
    """Whether the process that named a temporary file (temporary_name) is gone. A name with no
    pid is left alone: it is not ours."""
    pid = name[len(TEMPORARY) :].split("-", 1)[0]
    if not pid.isdigit() or int(pid) <= 0:
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: alive, another user's
        return False
    return False


def sweep(folder: Path) -> int:
    """Remove the temporary files and folders of dead processes under folder (not following links);
    how many were removed. Those of live processes (a build running beside this one) stay."""
    removed = 0
    stack = [folder]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                found = list(entries)
        except OSError:
            continue
        for entry in found:
            if entry.name.startswith(TEMPORARY):
                if _owner_gone(entry.name):
                    _remove(entry)
                    removed += 1
            elif entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
    return removed


def _remove(entry: os.DirEntry) -> None:
    try:
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            os.unlink(entry.path)
    except OSError:
        pass  # gone already (another run swept it), or not ours to remove
