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

FTFY_CONFIG = ftfy.TextFixerConfig(
    uncurl_quotes=False,  # quotes stay as published
    fix_character_width=False,  # full-width forms are not ours to change
    normalization="NFC",
    explain=False,
)

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def _fold(value: str) -> str:
    if _ZERO_WIDTH.search(value):
        value = _ZERO_WIDTH.sub("", value)
    return " ".join(value.split())


def normalize_text(value: str) -> str:
    """Repair, NFC-normalise and fold the whitespace of one line of text."""
    # str.split() splits on every Unicode space (no-break spaces too); zero-width
    # characters go first. Spaces fold before ftfy as well as after: ftfy judges
    # mojibake on the whole sequence, so it must see the spacing the result will have.
    fixed = _fold(value)
    # Printable ASCII without "&" gives ftfy nothing to do (no mojibake, entities, escapes
    # or controls); skipping it there is the main saving on English text.
    if not (fixed.isascii() and fixed.isprintable() and "&" not in fixed):
        fixed = ftfy.fix_text(fixed, config=FTFY_CONFIG)
        fixed = _fold(fixed)
    return unicodedata.normalize("NFC", fixed)


def split_lines(text: str) -> list[str]:
    """Lines of a capture, whatever its line endings (\\n, \\r\\n or \\r)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
