"""Release files kept from earlier builds, so a rebuild copies the Parquet files of shards with no
changed article instead of encoding them again."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa

from corpuspack.cache.fingerprint import FORMAT, rules_digest, sha256
from corpuspack.cache.integrity import TEMPORARY, temporary_name

_Kept = tuple[dict[str, Any], dict[str, Path], dict[str, str]]


class ReleaseFiles:
    """Parquet files of earlier releases, keyed by what decides their bytes.

    A file's key is a digest of the rules (corpuspack's code, which includes the writer, and the
    libraries' versions), the Arrow schemas and the cache keys of its rows in order: the rows are
    a function of their keys, so the same key means the same bytes. Each entry is a folder of the
    files, their sizes (what the card reports) and their SHA-256 (what the release's metadata lists),
    in sizes.json. A kept file is hashed when it is used and not copied unless its SHA-256 is the one
    recorded (damaged is then told of it); the release's metadata lists that digest without hashing
    the copy again. Kept: the entries the last build used and, of the others, the most recently
    used, up to as many again.
    """

    def __init__(self, folder: Path):
        self.folder = folder / f"v{FORMAT}" / "release"
        self.used: set[str] = set()
        self.reused = 0
        self.damaged: list[Path] = []  # kept files whose bytes were not those recorded
        self.unwritten: str | None = None  # why put() could not keep files, if it could not

    @staticmethod
    def key(keys: bytes, *schemas: pa.Schema) -> str:
        """keys: the rows' cache keys in order, 32 bytes each, back to back."""
        digest = hashlib.sha256(f"release:{rules_digest()}".encode())
        for schema in schemas:
            digest.update(sha256(schema.serialize().to_pybytes()))
        digest.update((len(keys) // 32).to_bytes(8, "big"))
        digest.update(keys)
        return digest.hexdigest()

    def get(self, key: str, names: list[str]) -> _Kept | None:
        """(sizes, {name: path}, {name: hex SHA-256}) of a kept entry, or None. An entry whose files
        are missing, or not of the recorded length and SHA-256, is not used (and is removed, so
        this build's files take its place)."""
        entry = self.folder / key
        if not entry.is_dir():
            return None
        try:
            kept = json.loads((entry / "sizes.json").read_text(encoding="utf-8"))
            sizes, digests, lengths = kept["sizes"], kept["sha256"], kept["bytes"]
            paths = {name: entry / name for name in names}
            for name, path in paths.items():
                if not _intact(path, lengths[name], digests[name]):
                    self.damaged.append(path)
                    raise ValueError("damaged")
            os.utime(entry)  # used now: kept longest
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            # (sizes.json of an older layout too: removed, and replaced by this build's files)
            shutil.rmtree(entry, ignore_errors=True)
            return None
        self.used.add(key)
        self.reused += 1
        return sizes, paths, {name: digests[name] for name in names}

    def put(
        self, key: str, files: dict[str, Path], sizes: dict[str, Any], digests: dict[str, str]
    ) -> None:
        """Keep copies of files (name -> path), their sizes (as the card reports them) and their hex
        SHA-256; a cache that cannot be written is skipped."""
        temporary = self.folder / temporary_name(f"{key}-{uuid.uuid4().hex[:8]}")
        try:
            temporary.mkdir(parents=True)
            lengths = {}
            for name, path in files.items():
                shutil.copyfile(path, temporary / name)
                lengths[name] = (temporary / name).stat().st_size
            (temporary / "sizes.json").write_text(
                json.dumps({"sizes": sizes, "sha256": digests, "bytes": lengths}), encoding="utf-8"
            )
            os.replace(temporary, self.folder / key)
            self.used.add(key)
        except FileExistsError:
            shutil.rmtree(temporary, ignore_errors=True)  # kept already, by another build
        except OSError as exc:
            if (self.folder / key).is_dir():
                shutil.rmtree(temporary, ignore_errors=True)  # (likewise, on some systems)
                return
            self.unwritten = str(exc)  # no room, say
            shutil.rmtree(temporary, ignore_errors=True)

    def prune(self) -> None:
        """Keep the entries this build used and as many others again, the most recently used first."""
        if not self.used or not self.folder.is_dir():
            return
        others = []
        for entry in self.folder.iterdir():
            if entry.name not in self.used and not entry.name.startswith(TEMPORARY):
                try:
                    others.append((entry.stat().st_mtime_ns, entry))
                except OSError:
                    continue
        for _, entry in sorted(others, reverse=True)[len(self.used) :]:
            shutil.rmtree(entry, ignore_errors=True)


def _intact(path: Path, length: int, digest: str) -> bool:
    """Whether a kept file is there with the length and SHA-256 recorded for it."""
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size != length:
                return False
            return hashlib.file_digest(handle, "sha256").hexdigest() == digest
    except FileNotFoundError:
        return False
