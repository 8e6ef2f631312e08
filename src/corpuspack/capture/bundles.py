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
so it is never held in memory whole. Problems with a line, and every finding about a
capture from it, name the bundle and the line.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import zstandard

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


def _lines(path: Path) -> Iterator[bytes]:
    """The bundle's lines, decompressed as a stream; a truncated compressed file raises EOFError."""
    with open(path, "rb") as raw:
        if path.name.endswith(".gz"):
            with gzip.GzipFile(fileobj=raw) as stream:  # raises EOFError itself when cut short
                yield from stream
        elif path.name.endswith(".zst"):
            yield from _split(_zstd_chunks(raw))
        else:
            yield from raw


def _zstd_chunks(raw: BinaryIO) -> Iterator[bytes]:
    """Decompressed chunks of every frame. zstandard's stream_reader ends quietly at a frame cut
    short, so the frames are followed here, and a file that ends inside one is an error."""
    decompressor = zstandard.ZstdDecompressor()
    frame = decompressor.decompressobj()
    started = False
    while chunk := raw.read(1 << 20):
        while chunk:
            started = True
            yield frame.decompress(chunk)
            chunk = b""
            if frame.eof:
                chunk, frame, started = frame.unused_data, decompressor.decompressobj(), False
    if started:
        raise EOFError("the file ends inside a zstd frame (is it complete?)")


def _split(chunks: Iterator[bytes]) -> Iterator[bytes]:
    pending = b""
    for chunk in chunks:
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield line + b"\n"
    if pending:
        yield pending


@dataclass(frozen=True)
class _Entry:
    """A capture as one line of a bundle holds it."""

    name: str
    text: bytes
    sidecar: bytes | None


def _entry(
    line: bytes, number: int, names: dict[str, int], max_bytes: int
) -> _Entry | tuple[str, str]:
    """The capture on a line of a bundle, or (code, message) saying why the line holds none.

    names (capture name -> line) is the bundle's so far; a capture taken from the line joins it.
    """
    if len(line) > max_bytes:
        return (
            "file-too-large",
            f"line {number} is {len(line):,} bytes, over the "
            f'limit of {max_bytes:,} for one capture; raise "max_file_bytes"',
        )
    try:
        record = json.loads(line)
    except ValueError as exc:  # UnicodeDecodeError is a ValueError too
        return "invalid-jsonl", f"not a JSON object: {exc}; a bundle holds one JSON object per line"
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
    path: Path, shown: str, max_bytes: int
) -> Iterator[tuple[Member | None, bytes | None, bytes | None, list[Finding]]]:
    """(member, capture bytes, sidecar bytes, findings) per line; member is None for a line that is unusable."""
    names: dict[str, int] = {}
    number = 0
    try:
        for number, line in enumerate(_lines(path), start=1):
            if not line.strip():
                continue
            entry = _entry(line, number, names, max_bytes)
            if isinstance(entry, _Entry):
                yield Member(shown, number, entry.name), entry.text, entry.sidecar, []
            else:
                code, message = entry
                yield None, None, None, [error(shown, code, message, line=number)]
    except (OSError, EOFError, zstandard.ZstdError) as exc:
        yield (
            None,
            None,
            None,
            [
                error(
                    shown,
                    "unreadable-bundle",
                    f"cannot read past line {number}: {exc}; check "
                    "the file is complete and compressed as its name says",
                )
            ],
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
