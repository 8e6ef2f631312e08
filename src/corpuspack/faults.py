"""Named moments at which the fault tests stop a run, the way a crash or a full disk would.

Production code calls `point("release-changelog")` at the moments a death matters; with
the environment variable CORPUSPACK_FAULT unset (always, outside the tests) it does
nothing. CORPUSPACK_FAULT=<point>:<action> makes the run, at that point (or, with <point>:<action>:<n>, the n-th time it is reached):

- kill: kill itself with SIGKILL (no cleanup of any kind runs, as after kill -9);
- stop: create the file CORPUSPACK_FAULT_READY names and wait for a signal, so a test can
  send SIGINT or SIGTERM at that exact moment;
- enospc: raise OSError(ENOSPC), as a full disk would.

A real signal at a chosen moment is the only way to test what a real death leaves behind;
timing a signal from outside would make the tests flaky.
"""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

ENV = "CORPUSPACK_FAULT"
READY = "CORPUSPACK_FAULT_READY"


_reached: dict[str, int] = {}


def point(name: str) -> None:
    """A moment a fault test may stop the run at (see the module's docstring)."""
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    where, action, nth = (wanted.split(":") + ["1"])[:3]
    if where != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] != int(nth):
        return
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif action == "stop":
        Path(os.environ[READY]).write_text(str(os.getpid()), encoding="utf-8")
        while True:
            signal.pause()
    elif action == "enospc":
        raise OSError(errno.ENOSPC, f"No space left on device (injected at {name})")
