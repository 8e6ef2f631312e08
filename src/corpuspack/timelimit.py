"""Regular-expression matches bounded in CPU time, for patterns a project (and so a pull request)
writes: a profile's rules and a Table Schema's `pattern` constraints.

A regular expression can take exponential time on a text it almost matches (catastrophic
backtracking: `(a|aa)+$` on a long line of a's). Python's re has no time limit; the `regex`
module takes the same syntax with the same meaning (a superset of re's) and a timeout on each
match, counted in CPU seconds of the process, so a loaded machine does not set it off. A match
that runs out of time raises OverTime, which each caller words as its own error: never a hang.

google-re2 would match in linear time, refusing nothing at run time, but its \\w, \\s, \\d and \\b
are ASCII only and it has no lookaround or backreferences: it would change what existing
patterns match (an outlet's \\w on accented names, \\s on a no-break space), where the regex
module matches exactly what re did.

How the limit is kept (measured in docs/benchmarks.md, "profile rules"): asking regex for a
timeout reads the process's CPU clock on every match, about 1 to 4 µs each, some 130 matches a
capture. In the main thread a watchdog does it for the price of two assignments a match instead:
an interval timer of process CPU time (ITIMER_VIRTUAL) ticks every TICK seconds, and its
handler stops the match that has been running for LIMIT_TICKS ticks by raising in it (regex and
re both let a signal's handler interrupt a match). Elsewhere (threads of a Dask worker, a library
caller's thread), or where the program has its own SIGVTALRM handler, each match asks regex for
the timeout. Both raise OverTime.
"""

from __future__ import annotations

import atexit
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

# CPU seconds one match may take. A real rule takes microseconds on the longest line a capture
# may hold (decode.MAX_LINE_CHARS); one that needs a second backtracks without end.
TIMEOUT_SECONDS = 1.0
TICK = 0.25  # CPU seconds between the watchdog's looks
LIMIT_TICKS = 5  # a match seen running at this many ticks in a row has run over TIMEOUT_SECONDS

T = TypeVar("T")


class OverTime(Exception):
    """A match ran out of time (raised by the watchdog inside it, or in place of regex's
    TimeoutError)."""


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
            raise OverTime

    def run(self, method: Callable[[str], T], text: str) -> T:
        self.count += 1
        self.running = self.count
        try:
            return method(text)
        finally:
            self.running = 0


_WATCHDOG = _Watchdog()


def bounded(method: Callable[..., T], text: str) -> T:
    """method(text), a match of a `regex` pattern (or a function of one that takes `timeout=`),
    stopped after TIMEOUT_SECONDS of CPU: then OverTime."""
    try:
        if _WATCHDOG.usable():
            return _WATCHDOG.run(method, text)
        return method(text, timeout=TIMEOUT_SECONDS)
    except TimeoutError:
        raise OverTime from None


def watched(method: Callable[[str], T], text: str) -> T:
    """method(text), a match of a Python `re` pattern (whose meaning a caller must keep exactly,
    as the Table Schema's frictionless does), stopped by the watchdog after TIMEOUT_SECONDS of CPU:
    then OverTime. re takes no timeout: outside the main thread the match runs unbounded."""
    if _WATCHDOG.usable():
        return _WATCHDOG.run(method, text)
    return method(text)
