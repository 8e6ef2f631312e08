"""Benchmark the corpus-level checks on hard corpora (benchmarks/hard_corpus.py): measured, never
asserted.

For each size, in a fresh process: make the build's store of the corpus's records, then run each
corpus check alone on that store, --runs times, each time in a process of its own forked from the
one holding the store, and measure its CPU time (user + system, from the kernel's accounting of
that process), wall time, and the growth of its resident memory (its peak resident set, from
/proc, less what it held when it started: the memory the check needed); the median times and
the largest peak of the runs. Then the recall of the planted pairs of each kind among the
findings, and the findings that pair no planted copy with its original.

How the store is made (--route):

- "direct" (the default): the generator's articles go straight into a build's store
  (build.store.Store.add, as the build adds its records), each with the text extraction makes of
  its capture, its sidecar's id, url and date, its bundle and line, and its MinHash signature
  (checks.minhash.signature, as the build's workers compute it). Extraction, quotations and
  record checks, which a build runs before the corpus checks and which do not change the columns
  the corpus checks read, are skipped: a million articles take minutes rather than half an hour.
  tests/test_hard_corpus.py holds the direct store to a build's: the same ids, paths, canonical
  urls, text digests, band keys and bundle lines, and the same findings.
- "build": write the corpus as JSONL bundles and build it with no corpus checks
  (build.pipeline.run), as before.

JSON lines, then a Markdown table.

    python benchmarks/bench_corpus_checks.py --sizes 10000 100000 1000000 --work /tmp/hard
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import hashlib
import itertools
import json
import os
import pickle
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hard_corpus  # noqa: E402

BATCH = 4096  # articles added to the direct store at a time
OUTLET_NAMES = {"global-times": "Global Times", "tass": "TASS"}


def _status(field: str) -> int:
    """A /proc/self/status memory field (VmRSS, VmHWM) in bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _child(call, out: int) -> None:
    try:
        try:  # the peak resident set starts again from the current one (Linux 4.0 and later)
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:
            pass
        start = _status("VmRSS")
        findings = call()
        payload = {"findings": findings, "growth": _status("VmHWM") - start}
    except BaseException:  # reported by the parent, which raises it
        payload = {"error": traceback.format_exc()}
    with os.fdopen(out, "wb") as pipe:
        pipe.write(pickle.dumps(payload))
    os._exit(0)


def forked(label: str, call) -> tuple[dict, list]:
    """Run call() in a forked process: its findings and what it cost."""
    gc.collect()
    try:  # memory freed but kept by the allocators goes back, so the child's growth is its own
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    load = os.getloadavg()[0]
    wall = time.perf_counter()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        _child(call, write)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        payload = pickle.loads(pipe.read())
    _, _, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - wall
    if "error" in payload:
        raise RuntimeError(f"{label} failed:\n{payload['error']}")
    return {
        "check": label,
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "wall_s": round(wall, 2),
        "peak_mib": round(payload["growth"] / 2**20, 1),
        "load": round(load, 1),
    }, payload["findings"]


def article_of(item: hard_corpus.Item):
    """The record a build makes of the generator's item, as far as the corpus checks see it."""
    import datetime as dt

    from corpuspack.article.record import Article

    sidecar = item.path.removesuffix(".txt") + ".meta.yaml"
    day = dt.date.fromisoformat(item.meta["published"]["value"])
    return Article(
        id=item.id,
        outlet=OUTLET_NAMES[item.outlet],
        url=item.url,
        title=item.title,
        lead=item.body[0] if item.outlet == "tass" else None,
        published=None,
        published_date=day,
        published_precision="day",
        published_original=item.meta["published"]["value"],
        dateline=None,
        language="en",
        text=item.text(),
        keywords=(),
        raw_path=item.path,
        raw_sha256=hashlib.sha256(item.capture().encode()).hexdigest(),
        sidecar_notes=tuple((name, noted["note"]) for name, noted in item.meta.items()),
        sidecar_path=sidecar,
        sidecar_lines=tuple((name, 1) for name in item.meta),  # a bundle's meta is one line
    )


def direct_store(root: Path, size: int, seed: int = 1):
    """(store, planted, settings): the generator's articles put straight into a build's store."""
    import pyarrow as pa

    from corpuspack.build.store import Store
    from corpuspack.checks import minhash
    from corpuspack.project import datapackage
    from corpuspack.project.schema import RecordSchema

    hard_corpus.project(root)
    project = datapackage.load(root)
    schema = RecordSchema(project.load_schema()).plain_arrow
    store = Store(schema, project.settings.splits)
    items, planted = hard_corpus.planted_pairs(hard_corpus.articles(size, seed))
    batch: list[hard_corpus.Item] = []
    for item in itertools.chain(items, [None]):  # None: the last batch is complete
        if item is not None:
            batch.append(item)
        if batch and (item is None or len(batch) == BATCH):
            articles = [article_of(i) for i in batch]
            store.add(
                articles,
                pa.Table.from_pylist([a.to_row() for a in articles], schema=schema),
                [minhash.signature(a.text) for a in articles],
                [True] * len(batch),  # a build without focus: every record is focused
                [(i.bundle, i.line) for i in batch],
            )
            batch = []
    store.close()
    return store, planted, project.settings


