"""pipeline.run() as its callers see it: the result, the count of checked articles and the
progress told are the same whether the records are computed or come from the cache."""

from __future__ import annotations

import pytest

from corpuspack.build import pipeline
from corpuspack.cache import Cache, file_index
from corpuspack.project import datapackage as project_mod

CAPTURES = 5  # the example corpus's captures, every one of which makes a record


def _run(root, **options):
    """(articles checked, records, findings, last progress told) of one run."""
    told = []
    result = pipeline.run(
        project_mod.load(root), progress=lambda done, total: told.append((done, total)), **options
    )
    try:
        assert told and [done for done, _ in told] == sorted(done for done, _ in told)
        return result.report.articles_checked, result.count, result.report.flatten(), told[-1]
    finally:
        result.store.cleanup()


@pytest.mark.parametrize(
    "focus, checked",
    [(None, CAPTURES), ({"raw/tass/002_7aabf56efc3e79f2.meta.yaml"}, 1)],
)
def test_a_run_reports_the_same_from_a_cold_or_a_warm_cache(
    project, tmp_path, monkeypatch, focus, checked
):
    monkeypatch.setattr(file_index, "RACY_NS", 0)  # the files were written a moment ago
    plain = _run(project, focus=focus)
    assert plain[0] == checked and plain[1] == CAPTURES and plain[3] == (CAPTURES, CAPTURES)
    assert _run(project, focus=focus, cache=Cache(tmp_path / "cache")) == plain
    warm = Cache(tmp_path / "cache")
    assert _run(project, focus=focus, cache=warm) == plain
    assert (warm.hits, warm.misses) == (CAPTURES, 0)


def test_the_result_holds_what_a_release_needs(project):
    result = pipeline.run(project_mod.load(project))
    try:
        assert result.count == len(result.articles) == CAPTURES
        assert [a.id for a in result.articles] == sorted(a.id for a in result.articles)
        assert result.quotes_schema.names and result.vocabulary is not None
        assert result.cache is None and result.report.files_checked > CAPTURES
    finally:
        result.store.cleanup()
