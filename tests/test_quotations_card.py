"""The dataset card's measured precision and recall come from the file the evaluation writes."""

from __future__ import annotations

import json
import sys
from importlib import resources

from corpuspack.release import card
from support import DATA, REPO

sys.path.insert(0, str(REPO / "scripts"))
import eval_quotations  # noqa: E402


def test_the_card_shows_each_attribution_as_measured():
    measured = json.loads(
        resources.files("corpuspack.annotate")
        .joinpath("quotations.measured.json")
        .read_text(encoding="utf-8")
    )
    text = "\n".join(card._quotation_measures())
    total = measured["total"]
    assert f"precision {total['precision']:.2f}, recall {total['recall']:.2f}" in text
    for name, row in measured["attributions"].items():
        assert (
            f"| {name} | {row['found']} | {row['precision']:.2f} | {row['speaker_accuracy']:.2f} |"
            in text
        )
    for name, row in measured["kinds"].items():
        assert f"| {name} | {row['expected']} | {row['recall']:.2f} |" in text


def test_the_measured_file_is_the_evaluations_numbers():
    """What --write-measured writes: the evaluation's counts, per attribution and gold kind."""
    from corpuspack.build import pipeline
    from corpuspack.project import datapackage as project_mod

    gold = eval_quotations.load_gold(DATA / "quotations.gold.jsonl")
    result = eval_quotations.evaluate(pipeline.run(project_mod.load(REPO)).articles, gold)
    written = eval_quotations.measured(result, 5)
    assert written["total"]["matched"] == result["total"]["matched"] == 22
    assert sum(row["found"] for row in written["attributions"].values()) == 22
    assert set(written["attributions"]) <= {"explicit", "resolved", "continuation", "unresolved"}
