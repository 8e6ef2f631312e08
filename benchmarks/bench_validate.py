"""Benchmark `corpuspack validate` on synthetic corpora: measured, never asserted.

For each size it generates a corpus of realistic captures (benchmarks/synth.py),
commits it to a git repository, and measures, each in a fresh process:
  - a full validate without a cache;
  - a full validate that fills the extraction cache (cold), and one that uses it (warm);
  - `--changed-since main` after a pull request that changes 10 captures, with the
    warm cache of the base branch (what the GitHub workflow restores) and without;
  - frictionless validating the same article table row by row (Resource(data=rows)).
Wall time, articles per second and peak memory (max RSS) are printed as JSON lines
and a Markdown table.

    python benchmarks/bench_validate.py --sizes 10000 100000 --work /tmp/corpuspack-bench
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402

CLI = [sys.executable, "-m", "corpuspack.cli"]

FRICTIONLESS = """
import json, sys, time
from pathlib import Path
from corpuspack.build import pipeline
from corpuspack.project import datapackage as project_mod
from frictionless import Resource, Schema
project = project_mod.load(Path(sys.argv[1]))
result = pipeline.run(project, cache=None if sys.argv[2] == "-" else __import__("corpuspack.cache").cache.Cache(Path(sys.argv[2])))
rows = [a.to_row() for a in result.articles]
schema = Schema.from_descriptor(result.schema.descriptor)
start = time.perf_counter()
report = Resource(data=rows, schema=schema).validate(limit_errors=10**9)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "rows": len(rows), "errors": len(report.flatten(["rowNumber"]))}))
"""


def measure_child(label: str, command: list[str]) -> dict:
    """Run command in a child and report its own peak RSS via wait4."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = process.stdout.read()
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    return {
        "step": label,
        "seconds": round(seconds, 2),
        "peak_mib": round(usage.ru_maxrss / 1024),
        "exit": os.waitstatus_to_exitcode(status),
        "stdout": out.decode(),
        "stderr": err.decode(),
    }


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def run_size(size: int, work: Path) -> list[dict]:
    root = work / f"corpus-{size}"
    cache = work / f"cache-{size}"
    shutil.rmtree(cache, ignore_errors=True)
    started = time.perf_counter()
    synth.generate(root, size)
    synth.git_commit_all(root)
    print(
        json.dumps({"size": size, "generated_seconds": round(time.perf_counter() - started, 1)}),
        flush=True,
    )

    results = []

    def record(entry: dict, articles: int) -> None:
        entry.update(
            size=size,
            articles=articles,
            articles_per_second=round(articles / entry["seconds"]) if entry["seconds"] else None,
        )
        results.append(entry)
        print(
            json.dumps({k: v for k, v in entry.items() if k not in {"stdout", "stderr"}}),
            flush=True,
        )

    validate = [*CLI, "validate", "--project", str(root), "--format", "json"]
    if size <= 10_000:  # at larger sizes the cold-cache run below measures the same work
        record(measure_child("full validate, no cache", validate), size)
    record(
        measure_child("full validate, cache cold (fills it)", validate + ["--cache", str(cache)]),
        size,
    )
    record(measure_child("full validate, cache warm", validate + ["--cache", str(cache)]), size)

    git(root, "checkout", "-q", "-b", "pull-request")
    changed = sorted((root / "raw").rglob("*.txt"))[:: max(1, size // 10)][:10]
    for path in changed:  # a contributor's fix inside the body
        path.write_text(
            path.read_text(encoding="utf-8").replace(" the ", " the revised ", 1), encoding="utf-8"
        )
    git(root, "commit", "-q", "-am", "change 10 captures")
    pr = validate + ["--changed-since", "main"]
    record(
        measure_child(
            "--changed-since main, 10 changed, base cache warm", pr + ["--cache", str(cache)]
        ),
        10,
    )
    if size <= 10_000:
        record(measure_child("--changed-since main, 10 changed, no cache", pr), 10)
    git(root, "checkout", "-q", "main")

    child = measure_child(
        "frictionless Resource.validate, same rows",
        [sys.executable, "-c", FRICTIONLESS, str(root), str(cache)],
    )
    inner = json.loads(child["stdout"])
    child.update(
        seconds=round(inner["seconds"], 2),
        note=f"{inner['errors']} findings; peak is the whole process",
    )
    record(child, inner["rows"])
    return results


def table(results: list[dict]) -> str:
    lines = ["| articles | step | seconds | articles/s | peak MiB |", "|---:|---|---:|---:|---:|"]
    for r in results:
        lines.append(
            f"| {r['size']:,} | {r['step']} | {r['seconds']} | {r['articles_per_second'] or ''} | "
            f"{r['peak_mib']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Benchmark corpuspack validate (measured, not asserted)."
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/corpuspack-bench"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes:
        results += run_size(size, args.work)
    print(table(results))


if __name__ == "__main__":
    main()
