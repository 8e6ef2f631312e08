"""Opening a file of raw/: only a regular file is opened, never through a link, never waiting.

A FIFO named like a capture would block a read forever, a device could be endless or act on being
opened, a socket cannot be read: none is opened. A file is looked at with lstat first, opened with
O_NOFOLLOW (a link swapped in since is refused) and O_NONBLOCK (a FIFO swapped in since does not
wait for a writer), and looked at again with fstat before a byte is read.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class NotRegular(OSError):
    """A FIFO, socket, device or link where a regular file was expected; it was not read."""


def kind(mode: int) -> str:
    """What a file that is not regular is, for a message."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def _check(path: str | Path, mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise NotRegular(errno.EINVAL, f"{kind(mode)}, not a regular file", str(path))


@contextmanager
def open_regular(path: str | Path) -> Iterator[tuple[io.BufferedReader, os.stat_result]]:
    """The file open for reading, and its status (fstat); NotRegular if it is not a regular file."""
    _check(path, os.lstat(path).st_mode)
    handle = os.open(path, _FLAGS)
    try:
        status = os.fstat(handle)
        _check(path, status.st_mode)
        reader = open(handle, "rb")  # (the descriptor, as a buffered file)
    except BaseException:
        os.close(handle)
        raise
    with reader:
        yield reader, status


def read_regular(path: str | Path, limit: int) -> tuple[bytes | None, int, os.stat_result]:
    """(the bytes, their length, its status as opened) of a regular file, or (None, its size, ...)
    if it is over limit bytes (read no further than limit + 1, should it grow while it is read)."""
    with open_regular(path) as (reader, status):
        if status.st_size > limit:
            return None, status.st_size, status
        data = reader.read(limit + 1)
    return (data, len(data), status) if len(data) <= limit else (None, len(data), status)
