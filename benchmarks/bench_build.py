"""Benchmark `corpuspack build`, the full release, on synthetic corpora: measured, never asserted.

For each size it generates a corpus of realistic captures (benchmarks/synth.py, reused
from --work if already there), commits it to a git repository, and measures:
  1. a full build with a cold cache (`corpuspack build --jobs 2 --cache CACHE --quiet`),
     in a fresh process: wall time, articles/s, and peak RSS (VmHWM) of the main process
     and of its largest child process (the extraction workers);
  3. an incremental rebuild after a word inside one capture's body is changed, with the
     same cache, into a new --out folder: wall time and its share of step 1;
  4. validating the release's article table (read back from its Parquet):
     arrow_checks.check_table against frictionless's Resource(data=rows).validate(),
     rows/s of each, the speed-up, and whether the findings are the same;
  5. writing the same rows to Parquet: corpuspack's writer.write_rows against
     datasets.Dataset.from_generator(...).to_parquet(...).
(Step 2, a full build with --jobs 1, is left out: it is the same work on one core.)
Steps 4 and 5 run in a fresh process on at most --table-rows rows of the table.
datasets runs offline with HF_HOME in a temporary folder. Results are printed as
JSON lines and a Markdown table, then the machine and the commit.

    python benchmarks/bench_build.py --sizes 10000 100000 --work /tmp/bench-build
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

# Runs the CLI in this process, then writes its own peak RSS: VmHWM, the high-water mark of this
# process's memory since exec. (Not getrusage's ru_maxrss: Linux carries a process's pre-exec peak
# over, so a worker or git started by a large parent would report the parent's RSS as its own.)
WRAPPER = """
import json, sys
from corpuspack.cli.commands import main
try:
    main(sys.argv[2:], prog_name="corpuspack")
    code = 0
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1]
open(sys.argv[1], "w").write(json.dumps({"exit": code, "main_kib": int(hwm)}))
sys.exit(code)
"""
POLL = 0.1  # seconds between samples of the children's VmHWM


def descendants_hwm(root: int) -> dict[int, tuple[str, int]]:
    """{pid: (name, VmHWM KiB)} of every live descendant of root."""
    parents, names = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        pid, rest = int(text.split(" ", 1)[0]), text.rsplit(")", 1)[1].split()
        parents[pid], names[pid] = int(rest[1]), text[text.index("(") + 1 : text.rindex(")")]
    found, frontier = {}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent:
                frontier.append(pid)
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    found[pid] = (names[pid], int(status.split("VmHWM:")[1].split()[0]))
                except (OSError, IndexError):
                    pass
    return found


def run_cli(label: str, args: list[str], work: Path) -> dict:
    """`corpuspack ARGS` in a fresh process: wall seconds (with interpreter start) and peak RSS of the main
    process (its own VmHWM at exit) and of its largest child (VmHWM sampled every POLL seconds)."""
    out = work / "peak.json"
    out.unlink(missing_ok=True)
    logs = [open(work / f"cli.{name}", "w+") for name in ("stdout", "stderr")]
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", WRAPPER, str(out), *args], stdout=logs[0], stderr=logs[1]
    )
    children: dict[int, tuple[str, int]] = {}
    while True:
        for pid, (name, kib) in descendants_hwm(process.pid).items():
            children[pid] = (name, max(kib, children.get(pid, ("", 0))[1]))
        try:
            process.wait(timeout=POLL)
            break
        except subprocess.TimeoutExpired:
            pass
    seconds = time.perf_counter() - start
    stdout, stderr = (log.seek(0) or log.read() for log in logs)
    for log in logs:
        log.close()
    if process.returncode != 0 or not out.exists():
        raise RuntimeError(f"{label} failed (exit {process.returncode}):\n{stdout}\n{stderr}")
    peak = json.loads(out.read_text())
    largest = max(children.values(), key=lambda c: c[1], default=("none", 0))
    return {
        "step": label,
        "seconds": round(seconds, 2),
        "main_mib": round(peak["main_kib"] / 1024),
        "child_mib": round(largest[1] / 1024),
        "children": len(children),
    }


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True
    ).stdout


def corpus(size: int, work: Path) -> Path:
    """The synthetic corpus of this size, committed; reused (and reset to its commit) if already there."""
    root = work / f"corpus-{size}"
    if (root / ".git").is_dir() and sum(1 for _ in (root / "raw").rglob("*.txt")) == size:
        git(root, "checkout", "-q", "--", ".")
        print(json.dumps({"size": size, "corpus": str(root), "reused": True}), flush=True)
        return root
    started = time.perf_counter()
    synth.generate(root, size)
    synth.git_commit_all(root)
    print(
        json.dumps(
            {
                "size": size,
                "corpus": str(root),
                "generated_seconds": round(time.perf_counter() - started, 1),
            }
        ),
        flush=True,
    )
    return root


def edit_one(root: Path) -> tuple[Path, bytes]:
    """Change a word inside the body of one capture (as bench_validate.py does); returns it and its old bytes."""
    captures = sorted((root / "raw").rglob("*.txt"))
    for path in captures[len(captures) // 2 :] + captures:
        old = path.read_bytes()
        text = old.decode("utf-8")
        if " the " in text:
            path.write_text(text.replace(" the ", " the revised ", 1), encoding="utf-8")
            return path, old
    raise RuntimeError("no capture with ' the ' in its body")


def tables_child(release: Path, schema_path: Path, limit: int) -> dict:
    """Steps 4 and 5, in this (fresh) process, on the first `limit` rows of the release's article table."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datasets import Dataset
    from frictionless import Resource, Schema

    from corpuspack.checks.arrow import check_table
    from corpuspack.project.schema import RecordSchema
    from corpuspack.release import writer
    from corpuspack.release.writer import write_rows

    descriptor = json.loads(schema_path.read_text(encoding="utf-8"))
    files = sorted((release / "data").glob("*.parquet"))
    table = pa.concat_tables([pq.read_table(f) for f in files]).slice(0, limit).combine_chunks()
    rows = table.to_pylist()
    out: dict = {"rows": table.num_rows, "files": len(files)}

    start = time.perf_counter()
    arrow_findings = check_table(table, descriptor)
    out["arrow_seconds"] = time.perf_counter() - start
    frictionless_resource = Resource(data=rows, schema=Schema.from_descriptor(descriptor))
    start = time.perf_counter()
    report = frictionless_resource.validate(limit_errors=10**9)
    out["frictionless_seconds"] = time.perf_counter() - start
    theirs = [list(e) for e in report.flatten(["rowNumber", "fieldName", "type"])]
    out.update(
        findings=len(theirs),
        arrow_findings=len(arrow_findings),
        same_findings=[list(f) for f in arrow_findings] == theirs,
    )

    scratch = Path(tempfile.mkdtemp(prefix="bench-parquet-"))
    try:
        record = RecordSchema(descriptor)
        start = time.perf_counter()
        write_rows(rows, record, scratch / "corpuspack.parquet")
        out["writer_seconds"] = time.perf_counter() - start
        features = (
            record.features
        )  # datasets.Features from the Table Schema (corpuspack.project.schema)

        def gen():
            yield from rows

        start = time.perf_counter()
        dataset = Dataset.from_generator(
            gen, features=features, cache_dir=str(scratch / "hf-cache")
        )
        out["datasets_generate_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        dataset.to_parquet(str(scratch / "datasets.parquet"))
        out["datasets_parquet_seconds"] = time.perf_counter() - start
        out["writer_mib"] = round((scratch / "corpuspack.parquet").stat().st_size / 2**20, 1)
        out["writer_codec"] = (
            f"{writer.PARQUET_OPTIONS['compression']}-{writer.PARQUET_OPTIONS['compression_level']}"
        )
        out["datasets_mib"] = round((scratch / "datasets.parquet").stat().st_size / 2**20, 1)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return out


def run_size(size: int, work: Path, table_rows: int) -> list[dict]:
    root = corpus(size, work)
    cache, out, out2 = (
        work / f"cache-{size}",
        work / f"release-{size}",
        work / f"release-{size}-incremental",
    )
    for folder in (cache, out, out2):
        shutil.rmtree(folder, ignore_errors=True)
    results = []

    def record(entry: dict) -> None:
        entry["size"] = size
        results.append(entry)
        print(json.dumps(entry), flush=True)

    build = ["build", "--project", str(root), "--jobs", "2", "--cache", str(cache), "--quiet"]
    full = run_cli("1. full build, cold cache, --jobs 2", build + ["--out", str(out)], work)
    full.update(per_second=round(size / full["seconds"]))
    record(full)

    path, old = edit_one(root)
    try:
        inc = run_cli(
            "3. incremental rebuild, 1 capture changed, same cache",
            build + ["--out", str(out2)],
            work,
        )
    finally:
        path.write_bytes(old)
    inc["note"] = f"{100 * inc['seconds'] / full['seconds']:.1f} % of the full build"
    record(inc)

    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            str(out),
            str(root / "schema/article.schema.json"),
            "--table-rows",
            str(table_rows),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"steps 4-5 failed:\n{done.stderr}")
    t = json.loads(done.stdout.strip().splitlines()[-1])
    rows = t["rows"]
    speedup = t["frictionless_seconds"] / t["arrow_seconds"]
    same = f"same findings: {'yes' if t['same_findings'] else 'NO'} ({t['arrow_findings']} vs {t['findings']})"
    of = f"{rows:,} rows" + (f" of {size:,}" if rows < size else "")
    record(
        {
            "step": "4. validate article table: arrow_checks.check_table",
            "seconds": round(t["arrow_seconds"], 3),
            "per_second": round(rows / t["arrow_seconds"]),
            "note": f"{of}; {speedup:.1f}× frictionless; {same}",
        }
    )
    record(
        {
            "step": "4. validate article table: frictionless Resource.validate()",
            "seconds": round(t["frictionless_seconds"], 2),
            "per_second": round(rows / t["frictionless_seconds"]),
            "note": of,
        }
    )
    record(
        {
            "step": "5. Parquet: corpuspack writer.write_rows",
            "seconds": round(t["writer_seconds"], 2),
            "per_second": round(rows / t["writer_seconds"]),
            "note": f"{of}; {t['writer_codec']}, {t['writer_mib']} MiB",
        }
    )
    hf = t["datasets_generate_seconds"] + t["datasets_parquet_seconds"]
    record(
        {
            "step": "5. Parquet: datasets from_generator + to_parquet",
            "seconds": round(hf, 2),
            "per_second": round(rows / hf),
            "note": f"{of}; {t['datasets_generate_seconds']:.2f} s from_generator + "
            f"{t['datasets_parquet_seconds']:.2f} s to_parquet; {t['datasets_mib']} MiB",
        }
    )
    return results


