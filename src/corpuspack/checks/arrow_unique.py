"""Repeated values, within a table and, for the article id, across the batches of a corpus."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from corpuspack.checks.arrow_cells import combined, mask, present
from corpuspack.checks.arrow_rules import DEFAULT_MISSING, Finding, unique_and_key


class UniqueIds:
    """The ids seen so far in a corpus checked batch by batch, to find repeats across batches.

    A Python set of a million ids costs about 100 MB; here ids of 16 lowercase hex
    digits (every well-formed article id) are kept as sorted runs of uint64, 8 bytes
    an id, merged as they grow so that there are only a few to search. Any other id,
    which already breaks the id's pattern, is kept as a string.
    """

    def __init__(self, schema_descriptor: dict, field: str = "id"):
        spec = next((f for f in schema_descriptor["fields"] if f["name"] == field), None)
        if spec is None or spec.get("type") != "string":
            raise ValueError(f"UniqueIds tracks a string field of the schema, not {field!r}")
        unique, key = unique_and_key(schema_descriptor)
        if field not in unique and field != key:
            raise ValueError(f"{field!r} is neither unique nor the primary key")
        self.field = field
        self._types: list[tuple[str | None, str]] = [(field, "unique-error")] * (
            field in unique
        ) + [(None, "primary-key")] * (field == key)
        self._missing = spec.get(
            "missingValues", schema_descriptor.get("missingValues", DEFAULT_MISSING)
        )
        self._runs: list[np.ndarray] = []
        self._others: set[str] = set()

    def __len__(self) -> int:
        return sum(len(run) for run in self._runs) + len(self._others)

    def add(self, ids: pa.Array | pa.ChunkedArray, *, row_offset: int = 0) -> list[Finding]:
        """The duplicate findings frictionless reports for these ids (a null id is check_table's)."""
        values = present(ids, self._missing)
        rows = np.flatnonzero(self.repeats(values)) + row_offset + 2
        return [(row, field, kind) for row in rows.tolist() for field, kind in self._types]

    def repeats(self, values: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """True where the value was seen before, earlier here or in an earlier call; remembers them all."""
        values = combined(values)
        out = np.zeros(len(values), bool)
        hexed = mask(pc.match_substring_regex(values, r"^[0-9a-f]{16}$"))
        rows = np.flatnonzero(hexed)
        if rows.size:
            out[rows] = self._hex_repeats(_hex_keys(values.take(pa.array(rows))))
        rows = np.flatnonzero(~hexed & mask(pc.is_valid(values)))
        others = values.take(pa.array(rows, pa.int64())).to_pylist()
        for r, value in zip(rows.tolist(), others, strict=True):
            out[r] = value in self._others
            self._others.add(value)
        return out

    def _hex_repeats(self, keys: np.ndarray) -> np.ndarray:
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        seen = np.zeros(len(keys), bool)
        # a stable sort keeps the first occurrence first
        seen[order[1:]] = ordered[1:] == ordered[:-1]
        for run in self._runs:
            at = np.searchsorted(run, keys)
            inside = at < len(run)
            seen[inside] |= run[at[inside]] == keys[inside]
        fresh = np.unique(keys[~seen])
        if fresh.size:
            self._runs.append(fresh)
        while len(self._runs) > 1 and len(self._runs[-2]) <= 2 * len(self._runs[-1]):
            last = self._runs.pop()
            self._runs[-1] = np.sort(np.concatenate([self._runs[-1], last]), kind="stable")
        return seen


def repeats(values) -> np.ndarray:
    """True where a non-null value repeats an earlier row's.

    dictionary_encode numbers values in order of first appearance, so a row repeats
    an earlier value exactly when its code is no more than the largest code before it.
    """
    codes = pc.dictionary_encode(combined(values)).indices
    codes = np.asarray(pc.fill_null(codes, -1).to_numpy(zero_copy_only=False), np.int64)
    if not len(codes):
        return np.zeros(0, bool)
    before = np.empty_like(codes)
    before[0] = -1
    np.maximum.accumulate(codes[:-1], out=before[1:])
    return (codes >= 0) & (codes <= before)


def _hex_keys(values: pa.Array) -> np.ndarray:
    """16 lowercase hex digits each -> uint64, without a Python loop."""
    fixed = (
        pc.cast(pc.cast(values, pa.binary()), pa.binary(16))
        if pa.types.is_string(values.type)
        else pc.cast(pc.cast(values, pa.large_binary()), pa.binary(16))
    )
    digits = np.frombuffer(fixed.buffers()[1], np.uint8)[
        fixed.offset * 16 : (fixed.offset + len(fixed)) * 16
    ]
    nibbles = _HEX[digits].reshape(-1, 16)
    packed = (nibbles[:, 0::2] << 4) | nibbles[:, 1::2]
    return np.ascontiguousarray(packed).view(">u8").ravel().astype(np.uint64)


_HEX = np.zeros(256, np.uint8)
_HEX[np.frombuffer(b"0123456789abcdef", np.uint8)] = np.arange(16, dtype=np.uint8)
