"""Writing a cache file whole or not at all: to a temporary name in its folder, then renamed into
place, so a build that stops midway (or one running beside it) never leaves a file half written."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pyarrow as pa


def write_atomically(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not tempfile.mkstemp, which makes the file rw------- whatever the umask: a cache shared by a
    # team follows the umask, as every file the build writes does. O_EXCL: never an existing file.
    temporary = path.parent / f".tmp-{secrets.token_hex(8)}"
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_table(path: Path, table: pa.Table) -> None:
    """A table as an Arrow IPC file, atomically."""

    def write(sink: IO[bytes]) -> None:
        with pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)

    write_atomically(path, write)
