"""Text normalisation of one paragraph or field value.

Policy (documented in the README):
- mojibake and broken encodings are repaired with ftfy, and the result is Unicode NFC;
- every kind of Unicode space (no-break spaces, thin spaces, tabs) becomes one
  ASCII space, runs of spaces fold into one, and the ends are trimmed;
- quotes, apostrophes and dashes are kept exactly as published: straight and
  typographic forms both occur in the corpus and are part of the source's text
  (ftfy's uncurl_quotes is off); only their mojibake forms are repaired.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy

from corpuspack.article.offsets import OffsetMap, Segment, Tracked

FTFY_CONFIG = ftfy.TextFixerConfig(
    uncurl_quotes=False,  # quotes stay as published
    fix_character_width=False,  # full-width forms are not ours to change
    normalization="NFC",
    explain=False,
)

_ZERO_WIDTH_CHARACTERS = "\u200b\u200c\u200d\u2060\ufeff"
_ZERO_WIDTH = re.compile(f"[{_ZERO_WIDTH_CHARACTERS}]")
# A word as str.split() sees it (zero-width characters are not spaces, so they sit inside words).
_WORD = re.compile(r"\S+")
_ZERO_WIDTH_OR_TEXT = re.compile(f"[{_ZERO_WIDTH_CHARACTERS}]+|[^{_ZERO_WIDTH_CHARACTERS}]+")
_LINE_END = re.compile(r"\r\n|\r|\n")
# Text made only of printable ASCII without "&" and of typographic quotes, dashes and the ellipsis
# gives ftfy nothing to do: no entity ("&"), escape or control character, no ligature, nothing
# NFC changes, and no mojibake, since ftfy's badness patterns (ftfy/badness.py) each need a
# character outside this set (an accented letter, a "bad", currency, numeric, box-drawing or law
# sign, or a given letter such as Â, Ã or â); these marks alone ("common", "start_punctuation",
# "end_punctuation") never make a match. tests/test_normalize.py checks it against ftfy.
_NEEDS_FTFY = re.compile("[^\x20-\x25\x27-\x7e\u2018\u2019\u201c\u201d\u2013\u2014\u2026]")
# In ASCII text, the characters _NEEDS_FTFY finds ("&" and the control characters), and those
# str.split() splits on besides the space. ASCII text is most text, and checking its bytes with
# bytes.translate is many times faster than the regular expressions' scan
# (tests/test_normalize.py holds the two to the same answers).
_ASCII_FTFY_TRIGGERS = bytes([*range(0x20), 0x26, 0x7F])
_ASCII_BREAKS = b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"


# ftfy's one pass is not always its own fixpoint: a control character it removes can hide
# mojibake from its judgement until it is gone ("Â«Ä \x08" -> "Â«Ä" -> "«Ä"). Both functions
# repeat ftfy and the fold until the text stops changing, at most this many times.
FTFY_ROUNDS = 4


def _needs_ftfy(folded: str) -> bool:
    """Whether ftfy could change the text (its spaces already folded): the one rule both
    normalize_text and align_text follow, so the two cannot disagree on which text it sees."""
    if folded.isascii():
        return _has_any(folded, _ASCII_FTFY_TRIGGERS)
    return _NEEDS_FTFY.search(folded) is not None


def _has_any(ascii_text: str, characters: bytes) -> bool:
    data = ascii_text.encode("ascii")
    return len(data.translate(None, characters)) != len(data)


def _single_spaced(value: str) -> bool:
    """Whether the only spaces in value are single " " between words: folding leaves it as it is."""
    if "  " in value or value[:1] == " " or value[-1:] == " ":
        return False
    if value.isascii():
        return not _has_any(value, _ASCII_BREAKS)
    # Every space but " " and every zero-width character is unprintable (tests/test_normalize.py
    # checks each code point); text with a no-break space stops at the first one.
    return value.isprintable()


def _fold(value: str) -> str:
    if _single_spaced(value):
        return value
    if not value.isascii() and any(c in value for c in _ZERO_WIDTH_CHARACTERS):
        value = _ZERO_WIDTH.sub("", value)
    return " ".join(value.split())


def normalize_text(value: str) -> str:
    """Repair, NFC-normalise and fold the whitespace of one line of text."""
    # str.split() splits on every Unicode space (no-break spaces too); zero-width
    # characters go first. Spaces fold before ftfy as well as after: ftfy judges
    # mojibake on the whole sequence, so it must see the spacing the result will have.
    fixed = _fold(value)
    # Text ftfy would leave as it is skips it: the main saving on English text.
    for _ in range(FTFY_ROUNDS):
        if not _needs_ftfy(fixed):
            break
        before, fixed = fixed, _fold(ftfy.fix_text(fixed, config=FTFY_CONFIG))
        if fixed == before:
            break
    return unicodedata.normalize("NFC", fixed)


def split_lines(text: str) -> list[str]:
    """Lines of a capture, whatever its line endings (\\n, \\r\\n or \\r)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _drop_zero_width(value: str) -> tuple[str, OffsetMap]:
    parts = [
        Segment(
            len(m.group()),
            0 if _ZERO_WIDTH.match(m.group()) else len(m.group()),
            "delete" if _ZERO_WIDTH.match(m.group()) else "keep",
        )
        for m in _ZERO_WIDTH_OR_TEXT.finditer(value)
    ]
    return _ZERO_WIDTH.sub("", value), OffsetMap.build(parts)


def _fold_spaces(value: str) -> tuple[str, OffsetMap]:
    """Space runs folded into one space, the ends trimmed, as " ".join(value.split()) does."""
    parts: list[Segment] = []
    at = 0
    words = list(_WORD.finditer(value))
    for number, match in enumerate(words):
        gap = match.start() - at
        if number == 0:
            parts.append(Segment(gap, 0, "delete"))
        elif gap == 1:
            parts.append(
                Segment(1, 1, "keep")
            )  # one space of any kind becomes " ", position for position
        else:
            parts.append(Segment(gap, 1, "replace"))
        parts.append(Segment(len(match.group()), len(match.group()), "keep"))
        at = match.end()
    parts.append(Segment(len(value) - at, 0, "delete"))
    return " ".join(m.group() for m in words), OffsetMap.build(parts)


def _fold_tracked(value: str) -> tuple[str, OffsetMap]:
    """_fold, recording its edits."""
    return Tracked.of(value).apply(_drop_zero_width).apply(_fold_spaces).astuple()


def align_text(value: str) -> tuple[str, OffsetMap]:
    """normalize_text with the map from value's offsets to the result's.

    Slower than normalize_text, so it runs only for text that carries annotations;
    a property test holds the two to the same result.
    """
    tracked = Tracked.of(value).apply(_fold_tracked)
    for _ in range(FTFY_ROUNDS):
        if not _needs_ftfy(tracked.text):
            break
        before = tracked.text
        tracked = tracked.opaque(lambda text: ftfy.fix_text(text, config=FTFY_CONFIG)).apply(
            _fold_tracked
        )
        if tracked.text == before:
            break
    return tracked.opaque(lambda text: unicodedata.normalize("NFC", text)).text, tracked.map


def line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of every line of text, without its line ending, as split_lines splits it."""
    spans, at = [], 0
    for match in _LINE_END.finditer(text):
        spans.append((at, match.start()))
        at = match.end()
    spans.append((at, len(text)))
    return spans
