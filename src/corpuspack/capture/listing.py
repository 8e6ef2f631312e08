"""The files of raw/ a build's scan listed, to tell at the end of the build which were added or
removed since (the manifest describes exactly the files the scan saw: release/manifest.py)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import xxhash


class Listing:
    """The scan's files (those the manifest's hash of raw/ counts: all but hidden files, FIFOs,
    sockets and devices), told the files a later walk of raw/ finds, and what differs.

    Kept small, not as a set of Python strings (about 100 bytes a file): a 64-bit hash of each
    path, sorted (8 bytes), the names in that order in one Arrow array (the name's bytes and 4),
    and a byte a file for whether the walk found it. At a million captures with their sidecars
    (1.75 million files of about 25 bytes' name) that is about 65 MB.
    """

    def __init__(self, raw_dir: Path, relatives: Sequence[str], root: Path):
        self.prefix = f"{raw_dir}{os.sep}"
        self.shown = raw_dir.relative_to(root).as_posix() + "/"  # as findings name its files
        hashes = _hashes([self.prefix + r for r in relatives])
        order = np.argsort(hashes, kind="stable")
        self.hashes = hashes[order]
        self.names = pa.array(
            [relatives[i].encode("utf-8", "surrogateescape") for i in order.tolist()], pa.binary()
        )

    def walk(self) -> Walk:
        """A walk of raw/ to compare with the scan's."""
        return Walk(self)


class Walk:
    """What a walk of raw/ found, compared with a Listing's files."""

    def __init__(self, listing: Listing):
        self.listing = listing
        self.prefix = listing.prefix
        self._hashes = listing.hashes
        self._found = np.zeros(len(self._hashes), dtype=bool)
        self.added: list[str] = []  # relative to raw/, in the order the walk found them

    def listed(self, paths: Sequence[str]) -> None:
        """Files a walk of raw/ found (their paths as raw_dir joined with their relative path)."""
        if not paths:
            return
        hashes = _hashes(paths)
        at = np.minimum(np.searchsorted(self._hashes, hashes), max(len(self._hashes) - 1, 0))
        known = (self._hashes[at] == hashes) if len(self._hashes) else np.zeros(len(paths), bool)
        self._found[at[known]] = True
        self.added += [paths[i][len(self.prefix) :] for i in np.flatnonzero(~known).tolist()]

    @property
    def removed(self) -> list[str]:
        """The scan's files the walk did not find, relative to raw/, sorted."""
        gone = self.listing.names.take(pa.array(np.flatnonzero(~self._found)))
        return sorted(name.decode("utf-8", "surrogateescape") for name in gone.to_pylist())


def _hashes(paths: Sequence[str]) -> np.ndarray:
    # xxHash, as the cache's file index: two of raw/'s paths sharing a 64-bit hash is not a risk
    # worth a copy of every name as Python strings.
    return np.fromiter(
        (xxhash.xxh3_64_intdigest(p.encode("utf-8", "surrogateescape")) for p in paths),
        dtype=np.uint64,
        count=len(paths),
    )
