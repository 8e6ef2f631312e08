"""The cache is checked, not trusted: each kind of cache file damaged in place (a byte changed, the
length kept; or cut short) is a miss with a warning naming it, and the release is byte for byte
that of a build without a cache, and verifies. The key covers the schema's constraints; the
temporary files of killed runs are removed by the next, those of live ones are not."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from corpuspack import api
from corpuspack.build import pipeline
from corpuspack.cache import FORMAT, Cache, file_index
from corpuspack.cache.atomic import read_table
from corpuspack.cache.pack_files import read_keys
from corpuspack.project import datapackage as project_mod
from corpuspack.release import cut
from support import files, invoke
from synthetic import synth

DAMAGED = "damaged-cache-file"


def build(root: Path, out: Path, folder: Path) -> tuple[tuple[list, dict], Cache]:
    """A build with the cache folder, written whatever its findings (this corpus has errors), the
    cache's warnings added after the release is written as api.build adds them: (its findings
    and files, as test_store's reference has them), and the cache it used."""
    project = project_mod.load(root)
    cache = Cache(folder)
    result = pipeline.run(project, cache=cache)
    cut.build(project, result, out)
    result.store.cleanup()
    report = result.report.findings + cache.findings()
    findings = sorted((f.file, f.line, f.code, f.field, f.message) for f in report)
    return (findings, files(out)), cache


def _flip(path: Path, at: int) -> None:
    """Change the byte at `at` in place (same length): a letter to another letter, else its bits."""
    data = bytearray(path.read_bytes())
    old = data[at]
    data[at] = (old ^ 0x20) if chr(old).isalpha() else (old ^ 0xFF)
    path.write_bytes(bytes(data))


