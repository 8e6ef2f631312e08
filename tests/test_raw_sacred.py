"""raw/ is sacred and consistent: nothing is ever written inside it (--out, --cache and the
temporary folder there are refused), one rule decides which of its files count (hidden ones are a
finding and are left out of the manifest's hash), and only regular files are opened (a FIFO, a
socket or a device is a finding, never waited on)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from corpuspack import api
from corpuspack.capture import ingest
from corpuspack.capture.files import NotRegular, open_regular
from corpuspack.release.manifest import tree_sha256
from support import invoke


def _tree(folder: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every entry under folder (not following links): its mode and, for a regular file, its bytes."""
    found = {}
    for path in sorted(folder.rglob("*")):
        mode = path.lstat().st_mode
        found[path.relative_to(folder).as_posix()] = (
            mode,
            path.read_bytes() if stat.S_ISREG(mode) else None,
        )
    return found


def _codes(report) -> set[tuple[str, str]]:
    return {(f.file, f.code) for f in report.findings}


@pytest.mark.parametrize(
    "out", ["raw/rt/release", "raw", "linked/release"], ids=["inside", "itself", "through a link"]
)
def test_a_release_inside_raw_is_refused_and_nothing_is_written(project, out):
    os.symlink(project / "raw" / "rt", project / "linked")
    before = _tree(project / "raw")
    with pytest.raises(api.UsageError, match="raw/"):
        api.build(api.load_project(project), out=project / out)
    assert _tree(project / "raw") == before


def test_a_cache_or_temporary_folder_inside_raw_is_refused(project, monkeypatch):
    before = _tree(project / "raw")
    loaded = api.load_project(project)
    with pytest.raises(api.UsageError, match="--cache"):
        api.check(loaded, scale=api.Scale(cache_dir=project / "raw" / ".cache"))
    with pytest.raises(api.UsageError, match="--cache"):
        api.build(loaded, out=project / "dist" / "x", scale=api.Scale(cache_dir=project / "raw"))
    monkeypatch.setattr(tempfile, "tempdir", str(project / "raw" / "rt"))
    with pytest.raises(api.UsageError, match="TMPDIR"):
        api.check(loaded)
    assert _tree(project / "raw") == before


def test_the_cli_refuses_out_and_cache_inside_raw_as_usage_errors(project, runner):
    before = _tree(project / "raw")
    for option, value in (("--out", "raw/rt/release"), ("--cache", "raw/.cache")):
        result = invoke(runner, "build", "--project", str(project), option, str(project / value))
        assert result.exit_code == 2 and "raw/" in result.output
    result = invoke(runner, "validate", "--project", str(project), "--cache", str(project / "raw"))
    assert result.exit_code == 2
    assert _tree(project / "raw") == before


