"""Precision and recall of the quotation annotator against a hand-labelled gold standard.

The gold standard (tests/data/quotations.gold.jsonl) lists, for each capture, the
direct quotations a careful reader finds (by their first and last words) with the
speaker, and the quoted words that are not direct quotations. A rule quotation
matches a gold one when its text begins and ends with the gold words.

    python scripts/eval_quotations.py            # on the corpus in this repository
    python scripts/eval_quotations.py --project path/to/corpus --gold gold.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_gold(path: Path) -> list[dict]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def _matches(gold: dict, text: str) -> bool:
    words = " ".join(text.split())
    return words.startswith(gold["begins"]) and words.endswith(gold["ends"])


def evaluate(articles, gold: list[dict]) -> dict:
    """Counts per capture and overall: found, expected, matched, right speaker."""
    by_path = {a.raw_path: a for a in articles}
    rows = {}
    for path in sorted({g["raw_path"] for g in gold}):
        expected = [g for g in gold if g["raw_path"] == path and "begins" in g]
        found = [a for a in by_path[path].annotations if a.label == "QUOTE" and a.source == "rule"]
        matched = right = 0
        for item in expected:
            hit = next((a for a in found if _matches(item, a.text)), None)
            if hit is not None:
                matched += 1
                right += hit.attribute("speaker") == item["speaker"]
        rows[path] = {
            "expected": len(expected),
            "found": len(found),
            "matched": matched,
            "speaker_right": right,
        }
    total = {
        key: sum(r[key] for r in rows.values())
        for key in ("expected", "found", "matched", "speaker_right")
    }
    total["precision"] = total["matched"] / total["found"] if total["found"] else 1.0
    total["recall"] = total["matched"] / total["expected"] if total["expected"] else 1.0
    total["speaker_accuracy"] = (
        total["speaker_right"] / total["matched"] if total["matched"] else 1.0
    )
    return {"captures": rows, "total": total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--gold", type=Path, default=ROOT / "tests/data/quotations.gold.jsonl")
    args = parser.parse_args()
    from corpuspack.build import pipeline
    from corpuspack.project import datapackage as project

    result = evaluate(pipeline.run(project.load(args.project)).articles, load_gold(args.gold))
    print("| capture | gold quotations | found | matched | right speaker |")
    print("|---|---|---|---|---|")
    for path, row in result["captures"].items():
        print(
            f"| `{path}` | {row['expected']} | {row['found']} | {row['matched']} | {row['speaker_right']} |"
        )
    total = result["total"]
    print(
        f"| all | {total['expected']} | {total['found']} | {total['matched']} | {total['speaker_right']} |"
    )
    print(
        f"\nprecision {total['precision']:.2f}, recall {total['recall']:.2f}, "
        f"speaker accuracy {total['speaker_accuracy']:.2f}"
    )


if __name__ == "__main__":
    main()
