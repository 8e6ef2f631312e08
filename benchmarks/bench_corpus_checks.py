"""Benchmark the corpus-level checks on hard corpora (benchmarks/hard_corpus.py): measured, never
asserted.

For each size, in a fresh process: generate the corpus, build it with no corpus checks (the
store of records), then run each corpus check alone on that store and measure its time (CPU and
wall) and its peak of memory traced by tracemalloc (Python objects and numpy arrays; Arrow's
buffers are not traced, the columns read are about 450 bytes a record), then the recall of the
planted exact and near duplicates among the findings. JSON lines, then a Markdown table.

    python benchmarks/bench_corpus_checks.py --sizes 10000 100000 --work /tmp/corpuspack-hard
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hard_corpus  # noqa: E402


def measure(label: str, call) -> tuple[dict, list]:
    tracemalloc.start()
    cpu, wall = time.process_time(), time.perf_counter()
    findings = call()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "check": label,
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "peak_mib": round(peak / 2**20, 1),
    }, findings


def one(size: int, work: Path, jobs: int) -> list[dict]:
    import pyarrow.compute as pc

    from corpuspack.build import pipeline
    from corpuspack.build.extensions import Chosen
    from corpuspack.checks import corpus
    from corpuspack.project import datapackage

    root = work / f"hard-{size}"
    planted = hard_corpus.generate(root, size)
    project = datapackage.load(root)
    start = time.perf_counter()
    result = pipeline.run(project, jobs=jobs, chosen=Chosen(corpus_checks=()))
    built = time.perf_counter() - start
    store, settings = result.store, project.settings
    rows, found = [], []
    for column, check in (
        ("id", corpus.duplicate_ids),
        ("_url_key", corpus.duplicate_urls),
        ("_text_sha", corpus.duplicate_texts),
    ):

        def repeats(column=column, check=check):
            counts = pc.value_counts(store.column(column).drop_null())
            repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
            return check(store.where(column, repeated), None) if len(repeated) else []

        row, findings = measure(check.__name__, repeats)
        rows.append(row)
        found += findings
    separately = hasattr(corpus, "near_duplicate_check")  # not before this commit
    if separately:
        row, findings = measure(
            "near_duplicates", lambda: corpus.near_duplicate_check(store, settings, None)
        )
        rows.append(row)
        found += findings
    # All of them together, as a build runs them (and as a checkout before this one can).
    row, everything = measure("all (corpus.check)", lambda: corpus.check(store, settings))
    rows.append(row)
    found = found if separately else everything
    store.cleanup()
    named = {
        (f.code, f.file, re.search(r"(raw/\S+\.txt)", f.message).group(1))
        for f in found
        if f.code in ("duplicate-text", "near-duplicate")
    }
    recall = {
        kind: sum((code, copy, original) in named for original, copy in pairs) / max(1, len(pairs))
        for kind, code in (("exact", "duplicate-text"), ("near", "near-duplicate"))
        for pairs in [planted[kind]]
    }
    boilerplate = sum(f.code == "near-duplicate-boilerplate" for f in found)
    near = sum(f.code == "near-duplicate" for f in found)
    for row in rows:
        row |= {
            "same_as_separately": sorted(everything) == sorted(found),
            "articles": store.count,
            "ms_per_1000": round(row["cpu_s"] / store.count * 1e6, 1),
            "build_s": round(built, 1),
            "planted_exact": len(planted["exact"]),
            "planted_near": len(planted["near"]),
            "recall_exact": recall["exact"],
            "recall_near": recall["near"],
            "near_duplicate_findings": near,
            "boilerplate_findings": boilerplate,
        }
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/corpuspack-hard"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        for row in one(args.one, args.work, args.jobs):
            print(json.dumps(row), flush=True)
        return
    rows = []
    for size in args.sizes:
        command = [sys.executable, __file__, "--one", str(size), "--work", str(args.work)]
        command += ["--jobs", str(args.jobs)]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            print(line, flush=True)
            rows.append(json.loads(line))
    print(
        "\n| articles | check | CPU s | ms per 1,000 articles | peak MiB (traced) | recall exact / near |"
    )
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['articles']:,} | {r['check']} | {r['cpu_s']} | {r['ms_per_1000']} | "
            f"{r['peak_mib']} | {r['recall_exact']:.3f} / {r['recall_near']:.3f} |"
        )


if __name__ == "__main__":
    main()
