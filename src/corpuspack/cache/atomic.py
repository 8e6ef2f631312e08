"""Writing a cache file whole or not at all: to a temporary name in its folder, then renamed into
place, so a build that stops midway (or one running beside it) never leaves a file half written."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pyarrow as pa


def write_atomically(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
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
