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

How the limit is kept (measured in docs/benchmarks.md, "profile rules"): asking regex for a
timeout reads the process's CPU clock on every match, about 1 to 4 µs each, some 130 matches a
capture. In the main thread a watchdog does it for the price of two assignments a match instead:
an interval timer of process CPU time (ITIMER_VIRTUAL) ticks every TICK seconds, and its
handler stops the match that has been running for LIMIT_TICKS ticks by raising in it (regex and
re both let a signal's handler interrupt a match). Elsewhere (threads of a Dask worker, a library
caller's thread), or where the program has its own SIGVTALRM handler, each match asks regex for
the timeout. Both give the same error.
"""

from __future__ import annotations

import atexit
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import TypeVar

import regex

from corpuspack.article.profiles.read import ProfileError

# CPU seconds one match may take. A rule of a real profile takes microseconds on the longest line
# a capture may hold (decode.MAX_LINE_CHARS); one that needs a second backtracks without end.
TIMEOUT_SECONDS = 1.0
TICK = 0.25  # CPU seconds between the watchdog's looks
LIMIT_TICKS = 5  # a match seen running at this many ticks in a row has run over TIMEOUT_SECONDS

error = regex.error
T = TypeVar("T")


class _OverTime(Exception):
    """Raised by the watchdog inside a match that has run out of time."""


class _Watchdog:
    """The main thread's timer of matches: which match runs (a number, 0 for none) and how many
    ticks have seen it running. Started on the first match, it ticks for the rest of the process."""

    def __init__(self) -> None:
        self.running = 0  # the number of the match in progress, 0 between matches
        self.last = 0  # the match the previous tick saw
        self.seen = 0  # ticks in a row that saw it
        self.count = 0
        self.started: bool | None = None  # None: not tried yet; False: cannot run here

    def usable(self) -> bool:
        if threading.current_thread() is not threading.main_thread():
            return False
        if self.started is None:
            # A program with its own SIGVTALRM handler keeps it; its matches ask regex instead.
            self.started = signal.getsignal(signal.SIGVTALRM) in (signal.SIG_DFL, None)
            if self.started:
                signal.signal(signal.SIGVTALRM, self._tick)
                # System calls of other threads (pyarrow's) that a tick meets resume, not fail.
                signal.siginterrupt(signal.SIGVTALRM, False)
                signal.setitimer(signal.ITIMER_VIRTUAL, TICK, TICK)
                # Stopped before the interpreter puts SIGVTALRM's default (to end the process) back.
                atexit.register(signal.setitimer, signal.ITIMER_VIRTUAL, 0)
        return self.started

    def _tick(self, signum: int, frame: FrameType | None) -> None:
        if not self.running or self.running != self.last:
            self.last, self.seen = self.running, 0
            return
        self.seen += 1
        if self.seen + 1 >= LIMIT_TICKS:
            self.seen = 0
            raise _OverTime

    def run(self, method: Callable[[str], T], text: str) -> T:
        self.count += 1
        self.running = self.count
        try:
            return method(text)
        finally:
            self.running = 0


_WATCHDOG = _Watchdog()


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
        """method(text), stopped by the watchdog or regex's timeout: then a ProfileError."""
        try:
            if _WATCHDOG.usable():
                return _WATCHDOG.run(method, text)
            return method(text, timeout=TIMEOUT_SECONDS)
        except (TimeoutError, _OverTime):
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
