"""Benchmark the quotation annotator: articles per second, measured, never asserted.

On synthetic news articles it writes itself (about 3 KB each, from the seeds' vocabulary as
benchmarks/synth.py does, with named speakers introduced with titles and roles, quotations
attributed before, after and by pronoun, run-on quotations reopened mid-line, and scare
quotes), and optionally on the bbc-dev bodies (../shared/corpora/bbc-dev/, read as
scripts/eval_quotations.py reads them). It annotates every article once to warm up (the word
lists are compiled once per process), then times `repeat` passes and prints the best, as JSON
lines and a Markdown table.

    python benchmarks/bench_quotations.py --articles 2000
    python benchmarks/bench_quotations.py --articles 2000 --bbc-dev ../shared/corpora/bbc-dev
"""

from __future__ import annotations

import argparse
import json
import random
import sys
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
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for text in texts:
            annotate(text)
        best = min(best, time.perf_counter() - started)
    return {
        "articles": len(texts),
        "characters": sum(map(len, texts)),
        "spans": found,
        "seconds": round(best, 4),
        "articles_per_second": round(len(texts) / best, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bbc-dev", type=Path, default=None)
    args = parser.parse_args()
    rng = random.Random(20261128)
    words = synth.vocabulary()
    results = {"synthetic": timed([article(rng, words) for _ in range(args.articles)], args.repeat)}
    if args.bbc_dev is not None:
        sys.path.insert(0, str(REPO / "scripts"))
        from eval_quotations import bbc_text

        texts = [
            bbc_text(path.read_text(encoding="utf-8"))
            for path in sorted(args.bbc_dev.glob("*/*.txt"))
        ]
        results["bbc-dev"] = timed(texts, args.repeat)
    for name, row in results.items():
        print(json.dumps({"set": name, **row}))
    print("\n| set | articles | characters | spans | seconds | articles/s |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, row in results.items():
        print(
            f"| {name} | {row['articles']} | {row['characters']:,} | {row['spans']} | "
            f"{row['seconds']} | {row['articles_per_second']:,} |"
        )


if __name__ == "__main__":
    main()
