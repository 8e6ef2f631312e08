"""Reading a JSON file that may be hostile (a project's datapackage.json, a release's metadata):
its size checked before it is read, its nesting before anything walks it.

Python's JSON decoder guards its own recursion (RecursionError, not a crash), but what then
walks the document (jsonschema, frictionless, json.dumps) recurses again, each at its own
depth; a document deeper than MAX_DEPTH is refused here, once, with a message.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

MAX_BYTES = 50_000_000  # a release's datapackage.json lists a schema per file: generous
MAX_DEPTH = 64  # a Table Schema inside a resource inside a package is about 6 levels deep


class JSONFileError(ValueError):
    """The file cannot be used as JSON; the message says why, without the file's name."""


def load(path: Path, max_bytes: int = MAX_BYTES) -> Any:
    """The JSON document in path. OSError when it cannot be read; JSONFileError when it is too
    large, not UTF-8 JSON, or nested too deeply."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise JSONFileError(f"{size:,} bytes, over the limit of {max_bytes:,} for this file")
        data = handle.read(max_bytes + 1)
    try:
        document = json.loads(data.decode("utf-8"))
    except RecursionError as exc:
        raise JSONFileError(f"nested more than {MAX_DEPTH} levels deep") from exc
    except ValueError as exc:  # UnicodeDecodeError too
        raise JSONFileError(f"not valid JSON: {exc}") from exc
    if too_deep(document):
        raise JSONFileError(f"nested more than {MAX_DEPTH} levels deep")
    return document


def too_deep(document: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether a decoded JSON document nests lists and objects more than limit levels deep."""
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        children = (
            value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        )
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False
