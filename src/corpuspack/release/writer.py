"""Writing dist/<version>/ atomically: all of it or nothing, and never over a different release."""

from __future__ import annotations

import filecmp
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from corpuspack import faults, leftovers
from corpuspack.build import splits, tables
from corpuspack.build.store import Store, StoreError
from corpuspack.project.schema import RecordSchema
from corpuspack.release import card, citation, croissant, hub, manifest, package
from corpuspack.release.manifest import Source


def data_file(split: str, config: str = "articles", index: int = 0, count: int = 1) -> str:
    """A release file's name, in Hugging Face's naming, which datasets and the Hub read as a split's files."""
    folder = "data" if config == "articles" else config
    return f"{folder}/{split}-{index:05d}-of-{count:05d}.parquet"


class ReleaseError(Exception):
    """The release could not be written; nothing was left behind."""


class ReleaseExists(ReleaseError):
    """The target folder holds a different release; it was not touched."""

    def __init__(self, target: Path, differences: list[str], suggestion: str = ""):
        self.target = target
        self.differences = differences
        super().__init__(
            f"{target} already holds a release that differs ({', '.join(differences)}); releases are never "
            f"rewritten: {suggestion or 'bump the version in datapackage.json'}, or build elsewhere with --out DIR"
        )


@dataclass(frozen=True)
class Outcome:
    path: Path
    files: list[str]
    unchanged: bool


# zstd level 3 (its default): 4 times faster to write than level 9, for files about 5 % larger.
PARQUET_OPTIONS = dict(
    compression="zstd",
    compression_level=3,
    use_dictionary=True,
    write_statistics=True,
    version="2.6",
    data_page_version="2.0",
)


def write_rows(rows: list[dict], schema: RecordSchema, path: Path) -> int:
    return write_table(pa.Table.from_pylist(rows, schema=schema.arrow), schema, path)


def write_table(table: pa.Table, schema: RecordSchema, path: Path) -> int:
    """Write one Parquet file; returns the table's in-memory size (datasets' num_bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    options = dict(PARQUET_OPTIONS)
    if table.num_rows:
        # The build's tables carry no metadata (RecordSchema.plain_arrow): the file gets the release's.
        pq.write_table(table.replace_schema_metadata(schema.arrow.metadata), path, **options)
    else:
        # No row group at all: datasets reads a file with one empty row group with a batch size of 0 and fails.
        with pq.ParquetWriter(path, schema.arrow, **options):
            pass
    return sum(_unmasked(chunk).nbytes for column in table.columns for chunk in column.chunks)


def _unmasked(array: pa.Array) -> pa.Array:
    """The array without validity bitmaps where there are no nulls, as pyarrow builds it from Python
    values. Arrays taken or filtered out of others carry such bitmaps, and pyarrow's nbytes counts
    them: without this the card's num_bytes would depend on how the rows were gathered."""
    buffers = array.buffers()[: array.type.num_buffers]
    if array.null_count == 0:
        buffers[0] = None
    kind = array.type
    if pa.types.is_struct(kind):
        children = [_unmasked(array.field(i)) for i in range(kind.num_fields)]
    elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
        children = [_unmasked(array.values)]
    elif kind.num_fields:
        raise NotImplementedError(
            f"the size of a {kind} column"
        )  # no such field type in a Table Schema
    else:
        children = None
    return pa.Array.from_buffers(
        kind,
        len(array),
        buffers,
        null_count=array.null_count,
        offset=array.offset,
        children=children,
    )


