"""Captures that come as JSONL bundles (plain, gzip, zstd) give the same articles, and findings name bundle and line."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
import yaml
import zstandard

from corpuspack.build import pipeline
from corpuspack.project import datapackage as project_mod
from support import REPO, copy_project, invoke

COMPARED = (
    "outlet",
    "url",
    "title",
    "lead",
    "published",
    "published_date",
    "published_precision",
    "dateline",
    "language",
    "text",
    "keywords",
    "raw_sha256",
    "sidecar_notes",
)


def bundle_lines(outlet: Path) -> list[bytes]:
    lines = []
    for capture in sorted(outlet.glob("*.txt")):
        record = {"name": capture.name, "text": capture.read_text(encoding="utf-8")}
        sidecar = capture.with_name(capture.name.removesuffix(".txt") + ".meta.yaml")
        if sidecar.exists():
            record["meta"] = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
        lines.append(json.dumps(record, default=str).encode() + b"\n")
    return lines


def write_bundle(path: Path, lines: list[bytes]) -> None:
    data = b"".join(lines)
    if path.name.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    elif path.name.endswith(".zst"):
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)


def as_bundles(root: Path) -> dict[str, str]:
    """raw/<outlet>/*.txt (+ sidecars) become one bundle per outlet, a different compression each;
    standoff annotation files stay beside nothing (they belong to single-file captures), so they go."""
    suffixes = iter([".jsonl", ".jsonl.gz", ".jsonl.zst", ".jsonl.zst"])
    names = {}
    for outlet in sorted(p for p in (root / "raw").iterdir() if p.is_dir()):
        bundle = outlet / f"batch{next(suffixes)}"
        write_bundle(bundle, bundle_lines(outlet))
        for path in outlet.iterdir():
            if path != bundle:
                names[path.name] = f"raw/{outlet.name}/{bundle.name}/{path.name}"
                path.unlink()
    return names


@pytest.fixture(scope="module")
def from_files():
    return {a.raw_path.rsplit("/", 1)[-1]: a for a in pipeline.run(project_mod.load(REPO)).articles}


def test_bundles_give_the_articles_that_files_give(tmp_path, from_files):
    root = copy_project(tmp_path / "corpus")
    paths = as_bundles(root)
    result = pipeline.run(project_mod.load(root))
    assert [f for f in result.report.findings if f.severity == "error"] == []
    by_name = {a.raw_path.rsplit("/", 1)[-1]: a for a in result.articles}
    assert sorted(by_name) == sorted(from_files)
    for name, article in by_name.items():
        assert article.raw_path == paths[name]
        expected = from_files[name]
        for field in COMPARED:
            assert getattr(article, field) == getattr(expected, field), (name, field)
        # Quotations are found on the text alone (the people's standoff files stayed with the files).
        assert [a for a in article.annotations if a.source == "rule"] == [
            a for a in expected.annotations if a.source == "rule"
        ]


def test_a_release_builds_from_bundles(tmp_path, runner):
    root = copy_project(tmp_path / "corpus")
    as_bundles(root)
    result = invoke(runner, "build", "--project", str(root), "--out", str(tmp_path / "release"))
    assert result.exit_code == 0, result.output
    assert "5 articles" in result.output


def test_bad_lines_are_findings_naming_the_bundle_and_the_line(tmp_path):
    root = copy_project(tmp_path / "corpus")
    as_bundles(root)
    good = bundle_lines(REPO / "raw/rt")
    lines = [
        good[0],  # 1: fine
        b"{not json\n",  # 2
        b'["a list"]\n',  # 3
        b'{"name": "../escape.txt", "text": "x"}\n',  # 4
        b'{"name": "a.txt", "text": "x", "html": "<p>"}\n',  # 5
        good[0],  # 6: the same name again
        b"\n",  # 7: blank, skipped
        b'{"name": "empty.txt", "text": ""}\n',  # 8: a capture with a problem
        b'{"name": "bad_meta.txt", "text": "x", "meta": {"published": {"value": "2020-01-01"}}}\n',  # 9
    ]
    bundle = root / "raw/rt/batch.jsonl.zst"
    write_bundle(bundle, lines)
    report = pipeline.run(project_mod.load(root)).report
    found = {(f.line, f.code) for f in report.findings if f.file == "raw/rt/batch.jsonl.zst"}
    assert {
        (2, "invalid-jsonl"),
        (3, "invalid-jsonl"),
        (4, "invalid-jsonl"),
        (5, "invalid-jsonl"),
        (6, "duplicate-capture"),
        (8, "empty-file"),
    } <= found
    assert not any(line == 7 for line, _ in found)
    empty = next(f for f in report.findings if f.line == 8 and f.file.endswith("batch.jsonl.zst"))
    assert empty.message.startswith("empty.txt (text): ") and empty.message.endswith(
        "drop its line from the bundle"
    )
    meta = [f for f in report.findings if f.file == "raw/rt/batch.jsonl.zst" and f.line == 9]
    assert meta and all(f.message.startswith("bad_meta.txt (") for f in meta)
    assert not [
        f for f in report.findings if ".jsonl.zst/" in f.file
    ]  # nothing left on the inner path


def test_a_truncated_bundle_is_a_finding_and_nothing_is_lost_quietly(tmp_path):
    root = copy_project(tmp_path / "corpus")
    as_bundles(root)
    bundle = next((root / "raw").glob("*/batch.jsonl.zst"))
    bundle.write_bytes(bundle.read_bytes()[:-20])
    report = pipeline.run(project_mod.load(root)).report
    problems = [f for f in report.findings if f.code == "unreadable-bundle"]
    assert problems and problems[0].file == bundle.relative_to(root).as_posix()
    assert not report.valid


