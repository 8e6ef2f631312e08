"""Table Schemas frictionless has accepted before, so that a run with a cache does not import and
run frictionless to accept the same descriptor again (about 0.2 to 1 s of every pull-request
check, more on a loaded machine).

An accepted descriptor is remembered as an empty file under v<FORMAT>/schemas/ named by the
SHA-256 of the rules (fingerprint.rules_digest: corpuspack's code and the versions of its
libraries, frictionless's among them) and the descriptor: a new frictionless, a new corpuspack or
an edited schema is a name not found, and frictionless is asked. The file holds nothing a build
reads, so it cannot be damaged into a wrong answer; a name that should not be there only skips a
check that the same rules passed before.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from corpuspack.cache.atomic import write_atomically
from corpuspack.cache.fingerprint import FORMAT, rules_digest
from corpuspack.project.schema import RecordSchema


def _marker(folder: Path, descriptor: dict) -> Path:
    digest = hashlib.sha256(rules_digest().encode())
    digest.update(json.dumps(descriptor, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return folder / f"v{FORMAT}" / "schemas" / digest.hexdigest()


def record_schema(
    descriptor: dict, folder: Path | None, expected: tuple[str, ...] | None = None
) -> RecordSchema:
    """RecordSchema(descriptor, expected), frictionless asked only if the cache at folder (None: no
    cache) does not remember accepting the descriptor; once accepted, it is remembered."""
    if folder is None:
        return RecordSchema(descriptor, expected)
    marker = _marker(folder, descriptor)
    known = marker.is_file()
    schema = RecordSchema(descriptor, expected, frictionless_accepted=known)
    if not known:
        try:
            write_atomically(marker, lambda out: None)
        except OSError:
            pass  # (a full disk or a read-only cache: frictionless is asked again next time)
    return schema
