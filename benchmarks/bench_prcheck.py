"""The pull-request check, repeated: measured, never asserted.

Runs `corpuspack validate --changed-since BASE --cache` on a corpus left by
benchmarks/bench_validate.py (its `pull-request` branch checked out), each run in a fresh
process with a fresh copy of the base branch's warm cache, and prints the median wall time and the
median CPU time (user + system, of the process and its children) of the runs. Several
checkouts of corpuspack can be compared on the same corpus, their runs interleaved so that a
shared machine's load falls on all of them alike. Each checkout needs a cache filled by itself
(a cache's keys include a digest of corpuspack's sources), by a full `validate --cache` on the
base branch:

    python benchmarks/bench_prcheck.py --corpus /tmp/corpuspack-bench/corpus-20000 \
        --cache /tmp/cache-old /tmp/cache-new --src /old/src src --runs 7
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_once(src: Path, corpus: Path, cache: Path, base: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one check, with a copy of cache."""
    with tempfile.TemporaryDirectory(prefix="prcheck-cache-") as folder:
        copy = Path(folder) / "cache"
        shutil.copytree(cache, copy)
        command = [sys.executable, "-m", "corpuspack.cli", "validate", "--project", str(corpus)]
        command += ["--format", "json", "--changed-since", base, "--cache", str(copy)]
        env = {**os.environ, "PYTHONPATH": str(src.resolve())}
        start = time.perf_counter()
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) not in (0, 1):  # 1: findings
            raise SystemExit(f"validate failed with {src}: exit {status}")
        return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the pull-request check (not asserted).")
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument(
        "--cache", type=Path, nargs="+", required=True, help="each src's warm cache of the base"
    )
    parser.add_argument("--src", type=Path, nargs="+", default=[Path("src")])
    parser.add_argument("--base", default="main")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if len(args.cache) != len(args.src):
        parser.error("give one --cache for each --src")
    times: dict[Path, list[tuple[float, float]]] = {src: [] for src in args.src}
    for _ in range(args.runs):
        for src, cache in zip(args.src, args.cache, strict=True):
            times[src].append(run_once(src, args.corpus, cache, args.base))
    for src, runs in times.items():
        print(
            json.dumps(
                {
                    "src": str(src),
                    "runs": len(runs),
                    "wall_median": round(statistics.median(w for w, _ in runs), 2),
                    "cpu_median": round(statistics.median(c for _, c in runs), 2),
                    "wall": [round(w, 2) for w, _ in runs],
                }
            )
        )


if __name__ == "__main__":
    main()
