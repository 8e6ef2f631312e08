"""The code fingerprint: a digest of the rules that decide what a capture becomes, so a change to any
of them misses every cache entry made by the old ones."""

from __future__ import annotations

import hashlib
import re
from functools import cache as memoize
from importlib import metadata, resources

from corpuspack import __version__

FORMAT = 4  # the cache's own layout: part of every path under the cache folder and of the digest


@memoize
def rules_digest() -> str:
    """Digest of every source and data file of the installed corpuspack package and of the
    versions of the libraries it depends on (ftfy, xxhash, pyarrow... decide the results too)."""
    digest = hashlib.sha256(f"{FORMAT}:{__version__}".encode())
    root = resources.files("corpuspack")
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
    for name in sorted(_dependencies()):
        try:
            digest.update(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}: absent".encode())
    return digest.hexdigest()


def _dependencies() -> set[str]:
    try:
        requires = metadata.requires("corpuspack") or []
    except metadata.PackageNotFoundError:
        return set()
    return {
        re.split(r"[\s<>=!~;\[(]", r, maxsplit=1)[0].lower()
        for r in requires
        if "extra ==" not in r
    }


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()
