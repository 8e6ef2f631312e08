"""Where a build's CPU goes between the main process and its workers: measured, never asserted.

Runs `corpuspack build --jobs N --quiet` in this process (start it fresh, with the checkout's
`src/` on PYTHONPATH) and prints, as one JSON line: the main process's CPU seconds, of which in
the garbage collector (timed with gc.callbacks), its full (generation 2) collections, and the
CPU seconds of its children (the workers, git). The corpus is benchmarks/bench_build.py's:

    PYTHONPATH=src python benchmarks/bench_main_process.py --project /tmp/bench-build/corpus-20000
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path

collector = {"cpu": 0.0, "full": 0, "started": 0.0}


def _timed(phase: str, info: dict) -> None:
    if phase == "start":
        collector["started"] = time.process_time()
    else:
        collector["cpu"] += time.process_time() - collector["started"]
        collector["full"] += info["generation"] == 2


def main() -> None:
    parser = argparse.ArgumentParser(description="Main process and workers' CPU of a build.")
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    gc.callbacks.append(_timed)
    from corpuspack.cli.commands import main as cli

    out = Path(tempfile.mkdtemp(prefix="bench-main-")) / "release"
    try:
        cli(
            ["build", "--project", str(args.project), "--out", str(out), "--jobs", str(args.jobs)]
            + ["--quiet"],
            prog_name="corpuspack",
            standalone_mode=False,
        )
    finally:
        shutil.rmtree(out.parent)
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "main_cpu": round(own.ru_utime + own.ru_stime, 2),
                "gc_cpu": round(collector["cpu"], 2),
                "full_collections": collector["full"],
                "children_cpu": round(children.ru_utime + children.ru_stime, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
