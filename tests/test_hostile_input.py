"""Input made to crash or hang corpuspack gets a finding naming the file or a clean error, never a
traceback: deep nesting, compression bombs, unreadable and vanishing files, names that are not
UTF-8, dates past the year 9999, hostile datapackage.json and release folders, bad options."""

from __future__ import annotations

import errno
import gzip
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import zstandard

from corpuspack.capture import bundles, ingest
from corpuspack.release.package import sha256_file
from support import committed_release, invoke

CAPTURE = "raw/tass/002_7aabf56efc3e79f2.txt"
SIDECAR = CAPTURE.removesuffix(".txt") + ".meta.yaml"


def findings(result) -> list[tuple[str, str, int | None]]:
    assert "Traceback" not in result.output, result.output
    return [(f["code"], f["file"], f["line"]) for f in json.loads(result.stdout)["findings"]]


def validate(runner, project: Path, *args: str):
    return invoke(runner, "validate", "--project", str(project), "--format", "json", *args)


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """The command line in a process of its own: for input that could crash the interpreter."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-m", "corpuspack.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, **kwargs)


@pytest.mark.parametrize(
    "nested",
    [
        "title: " + "[" * 1_000 + "]" * 1_000,  # RecursionError once
        "title:\n" + "".join(" " * i + "-\n" for i in range(1, 200)),  # block style
        "title: " + "{a: " * 40 + "1" + "}" * 40,
    ],
    ids=["flow-1000", "block-200", "mappings-40"],
)
def test_a_deeply_nested_sidecar_is_a_finding(project, runner, nested):
    (project / SIDECAR).write_text(nested + "\n", encoding="utf-8")
    result = validate(runner, project)
    assert result.exit_code == 1
    assert [f for f in findings(result) if f[0] == "sidecar-invalid-yaml"] == [
        ("sidecar-invalid-yaml", SIDECAR, 1 if not nested.startswith("title:\n") else 33)
    ]


def test_a_sidecar_nested_100000_levels_deep_does_not_crash_libyaml(project):
    # A segfault in libyaml's composer before: only a process of its own shows it.
    (project / SIDECAR).write_text("title: " + "[" * 100_000 + "]" * 100_000, encoding="utf-8")
    done = cli("validate", "--project", str(project), "--jobs", "2", "--format", "json")
    assert done.returncode == 1, done.stderr
    found = json.loads(done.stdout)["findings"]
    assert [(f["code"], f["file"]) for f in found] == [("sidecar-invalid-yaml", SIDECAR)]
    assert "nested more than 32 levels" in found[0]["message"]


def _bundle_line(meta: str) -> bytes:
    head = json.dumps({"name": "deep.txt", "text": "Title\n\nBody.\n"})
    return f'{head[:-1]}, "meta": {meta}}}\n'.encode()


@pytest.mark.parametrize(
    "meta, code",
    [
        ("[" * 5_000 + "]" * 5_000, "invalid-jsonl"),
        ('{"title": ' + "[" * 100 + "]" * 100 + "}", "sidecar-invalid-yaml"),
    ],
)
def test_deeply_nested_meta_in_a_bundle_is_a_finding(project, runner, meta, code):
    (project / "raw/tass/deep.jsonl").write_bytes(_bundle_line(meta))
    result = validate(runner, project)
    assert result.exit_code == 1
    assert (code, "raw/tass/deep.jsonl", 1) in findings(result)


LINE = 64 << 20  # a 64 MiB line, from a file of a few KB


def _bomb(path: Path) -> None:
    block = b"a" * (1 << 20)
    if path.name.endswith(".gz"):
        with gzip.open(path, "wb", compresslevel=9) as out:
            for _ in range(LINE >> 20):
                out.write(block)
            out.write(b"\n" + _bundle_line("{}"))
    else:
        with open(path, "wb") as raw, zstandard.ZstdCompressor(level=19).stream_writer(raw) as out:
            for _ in range(LINE >> 20):
                out.write(block)
            out.write(b"\n" + _bundle_line("{}"))


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".jsonl.zst", ".jsonl"])
def test_a_compression_bomb_is_counted_as_it_streams_never_held(tmp_path, suffix):
    path = tmp_path / f"bomb{suffix}"
    if suffix == ".jsonl":
        with open(path, "wb") as out:
            for _ in range(LINE >> 20):
                out.write(b"a" * (1 << 20))
            out.write(b"\n" + _bundle_line("{}"))
    else:
        _bomb(path)
    tracemalloc.start()
    try:
        read = list(bundles.read(path, "raw/tass/bomb", max_bytes=100_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    too_large = [f for *_, found in read for f in found]
    assert [(f.code, f.line) for f in too_large] == [("file-too-large", 1)]
    assert f"line 1 is {LINE + 1:,} bytes" in too_large[0].message
    assert [member.name for member, *_ in read if member is not None] == ["deep.txt"]
    assert peak < LINE // 4  # the line (and the file) were never held whole


def test_a_bomb_in_raw_is_a_finding(project, runner):
    _bomb(project / "raw/tass/bomb.jsonl.zst")
    result = validate(runner, project)
    assert result.exit_code == 1
    assert ("file-too-large", "raw/tass/bomb.jsonl.zst", 1) in findings(result)


def test_a_date_past_the_year_9999_is_a_finding(project, runner):
    (project / SIDECAR).write_text(
        "published:\n  value: '9999-12-31T23:59:59-23:59'\n  note: the page\n", encoding="utf-8"
    )
    result = validate(runner, project)
    assert result.exit_code == 1
    assert findings(result) == [("unparseable-date", SIDECAR, 1)]
    assert "outside the years 1 to 9999" in result.stdout


def test_a_file_name_that_is_not_utf8_is_a_finding(project, runner):
    os.rename(project / CAPTURE, os.fsencode(project / "raw/tass") + b"/caf\xe9.txt")
    for fmt in ("json", "text", "github"):
        result = invoke(runner, "validate", "--project", str(project), "--format", fmt)
        assert result.exit_code == 1 and "Traceback" not in result.output
    assert ("non-portable-name", "raw/tass/caf\\xe9.txt", None) in findings(
        validate(runner, project)
    )


def _denied(monkeypatch, denied: set[str]) -> None:
    """Permission denied on these paths; real (chmod) for a user, simulated for root, whom
    permissions do not stop."""
    for path in denied:
        os.chmod(path, 0)
    if os.geteuid() != 0:
        return
    real_open, real_scandir = os.open, os.scandir

    def refuse(path):
        if isinstance(path, (str, os.PathLike)) and os.fspath(path) in denied:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))

    monkeypatch.setattr(os, "open", lambda p, *a, **k: refuse(p) or real_open(p, *a, **k))
    monkeypatch.setattr(os, "scandir", lambda p: refuse(p) or real_scandir(p))


def test_unreadable_files_and_folders_are_findings(project, runner, monkeypatch):
    folder = project / "raw/sputnik"
    _denied(monkeypatch, {str(project / CAPTURE), str(folder)})
    try:
        result = validate(runner, project)
    finally:
        os.chmod(folder, 0o755)
        os.chmod(project / CAPTURE, 0o644)
    assert result.exit_code == 1, result.output
    found = findings(result)
    assert ("unreadable-file", CAPTURE, None) in found
    assert ("unreadable-file", "raw/sputnik", None) in found
    assert "Permission denied" in result.stdout


def test_a_capture_removed_while_it_is_read_is_a_finding(project, runner, monkeypatch):
    scan = ingest.scan

    def scan_then_remove(*args, **kwargs):
        found = scan(*args, **kwargs)
        (project / CAPTURE).unlink()  # as another program would, between the listing and the read
        return found

    monkeypatch.setattr(ingest, "scan", scan_then_remove)
    result = invoke(runner, "build", "--project", str(project), "--format", "json")
    assert result.exit_code == 1
    assert ("unreadable-file", CAPTURE, None) in findings(result)
    assert "removed while corpuspack read raw/" in result.stdout
    assert not (project / "dist").exists()


@pytest.mark.parametrize(
    "key, value, says",
    [
        ("licenses", "MIT", "'MIT' is not of type 'array'"),
        ("resources", "data.csv", "is not of type 'array'"),
        ("resources", [5], '"resources/0": 5 is not of type'),
        ("version", "1" * 300 + ".0.0", "is too long"),
        ("version", "1.0.0\n", "is not SemVer"),
        ("version", 1, "1 is not of type 'string'"),
        ("name", {"a": "b"}, "is not of type 'string'"),
    ],
)
def test_a_hostile_datapackage_json_is_a_clean_error(project, runner, key, value, says):
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    descriptor[key] = value
    (project / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    result = invoke(runner, "build", "--project", str(project))
    assert result.exit_code == 2
    assert "datapackage.json" in result.output and says in result.output
    assert "Traceback" not in result.output
    assert not (project / "dist").exists()


def test_a_deeply_nested_datapackage_json_is_a_clean_error(project, runner):
    (project / "datapackage.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = invoke(runner, "build", "--project", str(project))
    assert result.exit_code == 2
    assert "datapackage.json: nested more than 64 levels deep" in result.output


@pytest.fixture
def release(project, runner, tmp_path) -> Path:
    out = tmp_path / "release"
    built = invoke(runner, "build", "--project", str(project), "--out", str(out))
    assert built.exit_code == 0, built.output
    return out


def test_an_empty_out_folder_made_beforehand_is_written_into(project, runner, tmp_path):
    out = tmp_path / "made-beforehand"
    out.mkdir()
    built = invoke(runner, "build", "--project", str(project), "--out", str(out))
    assert built.exit_code == 0, built.output
    assert (out / "manifest.json").is_file()
    verified = invoke(runner, "verify", str(out))
    assert verified.exit_code == 0, verified.output


def _edit(release: Path, name: str, change) -> None:
    """Change a release's file and its manifest entry to match: a consistent, hostile release."""
    path = release / name
    path.write_text(json.dumps(change(json.loads(path.read_text(encoding="utf-8")))))
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["path"] == name:
            entry["bytes"], entry["sha256"] = path.stat().st_size, sha256_file(path)
    (release / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _resources_outside(descriptor: dict) -> dict:
    for resource in descriptor["resources"]:
        resource["path"] = "../outside/" + resource["path"]
    return descriptor


HOSTILE_RELEASES = {
    "files-as-strings": ("manifest.json", lambda m: {**m, "files": ["data/train.parquet"]}),
    "file-outside": (
        "manifest.json",
        lambda m: {
            **m,
            "files": [*m["files"], {"path": "../outside/x", "bytes": 1, "sha256": "0" * 64}],
        },
    ),
    "source-as-string": ("manifest.json", lambda m: {**m, "source": "HEAD"}),
    "commit-as-option": (
        "manifest.json",
        lambda m: {**m, "source": {**m["source"], "commit": "--output=/tmp/x"}},
    ),
    "source-path-outside": (
        "manifest.json",
        lambda m: {**m, "source": {**m["source"], "path": "../.."}},
    ),
    "nested": ("manifest.json", lambda m: {**m, "rows": "[" * 3000 + "]" * 3000}),
    "resources-as-string": ("datapackage.json", lambda d: {**d, "resources": "x"}),
    "resource-as-number": ("datapackage.json", lambda d: {**d, "resources": [5]}),
    "schema-as-string": (
        "datapackage.json",
        lambda d: {**d, "resources": [{**r, "schema": "s"} for r in d["resources"]]},
    ),
    "resources-outside": ("datapackage.json", _resources_outside),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_RELEASES))
