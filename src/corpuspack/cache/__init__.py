"""A content-addressed cache of extraction results, so unchanged captures are not re-processed.

An entry is keyed by the SHA-256 of the capture's bytes, its sidecar's and
annotation files' bytes, its path, the annotation vocabulary, the project's schema
files and settings (keys.context_of) and a digest of
corpuspack's own code, profiles and the versions of the libraries it runs on (the
rules that process them), so any change to any of these misses the cache. The cache
is safe to delete and never changes the output: a hit returns exactly what
extraction would.

Entries are kept in Arrow, the form the build's store takes them in, so a hit is
never turned into Python objects (at 100,000 articles, parsing one JSON entry per
capture and rebuilding its record cost more than the rest of a rebuild). The cache
folder holds, under v<FORMAT>/:

- packs/<layout>/pack-*.arrow: entries, one row each (entries.entry_schema), in record
  batches, each pack beside its keys (packs, pack_files; read back by location by the
  build's store through pack_rows.PackRows).
- files.arrow: the SHA-256 of each file of raw/ last seen (file_index).
- schemas/: an empty file per Table Schema frictionless has accepted, named by the rules and
  the schema, so it is not imported to accept the same one again (schemas).
- release/: the Parquet files of earlier releases, by what decides their bytes
  (release_files).

The modules, by job: fingerprint (the code fingerprint rules_digest), keys (cache keys),
file_index, schemas (the Table Schemas frictionless accepted), entries (what an entry
holds), location (where a row is: shared with the store), pack_rows, pack_files and packs
(the entry packs), release_files, and facade (Cache, the one object a build uses).

Files are data only (Arrow IPC; never pickle: a cache restored in CI must not be
able to run code), written to a temporary name and renamed into place. Every file
carries a digest checked when it is used (integrity): a damaged one is a cache miss,
with a warning naming it (Cache.findings), never output.
"""

from corpuspack.cache.entries import (
    EXTRAS,
    SIGNATURE,
    Entry,
    entry_schema,
    findings_json,
    findings_of,
    record_of,
)
from corpuspack.cache.facade import Cache
from corpuspack.cache.file_index import FileIndex
from corpuspack.cache.fingerprint import FORMAT, rules_digest, sha256
from corpuspack.cache.location import RowReader
from corpuspack.cache.pack_rows import PACK_BATCH, CacheError, PackRows
from corpuspack.cache.release_files import ReleaseFiles

__all__ = [
    "EXTRAS",
    "FORMAT",
    "PACK_BATCH",
    "SIGNATURE",
    "Cache",
    "CacheError",
    "Entry",
    "FileIndex",
    "PackRows",
    "ReleaseFiles",
    "RowReader",
    "entry_schema",
    "findings_json",
    "findings_of",
    "record_of",
    "rules_digest",
    "sha256",
]
