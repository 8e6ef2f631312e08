"""Where quotations are: the pairing of quotation marks in English news text.

Conventions handled (each has a test in tests/test_quotations.py):

- straight (") and typographic (“ ”) double marks, typographic single marks (‘ ’) that are not
  apostrophes;
- a quotation that runs on over paragraphs: British and agency style leaves it open at the end
  of a paragraph and reopens it with a new opening mark in the next. Where paragraph breaks
  were merged into one line, the reopening mark stands mid-line, right after the end of a
  sentence: an opening-shaped mark (space before it, a word after it) following ". ", "? " or
  "! " inside an open quotation reopens it rather than closing it.
- a typographic opening mark inside an open typographic quotation that does not reopen it makes
  the first a stray (an unmatched mark is not a quotation).
"""

from __future__ import annotations

import re

PARAGRAPH = "\n\n"
_MARKS = re.compile('[“"‘]')  # where a quotation can open
_SINGLE_CLOSE = re.compile(r"’(?![A-Za-z])")
# What ends the search for a double quotation's closing mark: the mark, a paragraph break, or
# (for typographic quotes) another opening mark. The scans jump from one to the next with a
# regular expression instead of stepping through every character in Python (three times faster).
_DOUBLE_STOPS = {
    "”": re.compile("”|“|" + re.escape(PARAGRAPH)),
    '"': re.compile('"|' + re.escape(PARAGRAPH)),
}
_SENTENCE_END = re.compile(r"[.!?]\s$")


def reopens(text: str, at: int) -> bool:
    """Whether the opening-shaped mark at text[at] reopens a quotation left open at the end of
    the sentence before it (a paragraph break merged into the line)."""
    return (
        at + 1 < len(text)
        and not text[at + 1].isspace()
        and _SENTENCE_END.search(text, max(0, at - 2), at) is not None
    )


def find_quotations(text: str, max_paragraphs: int = 6) -> list[tuple[int, int]]:
    """(start, end) of the words inside each pair of quotation marks, in order."""
    found = []
    at = 0
    while (opening := _MARKS.search(text, at)) is not None:
        at = opening.start()
        mark = text[at]
        close = None
        if mark in '“"':
            close = _close_double(text, at, max_paragraphs)
        elif at == 0 or not text[at - 1].isalnum():  # ‘
            # A closing ’ that is not an apostrophe inside a word (Let’s), in the same paragraph.
            end = text.find(PARAGRAPH, at)
            match = _SINGLE_CLOSE.search(text, at + 1, len(text) if end < 0 else end)
            close = match.start() if match else None
        if close is not None and text[at + 1 : close].strip():
            found.append((at + 1, close))
            at = close + 1
        else:
            at += 1
    return found


def _close_double(text: str, opening: int, max_paragraphs: int) -> int | None:
    closer = "”" if text[opening] == "“" else '"'
    stops = _DOUBLE_STOPS[closer]
    paragraphs = 0
    at = opening + 1
    while (stop := stops.search(text, at)) is not None:
        at, token = stop.start(), stop.group()
        if token == PARAGRAPH:
            paragraphs += 1
            if paragraphs >= max_paragraphs:
                return None
            at += len(PARAGRAPH)
            if text.startswith(text[opening], at):
                at += 1  # the mark that reopens a quotation in its next paragraph
            continue
        if token == text[opening] and reopens(text, at):
            at += 1  # a paragraph break merged into the line: the quotation goes on
            continue
        if token == closer:
            return at
        return None  # a second opening mark first: this one is a stray
    return None
