"""Writing the cache's packs: a build's new pack, and the compaction of many packs into one.

A pack is an Arrow IPC file of entries in record batches of PACK_BATCH rows (so a hit reads one
batch, not the pack), pack-<time>-<id>.arrow, beside pack-<time>-<id>.keys.arrow, its keys in the
same order, and the digest of each of the pack's batches (integrity.batch_digest) in its metadata
(BATCHES), checked when the batch is read. A pack is renamed into place before its keys file is
written, and deleted before it: a keys file is never without its pack.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from corpuspack.cache.atomic import Damaged, read_table, write_table
from corpuspack.cache.integrity import batch_digest, temporary_name
from corpuspack.cache.keys import key_array, key_bytes
from corpuspack.cache.pack_rows import PACK_BATCH

BATCHES = b"batches"  # a keys file's metadata: the JSON list of its pack's batch digests


def pack_of(keys_path: Path) -> Path:
    """The pack a keys file lists."""
    return keys_path.with_name(keys_path.name.removesuffix(".keys.arrow") + ".arrow")


def read_keys(keys_path: Path) -> tuple[pa.FixedSizeBinaryArray, list[str]]:
    """A keys file's keys and its pack's batch digests. Raises OSError, Damaged, KeyError or
    ValueError if it cannot be read or is not a keys file."""
    table = read_table(keys_path)
    digests = json.loads((table.schema.metadata or {})[BATCHES])
    if not isinstance(digests, list) or not all(isinstance(d, str) for d in digests):
        raise ValueError(f"{keys_path}: not a list of batch digests")
    column = table.column("_key").combine_chunks()
    if column.type != pa.binary(32):
        raise ValueError(f"{keys_path}: keys are not 32 bytes")
    return column, digests


class PackWriter:
    """A pack being written, under a temporary name until publish()."""

    def __init__(self, folder: Path, schema: pa.Schema):
        self.folder = folder
        self.schema = schema
        # Keys as 32-byte runs in one buffer, not a bytes object each (about 100 MB less at a million).
        self.keys = bytearray()
        self.digests: list[str] = []  # of the batches written, in order
        self._pending: list[pa.Table] = []
        self._writer: pa.ipc.RecordBatchFileWriter | None = None
        self._temporary: Path | None = None

    def start(self) -> None:
        """Make the file (done by the first rows otherwise): a pack of no rows is still a pack."""
        if self._writer is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._temporary = self.folder / temporary_name(f"pack-{uuid.uuid4().hex}.arrow")
            self._writer = pa.ipc.new_file(str(self._temporary), self.schema)

    def add(self, rows: pa.Table) -> None:
        """Rows of the pack's schema, written once a whole record batch of them is held."""
        self._pending.append(rows)
        self.keys += key_bytes(rows.column("_key"))
        if sum(t.num_rows for t in self._pending) >= PACK_BATCH:
            self._flush()

    def _flush(self, final: bool = False) -> None:
        if not self._pending:
            return
        table = pa.concat_tables(self._pending).combine_chunks()
        cut = table.num_rows if final else table.num_rows - table.num_rows % PACK_BATCH
        self.start()
        assert self._writer is not None  # (made by start())
        for start in range(0, cut, PACK_BATCH):
            batch = table.slice(start, PACK_BATCH).to_batches(max_chunksize=PACK_BATCH)[0]
            self._writer.write_batch(batch)
            self.digests.append(batch_digest(batch))
        self._pending = [table.slice(cut)] if cut < table.num_rows else []

    def seal(self) -> bool:
        """Write the rows still held and close the file; whether there is a file (any rows, or start())."""
        self._flush(final=True)
        if self._writer is None:
            return False
        self._writer.close()
        self._writer = None
        return True

    def publish(self) -> None:
        """Rename the sealed file into place and write its keys file."""
        assert self._temporary is not None  # (sealed)
        name = f"pack-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        os.replace(self._temporary, self.folder / f"{name}.arrow")
        keys = pa.table({"_key": key_array(self.keys)})
        keys = keys.replace_schema_metadata({BATCHES: json.dumps(self.digests)})
        write_table(self.folder / f"{name}.keys.arrow", keys)

    def discard(self) -> None:
        """Drop the file, written or not."""
        if self._writer is not None:
            try:
                self._writer.close()
            except (OSError, pa.ArrowException):
                pass
            self._writer = None
        if self._temporary is not None:
            self._temporary.unlink(missing_ok=True)


def compact(folder: Path, schema: pa.Schema, used: bytes | bytearray) -> None:
    """Rewrite the entries whose keys are in used (back to back) into one pack; delete every other."""
    packs = sorted(folder.glob("pack-*.keys.arrow"))
    writer = PackWriter(folder, schema)
    try:
        writer.start()
        _copy_live(packs, pc.unique(key_array(used)), writer)
        writer.seal()
    except (OSError, pa.ArrowException):
        writer.discard()
        return  # compaction is an economy: the packs as they were still work
    writer.publish()
    for keys_path in packs:
        try:  # (a pack the build's store still reads stays readable: it has the file open)
            pack_of(keys_path).unlink(missing_ok=True)
            keys_path.unlink(
                missing_ok=True
            )  # after the pack: a pack without its keys is never deleted
        except OSError:
            continue  # a system that cannot delete an open file: its entries are kept in both for now


def _copy_live(packs: list[Path], used: pa.Array, writer: PackWriter) -> None:
    """Copy the entries in used from packs (each once): only from batches whose digests match, so
    a damaged entry is never sealed into the new pack under a new digest."""
    seen: set[bytes] = set()
    for keys_path in packs:
        try:
            _, digests = read_keys(keys_path)  # (damaged: its entries were computed again)
            with pa.OSFile(str(pack_of(keys_path))) as source:
                reader = pa.ipc.open_file(source)
                for index in range(min(reader.num_record_batches, len(digests))):
                    batch = reader.get_batch(index)
                    if batch_digest(batch) == digests[index]:
                        _copy_batch(batch, used, seen, writer)
        except (OSError, pa.ArrowException, Damaged, KeyError, ValueError):
            continue  # damaged: what it held of used was computed again, into the new pack


def _copy_batch(
    batch: pa.RecordBatch, used: pa.Array, seen: set[bytes], writer: PackWriter
) -> None:
    live = batch.filter(pc.is_in(batch.column("_key"), value_set=used))
    # An entry computed twice (by two builds at once) is kept once.
    fresh = [k not in seen for k in live.column("_key").to_pylist()]
    live = live.filter(pa.array(fresh, pa.bool_()))
    if live.num_rows:
        writer.add(pa.Table.from_batches([live]))
        seen.update(live.column("_key").to_pylist())
