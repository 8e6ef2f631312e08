"""Step 1 of bench_build.py (a full build, cold cache, `--jobs 2`) for several checkouts of
corpuspack side by side: measured, never asserted.

On the synthetic corpus of bench_build.py (generated in --work, or reused), each checkout's
`src/` builds the release in a fresh process with an empty cache, the checkouts' runs
interleaved so that a shared machine's load falls on all of them alike. Prints, for each
checkout, every run and the medians of wall time and of CPU time (user + system, of the build
and its worker processes), and whether every checkout's release has the same bytes, file for
file (a file that differs is named).

    git archive BEFORE src | tar -x -C /tmp/before
    python benchmarks/bench_build_sides.py --size 20000 --src /tmp/before/src src --runs 5
"""

from __future__ import annotations

import argparse
import hashlib
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


def build_once(src: Path, root: Path, out: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one full build into out, with an empty cache."""
    shutil.rmtree(out, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="sides-cache-") as cache:
        command = [sys.executable, "-m", "corpuspack.cli", "build", "--project", str(root)]
        command += ["--jobs", "2", "--cache", cache, "--quiet", "--out", str(out)]
        env = {**os.environ, "PYTHONPATH": str(src.resolve())}
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)  # usage: the build and its workers
        wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the build with {src} failed: exit status {status}")
    return wall, usage.ru_utime + usage.ru_stime


def digests(release: Path) -> dict[str, str]:
    return {
        str(path.relative_to(release)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(release.rglob("*"))
        if path.is_file()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-build"))
    parser.add_argument("--src", type=Path, nargs="+", default=[Path("src")])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    root = bench_build.corpus(args.size, args.work)
    times: dict[Path, list[tuple[float, float]]] = {src: [] for src in args.src}
    for run in range(args.runs):
        for number, src in enumerate(args.src):
            wall, cpu = build_once(src, root, args.work / f"sides-{number}")
            times[src].append((wall, cpu))
            print(json.dumps({"src": str(src), "run": run + 1, "wall": wall, "cpu": cpu}))
    releases = [digests(args.work / f"sides-{n}") for n in range(len(args.src))]
    differ = sorted(
        {name for r in releases[1:] for name in r if r.get(name) != releases[0].get(name)}
    )
    print(
        f"\n| {args.size:,} articles, full build, cold cache, --jobs 2 | wall, median of "
        f"{args.runs} | CPU, median of {args.runs} |\n|---|---:|---:|"
    )
    for src, measured in times.items():
        wall = statistics.median(w for w, _ in measured)
        cpu = statistics.median(c for _, c in measured)
        print(f"| {src} | {wall:.2f} s ({args.size / wall:,.0f}/s) | {cpu:.2f} s |")
    print(f"\nsame release bytes: {'yes' if not differ else 'NO, ' + ', '.join(differ)}")


if __name__ == "__main__":
    main()