def _listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _same(old: Path, new: Path, name: str) -> bool:
    if name == manifest.NAME:  # the same inputs read at another commit make the same release
        try:
            return manifest.comparable(
                (old / name).read_text(encoding="utf-8")
            ) == manifest.comparable((new / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
    return filecmp.cmp(old / name, new / name, shallow=False)


def _differences(old: Path, new: Path) -> list[str]:
    old_files, new_files = set(_listing(old)), set(_listing(new))
    changed = [
        f"{name} differs" for name in sorted(old_files & new_files) if not _same(old, new, name)
    ]
    changed += [f"{name} would be added" for name in sorted(new_files - old_files)]
    changed += [f"{name} would be removed" for name in sorted(old_files - new_files)]
    return changed


def _check_table(table: pa.Table, schema: RecordSchema, what: str) -> None:
    """Derived rows are validated like the articles: a failure here is a bug, and no release is written."""
    from corpuspack.checks.table import rows_findings

    found = rows_findings(None, schema.descriptor, schema.arrow, table=table)
    if found:
        raise package.PackageError(
            f"the {what} rows do not match their Table Schema: "
            + "; ".join(
                f"row {row}, {field}: {kind} {note or ''}".rstrip()
                for row, field, kind, note in found[:5]
            )
        )


def _suggestion(old: Path, new: Path) -> str:
    """Which version to bump to, under the versioning policy, from what differs."""
    from corpuspack.release.diff import DiffError, diff
    from corpuspack.release.versioning import bump, required

    try:
        change = diff(old, new)
    except DiffError:
        return ""
    part, reasons = required(change)
    part = part or "patch"  # the metadata changed, not the rows
    return (
        f"bump to {bump(change.old, part)} ({part}: {'; '.join(reasons) or 'metadata changed'}) with "
        f"`corpuspack release`"
    )


_NAMES = ["articles.parquet", "quotes.parquet"]


@dataclass(frozen=True)
class _Inputs:
    """What the release files are written from: the store's rows, their schemas and the cache."""

    store: Store
    schema: RecordSchema
    quotes_schema: RecordSchema
    cache: Any  # cache.Cache, or None


def _kept_release_files(
    inputs: _Inputs, split: str, count: int
) -> list[tuple[str | None, tuple | None]]:
    """(key, the cache's files for it or None) of each of a split's release files: a cache that kept
    the files of the same rows (by their cache keys) has them, since the same keys and rules make the
    same bytes."""
    cache = inputs.cache
    if cache is None:
        return [(None, None)] * count
    found = []
    for keys in inputs.store.shard_keys(split, count):
        key = (
            cache.release.key(keys, inputs.schema.arrow, inputs.quotes_schema.arrow)
            if keys is not None
            else None
        )
        found.append((key, cache.release.get(key, _NAMES) if key is not None else None))
    return found


def _write_release_file(
    inputs: _Inputs,
    split: str,
    index: int,
    count: int,
    paths: tuple[Path, Path],
    key: str | None,
    kept: tuple | None,
) -> dict:
    """Write one release file of articles and its file of quotes (paths), or copy the cache's
    (kept, from _kept_release_files); returns their rows and sizes."""
    if kept is not None:
        sizes, cached, digests = kept
        for name, target in zip(_NAMES, paths, strict=True):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cached[name], target)
            package.remember(
                target, digests[name]
            )  # the metadata lists it without reading it again
        return sizes
    articles_path, quotes_path = paths
    table = inputs.store.shard(split, index, count)
    sizes = {"rows": table.num_rows, "bytes": write_table(table, inputs.schema, articles_path)}
    quote_table = tables.quote_table_of(table, inputs.quotes_schema.arrow)
    del table
    _check_table(quote_table, inputs.quotes_schema, "quotes")
    # Written even when empty, so every configuration has the same splits.
    sizes["quote_rows"] = quote_table.num_rows
    sizes["quote_bytes"] = write_table(quote_table, inputs.quotes_schema, quotes_path)
    if key is not None:
        files = dict(zip(_NAMES, paths, strict=True))
        inputs.cache.release.put(
            key, files, sizes, {name: package.sha256_file(path) for name, path in files.items()}
        )
    return sizes


def _write_data(
    staging: Path, splits_wanted, inputs: _Inputs, shard_rows: int
) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]], dict[str, list[str]]]:
    """Write every split's release files into staging: (sizes, quote sizes, data files).

    sizes and quote sizes: split -> (rows, bytes), empty splits left out; data files:
    configuration -> release files, relative to staging.
    """
    store = inputs.store
    plans = {}  # split -> (file count, [(index, key, kept)])
    for name in splits_wanted:
        if not store.split_rows[name]:
            continue
        # A split of more than shard_rows articles is written as several files, each article
        # to the one its id hashes to, sorted by id within it; its quotes go with it. The
        # store reads one file's rows at a time.
        count = splits.shards(store.split_rows[name], shard_rows)
        kept = _kept_release_files(inputs, name, count)
        plans[name] = (count, [(index, key, cached) for index, (key, cached) in enumerate(kept)])
    # The rows of the files to write that are in the cache's packs are read in one pass.
    store.materialize(
        [
            (name, index, count)
            for name, (count, plan) in plans.items()
            for index, _, cached in plan
            if cached is None
        ]
    )
    sizes: dict[str, tuple[int, int]] = {}
    quote_sizes: dict[str, tuple[int, int]] = {}
    data_files: dict[str, list[str]] = {"articles": [], "quotes": []}
    for name, (count, plan) in plans.items():
        rows = nbytes = quote_rows = quote_bytes = 0
        for index, key, cached in plan:
            articles_file = data_file(name, "articles", index, count)
            quotes_file = data_file(name, "quotes", index, count)
            paths = (staging / articles_file, staging / quotes_file)
            done = _write_release_file(inputs, name, index, count, paths, key, cached)
            rows += done["rows"]
            nbytes += done["bytes"]
            quote_rows += done["quote_rows"]
            quote_bytes += done["quote_bytes"]
            data_files["articles"].append(articles_file)
            data_files["quotes"].append(quotes_file)
        sizes[name] = (rows, nbytes)
        quote_sizes[name] = (quote_rows, quote_bytes)
    return sizes, quote_sizes, data_files


