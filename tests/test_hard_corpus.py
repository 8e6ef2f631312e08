"""The corpus checks on a hard corpus (benchmarks/hard_corpus.py: articles that share sentences,
templates and boilerplate, with planted duplicates), built as a corpus project of JSONL bundles:
every planted pair of every kind is found and no other exact duplicate, each near-duplicate is
measured exactly, templates are told apart from copies; and the store the benchmark makes without
a build (benchmarks/bench_corpus_checks.py, route "direct") is the build's, as the corpus checks
see it."""

from __future__ import annotations

import sys

import pyarrow as pa
import pytest

from corpuspack.build import pipeline
from corpuspack.build.store_columns import COLUMNS
from corpuspack.checks import corpus, minhash
from corpuspack.project import datapackage as project_mod
from support import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import bench_corpus_checks  # noqa: E402
import hard_corpus  # noqa: E402

SIZE, SEED = 2000, 3
# What the corpus checks read of the store (its columns but the split, shard position, cache key
# and where each row is kept, which depend on how the store was filled), and their findings.
READ = [name for name in COLUMNS.names if name not in ("_split", "_pos", "_key", "_where")]


def columns(store) -> pa.Table:
    table = pa.table({name: store.column(name) for name in READ})
    return table.sort_by("raw_path")


@pytest.fixture(scope="module")
def hard(tmp_path_factory):
    root = tmp_path_factory.mktemp("hard") / "corpus"
    planted = hard_corpus.generate(root, SIZE, seed=SEED)
    project = project_mod.load(root)
    result = pipeline.run(project)
    try:
        built = columns(result.store), corpus.check(result.store, project.settings)
        texts = {a.raw_path: a.text for a in result.articles}
        findings = result.report.findings
    finally:
        result.store.cleanup()
    direct, _, settings = bench_corpus_checks.direct_store(root.with_name("direct"), SIZE, SEED)
    try:
        made = columns(direct), corpus.check(direct, settings)
    finally:
        direct.cleanup()
    return planted, findings, texts, built, made


def reported(findings) -> dict[str, set[tuple[str, str]]]:
    """(original, copy) of each duplicate finding by code, as the build reports them: a finding
    about a capture of a bundle names the bundle and its line, the copied capture in related."""
    where = {(item.bundle, item.line): item.path for item, _ in hard_corpus.articles(SIZE, SEED)}
    found: dict[str, set[tuple[str, str]]] = {code: set() for code in hard_corpus.CODES.values()}
    for f in findings:
        if f.code in found:
            found[f.code].add((f.related[0], where[f.file, f.line]))
    return found


def test_every_planted_pair_is_found_and_no_other_exact_duplicate(hard):
    planted, findings, *_ = hard
    found = reported(findings)
    for kind, code in hard_corpus.CODES.items():
        pairs = {(original, copy) for original, copy in planted[kind]}
        assert len(pairs) >= 4, kind  # the test's size plants some of each kind
        if kind == "near":  # the generator can make a near pair by chance, never an exact one
            assert pairs <= found[code]
        else:
            assert found[code] == pairs, kind


def test_each_near_duplicate_reported_is_measured_exactly(hard):
    _, findings, texts, *_ = hard
    where = {(item.bundle, item.line): item.path for item, _ in hard_corpus.articles(SIZE, SEED)}
    near = [f for f in findings if f.code == "near-duplicate"]
    assert near
    for finding in near:
        containment, jaccard = minhash.similarity(
            minhash.shingles(texts[where[finding.file, finding.line]]),
            minhash.shingles(texts[finding.related[0]]),
        )
        assert containment >= 0.8
        assert f"similarity {containment:.2f}" in finding.message
        assert f"Jaccard {jaccard:.2f}" in finding.message


def test_templated_reports_are_told_apart_from_copies(hard):
    """The templates fill band buckets with more distinct articles than a bucket keeps: a warning
    names where, and none of the templated reports is taken for a copy of another."""
    planted, findings, *_ = hard
    crowded = [f for f in findings if f.code == "near-duplicate-boilerplate"]
    assert crowded and all(f.severity == "warning" for f in crowded)
    assert len(crowded) <= hard_corpus.TEMPLATES
    near = [f for f in findings if f.code == "near-duplicate"]
    assert len(near) <= len(planted["near"]) + len(planted["exact"])


def test_the_benchmarks_direct_store_is_the_builds(hard):
    """The same ids, paths, canonical urls, text digests, band keys and bundle lines, row for row,
    and so the same findings of every corpus check."""
    *_, (built, built_findings), (made, made_findings) = hard
    assert built.num_rows == SIZE
    assert made.equals(built)
    assert {f.code for f in built_findings} >= set(hard_corpus.CODES.values())
    assert sorted(map(repr, made_findings)) == sorted(map(repr, built_findings))
