"""Benchmark a build worker's per-article work before annotation: measured, never asserted.

On synthetic captures (benchmarks/synth.py, written to --work once and reused), in one process,
with every capture's bytes already in memory, it times per article (CPU, process_time):
  - sidecar: `capture.sidecar.parse` of every sidecar (three captures in four have one);
  - load: `capture.ingest.load`, decoding the capture and parsing its sidecar;
  - extract: `article.extract.extract` of the loaded document (outlet, page lines, dateline,
    title, dates, normalisation);
each the best of --repeat passes over all captures (a first pass warms up). --profile FILE
writes a cProfile of one pass of load + extract instead. Prints JSON lines and a Markdown table.

    python benchmarks/bench_extract.py --articles 2000 --work /tmp/bench-extract
    python benchmarks/bench_extract.py --articles 2000 --profile /tmp/extract.prof
"""

from __future__ import annotations

import argparse
import cProfile
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402

from corpuspack.article import extract, profiles  # noqa: E402
from corpuspack.capture import ingest, sidecar  # noqa: E402
from corpuspack.project import datapackage  # noqa: E402
from corpuspack.project.schema import RecordSchema  # noqa: E402


def corpus(work: Path, articles: int) -> Path:
    """The synthetic project of that many captures in work, generated if it is not there."""
    root = work / f"corpus-{articles}"
    if not (root / "raw").is_dir():
        synth.generate(root, articles)
    return root


def inputs(root: Path) -> list[tuple[ingest.Capture, ingest.Inputs]]:
    scan = ingest.scan(root / "raw", root)
    read = [ingest.read(capture, 10_000_000) for capture in scan.captures]
    return [(c, data) for c, (data, problems) in zip(scan.captures, read, strict=True)]


def best(repeat: int, one_pass: Callable[[], object]) -> float:
    """The least CPU seconds of repeat passes, after one pass to warm up."""
    one_pass()
    times = []
    for _ in range(repeat):
        start = time.process_time()
        one_pass()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-extract"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", type=Path, help="write a cProfile of load + extract here")
    args = parser.parse_args()
    root = corpus(args.work, args.articles)
    project = datapackage.load(root)
    known = RecordSchema(project.load_schema()).enum("outlet")
    registry = profiles.registry()
    vocabulary = project.load_vocabulary()
    items = inputs(root)
    sidecars = [(c.sidecar_shown, i.sidecar) for c, i in items if i.sidecar is not None]
    documents = [ingest.load(c, i)[0] for c, i in items]

    def parse_all() -> None:
        for shown, data in sidecars:
            sidecar.parse(data, shown)

    def load_all() -> None:
        for capture, data in items:
            ingest.load(capture, data)

    def extract_all() -> None:
        for document in documents:
            extract.extract(document, registry, known, vocabulary)

    if args.profile:
        load_all(), extract_all()  # warm up
        profiler = cProfile.Profile()
        profiler.runcall(lambda: (load_all(), extract_all()))
        profiler.dump_stats(args.profile)
        return
    rows = [
        ("sidecar.parse", len(sidecars), best(args.repeat, parse_all)),
        ("ingest.load", len(items), best(args.repeat, load_all)),
        ("extract.extract", len(documents), best(args.repeat, extract_all)),
    ]
    for step, count, seconds in rows:
        print(json.dumps({"step": step, "count": count, "ms_per_item": seconds / count * 1e3}))
    print(f"\n| step | items | CPU ms per item (best of {args.repeat}) |\n|---|---:|---:|")
    for step, count, seconds in rows:
        print(f"| {step} | {count:,} | {seconds / count * 1e3:.4f} |")


if __name__ == "__main__":
    main()
