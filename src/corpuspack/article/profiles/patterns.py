"""A profile's regular expressions, each match bounded in time.

A profile may come from a corpus project, which a pull request can change, and a regular
expression can take exponential time on a line it almost matches (catastrophic backtracking:
`(a|aa)+$` on a long line of a's). Python's re cannot be stopped once it starts; the `regex`
module takes the same syntax with the same meaning (a superset of re's) and a timeout on each
match, counted in CPU seconds of the process, so a loaded machine does not set it off. A rule
that runs out of time is a ProfileError naming its profile and line: never a hang.

google-re2 would match in linear time, refusing nothing at run time, but its \\w, \\s, \\d and \\b
are ASCII only and it has no lookaround or backreferences: it would change what existing
profiles match (an outlet's \\w on accented names, \\s on a no-break space), where the regex
module matches exactly what re did.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import regex

from corpuspack.article.profiles.read import ProfileError

# CPU seconds one match may take. A rule of a real profile takes microseconds on the longest line
# a capture may hold (decode.MAX_LINE_CHARS); one that needs a second backtracks without end.
TIMEOUT_SECONDS = 1.0

error = regex.error


@dataclass(frozen=True)
class Pattern:
    """A compiled rule of a profile, as written (text) and where (shown: the file; where: its key)."""

    compiled: regex.Pattern
    text: str
    shown: str
    where: str
    line: int | None

    def match(self, text: str) -> regex.Match | None:
        with self._bounded(text):
            return self.compiled.match(text, timeout=TIMEOUT_SECONDS)

    def fullmatch(self, text: str) -> regex.Match | None:
        with self._bounded(text):
            return self.compiled.fullmatch(text, timeout=TIMEOUT_SECONDS)

    def finditer(self, text: str) -> list[regex.Match]:
        with self._bounded(text):
            return list(self.compiled.finditer(text, timeout=TIMEOUT_SECONDS))

    @contextmanager
    def _bounded(self, text: str) -> Iterator[None]:
        try:
            yield
        except TimeoutError:
            start = text[:40] + ("…" if len(text) > 40 else "")
            raise ProfileError(
                self.shown,
                f"{self.where}: the regular expression {self.text!r} took more than "
                f"{TIMEOUT_SECONDS:g} s of CPU on a line of {len(text):,} characters ({start!r}): "
                "it backtracks without end (a repeat inside a repeat, such as (a+)+ or (a|aa)+). "
                "Rewrite it so that each character can be matched one way only",
                self.line,
            ) from None


def compile_rule(
    shown: str, where: str, line: int | None, text: str, *, fullmatch: bool
) -> Pattern:
    """A rule of a profile, compiled (fullmatch: to be used whole, as a group); regex.error if it
    is not a regular expression."""
    return Pattern(regex.compile(f"(?:{text})" if fullmatch else text), text, shown, where, line)