def test_verify_on_a_hostile_release_names_it_and_reads_nothing_outside(
    release, runner, monkeypatch, tmp_path, case
):
    name, change = HOSTILE_RELEASES[case]
    outside = tmp_path / "outside"
    outside.mkdir()
    for parquet in release.rglob("*.parquet"):  # a copy outside the release, where "../" leads
        target = outside / parquet.relative_to(release)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(parquet.read_bytes())
    if name == "manifest.json":
        path = release / name
        text = json.dumps(change(json.loads(path.read_text(encoding="utf-8"))))
        path.write_text(
            text.replace(
                '"rows": "' + "[" * 3000 + "]" * 3000 + '"', '"rows": ' + "[" * 3000 + "]" * 3000
            )
        )
    else:
        _edit(release, name, change)
    read = []
    real = pq.read_table
    monkeypatch.setattr(
        pq, "read_table", lambda p, *a, **k: read.append(Path(p)) or real(p, *a, **k)
    )
    result = invoke(runner, "verify", str(release), "--rebuild", "--format", "json")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    codes = {f["code"] for f in json.loads(result.stdout)["findings"]}
    assert codes & {"invalid-manifest", "invalid-datapackage"}, result.output
    assert all(p.resolve().is_relative_to(release.resolve()) for p in read)


