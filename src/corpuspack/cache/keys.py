"""Cache keys: the SHA-256 of everything that decides what a capture becomes.

A key is a digest of the rules (fingerprint.rules_digest), the project's context (context_of: the
bytes of its schema files, the outlet enum and the vocabulary among them, its settings and its
extensions' fingerprint: plugins, its own plugin modules and profiles), the
annotation vocabulary, the capture's path, its bytes, its sidecar's and its annotation files' bytes
(with their paths). The context is derived from the project's files and settings whole, not from a
list of what in them matters, so nothing that changes a result is left out. Keys are 32 bytes
and are kept back to back in one buffer where there are many (a bytes object each is about
100 MB more at a million).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import stat as stat_mod
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from corpuspack.cache.fingerprint import rules_digest, sha256

if TYPE_CHECKING:
    from corpuspack.article.standoff import Vocabulary
    from corpuspack.cache.file_index import FileIndex
    from corpuspack.capture.ingest import Capture, Inputs

_NO_SIDECAR = b"\0" * 32

# (vocabulary, context, the key's hash of the rules and them): made once per run, not per capture
_prefixes: list[Any] = [None, None, None]


def context_of(schema_paths: Sequence[Path], settings: Any, extensions: str) -> bytes:
    """The digest of what of a project decides its entries besides its captures: every schema file's
    path and bytes, every setting (a dataclass) and the fingerprint of its extensions (plugins,
    its own plugin modules and profiles: plugins.Extensions.fingerprint())."""
    digest = hashlib.sha256(extensions.encode())
    for path in sorted(schema_paths):
        digest.update(sha256(str(path.name).encode()) + sha256(path.read_bytes()))
    digest.update(
        json.dumps(dataclasses.asdict(settings), sort_keys=True, default=str).encode("utf-8")
    )
    return digest.digest()


def _key_prefix(vocabulary: Vocabulary, context: bytes) -> Any:
    if _prefixes[0] is not vocabulary or _prefixes[1] != context:
        digest = hashlib.sha256(rules_digest().encode())
        digest.update(sha256(json.dumps(vocabulary.descriptor, sort_keys=True).encode()))
        digest.update(context)
        _prefixes[:] = [vocabulary, context, digest]
    return _prefixes[2]


def key_of(
    shown: str,
    vocabulary: Vocabulary,
    capture: bytes,
    sidecar: bytes | None,
    annotations: tuple[tuple[str, bytes], ...],
    context: bytes = b"",
) -> bytes:
    """The key from the digests (SHA-256) of the capture, its sidecar (if any) and its annotation
    files (with their paths), and the project's context (context_of)."""
    digest = _key_prefix(vocabulary, context).copy()
    # One update of the parts joined: the same bytes as one update per part, fewer calls.
    parts = [
        hashlib.sha256(shown.encode()).digest(),
        capture,
        _NO_SIDECAR if sidecar is None else hashlib.sha256(b"sidecar" + sidecar).digest(),
    ]
    for name, data_digest in annotations:
        parts += (sha256(name.encode()), data_digest)
    digest.update(b"".join(parts))
    return digest.digest()


def key(inputs: Inputs, shown: str, vocabulary: Vocabulary, context: bytes = b"") -> bytes:
    """Digest of the rules, the context, the vocabulary, the capture and every file that belongs to it."""
    assert inputs.data is not None  # (a capture that could not be read has no entry)
    return key_of(
        shown,
        vocabulary,
        sha256(inputs.data),
        None if inputs.sidecar is None else sha256(inputs.sidecar),
        tuple((name, sha256(data)) for name, data in inputs.annotations),
        context,
    )


def file_keys(
    files: FileIndex,
    captures: Sequence[Capture],
    vocabulary: Vocabulary,
    max_bytes: int,
    context: bytes = b"",
) -> list[bytes | None]:
    """The keys of captures stored as files, from the file index: their files are read only if
    the index does not know them. None for one whose file is over max_bytes, gone or not a
    regular file (reading it says so).

    One stat per file, and no more Python per capture than that and its key: at 100,000
    captures this is most of what a pull-request check does besides reading the cached rows."""
    plans: list[tuple[int, str | None] | None] = []  # (the capture's first file, its sidecar)
    paths: list[str | Path] = []
    statuses: list[os.stat_result] = []
    stat, regular = os.stat, stat_mod.S_ISREG
    for capture in captures:
        sidecar = capture.sidecar
        names = [capture.path] if sidecar is None else [capture.path, sidecar]
        if capture.annotations:
            names += [p for p, _ in capture.annotations]
        try:
            stats = [stat(path, follow_symlinks=False) for path in names]
        except OSError:
            plans.append(None)
            continue
        for status in stats:
            if status.st_size > max_bytes or not regular(status.st_mode):
                plans.append(None)
                break
        else:
            plans.append((len(paths), sidecar))
            paths += names
            statuses += stats
    digests = files.digests_only(paths, statuses)
    return [
        None if plan is None else _file_key(capture, plan, digests, vocabulary, context)
        for capture, plan in zip(captures, plans, strict=True)
    ]


def _file_key(
    capture: Capture,
    plan: tuple[int, str | None],
    digests: list[bytes],
    vocabulary: Vocabulary,
    context: bytes,
) -> bytes:
    first, sidecar = plan
    annotations: tuple[tuple[str, bytes], ...] = ()
    if capture.annotations:
        start = first + 1 + (sidecar is not None)
        rest = digests[start : start + len(capture.annotations)]
        annotations = tuple(
            (shown, d) for (_, shown), d in zip(capture.annotations, rest, strict=True)
        )
    return key_of(
        capture.shown,
        vocabulary,
        digests[first],
        None if sidecar is None else digests[first + 1],
        annotations,
        context,
    )


def key_array(keys: bytes | bytearray) -> pa.FixedSizeBinaryArray:
    """32-byte keys held back to back as an Arrow array (a view of their bytes)."""
    return pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(32), len(keys) // 32, [None, pa.py_buffer(keys)]
    )


def key_bytes(column: pa.ChunkedArray | pa.Array) -> bytes:
    """A column of 32-byte keys (no nulls) as their bytes back to back."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return array.buffers()[1].slice(32 * array.offset, 32 * len(array)).to_pybytes()
