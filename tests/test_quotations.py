"""The rule-based quotation annotator: the seeds' quotations as a careful reader finds them, and the rules."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpuspack.annotate.quotations import annotate, find_quotations
from corpuspack.build import pipeline
from corpuspack.project import datapackage as project_mod
from support import DATA, REPO

sys.path.insert(0, str(REPO / "scripts"))
import eval_quotations  # noqa: E402

GOLD = eval_quotations.load_gold(DATA / "quotations.gold.jsonl")


@pytest.fixture(scope="module")
def articles():
    return {a.raw_path: a for a in pipeline.run(project_mod.load(REPO)).articles}


def quotes(article):
    return [a for a in article.annotations if a.label == "QUOTE" and a.source == "rule"]


@pytest.mark.parametrize("path", sorted({g["raw_path"] for g in GOLD}))
def test_each_seed_has_exactly_the_gold_quotations_with_their_speakers(articles, path):
    expected = [g for g in GOLD if g["raw_path"] == path and "begins" in g]
    found = quotes(articles[path])
    assert len(found) == len(expected)
    for gold, quote in zip(expected, found, strict=True):  # both in text order
        words = " ".join(quote.text.split())
        assert words.startswith(gold["begins"]) and words.endswith(gold["ends"]), (gold, quote.text)
        assert quote.attribute("speaker") == gold["speaker"]
        assert quote.attribute("speaker_as_written") == gold["speaker_as_written"]
        assert quote.text.count("\n\n") == gold.get("paragraphs", 1) - 1
        assert articles[path].text[quote.start : quote.end] == quote.text
    for negative in (g for g in GOLD if g["raw_path"] == path and "not_a_quotation" in g):
        assert not any(negative["not_a_quotation"] in q.text for q in found), negative["why"]


def test_the_evaluation_counts_what_the_annotator_found(articles):
    result = eval_quotations.evaluate(articles.values(), GOLD)
    assert result["total"]["expected"] == 22
    assert (result["total"]["precision"], result["total"]["recall"]) == (1.0, 1.0)
    # A wrong speaker is counted as such: the evaluation is not a tautology.
    wrong = [
        dict(g, speaker="Someone Else") if g.get("begins", "").startswith("Secondly") else g
        for g in GOLD
    ]
    assert eval_quotations.evaluate(articles.values(), wrong)["total"]["speaker_right"] == 21


def test_surname_and_role_resolve_to_the_name_introduced_earlier(articles):
    sputnik = articles["raw/sputnik/000_b815a870e73c6b09.txt"]
    speakers = [a for a in sputnik.annotations if a.label == "SPEAKER"]
    assert [(s.text, s.attribute("speaker")) for s in speakers] == [
        ("Yujun", "Feng Yujun"),
        ("the expert", "Feng Yujun"),
        ("the expert", "Feng Yujun"),
        ("Yujun", "Feng Yujun"),
        ("Yujun", "Feng Yujun"),
    ]
    assert all(sputnik.text[s.start : s.end] == s.text for s in speakers)


def attributed(text):
    return [
        (a.text, a.attribute("speaker"), a.attribute("speaker_as_written"), a.attribute("cue"))
        for a in annotate(text)
        if a.label == "QUOTE"
    ]


def test_straight_quotes_and_the_attribution_before_after_or_inverted():
    text = (
        'Ambassador Zhang Hanhui spoke in Moscow.\n\n"Our ties are strong," said Zhang. '
        'Later Zhang Hanhui told reporters: "We will meet again." '
        '"Trade grew," the ambassador noted.'
    )
    assert attributed(text) == [
        ("Our ties are strong,", "Zhang Hanhui", "Zhang", "after"),
        ("We will meet again.", "Zhang Hanhui", "Zhang Hanhui", "before"),
        ("Trade grew,", "Zhang Hanhui", "the ambassador", "after"),
    ]


def test_a_quotation_introduced_at_the_end_of_the_paragraph_before():
    text = "Foreign Minister Sergei Lavrov spoke. Lavrov said:\n\n“We are partners.”"
    assert attributed(text) == [("We are partners.", "Sergei Lavrov", "Lavrov", "before")]


def test_a_quotation_over_paragraphs_with_reopening_marks():
    text = "“First part.\n\n“Second part,” Putin said."
    [(quote, speaker, _, _)] = attributed(text)
    assert quote == "First part.\n\n“Second part," and speaker == "Putin"


def test_unattributed_quoted_words_and_apostrophes_are_not_quotations():
    text = "The so-called “axis” is a myth. Russia’s and China’s leaders’ views differ. It’s ‘complicated’ now."
    assert find_quotations(text) == [
        (text.index("axis"), text.index("axis") + 4),
        (text.index("complicated"), text.index("complicated") + 11),
    ]
    assert attributed(text) == []


def test_a_pronoun_with_no_one_named_before_keeps_no_speaker():
    assert attributed("“We disagree,” he said.") == [("We disagree,", None, "he", "after")]


def test_an_unmatched_mark_is_a_stray_not_a_quotation():
    text = "He said “this is never closed.\n\nThen “a real quote,” Wang Yi said."
    assert attributed(text) == [("a real quote,", "Wang Yi", "Wang Yi", "after")]


def _reopening(text: str, opening: int, at: int) -> bool:
    """A mark like the opening one, right after a sentence's end and before a word."""
    return (
        text[at] == text[opening]
        and at >= 2
        and text[at - 2] in ".!?"
        and text[at - 1].isspace()
        and at + 1 < len(text)
        and not text[at + 1].isspace()
    )


