"""raw/ changing while a build runs (issue 18): the manifest describes exactly the files the build's
scan saw, as the build used them. A file added or removed since the scan, or a capture the cache's
file index vouched for unread and changed since, is a `raw-changed-during-build` error naming it:
exit 1 and no release. A rebuild then gives the release a clean build gives."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from corpuspack.build import pipeline
from corpuspack.cache import file_index
from support import invoke

CAPTURE = "raw/sputnik/001_dc70cf76e71f894f.txt"  # has a sidecar; the cache vouches for it unread
NEW_TEXT = (
    "Harbour ferries resume after the winter storms — RT EN\n\n9 mar 2022 10:15 am\n\n"
    + "\n\n".join(
        f"Paragraph {n} of a capture this test wrote: the ferries of the northern harbour sail "
        f"again on the {n}th day after the storms, the port authority said."
        for n in range(1, 6)
    )
    + "\n"
)


def _replaced(project: Path) -> list[str]:
    capture = project / CAPTURE
    swap = project / "swap.tmp"  # another file, renamed over the capture (as an editor saves)
    swap.write_bytes(capture.read_bytes().replace(b"the", b"THE", 1))
    os.replace(swap, capture)
    return [CAPTURE]


def _edited(project: Path) -> list[str]:
    capture = project / CAPTURE
    before = capture.stat()
    with capture.open("ab") as handle:  # the same inode, a new size and modification time
        handle.write(b"\nA line added while the build ran.\n")
    os.utime(capture, ns=(before.st_atime_ns, before.st_mtime_ns + 5_000_000_000))
    return [CAPTURE]


def _added(project: Path) -> list[str]:
    (project / "raw/rt/005_0123456789abcdef.txt").write_text(NEW_TEXT, encoding="utf-8")
    return ["raw/rt/005_0123456789abcdef.txt"]


def _removed(project: Path) -> list[str]:
    (project / "raw/rt/004_f2e18ad958418c56.txt").unlink()
    return ["raw/rt/004_f2e18ad958418c56.txt"]


def _build(runner, project: Path, out: Path, *options: str):
    return invoke(
        runner, "build", "--project", str(project), "--out", str(out), "--format", "json", *options
    )


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize("change", [_replaced, _edited, _added, _removed])
def test_raw_changed_during_a_build_is_a_finding_and_no_release(
    project, runner, tmp_path, monkeypatch, change
):
    monkeypatch.setattr(file_index, "RACY_NS", 0)  # the files were written a moment ago
    cache = tmp_path / "cache"
    warm = _build(runner, project, tmp_path / "warm", "--cache", str(cache))
    assert warm.exit_code == 0, warm.output
    original = pipeline.run
    changed: list[str] = []

    def run(*args, **kwargs):  # the real build, then raw/ changed before the release is written
        result = original(*args, **kwargs)
        changed.extend(change(project))
        return result

    monkeypatch.setattr(pipeline, "run", run)
    done = _build(runner, project, tmp_path / "during", "--cache", str(cache))
    monkeypatch.setattr(pipeline, "run", original)
    assert done.exit_code == 1, done.output
    findings = json.loads(done.stdout)["findings"]
    assert [f["file"] for f in findings if f["code"] == "raw-changed-during-build"] == changed
    assert all(f["severity"] == "error" for f in findings if f["file"] in changed)
    assert not (tmp_path / "during").exists()
    # Run again (with the cache, as a user would): the release a clean build of raw/ now gives.
    again = _build(runner, project, tmp_path / "again", "--cache", str(cache))
    clean = _build(runner, project, tmp_path / "clean")
    assert again.exit_code == 0 and clean.exit_code == 0, again.output + clean.output
    assert _files(tmp_path / "again") == _files(tmp_path / "clean")
    assert _files(tmp_path / "again") != _files(tmp_path / "warm")


def test_raw_changed_during_a_release_is_a_finding_and_changes_nothing(
    project, runner, monkeypatch
):
    descriptor = (project / "datapackage.json").read_bytes()
    original = pipeline.run

    def run(*args, **kwargs):
        result = original(*args, **kwargs)
        _removed(project)
        return result

    monkeypatch.setattr(pipeline, "run", run)
    release = ("release", "--project", str(project), "--no-commit", "--date", "2026-01-02")
    done = invoke(runner, *release, "--format", "json")
    monkeypatch.setattr(pipeline, "run", original)
    assert done.exit_code == 1, done.output
    findings = json.loads(done.stdout)["findings"]
    assert [(f["file"], f["code"]) for f in findings if f["severity"] == "error"] == [
        ("raw/rt/004_f2e18ad958418c56.txt", "raw-changed-during-build")
    ]
    # Rolled back: no release, datapackage.json as it was, no CHANGELOG.md.
    assert not (project / "dist").exists() or not any((project / "dist").iterdir())
    assert (project / "datapackage.json").read_bytes() == descriptor
    assert not (project / "CHANGELOG.md").exists()
    again = invoke(runner, *release)
    assert again.exit_code == 0, again.output


def test_the_listing_names_files_added_and_removed_whatever_their_names(tmp_path):
    from corpuspack.capture import ingest
    from corpuspack.capture.listing import Listing
    from corpuspack.release.manifest import tree_sha256

    raw = tmp_path / "raw"
    (raw / "rt").mkdir(parents=True)
    odd = os.fsdecode(b"rt/caf\xe9\nline.txt")  # not UTF-8, and a newline in it
    for name in ("rt/a.txt", "rt/b.meta.yaml", odd, "rt/.hidden"):
        (raw / name).write_bytes(b"text\n")
    listing = Listing(raw, ingest.scan(raw, tmp_path).listed, tmp_path)
    unchanged = listing.walk()
    tree_sha256(raw, listed=unchanged.listed)
    assert (unchanged.added, unchanged.removed) == ([], [])
    (raw / odd).unlink()
    (raw / "rt/b.meta.yaml").unlink()
    (raw / "rt/c.txt").write_bytes(b"new\n")
    (raw / "rt/.also-hidden").write_bytes(b"not counted\n")
    changed = listing.walk()
    tree_sha256(raw, listed=changed.listed)
    assert changed.added == ["rt/c.txt"]
    assert changed.removed == sorted([odd, "rt/b.meta.yaml"])