def table(results: list[dict]) -> str:
    lines = [
        "| articles | step | seconds | articles (rows)/s | peak RSS MiB: main | peak RSS MiB: largest child "
        "| notes |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['size']:,} | {r['step']} | {r['seconds']} | {format(r['per_second'], ',') if r.get('per_second') else ''} | "
            f"{r.get('main_mib', '')} | {r.get('child_mib', '')} | {r.get('note', '')} |"
        )
    return "\n".join(lines)


def machine() -> str:
    memory = next(
        line.split()[1]
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    versions = ", ".join(
        f"{p} {metadata.version(p)}" for p in ("pyarrow", "frictionless", "datasets")
    )
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    # The code measured is the corpuspack Python imports (PYTHONPATH can point at a snapshot of a commit).
    source = Path(importlib.util.find_spec("corpuspack").origin).parent
    if source.is_relative_to(REPO / "src"):
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        source = f"{source}{' (with uncommitted changes to src/)' if dirty else ''}"
    return (
        f"Machine: {os.cpu_count()} cores, {int(memory) / 2**20:.1f} GiB RAM, Python {platform.python_version()}"
        f", {versions}; load average now {os.getloadavg()[0]:.2f}. Commit: {commit or 'unknown'} "
        f"(git rev-parse --short HEAD); corpuspack imported from {source}."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Benchmark corpuspack build (measured, not asserted)."
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-build"))
    parser.add_argument(
        "--table-rows",
        type=int,
        default=100_000,
        help="Steps 4 and 5 use at most this many rows of the article table (memory).",
    )
    parser.add_argument(
        "--child", nargs=2, type=Path, metavar=("RELEASE", "SCHEMA"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        print(json.dumps(tables_child(*args.child, args.table_rows)))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    print(json.dumps({"load_average_at_start": round(os.getloadavg()[0], 2)}), flush=True)
    hf_home = Path(tempfile.mkdtemp(prefix="bench-hf-home-"))
    os.environ.update(HF_HOME=str(hf_home), HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1")
    try:
        results = []
        for size in args.sizes:
            results += run_size(size, args.work, args.table_rows)
    finally:
        shutil.rmtree(hf_home, ignore_errors=True)
    print(table(results))
    print(
        "Peak RSS (VmHWM): main = the build's own process, read by itself at exit; largest child = the "
        f"largest of its child processes (the --jobs 2 workers, git), sampled every {POLL} s. Seconds include "
        "interpreter start and imports."
    )
    print(machine())


if __name__ == "__main__":
    main()
