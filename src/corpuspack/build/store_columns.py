"""The columns of the build's store (see store.Store): those of its bucket files, the cache's EXTRAS
it is given with each record, and the columns the corpus checks read, each kept in a file of its
own."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa

from corpuspack.article.record import Article
from corpuspack.build import splits
from corpuspack.cache.entries import EXTRAS, provenance_json
from corpuspack.checks import corpus, minhash


def band_name(band: int) -> str:
    return f"_band{band:02d}"


_BAND_WIDTH = minhash.ROWS_PER_BAND * 4

COLUMNS = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("raw_path", pa.string()),
        pa.field("_url_key", pa.string()),
        pa.field("_text_sha", pa.binary(32)),
        pa.field("_focus", pa.bool_()),
        pa.field("_bundle", pa.string()),
        pa.field("_line", pa.int64()),
        pa.field("_key", pa.binary(32)),
        pa.field("_split", pa.string()),
        pa.field("_pos", pa.float64()),
        pa.field("_where", pa.int64()),
        *(pa.field(band_name(b), pa.binary(_BAND_WIDTH)) for b in range(len(minhash.BANDS))),
    ]
)


def bucket_schema(record_schema: pa.Schema) -> pa.Schema:
    """A bucket file's rows: the record's row, its split, its shard position and its provenance."""
    return pa.schema(
        list(record_schema)
        + [
            pa.field("_split", pa.string()),
            pa.field("_pos", pa.float64()),
            pa.field("_provenance", pa.string()),
        ]
    )


def extras(articles: Sequence[Article], signatures: Sequence[Sequence[int]]) -> dict[str, pa.Array]:
    """The cache's EXTRAS of records (cache.entries). The cache keeps the same, so a hit needs no
    Article."""
    matrix = np.asarray(signatures, dtype=np.uint32).reshape(len(articles), minhash.NUM_PERM)
    values = {
        "_provenance": [provenance_json(a) for a in articles],
        "_url_key": [corpus.canonical_url(a.url) if a.url else None for a in articles],
        "_text_sha": [hashlib.sha256(a.text.encode()).digest() for a in articles],
        "_split_pos": [splits.position(a.id) for a in articles],
        "_shard_pos": [splits.position(a.id, "shard") for a in articles],
    }
    columns = {name: pa.array(found, EXTRAS.field(name).type) for name, found in values.items()}
    columns["_signature"] = pa.FixedSizeBinaryArray.from_buffers(
        EXTRAS.field("_signature").type,
        len(articles),
        [None, pa.py_buffer(matrix.astype("<u4").tobytes())],
    )
    return {name: columns[name] for name in EXTRAS.names}


def checked(
    table: pa.Table,
    extra: Mapping[str, pa.Array],
    focus: Sequence[bool],
    origins: Sequence[tuple[str, int] | None],
    keys: Sequence[bytes | None] | None,
    split: pa.Array,
) -> dict[str, pa.Array]:
    """The COLUMNS of rows (table, in the record schema, with their extras), but _where."""
    count = table.num_rows
    signature = extra["_signature"]
    matrix = np.frombuffer(
        signature.buffers()[1],
        dtype="<u4",
        count=count * minhash.NUM_PERM,
        offset=signature.offset * minhash.NUM_PERM * 4,
    ).reshape(count, -1)
    columns = {
        "id": table.column("id").combine_chunks(),
        "raw_path": table.column("raw_path").combine_chunks(),
        "_url_key": extra["_url_key"],
        "_text_sha": extra["_text_sha"],
        "_focus": pa.array(list(focus), pa.bool_()),
        "_bundle": pa.array([o[0] if o else None for o in origins], pa.string()),
        "_line": pa.array([o[1] if o else None for o in origins], pa.int64()),
        "_key": pa.array(list(keys) if keys is not None else [None] * count, pa.binary(32)),
        "_split": split,
        "_pos": extra["_shard_pos"],
    }
    for band, (start, end) in enumerate(minhash.BANDS):
        data = np.ascontiguousarray(matrix[:, start:end]).astype("<u4").tobytes()
        columns[band_name(band)] = pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(_BAND_WIDTH), count, [None, pa.py_buffer(data)]
        )
    return columns
