"""A profile's regular expressions, each match bounded in CPU time (corpuspack/timelimit.py).

A profile may come from a corpus project, which a pull request can change: a rule that
backtracks without end is a ProfileError naming its profile and line, never a hang.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import regex

from corpuspack import timelimit
from corpuspack.article.profiles.read import ProfileError

error = regex.error
T = TypeVar("T")


@dataclass(frozen=True)
class Pattern:
    """A compiled rule of a profile, as written (text) and where (shown: the file; where: its key)."""

    compiled: regex.Pattern
    text: str
    shown: str
    where: str
    line: int | None

    def match(self, text: str) -> regex.Match | None:
        return self._bounded(self.compiled.match, text)

    def fullmatch(self, text: str) -> regex.Match | None:
        return self._bounded(self.compiled.fullmatch, text)

    def finditer(self, text: str) -> list[regex.Match]:
        return self._bounded(self._all, text)

    def _all(self, text: str, **timeout: float) -> list[regex.Match]:
        return list(self.compiled.finditer(text, **timeout))

    def _bounded(self, method: Callable[..., T], text: str) -> T:
        """method(text), stopped after timelimit.TIMEOUT_SECONDS: then a ProfileError."""
        try:
            return timelimit.bounded(method, text)
        except timelimit.OverTime:
            start = text[:40] + ("…" if len(text) > 40 else "")
            raise ProfileError(
                self.shown,
                f"{self.where}: the regular expression {self.text!r} took more than "
                f"{timelimit.TIMEOUT_SECONDS:g} s of CPU on a line of {len(text):,} characters ({start!r}): "
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