def _stepped_close_double(text: str, opening: int, max_paragraphs: int) -> int | None:
    closer = "”" if text[opening] == "“" else '"'
    paragraphs, at = 0, opening + 1
    while at < len(text):
        if text.startswith("\n\n", at):
            paragraphs += 1
            if paragraphs >= max_paragraphs:
                return None
            at += 2
            if text.startswith(text[opening], at):
                at += 1
            continue
        if _reopening(text, opening, at):  # a run-on quotation reopened mid-line: it goes on
            at += 1
            continue
        if text[at] == closer:
            return at
        if text[at] == "“" and closer == "”":
            return None
        at += 1
    return None


def stepped_find_quotations(text: str, max_paragraphs: int) -> list[tuple[int, int]]:
    """The quotation finder's rules, stepped one character at a time: the plain statement of what
    find_quotations does by jumping between marks with regular expressions."""
    found, at = [], 0
    while at < len(text):
        close = None
        if text[at] in '“"':
            close = _stepped_close_double(text, at, max_paragraphs)
        elif text[at] == "‘" and (at == 0 or not text[at - 1].isalnum()):
            end = text.find("\n\n", at)
            end = len(text) if end < 0 else end
            close = next(
                (
                    i
                    for i in range(at + 1, end)
                    if text[i] == "’"
                    and not (i + 1 < len(text) and text[i + 1].isascii() and text[i + 1].isalpha())
                ),
                None,
            )
        if close is not None and text[at + 1 : close].strip():
            found.append((at + 1, close))
            at = close + 1
        else:
            at += 1
    return found


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(["“", "”", '"', "‘", "’", "\n", "\n\n", " ", "a", "B", "s", ".", "é"]),
        max_size=40,
    ).map("".join),
    st.integers(1, 4),
)
def test_the_finder_jumps_to_what_a_character_by_character_reading_finds(text, max_paragraphs):
    assert find_quotations(text, max_paragraphs) == stepped_find_quotations(text, max_paragraphs)


def test_the_finder_on_the_seeds_is_the_stepped_reading(articles):
    for article in articles.values():
        assert find_quotations(article.text) == stepped_find_quotations(article.text, 6)
