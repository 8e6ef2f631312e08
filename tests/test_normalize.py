from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from corpuspack.article.normalize import align_text, normalize_text, split_lines
from corpuspack.article.offsets import OffsetMap


def test_mojibake_is_repaired_and_quotes_are_kept():
    assert normalize_text("fromÂ the â€œquoteâ€\x9d") == "from the “quote”"
    assert (
        normalize_text('"straight" and “curly” – dashes — too')
        == '"straight" and “curly” – dashes — too'
    )


def test_spaces_fold_and_nfc():
    assert normalize_text("  a\u00a0\u00a0b\tc\u200b d  ") == "a b c d"
    assert normalize_text("Cafe\u0301") == "Café"


def test_line_endings():
    assert split_lines("a\r\nb\rc\nd") == ["a", "b", "c", "d"]


@settings(max_examples=2000)
@given(st.text())
def test_normalisation_is_idempotent_nfc_and_single_spaced(text):
    once = normalize_text(text.replace("\n", " "))
    assert normalize_text(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert "  " not in once and once == once.strip()


@settings(max_examples=3000)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(min_codepoint=32, max_codepoint=126),
            st.sampled_from("\u2018\u2019\u201c\u201d\u2013\u2014\u2026"),
        )
    )
)
def test_the_fast_path_is_what_ftfy_would_do(text):
    """ASCII and typographic punctuation skip ftfy: it must have nothing to change there."""
    import ftfy

    from corpuspack.article.normalize import FTFY_CONFIG

    expected = " ".join(ftfy.fix_text(" ".join(text.split()), config=FTFY_CONFIG).split())
    assert normalize_text(text) == expected


def test_mojibake_next_to_typographic_punctuation_still_goes_to_ftfy():
    assert normalize_text("“Itâ€™s” — he said") == "“It’s” — he said"
    assert normalize_text("‘Caf\u00c3\u00a9’ – closed") == "‘Café’ – closed"


@settings(max_examples=1000)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(min_codepoint=32, max_codepoint=126, blacklist_characters="&"),
            st.sampled_from("\u2018\u2019\u201c\u201d\u2013\u2014\u2026"),
        )
    )
)
def test_text_that_skips_ftfy_aligns_position_for_position(text):
    """align_text skips ftfy where normalize_text does, so such text maps without replacements."""
    folded = " ".join(text.split())
    aligned, mapping = align_text(folded)
    assert aligned == normalize_text(folded) == folded
    assert mapping.segments == OffsetMap.identity(len(folded)).segments


def test_a_control_character_that_hides_mojibake_is_repaired_in_one_call():
    # Found by the idempotence property: ftfy's first pass removes the control character,
    # and only its second sees the mojibake it hid.
    once = normalize_text("Â«Ä \x08")
    assert once == "«Ä" and normalize_text(once) == once
    assert align_text("Â«Ä \x08")[0] == once


def _fold_by_the_rule(text: str) -> str:
    from corpuspack.article import normalize

    return " ".join(normalize._ZERO_WIDTH.sub("", text).split())


def _needs_ftfy_by_the_rule(text: str) -> bool:
    from corpuspack.article import normalize

    return normalize._NEEDS_FTFY.search(text) is not None


_SPACES_AND_MARKS = "  \t\n\x1f\x85\u00a0\u2003\u3000\u200b\u200d\ufeff“”—…&é"


@settings(max_examples=2000)
@given(
    st.text(alphabet=st.characters(max_codepoint=127))
    | st.text(alphabet=st.sampled_from("ab ") | st.sampled_from(_SPACES_AND_MARKS))
    | st.text()
)
def test_the_shortcuts_give_what_the_rules_give(text):
    """Text that is single-spaced already is left as it is, and ASCII text is judged on its
    bytes: the answers of the regular expressions and str.split()."""
    from corpuspack.article import normalize

    assert normalize._fold(text) == _fold_by_the_rule(text)
    assert normalize._needs_ftfy(text) == _needs_ftfy_by_the_rule(text)


def test_the_ascii_shortcuts_agree_on_every_ascii_character():
    from corpuspack.article import normalize

    for code in range(128):
        for text in (chr(code), f"a{chr(code)}b", f" a{chr(code) * 2}b ", f"a b{chr(code)}"):
            assert normalize._fold(text) == _fold_by_the_rule(text), repr(text)
            assert normalize._needs_ftfy(text) == _needs_ftfy_by_the_rule(text), repr(text)


def test_every_space_and_zero_width_character_is_unprintable():
    """What lets printable text skip the fold: it has no space but " " and no zero-width character."""
    from corpuspack.article import normalize

    for code in range(0x110000):
        character = chr(code)
        if character.isprintable():
            assert character == " " or not character.isspace(), hex(code)
            assert character not in normalize._ZERO_WIDTH_CHARACTERS, hex(code)
