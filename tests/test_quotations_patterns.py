"""The quotation annotator made faster: its patterns match what the plain ones they replace match,
and the people model is built only when a speaker is resolved.

Word lists as a trie (annotate.alternation) against the sorted alternation, the name runs and
gendered titles with their first letter first (annotate.people) against the lookbehind-first
forms, on texts made of the words themselves, so that prefixes, backtracking and whitespace
all come up.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from corpuspack.annotate import people
from corpuspack.annotate.alternation import words_pattern
from corpuspack.annotate.attribution import rules

WORDS = ["chief", "chief executive", "chief executive officer", "chairman", "chair", "vice-"]
WORDS += ["vice-president", "analyst", "a", "an", "and", "of", "Mr", "Mrs", "Ms"]


def plain(items: list[str]) -> str:
    """The alternation the trie replaces: longest first, a space as any whitespace."""
    ordered = sorted(set(items), key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


texts = st.lists(
    st.sampled_from([*WORDS, " ", "  ", "\n", ",", "-", "x", "said", "Smith", "’s", "."]),
    max_size=30,
).map("".join)

# Each a context that makes the engine backtrack into the word list: what follows the words
# decides which of them matches, as in the attribution patterns.
CONTEXTS = [
    "(?:{})",
    r"\b(?:{})\b",
    r"(?:{})\s+said",
    r"(?:{})(?:\s+officer)?\s+(?:said|x)",
    r"(?:[\w-]+\s+){{0,3}}?(?:{})\b",
    r"(?!(?:{})\b)[A-Za-z]+",
]


@settings(max_examples=300, deadline=None)
@given(text=texts, words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=8))
def test_a_word_list_as_a_trie_matches_what_the_sorted_alternation_matches(text, words):
    for context in CONTEXTS:
        trie = re.compile(context.format(words_pattern(words)))
        alternation = re.compile(context.format(plain(words)))
        assert [m.span() for m in trie.finditer(text)] == [
            m.span() for m in alternation.finditer(text)
        ], context
        for start in range(len(text)):
            expected = alternation.match(text, start)
            found = trie.match(text, start)
            assert (found and found.span()) == (expected and expected.span()), (context, start)


def test_the_attribution_patterns_use_the_word_lists_as_tries():
    r = rules()
    assert words_pattern(r.words["roles"]) in r.role.pattern
    assert words_pattern(r.words["verbs"]) in r.verb.pattern
    assert plain(r.words["roles"]) not in r.role.pattern


OLD_NAME_RUN = re.compile(
    r"(?<![\w’'-])[A-Z][\w’'&-]*(?:(?:\s+(?:of|de|van|von|der|du|la|le|da|bin|al)(?=\s+[A-Z]))?"
    r"\s+[A-Z][\w’'&-]*)*"
)
name_texts = st.lists(
    st.sampled_from(
        ["Bank", " of ", "England", "Mr", "Mrs", ".", " ", "\n\n", "’", "'", "-", "x", "IMF"]
        + ["He", "he", "his", "him", "She", "she", "her", "Hers", "Shell", "hero", "Sher"]
        + ["Ms", "Sir", "Lord", "Jane", "Doe", "said", ",", "de", "Gaulle", "O'Neil", "&"]
    ),
    max_size=25,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=name_texts, window=st.tuples(st.integers(0, 40), st.integers(0, 40)))
def test_name_runs_and_gendered_titles_are_found_as_before(text, window):
    titles = tuple(sorted(rules().words["gendered_titles"]))
    old_titled = re.compile(
        rf"\b({'|'.join(map(re.escape, titles))})\.?\s+(?:[A-Z][\w’'-]*\s+)??([A-Z][\w’'-]*)\b"
        r"(?!\s+[A-Z])"
    )
    start, end = min(window), max(window)
    for new, old in ((people.NAME_RUN, OLD_NAME_RUN), (people._titled_pattern(titles), old_titled)):
        assert [(m.span(), m.groups()) for m in new.finditer(text)] == [
            (m.span(), m.groups()) for m in old.finditer(text)
        ]
    old_cue = re.compile(r"\b(?:(?P<he>[Hh]e|[Hh]is|[Hh]im)|(?P<she>[Ss]he|[Hh]er))\b")
    for at in range(len(text)):
        new_found, old_found = people._PRONOUN_CUE.search(text, at), old_cue.search(text, at)
        assert (new_found and (new_found.span(), new_found.group("he") is not None)) == (
            old_found and (old_found.span(), bool(old_found.group("he")))
        )
        # Searched from inside the text, as the resolver does: the same characters behind.
        assert [m.span() for m in new.finditer(text, start, end)] == [
            m.span() for m in old.finditer(text, start, end)
        ]


def test_a_name_seen_again_is_a_mention_at_each_place_it_is_named():
    """The words of a name run are read once and kept; each mention keeps its own place."""
    text = (
        "Jane Doe spoke first.\n\nThe adviser to Bob Ray, Jane Doe, came back. Later Jane Doe "
        "left, and Ms Doe said so."
    )
    model = people.build(text, rules().words)
    persons = [m for m in model.mentions if m.name == "Jane Doe"]
    assert [(m.start, m.end - m.start) for m in persons[:3]] == [
        (at, len("Jane Doe")) for at in _all(text, "Jane Doe")
    ]
    assert persons[3].start == text.index("Ms Doe") + len("Ms ")  # "Ms Doe" is her too
    # In apposition to the person named before the comma: each place's own context.
    assert [m.appositive for m in persons[:3]] == [False, True, False]


def _all(text: str, words: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(words), text)]


def test_the_people_model_is_built_once_and_only_for_a_speaker_to_resolve(monkeypatch):
    from corpuspack.annotate import quotations

    built = []
    build = people.build
    monkeypatch.setattr(
        quotations.people_model,
        "build",
        lambda text, words: built.append(text) or build(text, words),
    )
    scare_quotes = 'The so-called "reform" plan and the "new deal" were announced on Monday.'
    assert quotations.annotate(scare_quotes) == []
    assert built == []
    said = 'Jane Doe, a director, spoke. "We will go on," Ms Doe said. "It is hard," she added.'
    speakers = [a.attribute("speaker") for a in quotations.annotate(said) if a.label == "QUOTE"]
    assert speakers == ["Jane Doe", "Jane Doe"]
    assert built == [said]


said_texts = st.lists(
    st.sampled_from(
        ["Credit Suisse", " First Boston", " analyst", " chief executive", " John Brady", " said"]
        + [" told reporters", ", a director at Acme,", " the", " The", " eBay", " xanalyst", " he"]
        + [
            " that",
            ":",
            ",",
            ".",
            " ",
            "\n",
            " Mr Raha",
            " U.S.",
            " it",
            " its spokesman",
            " added",
        ]
    ),
    max_size=16,
).map("".join)


def _spans(match):
    return match and (match.span(), match.span("speaker"))


@settings(max_examples=400, deadline=None)
@given(text=said_texts)
def test_the_searched_attributions_find_what_their_plain_patterns_find(text):
    """From every start that is not inside a word the fast form finds the plain one's match;
    inside a word the plain one is searched."""
    r = rules()
    assert r.after.pattern == r"[\s,]*" + r.says_that.plain.pattern  # the same "X said"
    for searched in (r.says_that, r.introducing, r.introducing_paragraph):
        for start in range(len(text) + 1):
            expected = _spans(searched.plain.search(text, start, len(text)))
            assert _spans(searched.search(text, start, len(text))) == expected
            if not re.match(r"[\w&’'.-]{2}", text[max(0, start - 1) : start + 1]):
                assert _spans(searched.fast.search(text, start, len(text))) == expected
