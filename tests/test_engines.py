"""The release is the same bytes whatever runs the work: one process, a pool, or a Dask cluster."""

from __future__ import annotations

import io
import json
import sys

import pytest
from distributed import LocalCluster

from corpuspack.build import dask_engine, engines
from corpuspack.cli import commands as cli
from corpuspack.cli import options
from support import REPO, files, invoke

sys.path.insert(0, str(REPO / "benchmarks"))
import synth  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = synth.generate(
        tmp_path_factory.mktemp("engines") / "corpus", 440
    )  # enough for two workers
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["corpuspack"]["shard_rows"] = (
        150  # three shards, so their assignment is compared too
    )
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def serial(corpus, tmp_path_factory):
    from click.testing import CliRunner

    out = tmp_path_factory.mktemp("serial") / "release"
    result = invoke(
        CliRunner(), "build", "--project", str(corpus), "--out", str(out), "--jobs", "1"
    )
    assert result.exit_code == 0, result.output
    built = files(out)
    assert sum(name.startswith("data/") for name in built) == 3
    return built


def test_a_local_dask_cluster_of_two_workers_gives_the_same_bytes(corpus, serial, runner, tmp_path):
    result = invoke(
        runner,
        "build",
        "--project",
        str(corpus),
        "--out",
        str(tmp_path / "dask"),
        "--engine",
        "dask",
        "--jobs",
        "2",
    )
    assert result.exit_code == 0, result.output
    assert files(tmp_path / "dask") == serial


def test_a_running_scheduler_is_used_by_address(corpus, serial, runner, tmp_path):
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        result = invoke(
            runner,
            "build",
            "--project",
            str(corpus),
            "--out",
            str(tmp_path / "remote"),
            "--engine",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
        )
        assert result.exit_code == 0, result.output
        # The work ran on the cluster's workers, not in this process.
        assert any(cluster.scheduler.task_prefixes), "no task reached the scheduler"
    assert files(tmp_path / "remote") == serial


def test_two_local_processes_give_the_same_bytes(corpus, serial, runner, tmp_path):
    result = invoke(
        runner, "build", "--project", str(corpus), "--out", str(tmp_path / "two"), "--jobs", "2"
    )
    assert result.exit_code == 0, result.output
    assert files(tmp_path / "two") == serial


def test_an_unreachable_scheduler_is_a_clear_error_and_writes_nothing(
    runner, tmp_path, monkeypatch
):
    from support import copy_project

    project = copy_project(tmp_path / "corpus")
    monkeypatch.setattr(dask_engine.Dask, "CONNECT_TIMEOUT", "1s")
    result = runner.invoke(
        cli.main,
        [
            "build",
            "--project",
            str(project),
            "--engine",
            "dask",
            "--scheduler",
            "tcp://127.0.0.1:9",
        ],
    )
    assert result.exit_code == 1
    assert "could not connect to the Dask scheduler at tcp://127.0.0.1:9" in result.output
    assert not (project / "dist").exists()


