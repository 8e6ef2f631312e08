"""The cache: a rebuild re-processes only what changed, reads no unchanged capture, and gives exactly
the findings and bytes of a build without it, whatever state the cache is in."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pyarrow as pa
import pytest

from corpuspack.build import pipeline
from corpuspack.build.tables import Summary
from corpuspack.cache import FORMAT, Cache, FileIndex, file_index, integrity
from corpuspack.cache import packs as packs_mod
from corpuspack.cache.atomic import read_table
from corpuspack.capture import ingest
from corpuspack.project import datapackage as project_mod
from corpuspack.release import cut
from support import files


def build(root, out, cache=None):
    project = project_mod.load(root)
    result = pipeline.run(project, cache=cache)
    findings = sorted((f.file, f.line, f.code, f.field, f.message) for f in result.report.findings)
    cut.build(project, result, out)
    result.store.cleanup()
    return findings, files(out)


@pytest.fixture
def reads(monkeypatch):
    """The captures read from disk during a build."""
    seen = []
    original = ingest.read

    def read(capture, max_bytes, *args):
        seen.append(capture.shown)
        return original(capture, max_bytes, *args)

    monkeypatch.setattr(ingest, "read", read)
    return seen


@pytest.fixture
def corpus_copy(corpus_root, tmp_path):  # noqa: F811
    return shutil.copytree(corpus_root, tmp_path / "corpus")


def test_a_warm_cache_reads_no_capture_and_changes_nothing(
    corpus_copy,
    reference,  # noqa: F811
    tmp_path,
    monkeypatch,
    reads,
):
    monkeypatch.setattr(file_index, "RACY_NS", 0)  # the files were written a moment ago
    folder = tmp_path / "cache"
    cold = Cache(folder)
    assert build(corpus_copy, tmp_path / "cold", cold) == reference
    assert cold.hits == 0 and cold.misses > 120
    captured = len(reads)
    assert captured > 120
    warm = Cache(folder)
    assert build(corpus_copy, tmp_path / "warm", warm) == reference
    assert (warm.hits, warm.misses) == (cold.misses, 0)
    assert len(reads) == captured and warm.files.hashed == 0  # not one capture read again
    # Every Parquet file (4 of articles, each with its file of quotes) is copied, not written.
    assert (cold.release.reused, warm.release.reused) == (0, 4)


def test_copied_release_files_are_not_read_to_be_hashed_and_a_damaged_copy_is_not_used(
    corpus_copy,
    reference,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    import pathlib

    monkeypatch.setattr(file_index, "RACY_NS", 0)
    folder = tmp_path / "cache"
    build(corpus_copy, tmp_path / "cold", Cache(folder))
    opened = []
    real_open = pathlib.Path.open

    def open_(self, mode="r", *args, **kwargs):
        if (
            self.suffix == ".parquet" and "r" in mode and ".partial-" in str(self)
        ):  # while the release is written
            opened.append(self.name)
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", open_)
    warm = Cache(folder)
    assert (
        build(corpus_copy, tmp_path / "warm", warm) == reference
    )  # the metadata lists the same digests
    assert warm.release.reused == 4 and opened == []  # copied, and their digests came with them
    # A kept file that is not the length recorded for it (damaged on disk) is not copied: written anew.
    entry = next(
        p
        for p in (folder / f"v{FORMAT}" / "release").iterdir()
        if (p / "articles.parquet").is_file()
    )
    with real_open(entry / "articles.parquet", "ab") as handle:
        handle.write(b"damage")
    again = Cache(folder)
    assert build(corpus_copy, tmp_path / "again", again) == reference
    assert again.release.reused == 3 and opened
    # The damaged entry was replaced by the files written instead, and serves the next build.
    assert not (entry / "articles.parquet").read_bytes().endswith(b"damage")
    assert Cache(folder).release.get(entry.name, ["articles.parquet", "quotes.parquet"]) is not None
    # So is an entry that lost one of its files.
    (entry / "quotes.parquet").unlink()
    last = Cache(folder)
    assert build(corpus_copy, tmp_path / "last", last) == reference
    assert last.release.reused == 3 and (entry / "quotes.parquet").is_file()


def test_one_changed_capture_is_the_only_one_processed(corpus_copy, tmp_path, monkeypatch, reads):
    monkeypatch.setattr(file_index, "RACY_NS", 0)
    folder = tmp_path / "cache"
    build(corpus_copy, tmp_path / "first", Cache(folder))
    changed = corpus_copy / "raw/rt/0000023.txt"
    text = changed.read_text(encoding="utf-8")
    word = next(w for w in text.split() if len(w) > 6 and w.isalpha())
    # The same size and the same modification time: the change time still tells.
    status = changed.stat()
    changed.write_text(text.replace(word, word[::-1], 1), encoding="utf-8")
    os.utime(changed, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert changed.stat().st_size == status.st_size
    del reads[:]
    from corpuspack.build.store import Store

    passes = []
    materialize = Store.materialize
    monkeypatch.setattr(
        Store,
        "materialize",
        lambda self, files: passes.append(list(files)) or materialize(self, files),
    )
    again = Cache(folder)
    rebuilt = build(corpus_copy, tmp_path / "second", again)
    assert (
        len(passes) == 1 and len(passes[0]) == 1
    )  # one pass over the packs, for the one file written again
    assert reads == ["raw/rt/0000023.txt"]
    assert again.misses == 1 and again.hits > 120
    assert again.release.reused == 3  # only the file with the changed article is written again
    assert rebuilt == build(corpus_copy, tmp_path / "uncached")  # the same as no cache at all
    assert rebuilt[1] != files(tmp_path / "first")


def test_files_changed_just_before_a_build_are_read_again(corpus_copy, tmp_path, reads):
    folder = tmp_path / "cache"
    build(corpus_copy, tmp_path / "first", Cache(folder))
    del reads[:]
    warm = Cache(folder)
    build(corpus_copy, tmp_path / "second", warm)
    # Written less than RACY_NS before the first build: their times cannot vouch for their bytes,
    # so they are hashed again (their entries are still found by content).
    assert warm.files.hashed > 120 and warm.misses == 0 and not reads


def test_a_damaged_or_deleted_cache_changes_nothing(corpus_copy, reference, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr(file_index, "RACY_NS", 0)
    folder = tmp_path / "cache"
    build(corpus_copy, tmp_path / "first", Cache(folder))
    packs = sorted(folder.rglob("pack-*.arrow"))
    data = next(p for p in packs if not p.name.endswith(".keys.arrow"))
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])  # cut short
    (folder / f"v{FORMAT}" / "files.arrow").write_bytes(b"not arrow")
    damaged = Cache(folder)
    findings, written = build(corpus_copy, tmp_path / "damaged", damaged)
    told = [f for f in findings if f[2] == "damaged-cache-file"]
    assert sorted(f[0] for f in told) == sorted(
        [str(data), str(folder / f"v{FORMAT}" / "files.arrow")]
    )
    assert ([f for f in findings if f not in told], written) == reference
    assert damaged.misses > 120  # every entry was computed again
    shutil.rmtree(folder)
    assert build(corpus_copy, tmp_path / "deleted", Cache(folder)) == reference


def test_packs_are_compacted_to_the_entries_in_use(corpus_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(file_index, "RACY_NS", 0)
    monkeypatch.setattr(packs_mod, "MAX_PACKS", 3)
    folder = tmp_path / "cache"
    changed = corpus_copy / "raw/rt/0000031.txt"
    original = changed.read_text(encoding="utf-8")

    def entries() -> tuple[int, int]:
        keys = list(folder.rglob("pack-*.keys.arrow"))
        return len(keys), sum(read_table(p).num_rows for p in keys)

    counts = []
    for round_ in range(6):  # each build computes one new entry, so adds one pack
        changed.write_text(original + f"\n\nUpdate {round_}.", encoding="utf-8")
        cache = Cache(folder)
        expected = build(corpus_copy, tmp_path / f"out{round_}", cache)
        counts.append((entries(), cache.hits, cache.misses))
    (first, _, misses), *_ = counts
    assert first == (1, misses) and misses > 120
    assert [packs for (packs, _), _, _ in counts] == [1, 2, 3, 1, 2, 3]
    # The fourth build had four packs: they became one, of the entries that build used.
    (_, kept), hits, misses = counts[3]
    assert (hits, misses) == (first[1] - 1, 1) and kept == hits + misses
    # Each build wrote one Parquet file of articles anew (and its quotes): the files of the last
    # build's 4 are kept, and as many others, the most recently used.
    assert len(list((folder / f"v{FORMAT}" / "release").iterdir())) == 8
    assert build(corpus_copy, tmp_path / "uncached") == expected
    final = Cache(folder)
    assert build(corpus_copy, tmp_path / "final", final) == expected
    assert final.misses == 0


def test_cached_rows_are_read_from_the_packs_even_once_a_compaction_deleted_them(
    corpus_copy, tmp_path, monkeypatch
):
    """The store keeps where a cache hit's row is in the packs, not a copy. The packs it read stay open:
    a compaction at the end of the build deletes their files, and the rows are still read from them,
    file by file (shard()), in one pass for several files (materialize()) and record by record."""
    monkeypatch.setattr(file_index, "RACY_NS", 0)
    monkeypatch.setattr(packs_mod, "MAX_PACKS", 1)  # every build compacts
    folder = tmp_path / "cache"
    build(corpus_copy, tmp_path / "first", Cache(folder))
    changed = corpus_copy / "raw/rt/0000023.txt"
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\n\nOne more paragraph.", encoding="utf-8"
    )
    project = project_mod.load(corpus_copy)
    plain = pipeline.run(project)
    packs_before = sorted(folder.rglob("pack-*.arrow"))
    cache = Cache(folder)
    warm = pipeline.run(project, cache=cache)
    try:
        assert cache.hits > 120 and cache.misses == 1
        assert not any(
            p.exists() for p in packs_before
        )  # compacted away while the store reads them
        stored = warm.store.column("_where").to_numpy()
        assert (stored >= 0).sum() == 1 and len(stored) > 120  # only the computed record was copied
        assert warm.articles == plain.articles
        # A file none of whose rows are cached: nothing to read from the packs for it.
        (computed,) = [
            i
            for i in range(400)
            if i
            not in {
                int(x)
                for x in np.minimum(399, (warm.store.column("_pos").to_numpy()[stored < 0] * 400))
            }
        ][:1]
        warm.store.materialize([("train", computed, 400)])
        assert warm.store.shard("train", computed, 400).equals(
            plain.store.shard("train", computed, 400)
        )
        layouts = [("train", 3), ("test", 1), ("train", 7)]
        direct = {(s, i, c): warm.store.shard(s, i, c) for s, c in layouts for i in range(c)}
        warm.store.materialize(list(direct))
        for (split, index, count), table in direct.items():
            expected = plain.store.shard(split, index, count)
            assert table.equals(expected) and warm.store.shard(split, index, count).equals(expected)
    finally:
        opened = list(cache.rows._sources)
        warm.store.cleanup()
        plain.store.cleanup()
    assert opened and all(
        source.closed for source in opened
    )  # the store closed the packs it kept open


def test_the_cards_counts_from_arrow_are_those_of_the_records(corpus_root):  # noqa: F811
    result = pipeline.run(project_mod.load(corpus_root))
    try:
        assert result.store.summary == Summary.of(result.articles)
        assert result.store.summary.annotations and result.store.summary.removed
    finally:
        result.store.cleanup()


def test_the_file_index_hashes_raw_as_reading_every_file_does(corpus_copy, tmp_path, monkeypatch):
    from corpuspack.release.manifest import tree_sha256

    monkeypatch.setattr(file_index, "RACY_NS", 0)
    monkeypatch.setattr(file_index, "SAVE_ROWS", 7)  # the index written in many batches
    raw = corpus_copy / "raw"
    (raw / "rt" / "deeper").mkdir()
    (raw / "rt" / "deeper" / "notes.md").write_text("a stray file", encoding="utf-8")
    os.symlink("/etc/hostname", raw / "rt" / "link.txt")
    os.symlink("/etc", raw / "linked-folder")
    cache = Cache(tmp_path / "cache")
    assert tree_sha256(raw, cache.file_digests) == tree_sha256(raw)
    assert cache.files.hashed > 120
    cache.files.save()
    (raw / "rt" / "deeper" / "notes.md").write_text("a stray file, changed", encoding="utf-8")
    again = Cache(tmp_path / "cache")
    assert tree_sha256(raw, again.file_digests) == tree_sha256(raw)
    assert again.files.hashed == 1  # the changed file; the others' digests were known


def test_the_manifest_hashes_the_captures_as_the_build_read_them(
    corpus_copy, tmp_path, monkeypatch
):
    from corpuspack.release.manifest import tree_sha256

    raw = corpus_copy / "raw"
    before = tree_sha256(raw)
    cache = Cache(tmp_path / "cache")
    result = pipeline.run(project_mod.load(corpus_copy), cache=cache)
    result.store.cleanup()
    # After the captures were read, one is changed in place (same inode) and a stray file is added.
    capture = raw / "rt/0000007.txt"
    capture.write_bytes(capture.read_bytes() + b"\nchanged after it was read")
    (raw / "notes.md").write_text("not a capture", encoding="utf-8")
    stats = []
    real_stat = os.stat
    monkeypatch.setattr(
        os, "stat", lambda path, **kw: stats.append(str(path)) or real_stat(path, **kw)
    )
    seen_by_build = tree_sha256(raw, cache.file_digests)
    monkeypatch.undo()
    # The capture's digest is the one the build used; the stray file, never seen, is stat and read.
    (raw / "notes.md").unlink()
    capture.write_bytes(capture.read_bytes().removesuffix(b"\nchanged after it was read"))
    assert tree_sha256(raw) == before
    (raw / "notes.md").write_text("not a capture", encoding="utf-8")
    assert seen_by_build == tree_sha256(raw)
    assert [path for path in stats if path != str(raw)] == [
        str(raw / "notes.md")
    ]  # raw/ itself: is_dir()


def test_packs_of_other_rules_are_dropped(corpus_copy, tmp_path):
    folder = tmp_path / "cache"
    build(corpus_copy, tmp_path / "first", Cache(folder))
    (layout,) = (folder / f"v{FORMAT}" / "packs").iterdir()
    stale = layout.with_name("0" * 24)  # as left by an older corpuspack or another record schema
    shutil.copytree(layout, stale)
    again = Cache(folder)
    build(corpus_copy, tmp_path / "second", again)
    assert again.misses == 0 and not stale.exists() and layout.exists()


@pytest.mark.parametrize("batch, hits, lookup", [(5, 7, 3), (1, 1, 1), (512, 100_000, 100_000)])
def test_batch_hit_and_lookup_sizes_change_nothing(
    corpus_copy,
    reference,  # noqa: F811
    tmp_path,
    monkeypatch,
    batch,
    hits,
    lookup,
):
    monkeypatch.setattr(file_index, "RACY_NS", 0)
    folder = tmp_path / "cache"
    build(corpus_copy, tmp_path / "first", Cache(folder))
    changed = corpus_copy / "raw/global-times/0000010.txt"
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text + "\n\nAn added paragraph.", encoding="utf-8")
    expected = build(corpus_copy, tmp_path / "uncached")
    monkeypatch.setattr(pipeline, "BATCH", batch)
    monkeypatch.setattr(pipeline, "HITS", hits)
    monkeypatch.setattr(pipeline, "LOOKUP", lookup)
    mixed = Cache(folder)  # one capture computed among the cached ones
    assert build(corpus_copy, tmp_path / "mixed", mixed) == expected
    assert mixed.misses == 1
    changed.write_text(text, encoding="utf-8")
    assert build(corpus_copy, tmp_path / "back", Cache(folder)) == reference


def test_the_file_index_tells_files_apart_by_their_stat_when_path_hashes_collide(
    tmp_path, monkeypatch
):
    import hashlib
    import types

    monkeypatch.setattr(file_index, "RACY_NS", 0)
    real = file_index.xxhash.xxh3_64_intdigest
    # Every path hashes to 7; the second, seeded hash that knows a file this build read is real.
    monkeypatch.setattr(
        file_index,
        "xxhash",
        types.SimpleNamespace(
            xxh3_64_intdigest=lambda data, seed=0: real(data, seed) if seed else 7
        ),
    )
    paths = [tmp_path / f"{i}.txt" for i in range(5)]
    for i, path in enumerate(paths):
        path.write_text(f"capture {i}" * (i + 1), encoding="utf-8")

    def digests(index):
        return [d for d, _ in index.digests(paths, [os.stat(p) for p in paths])]

    truth = [hashlib.sha256(p.read_bytes()).digest() for p in paths]
    first = FileIndex(tmp_path / "files.arrow")
    assert digests(first) == truth and first.hashed == 5
    # Known as this build read them, by the second hash: not stat, not read again.
    inodes = [os.stat(p).st_ino for p in paths]
    assert first.digests_by_inode([str(p) for p in reversed(paths)], inodes[::-1]) == truth[::-1]
    assert first.hashed == 5
    first.save()
    again = FileIndex(tmp_path / "files.arrow")
    assert digests(again) == truth and again.hashed == 0  # every path hashes to 7: the stats decide
    paths[2].write_text("changed", encoding="utf-8")
    changed = FileIndex(tmp_path / "files.arrow")
    assert digests(changed) == [*truth[:2], hashlib.sha256(b"changed").digest(), *truth[3:]]
    assert changed.hashed == 1


def test_the_saved_index_keeps_the_files_of_this_build_sorted_whether_known_or_new(
    tmp_path, monkeypatch
):
    """A rebuild marks the index rows it matched and appends new or changed files; save() merges the two.
    The result must be the index a first build of the same files would save: the same rows, sorted."""
    import hashlib

    monkeypatch.setattr(file_index, "RACY_NS", 0)
    monkeypatch.setattr(file_index, "SAVE_ROWS", 5)  # the merge crosses many written batches
    folder = tmp_path / "files"
    folder.mkdir()
    paths = [folder / f"{i:03d}.txt" for i in range(40)]
    for i, path in enumerate(paths):
        path.write_text(f"file {i}", encoding="utf-8")

    def rows(index_path):
        body = integrity.unsealed(index_path.read_bytes())  # the index's digest follows it
        assert body is not None
        table = pa.ipc.open_file(pa.BufferReader(pa.py_buffer(body))).read_all()
        assert table.column("path_hash").to_pylist() == sorted(
            table.column("path_hash").to_pylist()
        )
        return sorted(zip(*(table.column(n).to_pylist() for n in table.column_names), strict=True))

    def see(index, chosen):
        found = index.digests(chosen, [os.stat(p) for p in chosen])
        assert [d for d, _ in found] == [hashlib.sha256(p.read_bytes()).digest() for p in chosen]

    first = FileIndex(tmp_path / "files.arrow")
    see(first, paths)
    first.save()
    # A rebuild: some files changed, some deleted, some new; one known file is asked for twice.
    paths[3].write_text("changed", encoding="utf-8")
    paths[17].write_text("changed too", encoding="utf-8")
    gone = paths.pop(25)
    gone.unlink()
    paths += [folder / "new-a.txt", folder / "000-new.txt"]
    for path in paths[-2:]:
        path.write_text(f"new {path.name}", encoding="utf-8")
    again = FileIndex(tmp_path / "files.arrow")
    see(again, paths[:20])
    see(again, paths[20:])
    assert again.hashed == 4  # two changed, two new
    assert again.digests_by_inode(
        [str(paths[3]), str(paths[30])], [os.stat(p).st_ino for p in (paths[3], paths[30])]
    ) == [hashlib.sha256(p.read_bytes()).digest() for p in (paths[3], paths[30])]
    assert again.hashed == 4  # both known from this build, neither read nor stat again
    again.save()
    fresh = FileIndex(tmp_path / "fresh.arrow")
    see(fresh, paths)
    fresh.save()
    assert rows(tmp_path / "files.arrow") == rows(tmp_path / "fresh.arrow")
    assert len(rows(tmp_path / "files.arrow")) == len(paths)
    # And the merged index serves the next build without reading anything.
    third = FileIndex(tmp_path / "files.arrow")
    see(third, paths)
    assert third.hashed == 0


def test_a_focused_check_gives_the_same_findings_from_the_cache(corpus_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(file_index, "RACY_NS", 0)
    project = project_mod.load(corpus_copy)
    focus = {
        "raw/rt/zz-trimmed-copy.txt",
        "raw/rt/zz-same-url.meta.yaml",
        "raw/rt/0000019.meta.yaml",
    }

    def findings(cache=None):
        result = pipeline.run(project, focus=focus, cache=cache)
        result.store.cleanup()
        return sorted((f.file, f.line, f.code, f.field, f.message) for f in result.report.findings)

    uncached = findings()
    assert {code for _, _, code, _, _ in uncached} >= {
        "near-duplicate",
        "duplicate-url",
        "duplicate-id",
    }
    folder = tmp_path / "cache"
    assert findings(Cache(folder)) == uncached  # cold
    warm = Cache(folder)
    assert findings(warm) == uncached and warm.misses == 0


def test_entries_of_captures_that_made_no_record_come_back_from_the_cache(
    corpus_copy, tmp_path, monkeypatch
):
    monkeypatch.setattr(file_index, "RACY_NS", 0)
    (corpus_copy / "raw/rt/zz-title-only.txt").write_text(
        "A title and nothing else\n", encoding="utf-8"
    )
    (corpus_copy / "raw/rt/zz-not-utf8.txt").write_bytes(
        "Caf\u00e9 title\n\nBody text.\n".encode("latin-1")
    )
    uncached, _ = build(corpus_copy, tmp_path / "plain")
    codes = {(file, code) for file, _, code, _, _ in uncached}
    assert {
        ("raw/rt/zz-title-only.txt", "no-body-text"),
        ("raw/rt/zz-not-utf8.txt", "invalid-utf8"),
    } <= codes
    folder = tmp_path / "cache"
    assert build(corpus_copy, tmp_path / "cold", Cache(folder))[0] == uncached
    warm = Cache(folder)
    assert build(corpus_copy, tmp_path / "warm", warm)[0] == uncached
    assert warm.misses == 0 and warm.hits > 120


def _tree_sha256_as_lines(folder):
    """The manifest's tree hash as first written: every line a Python string, sorted and joined."""
    import hashlib
    from pathlib import Path

    from corpuspack.release.manifest import sha256_file

    lines = []
    for directory, folders, names in os.walk(folder):
        for name in folders + names:
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, folder).replace(os.sep, "/")
            if os.path.islink(path):
                if name in names:
                    target = hashlib.sha256(
                        os.readlink(path).encode("utf-8", "surrogateescape")
                    ).hexdigest()
                    lines.append(f"symlink:{target}  {relative}\n")
            elif name in names:
                lines.append(f"{sha256_file(Path(path))}  {relative}\n")
    return hashlib.sha256("".join(sorted(lines)).encode("utf-8", "surrogateescape")).hexdigest()


