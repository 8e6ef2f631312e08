"""The corpus checks as a build runs them: duplicates reported against the first of their group,
the planted duplicates of a hard corpus all found, a contribution reported against the corpus."""

from __future__ import annotations

import re
import sys

import pytest

from corpuspack.build import pipeline
from corpuspack.checks import minhash
from corpuspack.project import datapackage as project_mod
from support import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import hard_corpus  # noqa: E402

ORIGINAL = "raw/rt/004_f2e18ad958418c56.txt"


def other(finding) -> str:
    return re.search(r"(raw/\S+\.txt)", finding.message).group(1)


def duplicates(root, **options):
    result = pipeline.run(project_mod.load(root), **options)
    try:
        found = [
            f for f in result.report.findings if f.code in ("duplicate-text", "near-duplicate")
        ]
        assert all(f.related == (other(f),) for f in found)  # the copied file, as a field too
        return sorted((f.code, f.file, other(f)) for f in found)
    finally:
        result.store.cleanup()


def edited(text: str, occurrence: int) -> str:
    """The text with its occurrence-th " the " made " a "."""
    parts = text.split(" the ")
    return " the ".join(parts[:occurrence]) + " a " + " the ".join(parts[occurrence:])


def test_copies_are_reported_against_the_first_of_their_group_not_each_other(project):
    text = (project / ORIGINAL).read_text(encoding="utf-8")
    assert text.count(" the ") > 6
    for name, copy in (
        ("005_copy", text),
        ("006_copy", text),
        ("007_edit", edited(text, 2)),
        ("008_edit", edited(text, 5)),
    ):
        (project / f"raw/rt/{name}.txt").write_text(copy, encoding="utf-8")
    assert duplicates(project) == [
        ("duplicate-text", "raw/rt/005_copy.txt", ORIGINAL),
        ("duplicate-text", "raw/rt/006_copy.txt", ORIGINAL),
        ("near-duplicate", "raw/rt/007_edit.txt", ORIGINAL),
        ("near-duplicate", "raw/rt/008_edit.txt", ORIGINAL),
    ]


def test_a_contribution_is_reported_against_the_corpus_it_joins(project):
    text = (project / ORIGINAL).read_text(encoding="utf-8")
    (project / "raw/rt/000_copy.txt").write_text(text, encoding="utf-8")
    (project / "raw/rt/001_edit.txt").write_text(edited(text, 3), encoding="utf-8")
    # The whole corpus: the later path is the copy.
    assert duplicates(project) == [
        ("duplicate-text", ORIGINAL, "raw/rt/000_copy.txt"),
        ("near-duplicate", "raw/rt/001_edit.txt", "raw/rt/000_copy.txt"),
    ]
    # A pull request adding the two: they are the copies, whatever their paths.
    focus = {"raw/rt/000_copy.txt", "raw/rt/001_edit.txt"}
    assert duplicates(project, focus=focus) == [
        ("duplicate-text", "raw/rt/000_copy.txt", ORIGINAL),
        ("near-duplicate", "raw/rt/001_edit.txt", ORIGINAL),
    ]


@pytest.fixture(scope="module")
def hard(tmp_path_factory):
    root = tmp_path_factory.mktemp("hard") / "corpus"
    planted = hard_corpus.generate(root, 900, seed=3)
    result = pipeline.run(project_mod.load(root))
    try:
        return planted, result.report.findings, {a.raw_path: a.text for a in result.articles}
    finally:
        result.store.cleanup()


def test_the_planted_duplicates_of_a_hard_corpus_are_all_found(hard):
    planted, findings, _ = hard
    found = {(f.code, f.file, other(f)) for f in findings if f.code != "near-duplicate-boilerplate"}
    assert len(planted["exact"]) >= 5 and len(planted["near"]) >= 5
    assert {("duplicate-text", copy, original) for original, copy in planted["exact"]} <= found
    assert {("near-duplicate", copy, original) for original, copy in planted["near"]} <= found


def test_each_near_duplicate_reported_is_measured_exactly(hard):
    _, findings, texts = hard
    near = [f for f in findings if f.code == "near-duplicate"]
    assert near
    for finding in near:
        containment, jaccard = minhash.similarity(
            minhash.shingles(texts[finding.file]), minhash.shingles(texts[other(finding)])
        )
        assert containment >= 0.8
        assert f"similarity {containment:.2f}" in finding.message
        assert f"Jaccard {jaccard:.2f}" in finding.message


def test_templated_reports_are_told_apart_from_copies(hard):
    """The templates fill band buckets with more distinct articles than a bucket keeps: a warning
    names where, and none of the templated reports is taken for a copy of another."""
    _, findings, texts = hard
    crowded = [f for f in findings if f.code == "near-duplicate-boilerplate"]
    assert crowded and all(f.severity == "warning" for f in crowded)
    assert len(crowded) <= hard_corpus.TEMPLATES
    near = [f for f in findings if f.code == "near-duplicate"]
    assert len(near) <= len(hard[0]["near"]) + len(hard[0]["exact"])