def _cut(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _pack(folder: Path) -> Path:
    return next(
        p for p in sorted(folder.rglob("pack-*.arrow")) if not p.name.endswith(".keys.arrow")
    )


def _keys(folder: Path) -> Path:
    return next(iter(sorted(folder.rglob("pack-*.keys.arrow"))))


def _release_file(folder: Path) -> Path:
    return next(iter(sorted((folder / f"v{FORMAT}" / "release").glob("*/articles.parquet"))))


def _title_in_pack(folder: Path) -> tuple[Path, int]:
    """A pack and where in it one article's title is (a byte of the title, not of a key)."""
    import pyarrow as pa

    pack = _pack(folder)
    with pa.OSFile(str(pack)) as source:
        title = next(
            t for t in pa.ipc.open_file(source).get_batch(0).column("title").to_pylist() if t
        )
    data = pack.read_bytes()
    at = data.index(title.encode("utf-8"))
    return pack, at + len(title.encode("utf-8")) // 2


def _key_in_keys_file(folder: Path) -> tuple[Path, int]:
    keys = _keys(folder)
    column, _ = read_keys(keys)
    return keys, keys.read_bytes().index(column[3].as_py()) + 5


def _digest_in_file_index(folder: Path) -> tuple[Path, int]:
    index = folder / f"v{FORMAT}" / "files.arrow"
    digest = read_table(index).column("sha256")[2].as_py()
    return index, index.read_bytes().index(digest) + 7


def _middle_of_release_file(folder: Path) -> tuple[Path, int]:
    path = _release_file(folder)
    return path, path.stat().st_size // 2


WHERE = {
    "pack": _title_in_pack,
    "keys file": _key_in_keys_file,
    "file index": _digest_in_file_index,
    "release file": _middle_of_release_file,
}


@pytest.mark.parametrize("how", ["a byte changed", "cut short"])
@pytest.mark.parametrize("kind", sorted(WHERE))
def test_a_cache_file_damaged_in_place_is_a_miss_never_output(
    corpus_root,  # noqa: F811
    reference,  # noqa: F811
    tmp_path,
    monkeypatch,
    kind,
    how,
):
    monkeypatch.setattr(file_index, "RACY_NS", 0)  # the captures were written a moment ago
    corpus = shutil.copytree(corpus_root, tmp_path / "corpus")
    folder = tmp_path / "cache"
    assert build(corpus, tmp_path / "cold", folder)[0] == reference
    path, at = WHERE[kind](folder)
    if how == "cut short":
        _cut(path)
    else:
        _flip(path, at)
    (findings, written), warm = build(corpus, tmp_path / "warm", folder)
    told = [f for f in findings if f[2] == DAMAGED]
    assert [f[0] for f in told] == [str(path)]  # the warning names the damaged file
    assert ([f for f in findings if f[2] != DAMAGED], written) == reference
    # verify finds in it what it finds in the release built before the damage (this corpus's
    # duplicate ids), nothing about the files' bytes.
    assert api.verify(tmp_path / "warm").flatten() == api.verify(tmp_path / "cold").flatten()
    if kind in ("pack", "keys file"):
        assert warm.misses > 0  # what the damaged file held was computed again
    # The cache repaired itself: the next build uses it whole and warns of nothing.
    done, again = build(corpus, tmp_path / "again", folder)
    assert done == reference and again.misses == 0


def test_a_damaged_batch_is_not_carried_into_a_compacted_pack(
    corpus_root,  # noqa: F811
    reference,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    from corpuspack.cache import packs as packs_mod

    monkeypatch.setattr(file_index, "RACY_NS", 0)
    monkeypatch.setattr(packs_mod, "MAX_PACKS", 1)  # every build compacts
    corpus = shutil.copytree(corpus_root, tmp_path / "corpus")
    folder = tmp_path / "cache"
    build(corpus, tmp_path / "cold", folder)
    _flip(*_title_in_pack(folder))
    build(corpus, tmp_path / "warm", folder)  # recomputes it and compacts
    done, last = build(corpus, tmp_path / "last", folder)
    assert done == reference and last.misses == 0


def _set_outlets(corpus: Path, outlets: list[str]) -> None:
    path = corpus / "schema" / "article.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    outlet = next(f for f in schema["fields"] if f["name"] == "outlet")
    outlet["constraints"]["enum"] = outlets
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")


def _findings(corpus: Path, cache: Cache | None) -> list[tuple]:
    result = pipeline.run(project_mod.load(corpus), cache=cache)
    result.store.cleanup()
    return sorted((f.file, f.line, f.code, f.field, f.message) for f in result.report.findings)


def test_a_warm_cache_after_an_outlet_is_added_to_the_enum_finds_what_a_cold_build_does(
    corpus_root,  # noqa: F811
    tmp_path,
):
    corpus = shutil.copytree(corpus_root, tmp_path / "corpus")
    capture = next(
        p
        for p in sorted((corpus / "raw/rt").glob("*.txt"))
        if not p.with_suffix(".meta.yaml").exists()
    )
    capture.with_suffix(".meta.yaml").write_text(
        "outlet:\n  value: Xinhua\n  note: syndicated\n", encoding="utf-8"
    )  # an outlet with no profile: known only if the schema's enum names it
    schema = json.loads((corpus / "schema/article.schema.json").read_text(encoding="utf-8"))
    outlets = next(f for f in schema["fields"] if f["name"] == "outlet")["constraints"]["enum"]
    before = _findings(corpus, Cache(tmp_path / "cache"))
    assert ("unknown-outlet", "Xinhua") in {
        (f[2], f[4].split("'")[1]) for f in before if "'" in f[4]
    }
    _set_outlets(corpus, [*outlets, "Xinhua"])
    cold = _findings(corpus, None)
    assert not any(code == "unknown-outlet" for _, _, code, _, _ in cold)
    assert any(code == "outlet-without-profile" for _, _, code, _, _ in cold)
    assert _findings(corpus, Cache(tmp_path / "cache")) == cold


def test_a_changed_setting_misses_the_cache(corpus_root, tmp_path):  # noqa: F811
    corpus = shutil.copytree(corpus_root, tmp_path / "corpus")
    _findings(corpus, Cache(tmp_path / "cache"))
    warm = Cache(tmp_path / "cache")
    _findings(corpus, warm)
    assert warm.misses == 0
    descriptor = json.loads((corpus / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["corpuspack"]["max_file_bytes"] = 4_000_000
    (corpus / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    changed = Cache(tmp_path / "cache")
    _findings(corpus, changed)
    assert changed.hits == 0 and changed.misses > 120


# A process that starts writing a pack and a file of the cache, says so, and waits to be killed.
WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import pyarrow as pa
    from corpuspack.cache.atomic import write_atomically
    from corpuspack.cache.pack_files import PackWriter

    folder = Path(sys.argv[1])
    writer = PackWriter(folder / "packs" / "layout", pa.schema([("_key", pa.binary(32))]))
    writer.start()
    def hang(out):
        out.write(b"half")
        print("writing", flush=True)
        time.sleep(600)
    write_atomically(folder / "files.arrow", hang)
    """
)


def _writer(folder: Path) -> subprocess.Popen:
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(folder)],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert child.stdout is not None and child.stdout.readline() == b"writing\n"
    return child


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".tmp-*"))


def test_temporary_files_of_a_killed_run_are_removed_and_those_of_a_live_one_kept(tmp_path):
    folder = tmp_path / "cache"
    versioned = folder / f"v{FORMAT}"
    killed = _writer(versioned)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    left = _temporaries(versioned)
    assert len(left) == 2 and all(name.startswith(f".tmp-{killed.pid}-") for name in left)
    live = _writer(versioned)
    try:
        cache = Cache(folder)  # a next run: sweeps what the killed one left
        assert cache.swept == 2
        remaining = _temporaries(versioned)
        assert len(remaining) == 2 and all(n.startswith(f".tmp-{live.pid}-") for n in remaining)
    finally:
        live.kill()
        live.wait()
    Cache(folder)
    assert _temporaries(versioned) == []


def test_the_api_reports_a_damaged_kept_release_file(tmp_path, monkeypatch):
    monkeypatch.setattr(file_index, "RACY_NS", 0)
    corpus = synth.generate(tmp_path / "corpus", 30)
    project = project_mod.load(corpus)
    scale = api.Scale(cache_dir=tmp_path / "cache")
    with api.build(project, out=tmp_path / "cold", scale=scale) as cold:
        assert cold.written and cold.report.valid
    kept = _release_file(tmp_path / "cache")
    _flip(kept, kept.stat().st_size // 2)
    with api.build(project, out=tmp_path / "warm", scale=scale) as warm:
        assert [(f.file, f.code) for f in warm.report.findings] == [(str(kept), DAMAGED)]
    assert files(tmp_path / "warm") == files(tmp_path / "cold")
    assert api.verify(tmp_path / "warm").valid


def test_a_plugins_annotator_uses_the_cache_and_other_extensions_never_hit_its_entries(
    project, tmp_path
):
    from corpuspack import plugins
    from support import APlugin

    loaded = api.load_project(project)
    scale = api.Scale(cache_dir=tmp_path / "cache")

    def check(extensions) -> tuple[Cache, list]:
        with api.check(loaded, extensions=extensions, scale=scale) as checked:
            assert checked.checked is not None and checked.checked.cache is not None
            articles = [(a.id, a.annotations) for a in checked.checked.articles]
            return checked.checked.cache, [_flat(checked.report), articles]

    plain, with_plugin = (
        plugins.load(entry_points=False),
        plugins.load([APlugin()], entry_points=False),
    )
    _, plain_cold = check(plain)
    cache, plugin_cold = check(with_plugin)
    assert cache.hits == 0 and plugin_cold != plain_cold  # the plugin's spans, not the built-ins'
    cache, plugin_warm = check(with_plugin)
    assert (cache.misses, plugin_warm) == (0, plugin_cold)
    cache, plain_warm = check(plain)
    assert (cache.misses, plain_warm) == (0, plain_cold)


def _flat(report) -> list[tuple]:
    return sorted((f.file, f.line, f.code, f.field, f.message) for f in report.findings)


def test_a_cache_with_no_room_is_a_warning_and_changes_no_byte_of_the_release(
    corpus_root,  # noqa: F811
    reference,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    import errno
    import types

    from corpuspack.cache import pack_files, release_files

    def no_room(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    # Every write of the cache fails as on a full disk: the packs, the file index, kept files.
    monkeypatch.setattr(pack_files.PackWriter, "_flush", no_room)
    monkeypatch.setattr(file_index, "write_atomically", no_room)
    monkeypatch.setattr(
        release_files, "shutil", types.SimpleNamespace(copyfile=no_room, rmtree=shutil.rmtree)
    )
    corpus = shutil.copytree(corpus_root, tmp_path / "corpus")
    folder = tmp_path / "cache"
    (findings, written), _ = build(corpus, tmp_path / "out", folder)
    told = [f for f in findings if f[2] == "cache-not-written"]
    assert [f[0] for f in told] == [str(folder)] and "No space left" in told[0][4]
    assert ([f for f in findings if f not in told], written) == reference
    assert not list(folder.rglob(".tmp-*"))  # nothing half written is left


@pytest.mark.parametrize("kind", ["pack", "release file"])
def test_strict_builds_past_a_damaged_cache_file_and_shows_it(
    project,
    runner,
    tmp_path,
    monkeypatch,
    kind,
):
    """A damaged cache file is about the run, not the corpus: what it held was computed again, so
    `build --strict` writes the release (the same bytes as before the damage) and shows the
    warning, where it used to refuse it."""
    monkeypatch.setattr(file_index, "RACY_NS", 0)
    folder = tmp_path / "cache"

    def strict_build(out: str):
        return invoke(
            runner,
            "build",
            "--project",
            str(project),
            "--out",
            str(tmp_path / out),
            "--cache",
            str(folder),
            "--strict",
        )

    cold = strict_build("cold")
    assert cold.exit_code == 0, cold.output
    path, at = WHERE[kind](folder)
    _flip(path, at)
    warm = strict_build("warm")
    assert warm.exit_code == 0, warm.output
    assert f"warning [{DAMAGED}]" in warm.output and str(path) in warm.output
    assert "written" in warm.output and "no release written" not in warm.output
    assert files(tmp_path / "warm") == files(tmp_path / "cold")
    # a warning about the corpus still refuses
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["corpuspack"]["card"].pop("intended_uses")
    (project / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    refused = strict_build("refused")
    assert refused.exit_code == 1 and "[card-section-missing]" in refused.output
    assert not (tmp_path / "refused").exists()
