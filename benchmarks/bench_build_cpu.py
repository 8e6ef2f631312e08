"""A full build and a rebuild, repeated, for several checkouts: measured, never asserted.

For each round and each checkout (its `src/` on PYTHONPATH), one after the other so that a
shared machine's load falls on all of them alike:
  1. a full build with a cold cache, `corpuspack build --jobs 2 --cache CACHE --quiet`;
  3. a rebuild after a word inside one capture's body is changed, with that cache, into a new
     --out folder (the capture is put back afterwards).
Each in a fresh process; wall seconds, and CPU seconds (user + system of the process and of
its children, from wait4). Prints each run as a JSON line, then the medians. The corpus is
benchmarks/bench_build.py's (generated and committed there, or here if missing):

    python benchmarks/bench_build_cpu.py --size 20000 --work /tmp/bench-build \
        --src /tmp/before/src src --runs 5
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_build  # noqa: E402


def timed(src: Path, args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of it and its children) of `corpuspack ARGS` with src first."""
    env = {**os.environ, "PYTHONPATH": str(src.resolve())}
    command = [sys.executable, "-m", "corpuspack.cli", *args]
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(args)} with {src}: exit {code}: {process.stderr.read()!r}")
    return wall, usage.ru_utime + usage.ru_stime


def one_round(src: Path, corpus: Path, scratch: Path, jobs: int) -> dict[str, tuple[float, float]]:
    cache, first, second = scratch / "cache", scratch / "full", scratch / "rebuild"
    for folder in (cache, first, second):
        shutil.rmtree(folder, ignore_errors=True)
    common = ["--project", str(corpus), "--jobs", str(jobs), "--cache", str(cache), "--quiet"]
    full = timed(src, ["build", *common, "--out", str(first)])
    edited, old = bench_build.edit_one(corpus)
    try:
        rebuild = timed(src, ["build", *common, "--out", str(second)])
    finally:
        edited.write_bytes(old)
    return {"full": full, "rebuild": rebuild}


def main() -> None:
    parser = argparse.ArgumentParser(description="Time full builds and rebuilds (not asserted).")
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-build"))
    parser.add_argument("--src", type=Path, nargs="+", default=[Path("src")])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    corpus = bench_build.corpus(args.size, args.work)
    times: dict[Path, list[dict]] = {src: [] for src in args.src}
    with tempfile.TemporaryDirectory(prefix="bench-build-cpu-") as folder:
        for _ in range(args.runs):
            for src in args.src:
                done = one_round(src, corpus, Path(folder), args.jobs)
                times[src].append(done)
                print(json.dumps({"src": str(src), **done}), flush=True)
    for src, runs in times.items():
        summary: dict = {"src": str(src), "runs": len(runs)}
        for step in ("full", "rebuild"):
            summary[f"{step}_wall_median"] = round(statistics.median(r[step][0] for r in runs), 2)
            summary[f"{step}_cpu_median"] = round(statistics.median(r[step][1] for r in runs), 2)
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
