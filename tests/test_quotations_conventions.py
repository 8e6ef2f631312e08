"""The quotation annotator on the conventions of English news, each on text written here.

No text of bbc-dev is used (it stays in ../shared/): each test writes the convention it checks.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from corpuspack.annotate.quotations import annotate, find_quotations
from support import REPO

sys.path.insert(0, str(REPO / "scripts"))
import eval_quotations  # noqa: E402


def quotes(text: str) -> list[tuple[str, str | None, str | None]]:
    """(quoted words, speaker, attribution) of each QUOTE, in order."""
    return [
        (" ".join(a.text.split()), a.attribute("speaker"), a.attribute("attribution"))
        for a in annotate(text)
        if a.label == "QUOTE"
    ]


def test_straight_and_typographic_marks_alike():
    for opening, closing in (('"', '"'), ("“", "”")):
        text = f"{opening}Prices will fall,{closing} said Mary Jones, an economist at Acme Bank."
        assert quotes(text) == [("Prices will fall,", "Mary Jones", "explicit")]


def test_a_run_on_quotation_reopened_in_the_next_paragraph_is_one_quotation():
    text = 'Tom Baker, the firm\'s founder, said: "We grew fast.\n\n"Then we stopped," he added.'
    [(words, speaker, _)] = quotes(text)
    assert words == 'We grew fast. "Then we stopped,' and speaker == "Tom Baker"


def test_a_run_on_quotation_reopened_mid_line_where_paragraphs_were_merged():
    text = (
        '"Sales rose," said Ann Lee, the chief executive. "We hired more staff. '
        '"And we will hire again next year." The shares rose 3%.'
    )
    assert quotes(text) == [
        ("Sales rose,", "Ann Lee", "explicit"),
        ('We hired more staff. "And we will hire again next year.', "Ann Lee", "continuation"),
    ]
    # The narrative between the quotations is never taken for one.
    assert not any("The shares" in q for q, _, _ in quotes(text))


def test_a_quotation_closed_then_a_new_one_is_two():
    text = '"It is over," said Ann Lee. "It will not come back."'
    assert [q for q, _, _ in quotes(text)] == ["It is over,", "It will not come back."]


def test_single_quoted_headline_words_are_not_quotations():
    text = "Firm 'will recover' says boss\n\nThe firm's boss expects a recovery next year."
    assert quotes(text) == []


def test_a_nested_quotation_stays_inside_the_outer_one():
    text = "“They told me ‘never again’ and I believed them,” Sarah Cole said."
    assert quotes(text) == [
        ("They told me ‘never again’ and I believed them,", "Sarah Cole", "explicit")
    ]
    assert find_quotations(text) == [(1, text.index("”"))]


def test_attribution_before_the_quotation_with_a_colon_in_the_paragraph_before():
    text = "Local trader Raj Patel told a newspaper:\n\n“Nobody is buying today.”"
    assert quotes(text) == [("Nobody is buying today.", "Raj Patel", "explicit")]


def test_attribution_inside_and_inverted_with_unusual_verbs():
    text = (
        '"The film is a triumph," wrote the judges. '
        '"We will appeal," confirmed Acme Holdings to a broadcaster.'
    )
    assert quotes(text) == [
        ("The film is a triumph,", "the judges", "explicit"),  # a speaker of their own
        ("We will appeal,", "Acme Holdings", "explicit"),
    ]


def test_an_apposition_whose_closing_comma_is_left_out():
    text = '"We want the office to stay," Anna Roth, its minister for economic affairs added.'
    assert quotes(text) == [("We want the office to stay,", "Anna Roth", "explicit")]


def test_a_name_after_a_role_and_an_organisation_is_a_person():
    text = (
        "Lena Ford, a manager, left in May. Software engineer at the WHO, Omar Reyes, "
        'wants new tools. "We need better data," he said.'
    )
    assert quotes(text) == [("We need better data,", "Omar Reyes", "resolved")]


def test_a_partial_quotation_inside_a_sentence():
    text = 'Critic Jane Moss called the album "a fine debut" in her review.'
    assert quotes(text) == [("a fine debut", "Jane Moss", "explicit")]


def test_the_attribution_in_the_sentence_before():
    text = (
        "Peter Hall, who runs the shop, agreed. "
        '"The rent is too high for anyone to make a living here."'
    )
    assert quotes(text) == [
        ("The rent is too high for anyone to make a living here.", "Peter Hall", "explicit")
    ]


def test_she_is_the_last_woman_named_not_the_last_name():
    text = (
        "Mrs Helen Ward met Mr John Price on Monday. Ms Ward said the talks went well, "
        "and Mr Price agreed with the plan. "
        '"We have a deal," she said.'
    )
    assert quotes(text) == [("We have a deal,", "Helen Ward", "resolved")]


def test_she_is_never_the_man_who_spoke_before():
    text = '"Prices rose," said Mr Tom Hill. "They will fall," she said.'
    assert quotes(text) == [
        ("Prices rose,", "Tom Hill", "explicit"),
        ("They will fall,", None, "unresolved"),
    ]


def test_gender_from_the_articles_own_pronouns():
    text = (
        "Alex Morgan, a consultant, wrote the report. Her findings surprised Chris Dunn, "
        "a director at the firm, who said he would read it twice. "
        '"It is worse than we thought," she said.'
    )
    assert quotes(text) == [("It is worse than we thought,", "Alex Morgan", "resolved")]


def test_a_surname_and_a_role_resolve_to_the_full_name_introduced_earlier():
    text = (
        "Interior minister Carlos Baez Silva spoke on Tuesday. "
        '"We are ready," Mr Baez Silva said. '
        '"The plan is sound," the minister added.'
    )
    assert quotes(text) == [
        ("We are ready,", "Carlos Baez Silva", "resolved"),
        ("The plan is sound,", "Carlos Baez Silva", "resolved"),
    ]


def test_a_title_or_role_before_a_name_is_not_part_of_it():
    text = (
        '"This is a disgrace," said Labour MP Diane Abbott. '
        'Home Secretary Charles Clarke replied: "The plans are sensible." '
        '"We have to be realistic," England coach Sven-Goran Eriksson said.'
    )
    assert [s for _, s, _ in quotes(text)] == [
        "Diane Abbott",
        "Charles Clarke",
        "Sven-Goran Eriksson",
    ]


def test_an_age_or_a_role_refers_to_the_person_named_before():
    text = 'Striker Wayne Rooney scored twice. "I am delighted," the 19-year-old told reporters.'
    assert quotes(text) == [("I am delighted,", "Wayne Rooney", "resolved")]


def test_a_nationality_refers_to_the_person_named_before():
    text = 'Pierre Lamy was happy. "We were brilliant," the Frenchman told a radio station.'
    assert quotes(text) == [("We were brilliant,", "Pierre Lamy", "resolved")]


def test_a_quotation_introduced_by_adding_after_another():
    text = (
        'Party leader Michael Howe spoke. "This is wrong," Mr Howe said, adding: "We will fight."'
    )
    assert quotes(text) == [
        ("This is wrong,", "Michael Howe", "resolved"),
        ("We will fight.", "Michael Howe", "resolved"),
    ]


def test_a_surname_resolves_to_a_name_given_with_no_title_or_role():
    text = 'Maria Lopez beat Anna Berg in the final. "I played well," Lopez said.'
    assert quotes(text) == [("I played well,", "Maria Lopez", "resolved")]


def test_he_is_not_a_name_inside_what_someone_else_said():
    text = (
        "David Cummings, an investor, said he believed the bid would let Mr Tom Glazer take "
        'control. "Fans can do nothing about it," he told the BBC.'
    )
    assert quotes(text) == [("Fans can do nothing about it,", "David Cummings", "resolved")]


def test_an_unnamed_spokesman_is_a_speaker_of_his_own():
    text = '"We do not comment on rumours," said a spokesman for Acme Holdings.'
    assert quotes(text) == [
        ("We do not comment on rumours,", "a spokesman for Acme Holdings", "explicit")
    ]


def test_it_is_the_organisation_that_spoke():
    text = 'The Widget Association said sales fell. "The market is weak," it added in a statement.'
    assert quotes(text) == [("The market is weak,", "Widget Association", "resolved")]


def test_a_day_or_a_country_is_not_a_speaker():
    text = 'On Monday Britain said "the talks are over" after a long night.'
    assert all(speaker not in ("Monday", "On Monday") for _, speaker, _ in quotes(text))


def test_a_title_in_marks_is_not_a_quotation_without_an_attribution_at_it():
    text = (
        '"We loved making it," said Peter Jackson. "The Return Of The King" won eleven awards. '
        'Jackson, who said he was thrilled, directed "The Fellowship of the Ring" too.'
    )
    assert [q for q, _, _ in quotes(text)] == ["We loved making it,"]


def test_a_surname_that_is_also_a_month_is_a_name():
    text = (
        'Prime Minister Theresa May spoke. "We will leave," Mrs May said. "It is clear," she added.'
    )
    assert [s for _, s, _ in quotes(text)] == ["Theresa May", "Theresa May"]


def test_a_pronoun_with_no_one_named_is_unresolved():
    assert quotes("“We disagree,” he said.") == [("We disagree,", None, "unresolved")]


def test_scare_quotes_and_quoted_terms_are_not_quotations():
    text = 'The so-called "axis" is a myth, and the "Hartz IV" reform is unpopular.'
    assert quotes(text) == []


def test_every_rule_quotation_says_how_it_was_attributed():
    text = (
        "Ann Lee, the chief executive, spoke to staff. "
        '"Sales rose," Ms Lee said. "We hired more staff." '
        '"Prices fell," said Bob Stone.'
    )
    kinds = [a.attribute("attribution") for a in annotate(text) if a.label == "QUOTE"]
    assert kinds == ["resolved", "continuation", "explicit"]


@pytest.mark.skipif(
    not eval_quotations.default_bbc_dev().is_dir(), reason="bbc-dev is not beside the repository"
)
def test_the_evaluation_reports_the_seeds_and_bbc_dev_separately():
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts/eval_quotations.py"), "--brief"],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, PYTHONPATH=str(REPO / "src")),
    )
    assert "## seeds" in done.stdout and "## bbc-dev" in done.stdout
    assert done.stdout.count("precision ") >= 2


def test_the_evaluation_skips_bbc_dev_with_a_message_where_it_is_absent(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts/eval_quotations.py"),
            "--brief",
            "--bbc-dev",
            str(tmp_path / "absent"),
        ],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, PYTHONPATH=str(REPO / "src")),
    )
    assert "## seeds" in done.stdout
    assert f"skipped: {tmp_path / 'absent'} is absent" in done.stdout