def test_scheduler_needs_the_dask_engine(runner, project):
    result = runner.invoke(
        cli.main, ["build", "--project", str(project), "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert result.exit_code == 1 and "--scheduler is for --engine dask" in result.output


def test_progress_shows_on_a_terminal_only(monkeypatch):
    shown = io.StringIO()
    shown.isatty = lambda: True
    monkeypatch.setattr(sys, "stderr", shown)
    monkeypatch.setattr(options.Progress, "MININTERVAL", 0)
    bar = options.Progress(quiet=False)
    for done in (100, 250, 400):
        bar(done, 400)
    bar.close()
    assert "400/400" in shown.getvalue() and "captures" in shown.getvalue()

    for quiet, tty in ((True, True), (False, False)):
        silent = io.StringIO()
        silent.isatty = lambda tty=tty: tty
        monkeypatch.setattr(sys, "stderr", silent)
        bar = options.Progress(quiet=quiet)
        bar(10, 400)
        bar.close()
        assert silent.getvalue() == ""


def _pids(items):
    import os

    return [os.getpid() for _ in items]


def test_the_local_engine_sends_big_batches_to_its_workers_and_computes_small_ones_here():
    import os

    with engines.Local(_pids, jobs=2, total=None) as local:
        few = local.submit(list(range(engines.Local.SMALL - 1))).result()
        assert set(few) == {os.getpid()} and local.pool is None  # no worker started for them
        done = []
        many = local.submit(list(range(200))).result(done.append)
        assert len(many) == 200 and os.getpid() not in set(many) and sum(done) == 200
    with engines.Local(
        _pids, jobs=2, total=100
    ) as small_corpus:  # too few captures to be worth workers
        assert set(small_corpus.submit(list(range(200))).result()) == {os.getpid()}


def _doubled(items):
    return [item * 2 for item in items]


def test_the_in_process_engine_computes_when_the_result_is_asked_for_in_order():
    asked = []

    def task(items):
        asked.append(list(items))
        return _doubled(items)

    with engines.InProcess(task) as here:
        pending = here.submit([1, 2, 3])
        assert asked == []  # submit() returns at once; the work is done on result()
        done = []
        assert pending.result(done.append) == [2, 4, 6] and done == [3]
        assert here.batch(512) == 512 and here.run([4]) == [8]


def test_engines_are_started_by_the_names_the_cli_offers():
    assert sorted(engines.FACTORIES) == ["dask", "local"]
    local = engines.start("local", _doubled, jobs=2, total=None)
    assert isinstance(local, engines.Local)
    with local:
        assert local.run(list(range(40))) == _doubled(range(40))  # sent to two workers, in order
    assert isinstance(engines.start("dask", _doubled, jobs=1, total=None), dask_engine.Dask)
    with pytest.raises(
        engines.EngineError, match="unknown engine 'spark'; engines are: dask, local"
    ):
        engines.start("spark", _doubled, jobs=1, total=None)


def test_a_plugin_s_engine_is_chosen_by_its_name_and_changes_no_finding(project):
    from corpuspack import api, hooks, plugins

    started = []

    def here(task, *, jobs, total, scheduler=None):
        started.append(jobs)
        return engines.InProcess(task)

    class Engine:
        @hooks.hookimpl
        def corpuspack_engines(self):
            return {"in-process": here}

    loaded = plugins.load([Engine()], entry_points=False, project=api.load_project(project))
    corpus = api.load_project(project)
    with api.check(corpus, scale=api.Scale(engine="in-process", jobs=3), extensions=loaded) as ours:
        found = ours.report.flatten()
    with api.check(corpus, scale=api.Scale(jobs=1)) as local:
        assert found == local.report.flatten()
    assert started == [3]
    with pytest.raises(api.UsageError, match="'spark': no such engine.*in-process, local"):
        api.check(corpus, scale=api.Scale(engine="spark"), extensions=loaded)


def _gc_state(items):
    import gc

    return [(gc.get_threshold()[0], gc.get_freeze_count() > 0) for _ in items]


def test_the_local_engine_s_workers_collect_garbage_less_often_with_their_imports_frozen():
    import gc

    with engines.Local(_gc_state, jobs=2, total=None) as local:
        states = set(local.run(list(range(100))))
    assert states == {(engines.GC_THRESHOLD, True)}
    assert gc.get_threshold()[0] != engines.GC_THRESHOLD  # this process is left as it was


def test_a_build_tunes_the_collector_while_it_runs_and_leaves_it_as_it_was(project, monkeypatch):
    import gc

    from corpuspack.build import batches, pipeline
    from corpuspack.project import datapackage as project_mod

    seen = []
    keep = batches.keep_outputs

    def noted(*args, **kwargs):
        seen.append((gc.get_threshold()[0], gc.get_freeze_count() > 0))
        return keep(*args, **kwargs)

    monkeypatch.setattr(batches, "keep_outputs", noted)
    before = (gc.get_threshold(), gc.get_freeze_count())
    result = pipeline.run(project_mod.load(project))
    result.store.cleanup()
    assert seen and set(seen) == {(engines.GC_THRESHOLD, True)}
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
