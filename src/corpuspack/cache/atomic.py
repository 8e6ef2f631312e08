"""Writing a cache file whole or not at all: to a temporary name in its folder, then renamed into
place, so a build that stops midway (or one running beside it) never leaves a file half written.
The temporary name carries this process's pid, so a next run removes it if this one was killed
(integrity.sweep)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pyarrow as pa

from corpuspack.cache.integrity import Hashing, temporary_name, unsealed


def write_atomically(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not tempfile.mkstemp, which makes the file rw------- whatever the umask: a cache shared by a
    # team follows the umask, as every file the build writes does. O_EXCL: never an existing file.
    temporary = path.parent / temporary_name(secrets.token_hex(8))
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_table(path: Path, table: pa.Table) -> None:
    """A table as an Arrow IPC file followed by its digest (integrity.seal), atomically."""

    def write(out: IO[bytes]) -> None:
        sink = Hashing(out)
        with pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        sink.sealed()

    write_atomically(path, write)


def read_table(path: Path) -> pa.Table:
    """A table written by write_table (or FileIndex.save). Raises Damaged if its bytes are not
    those written, OSError if it cannot be read."""
    body = unsealed(path.read_bytes())
    if body is None:
        raise Damaged(path)
    try:
        return pa.ipc.open_file(pa.BufferReader(pa.py_buffer(body))).read_all()
    except pa.ArrowException as exc:  # (the digest matched: written so by another program)
        raise Damaged(path) from exc


class Damaged(Exception):
    """A cache file is not what the cache wrote."""