@pytest.mark.parametrize("odd", [False, True])
def test_the_tree_hash_sorted_in_arrow_is_that_of_the_sorted_lines(tmp_path, monkeypatch, odd):
    from corpuspack.release import manifest

    monkeypatch.setattr(manifest, "CHUNK", 3)  # several chunks per folder
    raw = tmp_path / "raw"
    (raw / "rt" / "deep").mkdir(parents=True)
    for name, data in {
        "rt/a.txt": b"same",
        "rt/b.txt": b"same",
        "rt/a": b"x",
        "rt/a\x05b": b"x",
        "rt/caf\u00e9.txt": b"y",
        "rt/\u4e2d\u6587.txt": b"z",
        "rt/deep/a.txt": b"same",
        "zz.txt": b"",
        "rt/\u0100.txt": b"w",
        "rt/\U0001f600.txt": b"v",
    }.items():
        (raw / name).write_bytes(data)
    os.symlink("/etc/hostname", raw / "rt" / "link.txt")
    os.symlink("a.txt", raw / "rt" / "alias.txt")
    os.symlink("/etc", raw / "folder-link")
    if odd:  # a name that is not UTF-8: kept by surrogateescape, sorted as Python sorts strings
        open(os.path.join(os.fsencode(raw / "rt"), b"bad-\xc3.txt"), "wb").close()
    expected = _tree_sha256_as_lines(raw)
    assert manifest.tree_sha256(raw) == expected
    cache = Cache(tmp_path / "cache")
    assert manifest.tree_sha256(raw, cache.file_digests) == expected


def test_a_cache_used_for_two_builds_leaves_packs_a_third_can_use(
    corpus_copy, tmp_path, monkeypatch
):
    monkeypatch.setattr(file_index, "RACY_NS", 0)
    folder = tmp_path / "cache"
    cache = Cache(folder)
    build(corpus_copy, tmp_path / "first", cache)
    changed = corpus_copy / "raw/rt/0000031.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nAn update.", encoding="utf-8")
    cache.hits = cache.misses = 0
    build(corpus_copy, tmp_path / "second", cache)  # the same Cache again
    assert cache.misses == 1
    fresh = Cache(folder)
    assert build(corpus_copy, tmp_path / "third", fresh) == build(corpus_copy, tmp_path / "plain")
    assert fresh.misses == 0
