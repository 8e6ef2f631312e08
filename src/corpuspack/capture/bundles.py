"""Captures that come many to a file: JSONL shards, optionally gzip- or zstd-compressed.

A shard sits in an outlet's folder like a capture, named *.jsonl, *.jsonl.gz or
*.jsonl.zst, and holds one capture per line:

    {"name": "001_leaders_meet.txt", "text": "<the capture, as it would be in the file>",
     "meta": {"published": {"value": "2024-05-16", "note": "..."}}}

`name` is the file name the capture would have on its own (portable, ending in .txt)
and `meta` (optional) is what its sidecar would hold. Each capture's path is the
shard's path and its name, e.g. raw/tass/2024-05.jsonl.zst/001_leaders_meet.txt:
that path is the capture's raw_path and the source of its id, so reordering or
re-compressing a shard changes nothing. A shard is read as a stream, line by line,
so it is never held in memory whole. Problems with a line, and every finding about a
capture from it, name the shard and the line.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import zstandard

from corpuspack.findings.report import Finding, error

SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.txt")


@dataclass(frozen=True)
class Member:
    """Where a capture from a shard came from."""

    shard: str  # the shard's project-relative path
    line: int
    name: str

    @property
    def shown(self) -> str:
        return f"{self.shard}/{self.name}"

    @property
    def sidecar_shown(self) -> str:
        return f"{self.shown.removesuffix('.txt')}.meta.yaml"


def _lines(path: Path) -> Iterator[bytes]:
    """The shard's lines, decompressed as a stream; a truncated compressed file raises EOFError."""
    with open(path, "rb") as raw:
        if path.name.endswith(".gz"):
            with gzip.GzipFile(fileobj=raw) as stream:  # raises EOFError itself when cut short
                yield from stream
        elif path.name.endswith(".zst"):
            yield from _split(_zstd_chunks(raw))
        else:
            yield from raw


def _zstd_chunks(raw) -> Iterator[bytes]:
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

            def problem(code: str, message: str) -> Finding:
                return error(shown, code, message, line=number)

            if len(line) > max_bytes:
                yield (
                    None,
                    None,
                    None,
                    [
                        problem(
                            "file-too-large",
                            f"line {number} is {len(line):,} bytes, over the "
                            f'limit of {max_bytes:,} for one capture; raise "max_file_bytes"',
                        )
                    ],
                )
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:  # UnicodeDecodeError is a ValueError too
                yield (
                    None,
                    None,
                    None,
                    [
                        problem(
                            "invalid-jsonl",
                            f"not a JSON object: {exc}; a shard holds one JSON object per line",
                        )
                    ],
                )
                continue
            if not isinstance(record, dict):
                yield (
                    None,
                    None,
                    None,
                    [
                        problem(
                            "invalid-jsonl",
                            "not a JSON object; a shard holds one JSON "
                            'object per line, {"name": ..., "text": ..., "meta": ...}',
                        )
                    ],
                )
                continue
            unknown = sorted(set(record) - {"name", "text", "meta"})
            name, text, meta = record.get("name"), record.get("text"), record.get("meta")
            if unknown:
                found = [
                    problem(
                        "invalid-jsonl",
                        f"unknown key(s) {', '.join(unknown)}; the keys are name, text and meta",
                    )
                ]
            elif not isinstance(name, str) or not _NAME.fullmatch(name):
                found = [
                    problem(
                        "invalid-jsonl",
                        f'"name" must be a portable file name ending in .txt (letters, '
                        f"digits, '.', '_', '-'), not {name!r}",
                    )
                ]
            elif not isinstance(text, str):
                found = [
                    problem(
                        "invalid-jsonl", f'"text" must be the capture\'s text as a string ({name})'
                    )
                ]
            elif meta is not None and not isinstance(meta, dict):
                found = [
                    problem(
                        "invalid-jsonl", f'"meta" must be an object, as a sidecar holds ({name})'
                    )
                ]
            elif name in names:
                found = [
                    problem(
                        "duplicate-capture",
                        f"{name} is also on line {names[name]}; each capture's name "
                        "must be unique in its shard",
                    )
                ]
            else:
                names[name] = number
                sidecar = (
                    json.dumps(meta, ensure_ascii=False).encode() if meta is not None else None
                )
                yield (
                    Member(shown, number, name),
                    text.encode("utf-8", "surrogatepass"),
                    sidecar,
                    [],
                )
                continue
            yield None, None, None, found
    except (OSError, EOFError, zstandard.ZstdError) as exc:
        yield (
            None,
            None,
            None,
            [
                error(
                    shown,
                    "unreadable-shard",
                    f"cannot read past line {number}: {exc}; check "
                    "the file is complete and compressed as its name says",
                )
            ],
        )


def relocate(findings: list[Finding], members: dict[str, tuple[str, int]]) -> list[Finding]:
    """Findings about captures from shards (members: capture path -> (shard, line)), told against the shard's line."""
    moved = []
    for finding in findings:
        key, part = finding.file, "text"
        if key not in members and key.endswith(".meta.yaml"):
            key, part = key.removesuffix(".meta.yaml") + ".txt", "meta"
        if key not in members:
            moved.append(finding)
            continue
        shard, line = members[key]
        where = f"{key.rsplit('/', 1)[-1]} ({part}" + (
            f", line {finding.line})" if finding.line else ")"
        )
        # Advice written for a capture file; in a shard the capture is one line.
        message = finding.message.replace("or delete the file", "or drop its line from the shard")
        moved.append(replace(finding, file=shard, line=line, message=f"{where}: {message}"))
    return moved
