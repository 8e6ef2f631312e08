"""Benchmark frictionless against arrow_checks.check_table on the same article rows: measured, never asserted.

For each size it generates article rows of about 3 KB of text (from the seeds'
vocabulary, as benchmarks/synth.py does) with one violation in about 500 rows, and
runs, each in a fresh process so that peak memory is its own:
  - frictionless: Resource(data=rows).validate(), as validate.py calls it;
  - check_table on the whole Arrow table;
  - check_table on 10,000-row slices with one UniqueIds, as a corpus checked in batches.
It prints wall time, rows per second, peak RSS before and after validating, and
whether the findings are the same as frictionless's, as JSON lines and a Markdown table.

    python benchmarks/bench_arrow_validate.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "schema/article.schema.json").read_text(encoding="utf-8"))
OUTLETS = ["Global Times", "RT", "Sputnik", "TASS"]
BATCH = 10_000


def rows(count: int, seed: int = 1) -> list[dict]:
    """Article rows as Article.to_row() gives them, with a few violations of each kind."""
    from corpuspack.article.record import article_id

    rng = random.Random(seed)
    words = synth.vocabulary()
    pool = [
        " ".join(synth.paragraphs(rng, words, 900)) for _ in range(400)
    ]  # texts are drawn from these
    out = []
    for i in range(count):
        outlet = OUTLETS[i % 4]
        raw_path = f"raw/{outlet.lower().replace(' ', '-')}/{i:07d}.txt"
        text = "\n\n".join(rng.sample(pool, 3))
        published = dt.datetime(2015 + i % 9, 1 + i % 12, 1 + i % 28, i % 24, i % 60, tzinfo=dt.UTC)
        starts = sorted(rng.sample(range(len(text) - 40), 3))
        row = {
            "id": article_id(raw_path),
            "outlet": outlet,
            "url": f"https://{outlet.lower().replace(' ', '')}.example/news/{i}" if i % 2 else None,
            "title": " ".join(rng.choice(words) for _ in range(9)).capitalize(),
            "lead": " ".join(rng.choice(words) for _ in range(20)) if outlet == "TASS" else None,
            "published": published if i % 3 else None,
            "published_date": published.date(),
            "published_precision": "datetime" if i % 3 else "date",
            "published_original": published.strftime("%H:%M GMT%d %B %Y"),
            "dateline": "MOSCOW, January 1. /TASS/." if outlet == "TASS" else None,
            "language": "en",
            "text": text,
            "keywords": [rng.choice(words).lower() for _ in range(i % 6)],
            "raw_path": raw_path,
            "raw_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "removed": [
                {"rule": "generic/furniture", "line": n + 1, "text": rng.choice(words)}
                for n in range(6)
            ],
            "sidecar_notes": [{"field": "published", "note": "date from the site's archive"}]
            if i % 4 == 0
            else [],
            "annotations": [
                {
                    "type": "quotation",
                    "label": "QUOTE",
                    "start": s,
                    "end": s + 30,
                    "text": text[s : s + 30],
                    "source": "rule",
                    "attributes": [{"name": "speaker", "value": rng.choice(words)}],
                }
                for s in starts
            ],
        }
        out.append(row)
    for n, i in enumerate(range(250, count, 500)):  # one violation in 500 rows, every kind in turn
        row = out[i]
        kind = n % 8
        if kind == 0:
            row["title"] = ""
        elif kind == 1:
            row["outlet"] = "Daily Planet"
        elif kind == 2:
            row["id"] = out[i - 1]["id"]
        elif kind == 3:
            row["url"] = "example.com/no-scheme"
        elif kind == 4:
            row["keywords"] = ["ok", ""]
        elif kind == 5:
            row["raw_sha256"] = "not-a-hash"
        elif kind == 6:
            row["id"] = None
        else:
            row["language"] = "English"
    return out


def peak_mib() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def child(method: str, size: int) -> dict:
    """One measurement, in this (fresh) process."""
    from frictionless import Resource, Schema

    from corpuspack.checks.arrow import UniqueIds, check_table

    data = rows(size)
    built = 0.0
    if method != "frictionless":
        import pyarrow as pa

        from corpuspack.project.schema import RecordSchema

        arrow = RecordSchema(SCHEMA).arrow
        start = time.perf_counter()
        table = pa.Table.from_pylist(data, schema=arrow)
        built = time.perf_counter() - start
        del data
        gc.collect()
    before = peak_mib()
    start = time.perf_counter()
    if method == "frictionless":
        report = Resource(data=data, schema=Schema.from_descriptor(SCHEMA)).validate(
            limit_errors=10**9
        )
        findings = [tuple(e) for e in report.flatten(["rowNumber", "fieldName", "type"])]
    elif method == "arrow":
        findings = check_table(table, SCHEMA)
    else:
        ids, findings = UniqueIds(SCHEMA), []
        for offset in range(0, table.num_rows, BATCH):
            findings += check_table(table.slice(offset, BATCH), SCHEMA, row_offset=offset, ids=ids)
    seconds = time.perf_counter() - start
    digest = hashlib.sha256(json.dumps(findings).encode()).hexdigest()[:12]
    return {
        "seconds": seconds,
        "table_build_seconds": built,
        "findings": len(findings),
        "digest": digest,
        "peak_mib_before": before,
        "peak_mib": peak_mib(),
    }


LABELS = {
    "frictionless": "frictionless Resource.validate",
    "arrow": "check_table, whole table",
    "arrow-batches": f"check_table, {BATCH:,}-row batches + UniqueIds",
}


def run_size(size: int) -> list[dict]:
    results = []
    for method in LABELS:
        out = subprocess.run(
            [sys.executable, __file__, "--child", method, "--sizes", str(size)],
            check=True,
            capture_output=True,
            text=True,
        )
        entry = json.loads(out.stdout)
        entry.update(size=size, step=LABELS[method], rows_per_second=round(size / entry["seconds"]))
        results.append(entry)
    base = results[0]
    for entry in results:
        entry["speedup"] = round(base["seconds"] / entry["seconds"], 1)
        entry["same_findings"] = entry["digest"] == base["digest"]
        print(json.dumps(entry), flush=True)
    return results


def table(results: list[dict]) -> str:
    lines = [
        "| rows | step | seconds | rows/s | × frictionless | findings (same) | peak MiB before → after "
        "| building the Arrow table, s |",
        "|---:|---|---:|---:|---:|---|---|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['size']:,} | {r['step']} | {r['seconds']:.3f} | {r['rows_per_second']:,} | "
            f"{r['speedup']} | {r['findings']} ({'yes' if r['same_findings'] else 'NO'}) | "
            f"{r['peak_mib_before']} → {r['peak_mib']} | {r['table_build_seconds'] or '':.3} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description="frictionless vs check_table (measured, not asserted)."
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--child", choices=sorted(LABELS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.sizes[0])))
        return
    results = []
    for size in args.sizes:
        results += run_size(size)
    print(table(results))


if __name__ == "__main__":
    main()