def test_hidden_files_and_folders_are_findings_and_leave_the_manifests_hash_alone(project):
    raw = project / "raw"
    hash_before = tree_sha256(raw)
    with api.build(api.load_project(project), out=project / "dist" / "first") as first:
        assert first.written
    (raw / "rt" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (raw / "rt" / ".draft.txt").write_text("A hidden capture.\n", encoding="utf-8")
    (raw / ".trash" / "old").mkdir(parents=True)
    (raw / ".trash" / "old" / "gone.txt").write_text("Deleted.\n", encoding="utf-8")
    assert tree_sha256(raw) == hash_before
    with api.check(api.load_project(project)) as checked:
        hidden = {file for file, code in _codes(checked.report) if code == "hidden-file"}
        assert hidden == {"raw/rt/.DS_Store", "raw/rt/.draft.txt", "raw/.trash"}
        assert all(
            f.severity == "warning" for f in checked.report.findings if f.code == "hidden-file"
        )
        assert checked.count == first.count  # the hidden capture is not an article
    # The next build is the same release: byte for byte what is already in the folder.
    with api.build(api.load_project(project), out=project / "dist" / "first") as second:
        assert second.outcome is not None and second.outcome.unchanged


def _validate(project: Path) -> subprocess.CompletedProcess:
    """corpuspack validate in its own process, which must finish (a FIFO once hung it forever)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "corpuspack.cli",
            "validate",
            "--project",
            str(project),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
    )


def _special_files(raw: Path) -> list[str]:
    os.mkfifo(raw / "rt" / "pipe.txt")
    os.mkfifo(raw / "rt" / "pipe.meta.yaml")
    os.mkfifo(raw / "bundle.jsonl")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(raw / "rt" / "socket.txt"))
    server.close()  # (the socket file stays)
    made = ["raw/rt/pipe.txt", "raw/rt/pipe.meta.yaml", "raw/bundle.jsonl", "raw/rt/socket.txt"]
    try:
        os.mknod(raw / "tass" / "device.txt", stat.S_IFCHR | 0o600, os.makedev(1, 3))
        made.append("raw/tass/device.txt")
    except PermissionError:
        pass  # (only root may make a device node: the FIFOs and the socket are still tested)
    return made


def test_fifos_sockets_and_devices_are_findings_never_opened(project):
    raw = project / "raw"
    made = _special_files(raw)
    done = _validate(project)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    findings = {(f["file"], f["code"]) for f in json.loads(done.stdout)["findings"]}
    assert {(path, "special-file") for path in made} <= findings
    # The manifest's hash of raw/ leaves them out, unopened, as it does hidden files.
    for path in made:
        (project / path).unlink()
    before = tree_sha256(raw)
    _special_files(raw)
    assert tree_sha256(raw) == before


def test_a_hidden_fifo_is_a_finding_and_the_build_does_not_hang_on_it(project):
    os.mkfifo(project / "raw" / "rt" / ".pipe")
    done = subprocess.run(
        [sys.executable, "-m", "corpuspack.cli", "build", "--project", str(project), "--quiet",
         "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
    )  # fmt: skip
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    findings = json.loads(done.stdout)["findings"]
    assert ("raw/rt/.pipe", "hidden-file") in [(f["file"], f["code"]) for f in findings]
    assert any(p.name == "manifest.json" for p in (project / "dist").rglob("manifest.json"))


def test_a_capture_that_became_a_fifo_after_the_scan_is_a_finding_not_a_hang(project):
    scan = ingest.scan(project / "raw", project)
    capture = scan.captures[0]
    path = Path(capture.path)
    path.unlink()
    os.mkfifo(path)  # (a writer never comes: opening it for reading must not wait for one)
    inputs, problems = ingest.read(capture, 5_000_000)
    assert inputs.data is None
    assert [(f.file, f.code) for f in problems] == [(capture.shown, "special-file")]
    with pytest.raises(NotRegular), open_regular(path):
        pass
    shutil.rmtree(project / "raw" / "rt")
    link = project / "raw" / "link.txt"
    os.symlink(project / "datapackage.json", link)
    with pytest.raises(NotRegular), open_regular(link):  # never followed
        pass


@pytest.mark.parametrize("replaced", [False, True], ids=["in place", "replaced"])
def test_the_manifest_describes_the_captures_as_the_build_read_them(project, tmp_path, replaced):
    from corpuspack.build import pipeline
    from corpuspack.project import datapackage as project_mod
    from corpuspack.release import cut

    loaded = project_mod.load(project)
    raw = project / "raw"
    as_read = tree_sha256(raw)
    result = pipeline.run(loaded)  # no cache
    capture = sorted(raw.rglob("*.txt"))[0]
    edited = capture.read_bytes() + b"\nEdited after the build read it.\n"
    if replaced:  # another file (another inode) renamed over it, as an editor saves
        (tmp_path / "new.txt").write_bytes(edited)
        os.replace(tmp_path / "new.txt", capture)
    else:
        capture.write_bytes(edited)  # same inode
    cut.build(loaded, result, tmp_path / "release")
    result.store.cleanup()
    manifest = json.loads((tmp_path / "release" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["source"]["raw_sha256"] == as_read != tree_sha256(raw)
    assert api.verify(tmp_path / "release").valid
