"""Draw the development gold sample for the quotation annotator from bbc-dev.

Lists every article in ../shared/corpora/bbc-dev/ (business/ and tech/) by relative path,
sorted, keeps those that contain at least one double quotation mark (straight '"' or
curly opening '\u201c'), shuffles them with random.Random(20261128) and prints the first
45 relative paths, one per line. These are the articles read by hand for
tests/data/quotations.bbc-dev.gold.jsonl (see docs/quotations-gold.md). Deterministic and
stdlib only, so the sample can be re-drawn and checked by anyone.

    python scripts/sample_quotation_gold.py [--corpus PATH] [--count N]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared/corpora/bbc-dev"
SEED = 20261128
COUNT = 45


def sample(corpus: Path, count: int = COUNT, seed: int = SEED) -> list[str]:
    paths = sorted(p.relative_to(corpus).as_posix() for p in corpus.glob("*/*.txt"))
    quoted = [
        p
        for p in paths
        if any(mark in (corpus / p).read_text(encoding="utf-8") for mark in ('"', "\u201c"))
    ]
    random.Random(seed).shuffle(quoted)
    return quoted[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--count", type=int, default=COUNT)
    args = parser.parse_args()
    for path in sample(args.corpus, args.count):
        print(path)


if __name__ == "__main__":
    main()
