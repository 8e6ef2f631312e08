"""Benchmark the quotation annotator: articles per second, measured, never asserted.

On synthetic news articles it writes itself (about 3 KB each, from the seeds' vocabulary as
benchmarks/synth.py does, with named speakers introduced with titles and roles, quotations
attributed before, after and by pronoun, run-on quotations reopened mid-line, and scare
quotes), and optionally on the bbc-dev bodies (../shared/corpora/bbc-dev/, read as
scripts/eval_quotations.py reads them). It annotates every article once to warm up (the word
lists are compiled once per process), then times `repeat` passes and prints the best, in
wall and in CPU seconds of the process, as JSON lines and a Markdown table.

With --same-as SRC it times nothing and checks instead that annotate() gives the very same
spans as the annotator under SRC (the src/ folder of a `git archive` snapshot, run in a child
process) for every article: the synthetic ones, as many captures of benchmarks/synth.py, the
seeds' texts, and the bbc-dev bodies as they are, with their paragraphs run together and with
typographic marks. It prints how many differ and the first ones, and exits 1 if any do.

    python benchmarks/bench_quotations.py --articles 2000
    python benchmarks/bench_quotations.py --articles 2000 --bbc-dev ../shared/corpora/bbc-dev
    python benchmarks/bench_quotations.py --bbc-dev ../shared/corpora/bbc-dev --same-as /tmp/before/src
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FIRST = ["Anna", "Peter", "Maria", "John", "Sofia", "David", "Laura", "James", "Helen", "Tom"]
LAST = ["Moreno", "Hall", "Fischer", "Okafor", "Lindqvist", "Baker", "Rossi", "Tanaka"]
ROLES = ["an analyst at Acme Bank", "the company's chief executive", "a spokesman for the union"]


def article(rng: random.Random, words: list[str]) -> str:
    """One synthetic article: paragraphs of filler with quotations in the usual conventions."""
    paragraphs = []
    while sum(map(len, paragraphs)) < 3000:
        filler = " ".join(synth.sentence(rng, words) for _ in range(rng.randint(1, 3)))
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        said = synth.sentence(rng, words)[:-1]
        form = rng.randrange(5)
        if form == 0:
            paragraphs.append(f'{filler} "{said}," said {name}, {rng.choice(ROLES)}.')
        elif form == 1:
            title = rng.choice(["Mr", "Ms"])
            paragraphs.append(f'{name} spoke on Monday. "{said}," {title} {name.split()[1]} said.')
        elif form == 2:
            paragraphs.append(f'{filler} "{said}. "{synth.sentence(rng, words)}" he added.')
        elif form == 3:
            paragraphs.append(f'{name} told reporters: "{said}." {filler}')
        else:
            paragraphs.append(f'{filler} The so-called "{rng.choice(words)}" plan. {filler}')
    return "\n\n".join(paragraphs)


def timed(texts: list[str], repeat: int) -> dict:
    from corpuspack.annotate.quotations import annotate

    found = sum(len(annotate(t)) for t in texts)  # warm-up: the rules compile once per process
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        for text in texts:
            annotate(text)
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - started_cpu)
    return {
        "articles": len(texts),
        "characters": sum(map(len, texts)),
        "spans": found,
        "seconds": round(best, 4),
        "cpu_seconds": round(best_cpu, 4),
        "articles_per_second": round(len(texts) / best, 1),
        "articles_per_cpu_second": round(len(texts) / best_cpu, 1),
    }


def bbc_texts(folder: Path) -> list[str]:
    sys.path.insert(0, str(REPO / "scripts"))
    from eval_quotations import bbc_text

    return [bbc_text(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*/*.txt"))]


def comparison_texts(synthetic: list[str], count: int, bbc_dev: Path | None) -> list[str]:
    """Every article --same-as compares on."""
    from corpuspack.build import pipeline
    from corpuspack.project import datapackage as project

    rng = random.Random(1)
    words = synth.vocabulary()
    texts = synthetic + [synth.capture(i, rng, words)[1] for i in range(count)]
    texts += [a.text for a in pipeline.run(project.load(REPO)).articles]
    for body in bbc_texts(bbc_dev) if bbc_dev is not None else []:
        typographic = re.sub(r'"(?=\S)', "“", body).replace('"', "”")
        texts += [body, body.replace("\n\n", " "), typographic]
    return texts


def annotated(texts: list[str]) -> list[list[tuple]]:
    from corpuspack.annotate.quotations import annotate

    return [
        [(a.type, a.label, a.start, a.end, a.text, a.source, a.attributes) for a in annotate(t)]
        for t in texts
    ]


def same_as(source: Path, texts: list[str]) -> int:
    """Compare this annotator with the one under source on texts, in a child process."""
    with tempfile.TemporaryDirectory() as folder:
        given, taken = Path(folder, "texts.pickle"), Path(folder, "spans.pickle")
        given.write_bytes(pickle.dumps(texts))
        env = {**os.environ, "PYTHONPATH": str(source)}
        command = [sys.executable, __file__, "--annotate", str(given), str(taken)]
        subprocess.run(command, env=env, check=True)
        theirs = pickle.loads(taken.read_bytes())
    ours = annotated(texts)
    differ = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
    spans = sum(map(len, ours))
    print(json.dumps({"articles": len(texts), "spans": spans, "differ": len(differ)}))
    for i in differ[:5]:
        print(f"article {i} differs: {texts[i][:80]!r}")
    return 1 if differ else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bbc-dev", type=Path, default=None)
    parser.add_argument("--same-as", type=Path, default=None, help="another annotator's src/")
    parser.add_argument("--annotate", nargs=2, type=Path, help=argparse.SUPPRESS)  # the child
    args = parser.parse_args()
    if args.annotate:
        given, taken = args.annotate
        taken.write_bytes(pickle.dumps(annotated(pickle.loads(given.read_bytes()))))
        return
    rng = random.Random(20261128)
    words = synth.vocabulary()
    synthetic = [article(rng, words) for _ in range(args.articles)]
    if args.same_as is not None:
        sys.exit(same_as(args.same_as, comparison_texts(synthetic, args.articles, args.bbc_dev)))
    results = {"synthetic": timed(synthetic, args.repeat)}
    if args.bbc_dev is not None:
        results["bbc-dev"] = timed(bbc_texts(args.bbc_dev), args.repeat)
    for name, row in results.items():
        print(json.dumps({"set": name, **row}))
    print("\n| set | articles | characters | spans | seconds | articles/s | CPU seconds |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, row in results.items():
        print(
            f"| {name} | {row['articles']} | {row['characters']:,} | {row['spans']} | "
            f"{row['seconds']} | {row['articles_per_second']:,} | {row['cpu_seconds']} |"
        )


if __name__ == "__main__":
    main()