def test_verify_rebuild_reads_nothing_through_a_link_in_the_release(
    project, runner, monkeypatch, tmp_path
):
    release = committed_release(project, runner, monkeypatch)
    secret = tmp_path / "secret.txt"
    secret.write_text("outside the release", encoding="utf-8")
    readme = release / "README.md"
    readme.unlink()
    readme.symlink_to(secret)
    read = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda p: read.append(p.resolve()) or real(p))
    result = invoke(runner, "verify", "--rebuild", str(release), "--format", "json")
    assert result.exit_code == 1 and "outside the release" not in result.output
    codes = [(f["code"], f["file"]) for f in json.loads(result.stdout)["findings"]]
    assert ("missing-file", "README.md") in codes
    assert secret.resolve() not in read


def test_a_malformed_scheduler_address_is_a_usage_error(project, runner):
    result = invoke(
        runner,
        "validate",
        "--project",
        str(project),
        "--engine",
        "dask",
        "--scheduler",
        "tcp://[::1",
    )
    assert result.exit_code == 2
    assert "'tcp://[::1' is not a scheduler address" in result.output
    assert "Traceback" not in result.output


def test_changed_since_without_git_or_a_repository_says_so(project, runner, monkeypatch):
    outside = validate(runner, project, "--changed-since", "main")
    assert outside.exit_code == 0
    assert f"{project} is not in a git repository: checking the whole corpus" in outside.stderr
    monkeypatch.setenv("PATH", str(project / "no-programs-here"))
    without = validate(runner, project, "--changed-since", "main")
    assert "git is not installed: checking the whole corpus" in without.stderr