def built_store(root: Path, size: int, jobs: int, seed: int = 1):
    """(store, planted, settings): the corpus written as bundles and built, no corpus checks."""
    from corpuspack.build import pipeline
    from corpuspack.build.extensions import Chosen
    from corpuspack.project import datapackage

    planted = hard_corpus.generate(root, size, seed)
    project = datapackage.load(root)
    result = pipeline.run(project, jobs=jobs, chosen=Chosen(corpus_checks=()))
    return result.store, planted, project.settings


def named(findings) -> set[tuple[str, str, str]]:
    """(code, copy, original) of each duplicate finding: the capture a sidecar belongs to."""
    return {
        (f.code, f.file.removesuffix(".meta.yaml").removesuffix(".txt") + ".txt", f.related[0])
        for f in findings
        if f.code in hard_corpus.CODES.values()
    }


def repeated(label: str, call, runs: int) -> tuple[dict, list]:
    """forked() runs times: the median CPU and wall times, the largest peak, the last findings."""
    measures = []
    for _ in range(runs):
        measure, findings = forked(label, call)
        measures.append(measure)
    row = dict(measures[-1], runs=runs, peak_mib=max(m["peak_mib"] for m in measures))
    for name in ("cpu_s", "wall_s", "load"):
        row[name] = round(statistics.median(m[name] for m in measures), 2)
        row[name + "_all"] = [m[name] for m in measures]
    return row, findings


def one(size: int, work: Path, jobs: int, route: str, runs: int) -> list[dict]:
    from corpuspack.checks import corpus

    cpu, wall = time.process_time(), time.perf_counter()
    root = work / f"hard-{size}"
    if route == "direct":
        store, planted, settings = direct_store(root, size)
    else:
        store, planted, settings = built_store(root, size, jobs)
    made = {"store_cpu_s": round(time.process_time() - cpu, 1)}
    made["store_wall_s"] = round(time.perf_counter() - wall, 1)
    rows = []
    try:
        for (column, report), kind in zip(corpus.REPEATS, ("id", "url", "exact"), strict=True):

            def repeats(column=column, report=report):
                return corpus.repeats(store, column, report, None)

            rows.append((kind, *repeated(report.__name__, repeats, runs)))
        rows.append(
            (
                "near",
                *repeated(
                    "near_duplicates",
                    lambda: corpus.near_duplicate_check(store, settings, None),
                    runs,
                ),
            )
        )
        row, everything = repeated(
            "all (corpus.check)", lambda: corpus.check(store, settings), runs
        )
        count = store.count
    finally:
        store.cleanup()
    found = [f for _, _, findings in rows for f in findings]
    out = []
    for kind, measured, findings in rows + [(None, row, everything)]:
        got = named(findings)
        kinds = [kind] if kind else list(hard_corpus.CODES)
        wanted = {
            (hard_corpus.CODES[k], copy, original) for k in kinds for original, copy in planted[k]
        }
        measured |= {
            "articles": count,
            "route": route,
            "ms_per_1000": round(measured["cpu_s"] / count * 1e6, 1),
            "planted": len(wanted),
            "found_planted": len(wanted & got),
            "unplanted": len(got - wanted),
            "boilerplate_findings": sum(f.code == "near-duplicate-boilerplate" for f in findings),
            **made,
        }
        if kind is None:
            measured["same_as_separately"] = sorted(map(repr, everything)) == sorted(
                map(repr, found)
            )
        out.append(measured)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/corpuspack-hard"))
    parser.add_argument("--route", choices=("direct", "build"), default="direct")
    parser.add_argument("--jobs", type=int, default=2, help="the build's (route build)")
    parser.add_argument("--runs", type=int, default=3, help="of each check on a store")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        for row in one(args.one, args.work, args.jobs, args.route, args.runs):
            print(json.dumps(row), flush=True)
        return
    rows = []
    for size in args.sizes:
        command = [sys.executable, __file__, "--one", str(size), "--work", str(args.work)]
        command += ["--jobs", str(args.jobs), "--route", args.route, "--runs", str(args.runs)]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            print(line, flush=True)
            rows.append(json.loads(line))
    print(
        "\n| articles | check | CPU s | ms per 1,000 articles | peak MiB (growth) | planted found | unplanted |"
    )
    print("|---:|---|---:|---:|---:|---|---:|")
    for r in rows:
        print(
            f"| {r['articles']:,} | {r['check']} | {r['cpu_s']} | {r['ms_per_1000']} | "
            f"{r['peak_mib']} | {r['found_planted']} of {r['planted']} | {r['unplanted']} |"
        )


if __name__ == "__main__":
    main()