def release_date(descriptor: dict) -> str | None:
    """The release date: the date of datapackage.json's "created", which `corpuspack release` sets."""
    created = descriptor.get("created")
    return str(created)[:10] if created else None


def write_release(
    descriptor: dict,
    settings,
    schema: RecordSchema,
    store: Store,
    target: Path,
    quotes_schema: RecordSchema,
    vocabulary,
    source: Source,
    cache=None,
) -> Outcome:
    """Write the release into target atomically.

    Everything is written into a hidden temporary folder beside target and renamed
    into place only once complete; on any failure the temporary folder is removed.
    If target exists with identical bytes nothing changes; if it differs, ReleaseExists.
    With a cache (cache.Cache), the release files whose rows are unchanged are copied
    from it.
    """
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    leftovers.sweep(target.parent, is_partial)  # of builds killed before they could remove them
    # With the umask's permissions: the folder becomes the release, which others may read.
    owned = leftovers.make(f".{target.name}{PARTIAL}", target.parent, private=False)
    staging = owned.path
    try:
        # A file is hashed once: a copied one's digest comes from the cache, a written one's is
        # remembered for datapackage.json, croissant.json and the manifest.
        with package.digests_remembered():
            inputs = _Inputs(store, schema, quotes_schema, cache)
            written = _write_data(staging, settings.splits, inputs, settings.shard_rows)
            _write_metadata(staging, descriptor, settings, inputs, vocabulary, source, *written)
        files = _listing(staging)
        # An empty folder (made beforehand for --out, say) holds no release: it is replaced.
        if target.exists() and not (target.is_dir() and not any(target.iterdir())):
            differences = _differences(target, staging)
            if differences:
                raise ReleaseExists(target, differences, _suggestion(target, staging))
            return Outcome(path=target, files=files, unchanged=True)
        leftovers.fsync_tree(staging)
        faults.point("release-renaming")
        os.rename(staging, target)
        leftovers.fsync_folder(target.parent)
        return Outcome(path=target, files=files, unchanged=False)
    except (
        hub.MetadataError,
        package.PackageError,
        citation.CitationError,
        croissant.CroissantError,
    ) as exc:
        raise ReleaseError(f"release metadata: {exc}") from exc
    except (pa.ArrowException, OSError, StoreError) as exc:
        raise ReleaseError(f"could not write the release: {exc}") from exc
    finally:
        if staging.exists():
            owned.remove()
        else:  # renamed into place
            owned.release()


PARTIAL = ".partial-"


def is_partial(name: str) -> bool:
    """Whether a name in dist/ is that of a release's partial folder (.<version>.partial-<random>)."""
    return name.startswith(".") and PARTIAL in name


def _write_metadata(
    staging: Path,
    descriptor: dict,
    settings,
    inputs: _Inputs,
    vocabulary,
    source: Source,
    sizes: dict,
    quote_sizes: dict,
    data_files: dict,
) -> None:
    """The release's card, datapackage.json, croissant.json, CITATION.cff and, last, its manifest."""
    schema, quotes_schema = inputs.schema, inputs.quotes_schema
    card_text = card.render(
        descriptor,
        settings,
        schema,
        inputs.store.summary,
        sizes=sizes,
        data_files=data_files,
        quotes_schema=quotes_schema,
        quote_sizes=quote_sizes,
        vocabulary=vocabulary,
    )
    (staging / "README.md").write_text(card_text, encoding="utf-8")
    configs = [
        ("articles", schema, data_files["articles"]),
        ("quotes", quotes_schema, data_files["quotes"]),
    ]
    descriptors = [(config, table.descriptor, files) for config, table, files in configs]
    (staging / "datapackage.json").write_text(
        package.render(descriptor, staging, descriptors), encoding="utf-8"
    )
    date = release_date(descriptor)
    (staging / "croissant.json").write_text(
        croissant.render(descriptor, staging, configs, release_date=date), encoding="utf-8"
    )
    (staging / "CITATION.cff").write_text(
        citation.render(descriptor, release_date=date), encoding="utf-8"
    )
    rows = {
        "articles": {name: n for name, (n, _) in sizes.items()},
        "quotes": {name: n for name, (n, _) in quote_sizes.items()},
    }
    # Last: it lists every other file with its hash.
    (staging / manifest.NAME).write_text(
        manifest.render(descriptor, staging, source, rows), encoding="utf-8"
    )
