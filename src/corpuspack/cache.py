"""A content-addressed cache of extraction results, so unchanged captures are not re-processed.

An entry is keyed by the SHA-256 of the capture's bytes, its sidecar's and
annotation files' bytes, the annotation vocabulary and a digest of corpuspack's
own code and profiles (the rules that process them), so any
change to any of these misses the cache. Entries are plain JSON (never pickle: a
cache restored in CI must not be able to run code). The cache is safe to delete and
never changes the output: a hit returns exactly what extraction would.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from functools import cache as memoize
from importlib import resources
from pathlib import Path

from . import __version__
from .article import Article
from .report import Finding

FORMAT = 2


@memoize
def rules_digest() -> str:
    """Digest of every source and data file of the installed corpuspack package."""
    digest = hashlib.sha256(f"{FORMAT}:{__version__}".encode())
    root = resources.files(__package__)
    stack = [root]
    files = []
    while stack:
        folder = stack.pop()
        for entry in folder.iterdir():
            if entry.is_dir():
                if entry.name != "__pycache__":
                    stack.append(entry)
            elif entry.name.endswith((".py", ".yaml", ".json")):
                files.append(entry)
    for entry in sorted(files, key=lambda e: str(e)):
        digest.update(str(entry).rsplit("corpuspack", 1)[-1].encode())
        digest.update(entry.read_bytes())
    return digest.hexdigest()


_serialised: list = [None, b""]  # (vocabulary, its JSON): one vocabulary per run, serialised once, not per capture


def _vocabulary_bytes(vocabulary) -> bytes:
    if _serialised[0] is not vocabulary:
        _serialised[:] = [vocabulary, json.dumps(vocabulary.descriptor, sort_keys=True).encode()]
    return _serialised[1]


@dataclass
class Entry:
    article: Article | None
    findings: list[Finding]
    signature: list[int] | None


class Cache:
    def __init__(self, folder: Path):
        self.folder = folder
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(inputs, shown: str, vocabulary) -> str:
        """Digest of the rules, the vocabulary, the capture and every file that belongs to it."""
        digest = hashlib.sha256(rules_digest().encode())
        vocabulary_bytes = _vocabulary_bytes(vocabulary)
        parts = [shown.encode(), vocabulary_bytes, inputs.data,
                 b"\0" if inputs.sidecar is None else b"\1" + inputs.sidecar]
        for name, data in inputs.annotations:
            parts += [name.encode(), data]
        for part in parts:
            digest.update(hashlib.sha256(part).digest())
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / f"v{FORMAT}" / key[:2] / f"{key}.json"

    def get(self, key: str) -> Entry | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            entry = Entry(article=Article.from_json(data["article"]) if data["article"] else None,
                          findings=[Finding(**f) for f in data["findings"]], signature=data["signature"])
        except (OSError, ValueError, KeyError, TypeError):
            self.misses += 1
            return None  # a missing or damaged entry is simply recomputed
        self.hits += 1
        return entry

    def put(self, key: str, entry: Entry) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"article": entry.article.to_json() if entry.article else None,
                              "findings": [asdict(f) for f in entry.findings], "signature": entry.signature})
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(payload)
        os.replace(temporary, path)
