"""Captures that come many to a file: JSONL bundles, optionally gzip- or zstd-compressed.

A bundle sits in an outlet's folder like a capture, named *.jsonl, *.jsonl.gz or
*.jsonl.zst, and holds one capture per line:

    {"name": "001_leaders_meet.txt", "text": "<the capture, as it would be in the file>",
     "meta": {"published": {"value": "2024-05-16", "note": "..."}}}

`name` is the file name the capture would have on its own (portable, ending in .txt)
and `meta` (optional) is what its sidecar would hold. Each capture's path is the
bundle's path and its name, e.g. raw/tass/2024-05.jsonl.zst/001_leaders_meet.txt:
that path is the capture's raw_path and the source of its id, so reordering or
re-compressing a bundle changes nothing. A bundle is read as a stream, line by line,
so it is never held in memory whole, and its file's bytes (compressed, as they are stored) are
hashed as they are read, so the manifest's hash of raw/ is that of the bytes the build read, and a line longer than max_file_bytes is counted as
it streams past, never held (a compression bomb costs time, not memory). Problems with a line, and every finding about a
capture from it, name the bundle and the line.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import zstandard

from corpuspack.capture.files import open_regular
from corpuspack.capture.names import CAPTURE_SUFFIX, SIDECAR_SUFFIX
from corpuspack.findings.report import Finding, error

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.txt")


@dataclass(frozen=True)
class Member:
    """Where a capture from a bundle came from."""

    bundle: str  # the bundle's project-relative path
    line: int
    name: str

    @property
    def shown(self) -> str:
        return f"{self.bundle}/{self.name}"

    @property
    def sidecar_shown(self) -> str:
        return f"{self.shown.removesuffix(CAPTURE_SUFFIX)}{SIDECAR_SUFFIX}"


READ = 1 << 20  # bytes read from the file at a time
# Compressed bytes handed to zstd at a time. zstd's decompressobj returns all it can make of its
# input at once, and a frame can expand about 32,768 times (a 128 KB file to a 4 GiB line): 256
# bytes at a time keep what a call makes under 8 MiB, and cost nothing measurable.
ZSTD_STEP = 256


# Told of a file read whole: its path, its status as opened and the SHA-256 of the bytes read.
Seen = Callable[[str | Path, os.stat_result, bytes], None]


class _Hashing:
    """A file read through it is hashed as it is read (by gzip, zstd or the line splitter alike).

    Written by hand: hashlib hashes bytes given to it, and no library tees a reader into it."""

    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        return data

    def rest(self) -> bytes:
        """The digest of every byte of the file, those not read yet read now (a bundle whose reading
        stopped at a broken line is hashed whole, as tree_sha256 would)."""
        while self.read(READ):
            pass
        return self.digest.digest()


def _lines(raw: _Hashing, name: str, max_bytes: int) -> Iterator[bytes | int]:
    """The bundle's lines, decompressed as a stream (see _split); a truncated compressed file
    raises EOFError."""
    if name.endswith(".gz"):
        # (gzip raises EOFError itself when the file is cut short)
        with gzip.GzipFile(fileobj=raw) as stream:  # type: ignore[call-overload]
            yield from _split(iter(lambda: stream.read(READ), b""), max_bytes)
    elif name.endswith(".zst"):
        yield from _split(_zstd_chunks(raw), max_bytes)
    else:
        yield from _split(iter(lambda: raw.read(READ), b""), max_bytes)


def _zstd_chunks(raw: _Hashing) -> Iterator[bytes]:
    """Decompressed chunks of every frame. zstandard's stream_reader ends quietly at a frame cut
    short, so the frames are followed here, and a file that ends inside one is an error."""
    decompressor = zstandard.ZstdDecompressor()
    frame = decompressor.decompressobj()
    started = False
    while block := raw.read(READ):
        for at in range(0, len(block), ZSTD_STEP):
            chunk = block[at : at + ZSTD_STEP]
            while chunk:
                started = True
                yield frame.decompress(chunk)
                chunk = b""
                if frame.eof:
                    chunk, frame, started = frame.unused_data, decompressor.decompressobj(), False
    if started:
        raise EOFError("the file ends inside a zstd frame (is it complete?)")


def _split(chunks: Iterator[bytes], max_bytes: int) -> Iterator[bytes | int]:
    """The lines of a stream of chunks, each with its newline; a line over max_bytes comes as its
    length (an int) instead: it is counted as it streams past, never held whole."""
    pending = bytearray()
    over: int | None = None  # the length so far of a line over max_bytes
    for chunk in chunks:
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            size = end + 1 - start
            if over is not None:
                yield over + size
                over = None
            elif len(pending) + size > max_bytes:
                yield len(pending) + size
                pending.clear()
            else:
                pending += chunk[start : end + 1]
                yield bytes(pending)
                pending.clear()
            start = end + 1
        rest = len(chunk) - start
        if over is not None:
            over += rest
        elif len(pending) + rest > max_bytes:
            over = len(pending) + rest
            pending.clear()
        else:
            pending += chunk[start:]
        del chunk  # before the next is made: a decompressed chunk can be megabytes
    if over is not None:
        yield over
    elif pending:
        yield bytes(pending)


@dataclass(frozen=True)
class _Entry:
    """A capture as one line of a bundle holds it."""

    name: str
    text: bytes
    sidecar: bytes | None


def _entry(
    line: bytes | int, number: int, names: dict[str, int], max_bytes: int
) -> _Entry | tuple[str, str]:
    """The capture on a line of a bundle (or the length of a line over max_bytes, see _split), or
    (code, message) saying why the line holds none.

    names (capture name -> line) is the bundle's so far; a capture taken from the line joins it.
    """
    if isinstance(line, int):
        return (
            "file-too-large",
            f"line {number} is {line:,} bytes, over the "
            f'limit of {max_bytes:,} for one capture; raise "max_file_bytes"',
        )
    try:
        record = json.loads(line)
    except ValueError as exc:  # UnicodeDecodeError is a ValueError too
        return "invalid-jsonl", f"not a JSON object: {exc}; a bundle holds one JSON object per line"
    except RecursionError:  # the decoder's own guard, before the stack runs out
        return "invalid-jsonl", "nested too deeply to be a capture object"
    if not isinstance(record, dict):
        return (
            "invalid-jsonl",
            "not a JSON object; a bundle holds one JSON "
            'object per line, {"name": ..., "text": ..., "meta": ...}',
        )
    problem = _record_problem(record, names)
    if problem is not None:
        return problem
    name, meta = record["name"], record.get("meta")
    names[name] = number
    return _Entry(
        name=name,
        text=record["text"].encode("utf-8", "surrogatepass"),
        sidecar=json.dumps(meta, ensure_ascii=False).encode() if meta is not None else None,
    )


def _record_problem(record: dict, names: dict[str, int]) -> tuple[str, str] | None:
    unknown = sorted(set(record) - {"name", "text", "meta"})
    name, text, meta = record.get("name"), record.get("text"), record.get("meta")
    if unknown:
        return (
            "invalid-jsonl",
            f"unknown key(s) {', '.join(unknown)}; the keys are name, text and meta",
        )
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return (
            "invalid-jsonl",
            f'"name" must be a portable file name ending in .txt (letters, '
            f"digits, '.', '_', '-'), not {name!r}",
        )
    if not isinstance(text, str):
        return "invalid-jsonl", f'"text" must be the capture\'s text as a string ({name})'
    if meta is not None and not isinstance(meta, dict):
        return "invalid-jsonl", f'"meta" must be an object, as a sidecar holds ({name})'
    if name in names:
        return (
            "duplicate-capture",
            f"{name} is also on line {names[name]}; each capture's name must be unique in its bundle",
        )
    return None


def read(
    path: Path, shown: str, max_bytes: int, seen: Seen | None = None
) -> Iterator[tuple[Member | None, bytes | None, bytes | None, list[Finding]]]:
    """(member, capture bytes, sidecar bytes, findings) per line; member is None for a line that is
    unusable. seen, if given, is told of the bundle once read whole (its path, status as opened and
    the SHA-256 of the bytes read): the manifest hashes raw/ from it, not from a later read."""
    names: dict[str, int] = {}
    number = 0
    try:
        with open_regular(path) as (handle, status):
            raw = _Hashing(handle)
            try:
                for number, line in enumerate(_lines(raw, path.name, max_bytes), start=1):
                    if isinstance(line, bytes) and not line.strip():
                        continue
                    entry = _entry(line, number, names, max_bytes)
                    if isinstance(entry, _Entry):
                        yield Member(shown, number, entry.name), entry.text, entry.sidecar, []
                    else:
                        code, message = entry
                        yield None, None, None, [error(shown, code, message, line=number)]
            except (OSError, EOFError, zstandard.ZstdError) as exc:  # (gzip's errors are OSErrors)
                yield None, None, None, [_unreadable(shown, number, exc)]
            if seen is not None:
                seen(path, status, raw.rest())
    except OSError as exc:  # not opened (NotRegular: a link or FIFO swapped in since raw/ was
        # listed), or not readable to its end: told once (findings are shown once per file)
        yield None, None, None, [_unreadable(shown, number, exc)]


def _unreadable(shown: str, number: int, exc: Exception) -> Finding:
    return error(
        shown,
        "unreadable-bundle",
        f"cannot read past line {number}: {exc}; check "
        "the file is complete and compressed as its name says",
    )


def relocate(findings: list[Finding], members: dict[str, tuple[str, int]]) -> list[Finding]:
    """Findings about captures from bundles (members: capture path -> (bundle, line)), told against the bundle's line."""
    moved = []
    for finding in findings:
        key, part = finding.file, "text"
        if key not in members and key.endswith(SIDECAR_SUFFIX):
            key, part = key.removesuffix(SIDECAR_SUFFIX) + CAPTURE_SUFFIX, "meta"
        if key not in members:
            moved.append(finding)
            continue
        bundle, line = members[key]
        where = f"{key.rsplit('/', 1)[-1]} ({part}" + (
            f", line {finding.line})" if finding.line else ")"
        )
        # Advice written for a capture file; in a bundle the capture is one line.
        message = finding.message.replace("or delete the file", "or drop its line from the bundle")
        moved.append(replace(finding, file=bundle, line=line, message=f"{where}: {message}"))
    return moved
