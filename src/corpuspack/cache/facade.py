"""Cache: what a build uses of the cache folder, through one object (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from corpuspack.cache import keys as keys_mod
from corpuspack.cache.file_index import FileIndex
from corpuspack.cache.fingerprint import FORMAT
from corpuspack.cache.integrity import damaged, not_written, sweep
from corpuspack.cache.pack_rows import PackRows
from corpuspack.cache.packs import Packs
from corpuspack.cache.release_files import ReleaseFiles

if TYPE_CHECKING:
    from corpuspack.article.standoff import Vocabulary
    from corpuspack.capture.ingest import Capture, Inputs
    from corpuspack.findings.report import Finding


class Cache:
    """The cache folder of one build: its file index, its entry packs (once open()) and its kept
    release files. hits and misses count the entries fetched and put. The temporary files of
    runs that were killed are removed when it is made (integrity.sweep)."""

    key_of = staticmethod(keys_mod.key_of)
    key = staticmethod(keys_mod.key)

    def __init__(self, folder: Path):
        self.folder = folder
        self.hits = 0
        self.misses = 0
        self.context = b""  # the project's (keys.context_of), given to open()
        self.unwritten: str | None = None  # why the new pack could not be written, if it could not
        self._files: FileIndex | None = None
        self._packs: Packs | None = None
        self._told: set[str] = set()  # the damaged files findings() has told of
        self.swept = sweep(folder / f"v{FORMAT}")
        self.release = ReleaseFiles(folder)

    def entry_key(self, inputs: Inputs, shown: str, vocabulary: Vocabulary) -> bytes:
        """The key of a capture read (keys.key), in this build's context."""
        return keys_mod.key(inputs, shown, vocabulary, self.context)

    def findings(self) -> list[Finding]:
        """A warning for each cache file found damaged (and so not used) since the last call."""
        index = self.files.path if self.files.damaged else None
        found = [(index, "file index")] if index is not None else []
        if self._packs is not None:
            found += [(path, "keys file") for path in self._packs.damaged]
            found += [(path, "pack of entries") for path in self._packs.rows.damaged]
        found += [(path, "kept release file") for path in self.release.damaged]
        told = []
        for path, what in found:
            if str(path) not in self._told:
                self._told.add(str(path))
                told.append(damaged(path, what))
        problem = self.unwritten or self.files.unsaved or self.release.unwritten
        if problem is not None and "" not in self._told:
            self._told.add("")  # (told once)
            told.append(not_written(self.folder, problem))
        return told

    @property
    def entry_schema(self) -> pa.Schema:
        """The packs' rows (entries.entry_schema() of the record schema given to open())."""
        assert self._packs is not None, "open() first"
        return self._packs.schema

    @property
    def rows(self) -> PackRows | None:
        """The packs' rows read back by location, once open(); the build's store closes them."""
        return self._packs.rows if self._packs is not None else None

    # -- the file index ---------------------------------------------------------------------------

    @property
    def files(self) -> FileIndex:
        if self._files is None:
            self._files = FileIndex(self.folder / f"v{FORMAT}" / "files.arrow")
        return self._files

    def file_digests(self, paths: Sequence[str], inodes: Sequence[int]) -> list[bytes]:
        """SHA-256 of files, as this build saw them or from the file index where it knows them
        (manifest.tree_sha256)."""
        return self.files.digests_by_inode(paths, inodes)

    def file_keys(
        self, captures: Sequence[Capture], vocabulary: Vocabulary, max_bytes: int
    ) -> list[bytes | None]:
        """The keys of captures stored as files (keys.file_keys), their files read only if the file
        index does not know them."""
        return keys_mod.file_keys(self.files, captures, vocabulary, max_bytes, self.context)

    # -- the packs --------------------------------------------------------------------------------

    def open(self, record_schema: pa.Schema, context: bytes = b"") -> None:
        """Use the packs made for this record schema (and these rules), for entries of the
        project's context (keys.context_of)."""
        self.context = context
        self._packs = Packs(self.folder / f"v{FORMAT}" / "packs", record_schema)

    def known(self, keys: list[bytes | None]) -> list[bool]:
        """Whether the packs hold each key (packs.Packs.known)."""
        if self._packs is None:
            return [False] * len(keys)
        return self._packs.known(keys)

    def holds(self, key: bytes) -> bool:
        return self.known([key])[0]

    def fetch(self, keys: list[bytes]) -> tuple[pa.Table, np.ndarray, list[int]]:
        """The entries of keys, where they are in the packs, and the positions of those that could
        not be read (packs.Packs.fetch)."""
        assert self._packs is not None, "open() first"
        table, where, lost = self._packs.fetch(keys)
        self.hits += len(keys) - len(lost)
        return table, where, lost

    def put(self, entries: pa.Table) -> None:
        """Add computed entries (rows of entry_schema) to this build's new pack; once the pack
        cannot be written (a full disk), it is dropped and the build goes on without it."""
        assert self._packs is not None, "open() first"
        self.misses += entries.num_rows
        if self.unwritten is None:
            try:
                self._packs.put(entries)
            except (OSError, pa.ArrowException) as exc:
                self._not_written(exc)

    def _not_written(self, exc: Exception) -> None:
        self.unwritten = str(exc)
        if self._packs is not None:
            self._packs.discard()

    def close(self) -> None:
        """Finish the new pack and the file index (after a build that completed). What cannot be
        written (a full disk) is dropped, and told of by findings(): the cache is an economy."""
        if self._packs is not None and self.unwritten is None:
            try:
                self._packs.close()
            except (OSError, pa.ArrowException) as exc:
                self._not_written(exc)
        if self._files is not None:
            self._files.save()

    def discard(self) -> None:
        """Drop the new pack of a build that failed (the store that reads the packs closes them)."""
        if self._packs is not None:
            self._packs.discard()
