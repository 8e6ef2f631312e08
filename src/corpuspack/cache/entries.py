"""What a cache entry holds, and how its columns are encoded.

An entry is one row of a pack: the cache key, the extraction's findings (JSON), whether it made a
record, the record's row in the record schema (null when it did not) and EXTRAS, what the build's
store keeps of a record besides its row. The store keeps the same columns, so a cache hit needs no
Article to be stored.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import pyarrow as pa

from corpuspack.article.record import RECORD_FIELDS, Article
from corpuspack.checks import minhash
from corpuspack.findings.report import Finding

SIGNATURE = pa.binary(minhash.NUM_PERM * 4)  # a MinHash signature: NUM_PERM little-endian uint32

# The one list of them: the packs' layout and the store's extras() follow it.
EXTRAS = pa.schema(
    [
        pa.field("_provenance", pa.string()),  # provenance_json()
        pa.field("_url_key", pa.string()),
        pa.field("_text_sha", pa.binary(32)),
        pa.field("_signature", SIGNATURE),
        pa.field("_split_pos", pa.float64()),  # splits.position(id): kept so a hit's id is not
        pa.field("_shard_pos", pa.float64()),  # hashed again to find its split and release file
    ]
)


@dataclass
class Entry:
    article: Article | None
    findings: list[Finding]
    signature: list[int] | None


def entry_schema(record_schema: pa.Schema) -> pa.Schema:
    """A pack's rows: the cache key, the extraction's findings, whether it made a record, the record's
    row (null when it did not) and the EXTRAS."""
    return pa.schema(
        [
            pa.field("_key", pa.binary(32)),
            pa.field("_findings", pa.string()),
            pa.field("_ok", pa.bool_()),
            *(f.with_nullable(True) for f in record_schema),
            *EXTRAS,
        ]
    )


def findings_json(findings: list[Finding]) -> str:
    return json.dumps([asdict(f) for f in findings], separators=(",", ":"))


def findings_of(text: str) -> list[Finding]:
    return [] if text == "[]" else [Finding(**f) for f in json.loads(text)]


def provenance_json(article: Article) -> str:
    """What the row does not hold but findings need: the exact published value and where fields came from."""
    provenance = {
        "published": article.published.isoformat() if article.published else None,
        "sidecar_path": article.sidecar_path,
        "sidecar_lines": [list(i) for i in article.sidecar_lines],
        "page_lines": [list(i) for i in article.page_lines],
    }
    return json.dumps(provenance, separators=(",", ":"))


def record_of(row: dict[str, Any]) -> Article:
    """The Article of a row of the record schema with its _provenance."""
    provenance = json.loads(row["_provenance"])
    data = {name: row[name] for name in RECORD_FIELDS}
    data["published"] = provenance["published"]
    data["published_date"] = row["published_date"].isoformat() if row["published_date"] else None
    data["sidecar_path"] = provenance["sidecar_path"]
    data["sidecar_lines"] = provenance["sidecar_lines"]
    data["page_lines"] = provenance["page_lines"]
    # The corpus's own fields: the row's columns after the built-in ones, less the build's ("_...").
    data["custom"] = [
        [name, value]
        for name, value in row.items()
        if name not in RECORD_FIELDS and not name.startswith("_")
    ]
    return Article.from_json(data)