def test_a_changed_bundle_focuses_validation_on_its_captures(tmp_path, runner):
    root = copy_project(tmp_path / "corpus")
    as_bundles(root)
    bundle = root / "raw/rt/batch.jsonl.gz"
    result = invoke(runner, "validate", "--project", str(root), "--format", "json", str(bundle))
    report = json.loads(result.output)
    assert report["stats"]["articles"] == 1


@pytest.mark.parametrize("batch", [1, pipeline.BATCH])
def test_a_corpus_finding_on_a_bundle_line_names_the_bundle_and_the_line(
    tmp_path, monkeypatch, batch
):
    """Corpus-level checks run after the batches, on the store: their findings are moved onto the line too."""
    monkeypatch.setattr(pipeline, "BATCH", batch)
    root = copy_project(tmp_path / "corpus")
    rt = next((root / "raw/rt").glob("*.txt"))
    copy = json.dumps({"name": "copy.txt", "text": rt.read_text(encoding="utf-8")}).encode() + b"\n"
    write_bundle(
        root / "raw/rt/more.jsonl.gz",
        [b'{"name": "other.txt", "text": "Too short to matter."}\n', copy],
    )
    report = pipeline.run(project_mod.load(root)).report
    duplicate = [f for f in report.findings if f.code == "duplicate-text"]
    assert [(f.file, f.line) for f in duplicate] == [("raw/rt/more.jsonl.gz", 2)]
    assert duplicate[0].message.startswith("copy.txt (text): the text is identical to raw/rt/")


def _edit(bundle: Path, how: str) -> None:
    """Change a bundle's captures after the build read it: in place keeping its size and times, in
    place at another size, or by a new file renamed over it (another inode)."""
    status = bundle.stat()
    data = bundle.read_bytes()
    if how == "same size and times":
        assert b" the " in data
        bundle.write_bytes(data.replace(b" the ", b" THE ", 1))
        os.utime(bundle, ns=(status.st_atime_ns, status.st_mtime_ns))
        assert bundle.stat().st_size == status.st_size
        return
    lines = [line.replace(b" the ", b" the edited ", 1) for line in _lines_of(bundle)]
    if how == "other size":
        write_bundle(bundle, lines)
    else:
        write_bundle(bundle.with_name("new-" + bundle.name), lines)
        os.replace(bundle.with_name("new-" + bundle.name), bundle)
    assert bundle.stat().st_size != status.st_size or how == "replaced"


def _lines_of(bundle: Path) -> list[bytes]:
    data = bundle.read_bytes()
    if bundle.name.endswith(".gz"):
        data = gzip.decompress(data)
    elif bundle.name.endswith(".zst"):
        data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return data.splitlines(keepends=True)


@pytest.mark.parametrize("how", ["same size and times", "other size", "replaced"])
@pytest.mark.parametrize("cached", [False, True], ids=["no cache", "cache"])
def test_bundles_edited_after_the_build_read_them_are_in_the_manifest_as_read(
    tmp_path, monkeypatch, how, cached
):
    from corpuspack import api
    from corpuspack.cache import Cache, file_index
    from corpuspack.release import cut
    from corpuspack.release.manifest import tree_sha256

    monkeypatch.setattr(file_index, "RACY_NS", 0)  # the file index keeps what this build read
    root = copy_project(tmp_path / "corpus")
    as_bundles(root)
    raw, loaded = root / "raw", project_mod.load(root)
    as_read = tree_sha256(raw)
    bundles = sorted(raw.glob("*/batch.jsonl*"))
    assert {b.name for b in bundles} == {"batch.jsonl", "batch.jsonl.gz", "batch.jsonl.zst"}
    result = pipeline.run(loaded, cache=Cache(tmp_path / "cache") if cached else None)
    # (a compressed bundle edited keeping its size would no longer decompress)
    for bundle in bundles if how != "same size and times" else raw.glob("*/batch.jsonl"):
        _edit(bundle, how)
    edited = tree_sha256(raw)
    assert edited != as_read
    cut.build(loaded, result, tmp_path / "release")
    result.store.cleanup()
    manifest = json.loads((tmp_path / "release" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["source"]["raw_sha256"] == as_read
    assert api.verify(tmp_path / "release").valid
    if cached:  # the next build with the cache reads the bundles as they are now
        again = pipeline.run(loaded, cache=Cache(tmp_path / "cache"))
        cut.build(loaded, again, tmp_path / "again")
        again.store.cleanup()
        text = (tmp_path / "again" / "manifest.json").read_text(encoding="utf-8")
        assert json.loads(text)["source"]["raw_sha256"] == edited
