"""Precision and recall of the quotation annotator against hand-labelled gold standards.

Two gold standards, reported separately:

- the seeds (tests/data/quotations.gold.jsonl): the five captures in this repository's raw/,
  run through the build as a corpus would be;
- bbc-dev (tests/data/quotations.bbc-dev.gold.jsonl): 45 BBC News articles read by hand
  before the rules were tuned on them (docs/quotations-gold.md). Their texts are not in the
  project: they are read from ../shared/corpora/bbc-dev/ beside the repository (or --bbc-dev
  DIR); where that folder is absent, this part is skipped with a message.

Each gold line lists a direct quotation by its first and last words, with its speaker, or quoted
words that are not a quotation. A rule quotation matches a gold one when its text begins and ends
with the gold words (whitespace folded); each is matched at most once. Precision is matched /
found, recall matched / gold, speaker accuracy right speakers / matched.

    python scripts/eval_quotations.py                      # the seeds, and bbc-dev if present
    python scripts/eval_quotations.py --bbc-dev DIR        # bbc-dev texts from DIR
    python scripts/eval_quotations.py --write-measured     # also write the measured numbers the
                                                           # dataset card shows
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED_GOLD = ROOT / "tests/data/quotations.gold.jsonl"
BBC_GOLD = ROOT / "tests/data/quotations.bbc-dev.gold.jsonl"
BBC_DEV = Path("shared/corpora/bbc-dev")
MEASURED = ROOT / "src/corpuspack/annotate/quotations.measured.json"
COUNTS = ("expected", "found", "matched", "speaker_right")


def load_gold(path: Path) -> list[dict]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def _folded(text: str) -> str:
    return " ".join(text.split())


def _matches(gold: dict, text: str) -> bool:
    words = _folded(text)
    return words.startswith(gold["begins"]) and words.endswith(gold["ends"])


def _same_speaker(found: str | None, gold: str | None) -> bool:
    return _folded(found or "").casefold() == _folded(gold or "").casefold()


def _ratios(counts: Counter) -> dict:
    row: dict = {key: counts[key] for key in COUNTS}
    row["precision"] = counts["matched"] / counts["found"] if counts["found"] else None
    row["recall"] = counts["matched"] / counts["expected"] if counts["expected"] else None
    row["speaker_accuracy"] = (
        counts["speaker_right"] / counts["matched"] if counts["matched"] else None
    )
    return row


def _pair(expected: list[dict], found: list) -> list[tuple[dict | None, object | None]]:
    """Gold and found quotations paired one to one, in text order; a None on either side is a
    miss or a false positive."""
    pairs: list[tuple[dict | None, object | None]] = []
    free = list(found)
    for item in expected:
        hit = next((a for a in free if _matches(item, a.text)), None)
        if hit is not None:
            free.remove(hit)
        pairs.append((item, hit))
    return pairs + [(None, a) for a in free]


def evaluate(articles, gold: list[dict]) -> dict:
    """Counts per capture, per gold kind, per attribution and overall, with the misses and the
    false positives. articles: objects with raw_path and annotations (as the build's records)."""
    by_path = {a.raw_path: a for a in articles}
    rows, kinds, attributions, total = {}, {}, {}, Counter()
    misses, false_positives, wrong_speakers = [], [], []
    for path in sorted({g["raw_path"] for g in gold}):
        expected = [g for g in gold if g["raw_path"] == path and "begins" in g]
        found = [a for a in by_path[path].annotations if a.label == "QUOTE" and a.source == "rule"]
        counts = Counter(expected=len(expected), found=len(found))
        for item, hit in _pair(expected, found):
            kind = kinds.setdefault(item.get("kind", "-") if item else None, Counter())
            how = attributions.setdefault(hit.attribute("attribution") if hit else None, Counter())
            kind["expected"] += item is not None
            how["found"] += hit is not None
            if item is None:
                false_positives.append((path, hit))
            elif hit is None:
                misses.append((path, item))
            else:
                right = _same_speaker(hit.attribute("speaker"), item["speaker"])
                for counter in (counts, kind, how):
                    counter["matched"] += 1
                    counter["speaker_right"] += right
                if not right:
                    wrong_speakers.append((path, item, hit))
        rows[path] = _ratios(counts)
        total.update(counts)
    kinds.pop(None, None)
    attributions.pop(None, None)
    return {
        "captures": rows,
        "total": _ratios(total),
        # A gold kind has no found quotations and an attribution no gold ones of its own.
        "kinds": {k: dict(_ratios(c), found=None) for k, c in sorted(kinds.items())},
        "attributions": {
            k: dict(_ratios(c), expected=None) for k, c in sorted(attributions.items(), key=str)
        },
        "misses": misses,
        "false_positives": false_positives,
        "wrong_speakers": wrong_speakers,
    }


@dataclass(frozen=True)
class Read:
    """One bbc-dev article as the annotator sees it: its clean text and the spans found on it."""

    raw_path: str
    text: str
    annotations: tuple


def bbc_text(data: str) -> str:
    """The clean text a corpus project extracts from a bbc-dev file: the first line is the
    headline (the record's title, which the annotator does not see), then a blank line and the
    body, one paragraph a line; each paragraph normalised as extraction does, joined by a blank
    line as in a record's text."""
    from corpuspack.article.normalize import normalize_text, split_lines

    _title, *body = split_lines(data)
    return "\n\n".join(p for p in (normalize_text(line) for line in body) if p)


def read_bbc(folder: Path, gold: list[dict]) -> list[Read]:
    from corpuspack.annotate.quotations import annotate

    found = []
    for path in sorted({g["raw_path"] for g in gold}):
        text = bbc_text((folder / path).read_text(encoding="utf-8"))
        found.append(Read(path, text, tuple(annotate(text))))
    return found


def default_bbc_dev() -> Path:
    """../shared/corpora/bbc-dev/ beside the repository; in a git worktree, beside the main
    checkout too (a worktree's parent folder is not the main checkout's)."""
    candidates = [ROOT.parent / BBC_DEV]
    try:
        common = subprocess.run(
            ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:  # no git: the folder beside the repository only
        common = ""
    if common:
        candidates.append(Path(common).parent.parent / BBC_DEV)
    return next((c for c in candidates if c.is_dir()), candidates[0])


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def report(name: str, result: dict, detail: bool = True) -> None:
    total = result["total"]
    print(f"## {name}\n")
    print("| | gold | found | matched | right speaker | precision | recall | speaker accuracy |")
    print("|---|---|---|---|---|---|---|---|")
    print(_row("all", total))
    for kind, row in result["kinds"].items():
        print(_row(f"gold kind {kind}", row))
    for how, row in result["attributions"].items():
        print(_row(f"attribution {how}", row))
    print(
        f"\nprecision {_score(total['precision'])}, recall {_score(total['recall'])}, "
        f"speaker accuracy {_score(total['speaker_accuracy'])}\n"
    )
    if not detail:
        return
    for path, item in result["misses"]:
        print(f"- miss {path}: {item['begins']!r} ... {item['ends']!r} ({item.get('kind')})")
    for path, hit in result["false_positives"]:
        print(f"- false positive {path}: {_folded(hit.text)[:90]!r}")
    for path, item, hit in result["wrong_speakers"]:
        print(
            f"- wrong speaker {path}: {item['begins']!r}: {hit.attribute('speaker')!r} "
            f"(as written {hit.attribute('speaker_as_written')!r}) for {item['speaker']!r}"
        )
    print()


def _row(name: str, row: dict) -> str:
    def count(key: str) -> str:
        return "-" if row[key] is None else str(row[key])

    return (
        f"| {name} | {count('expected')} | {count('found')} | {row['matched']} | "
        f"{row['speaker_right']} | {_score(row['precision'])} | {_score(row['recall'])} | "
        f"{_score(row['speaker_accuracy'])} |"
    )


def measured(result: dict, articles: int) -> dict:
    """What the dataset card shows: the bbc-dev numbers, overall, per gold kind and per
    attribution (the quotes table's column)."""

    def numbers(row: dict) -> dict:
        ratios = {
            k: None if row[k] is None else round(row[k], 4)
            for k in ("precision", "recall", "speaker_accuracy")
        }
        return {**{k: row[k] for k in COUNTS}, **ratios}

    return {
        "gold": BBC_GOLD.relative_to(ROOT).as_posix(),
        "articles": articles,
        "total": numbers(result["total"]),
        "kinds": {k: numbers(r) for k, r in result["kinds"].items()},
        "attributions": {k: numbers(r) for k, r in result["attributions"].items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--gold", type=Path, default=SEED_GOLD)
    parser.add_argument("--bbc-dev", type=Path, default=None, help="the bbc-dev texts' folder")
    parser.add_argument("--bbc-gold", type=Path, default=BBC_GOLD)
    parser.add_argument("--write-measured", action="store_true", help=f"write {MEASURED.name}")
    parser.add_argument("--brief", action="store_true", help="no list of misses")
    args = parser.parse_args()
    from corpuspack.build import pipeline
    from corpuspack.project import datapackage as project

    seeds = evaluate(pipeline.run(project.load(args.project)).articles, load_gold(args.gold))
    report("seeds", seeds, not args.brief)
    folder = args.bbc_dev or default_bbc_dev()
    if not folder.is_dir():
        print(f"## bbc-dev\n\nskipped: {folder} is absent (give its folder with --bbc-dev DIR)")
        if args.write_measured:
            sys.exit("--write-measured needs the bbc-dev texts")
        return
    gold = load_gold(args.bbc_gold)
    bbc = evaluate(read_bbc(folder, gold), gold)
    report(f"bbc-dev ({folder})", bbc, not args.brief)
    if args.write_measured:
        articles = len({g["raw_path"] for g in gold})
        MEASURED.write_text(
            json.dumps(measured(bbc, articles), indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        print(f"wrote {MEASURED.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
