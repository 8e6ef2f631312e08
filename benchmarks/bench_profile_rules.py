"""Benchmark extraction (profiles' rules applied to every capture) of two checkouts, interleaved.

The profiles' regular expressions are matched with the `regex` module and a time limit on each
match (corpuspack/article/profiles/patterns.py) where they were matched with re. This measures
what that costs: for each checkout's src/ given, in a fresh process per run, the CPU seconds of
extract.extract over every capture of a corpus (read and decoded beforehand, not timed), and a
SHA-256 of every article and finding it made, which must be the same for both checkouts. Runs
alternate between the checkouts; medians are printed as a Markdown table.

    python benchmarks/synth.py /tmp/rules-bench/corpus --articles 20000
    git archive <before> src | tar -x -C /tmp/rules-bench/before
    python benchmarks/bench_profile_rules.py --corpus /tmp/rules-bench/corpus \\
        --src /tmp/rules-bench/before/src src --runs 7
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

RUN = """
import hashlib, json, sys, time
from pathlib import Path
from corpuspack.article import extract, profiles
from corpuspack.project.schema import RecordSchema
from corpuspack.capture import ingest
from corpuspack.project import datapackage

project = datapackage.load(Path(sys.argv[1]))
scan = ingest.scan(project.raw_dir, project.root)
items = list(ingest.inputs(scan, project.settings.max_file_bytes))
documents = [d for d in (ingest.load(c, i)[0] for c, i, _ in items) if d is not None]
registry, vocabulary = profiles.registry(), project.load_vocabulary()
outlets = RecordSchema(project.load_schema()).enum("outlet")
digest = hashlib.sha256()
started = time.process_time()
made = [extract.extract(d, registry, outlets, vocabulary) for d in documents]
cpu = time.process_time() - started
for article, findings in made:
    digest.update(repr((article, findings)).encode())
print(json.dumps({"captures": len(documents), "cpu": cpu, "sha256": digest.hexdigest()}))
"""


def one(src: Path, corpus: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(corpus)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--src", type=Path, nargs=2, required=True, metavar=("BEFORE", "AFTER"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results: dict[Path, list[dict]] = {src: [] for src in args.src}
    for run in range(args.runs):
        for src in args.src if run % 2 == 0 else reversed(args.src):
            results[src].append(one(src.resolve(), args.corpus))
            print(json.dumps({"src": str(src), **results[src][-1]}), flush=True)
    digests = {r["sha256"] for runs in results.values() for r in runs}
    captures = results[args.src[0]][0]["captures"]
    print(f"\n| extraction of {captures:,} captures, CPU seconds | before | after |")
    print("|---|---:|---:|")
    before, after = (statistics.median(r["cpu"] for r in results[s]) for s in args.src)
    print(f"| median of {args.runs} | {before:.2f} | {after:.2f} |")
    print(f"| per capture | {before / captures * 1e3:.3f} ms | {after / captures * 1e3:.3f} ms |")
    print(f"\nsame articles and findings: {len(digests) == 1}")


if __name__ == "__main__":
    main()
