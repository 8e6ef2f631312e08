"""The output does not depend on the number of processes or on the cache."""

from __future__ import annotations

import sys

from support import REPO, files, invoke

sys.path.insert(0, str(REPO / "benchmarks"))
import synth  # noqa: E402


def test_jobs_and_cache_give_identical_bytes(tmp_path, runner):
    corpus = synth.generate(tmp_path / "corpus", 440)  # enough captures for two worker processes
    out = {}
    for label, extra in {
        "serial": ["--jobs", "1"],
        "two": ["--jobs", "2"],
        "cached": ["--jobs", "2", "--cache", str(tmp_path / "cache")],
    }.items():
        result = invoke(
            runner, "build", "--project", str(corpus), "--out", str(tmp_path / label), *extra
        )
        assert result.exit_code == 0, result.output
        out[label] = files(tmp_path / label)
    rerun = invoke(
        runner,
        "build",
        "--project",
        str(corpus),
        "--out",
        str(tmp_path / "rerun"),
        "--jobs",
        "1",
        "--cache",
        str(tmp_path / "cache"),
    )
    assert rerun.exit_code == 0
    assert out["serial"] == out["two"] == out["cached"] == files(tmp_path / "rerun")
    assert sorted(out["serial"]) == [
        "CITATION.cff",
        "README.md",
        "croissant.json",
        "data/train-00000-of-00001.parquet",
        "datapackage.json",
        "manifest.json",
        "quotes/train-00000-of-00001.parquet",
    ]


def test_a_changed_vocabulary_changes_every_cache_key():
    import copy

    from corpuspack.cache import Cache
    from corpuspack.capture import ingest
    from corpuspack.project import datapackage as project_mod

    vocabulary = project_mod.load(REPO).load_vocabulary()
    other = copy.deepcopy(vocabulary)
    other.descriptor["fields"] = other.descriptor.get("fields", []) + [
        {"name": "extra", "type": "string"}
    ]
    inputs = ingest.Inputs(data=b"text", sidecar=None, annotations=())
    first = Cache.key(inputs, "raw/x/a.txt", vocabulary)
    assert Cache.key(inputs, "raw/x/a.txt", other) != first
    assert Cache.key(inputs, "raw/x/a.txt", vocabulary) == first
