"""The files of raw/ a build's scan listed, to tell at the end of the build which were added or
removed since (the manifest describes exactly the files the scan saw: release/manifest.py)."""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import xxhash

CHUNK = 4096  # names compressed at a time


class Listing:
    """The scan's files (those the manifest's hash of raw/ counts: all but hidden files, FIFOs,
    sockets and devices), to compare with a later walk of raw/.

    Kept small, not as a set of Python strings (about 100 bytes a file): a 64-bit hash of each
    path, sorted (8 bytes a file), and the names, needed only to name a file removed, as one
    zlib-compressed text (the scan's order is sorted by folder, so it compresses well: about 4
    bytes a file). See docs/benchmarks.md for what it costs at a million captures.
    """

    def __init__(self, raw_dir: Path, relatives: Sequence[str], root: Path):
        self.prefix = f"{raw_dir}{os.sep}"
        self.shown = raw_dir.relative_to(root).as_posix() + "/"  # as findings name its files
        self.hashes = np.sort(_hashes((self.prefix + r for r in relatives), len(relatives)))
        # Compressed a chunk at a time (no copy of every name at once); NUL separates the names:
        # no file name holds one.
        packer = zlib.compressobj(level=1)
        parts = [
            packer.compress(
                "\0".join(relatives[start : start + CHUNK]).encode("utf-8", "surrogateescape")
                + (b"\0" if start + CHUNK < len(relatives) else b"")
            )
            for start in range(0, len(relatives), CHUNK)
        ]
        self._names = b"".join(parts) + packer.flush()

    def names(self) -> list[str]:
        """The scan's files, relative to raw_dir, in the scan's order."""
        text = zlib.decompress(self._names).decode("utf-8", "surrogateescape")
        return text.split("\0") if text else []

    def walk(self) -> Walk:
        """A walk of raw/ to compare with the scan's."""
        return Walk(self)


class Walk:
    """What a walk of raw/ found (told by listed()), compared with a Listing's files."""

    def __init__(self, listing: Listing):
        self.listing = listing
        self.prefix = listing.prefix
        self._hashes = listing.hashes
        self._found = np.zeros(len(self._hashes), dtype=bool)  # a byte a file
        self.added: list[str] = []  # relative to raw/, in the order the walk found them

    def listed(self, paths: Sequence[str]) -> None:
        """Files a walk of raw/ found (their paths as raw_dir joined with their relative path)."""
        if not paths:
            return
        hashes = _hashes(paths, len(paths))
        at = np.minimum(np.searchsorted(self._hashes, hashes), max(len(self._hashes) - 1, 0))
        known = (self._hashes[at] == hashes) if len(self._hashes) else np.zeros(len(paths), bool)
        self._found[at[known]] = True
        self.added += [paths[i][len(self.prefix) :] for i in np.flatnonzero(~known).tolist()]

    @property
    def removed(self) -> list[str]:
        """The scan's files the walk did not find, relative to raw/, sorted."""
        if self._found.all():
            return []
        missing = set(self._hashes[~self._found].tolist())
        names = self.listing.names()
        hashes = _hashes((self.prefix + name for name in names), len(names)).tolist()
        return sorted(name for name, h in zip(names, hashes, strict=True) if h in missing)


def _hashes(paths: Iterable[str], count: int) -> np.ndarray:
    # xxHash, as the cache's file index: two of raw/'s paths sharing a 64-bit hash is not a risk
    # worth a copy of every name as Python strings.
    return np.fromiter(
        (xxhash.xxh3_64_intdigest(p.encode("utf-8", "surrogateescape")) for p in paths),
        dtype=np.uint64,
        count=count,
    )
