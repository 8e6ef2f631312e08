"""The corpus checks as a build runs them: duplicates reported against the first of their group,
a contribution reported against the corpus (the hard corpora: tests/test_hard_corpus.py)."""

from __future__ import annotations

import re

from corpuspack.build import pipeline
from corpuspack.project import datapackage as project_mod

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
