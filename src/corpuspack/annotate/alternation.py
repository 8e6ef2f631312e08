"""Word lists as regular expressions that try their words as a trie.

An alternation of many words ("analyst|chairman|chief executive|...") makes Python's re try
every word in turn at each position it is tried at; the attribution patterns try their word
lists at every word of a sentence, so most of their time went there. The same words written
as a trie ("a(?:nalyst|...)|c(?:h(?:airman|ief\\s+executive))|...") try one branch a letter.

Written by hand, as re has no trie of its own: the expression matches what the sorted
alternation `longest|...|shortest` matches, in the same order of preference. At a position,
the words that match are each a prefix of the next (two words that differ first at some letter
cannot both match there; a space is `\\s+` and no word holds whitespace otherwise), so the
longest comes first in both: the trie tries a longer word before a word ending where it is.
"""

from __future__ import annotations

import re

_END = ""  # the key that marks a word ending at a node


def words_pattern(items: list[str]) -> str:
    """The words as one regular expression (no group around it); a space matches any
    whitespace."""
    trie: dict = {}
    for word in set(items):
        node = trie
        for char in word:
            node = node.setdefault(r"\s+" if char == " " else re.escape(char), {})
        node[_END] = {}
    return _expression(trie)


def _expression(node: dict) -> str:
    branches = [key + _expression(child) for key, child in sorted(node.items()) if key != _END]
    if _END in node:
        branches.append("")  # the word ending here, after every longer word through here
    if len(branches) == 1:
        return branches[0]
    return f"(?:{'|'.join(branches)})"
