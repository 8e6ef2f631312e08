"""Generate a synthetic corpus of realistic captures for benchmarks.

Each capture follows the page layout of one of the seed outlets (Sputnik's header
widgets, related headlines and tag line; TASS's "All news", standfirst and fused
dateline; Global Times' photo credit and footer; RT's title suffix and timestamp),
with a body of about 3 KB drawn from the seeds' own vocabulary. Deterministic for a
given count and seed.

    python benchmarks/synth.py OUT_DIR --articles 10000
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def vocabulary() -> list[str]:
    words = []
    for path in sorted((REPO / "raw").rglob("*.txt")):
        words += re.findall(r"[A-Za-z][a-z]+", path.read_text(encoding="utf-8"))
    return words


def sentence(rng: random.Random, words: list[str]) -> str:
    chosen = [rng.choice(words) for _ in range(rng.randint(12, 28))]
    return chosen[0].capitalize() + " " + " ".join(chosen[1:]) + "."


def paragraphs(rng: random.Random, words: list[str], size: int) -> list[str]:
    out, total = [], 0
    while total < size:
        paragraph = " ".join(sentence(rng, words) for _ in range(rng.randint(2, 4)))
        if rng.random() < 0.3:
            paragraph = f"“{paragraph}” {rng.choice(words).capitalize()} said."
        out.append(paragraph)
        total += len(paragraph)
    return out


def capture(i: int, rng: random.Random, words: list[str]) -> tuple[str, str, str | None]:
    """(outlet folder, capture text, sidecar text or None)."""
    outlet = ("sputnik", "tass", "global-times", "rt")[i % 4]
    year, month, day = 2015 + i % 9, 1 + i % 12, 1 + i % 28
    body = paragraphs(rng, words, rng.randint(2200, 3800))
    title = " ".join(rng.choice(words) for _ in range(9)).capitalize()
    if outlet == "sputnik":
        header = f"{i % 24:02d}:{i % 60:02d} GMT{day} {MONTHS[month - 1]} {year}\nListen Live\n    Get short URL\n    0 {i % 997}\n\n"
        related = "\n".join(
            "    " + " ".join(rng.choice(words) for _ in range(7)) for _ in range(5)
        )
        tags = ", ".join(rng.choice(words).lower() for _ in range(5))
        text = (
            header
            + "\n\n".join("    " + p.replace(" the ", " the\u00a0") for p in body)
            + f"\n\n\n{related}\n    {tags}\n    Community standardsDiscussion"
        )
        side = "title:\n  value: null\n  note: the capture starts at the timestamp\n"
    elif outlet == "tass":
        lead = sentence(rng, words)
        text = (
            f"All news\n\n{title}\n\n{lead}\n\nMOSCOW, {MONTHS[month - 1]} {day}. /TASS/. "
            + "\n\n".join(body)
        )
        side = f"published:\n  value: {year}-{month:02d}-{day:02d}\n  note: year from the site's archive\n"
    elif outlet == "global-times":
        text = (
            f"{title}\n\n\nChina Russia Photo: VCG\n\n"
            + "\n\n".join(body)
            + "\n\nSource link\n\n\nComments are closed."
        )
        side = f"published:\n  value: {year}-{month:02d}-{day:02d}\n  note: date from the site's archive\n"
    else:
        text = (
            f"{title} — RT EN\n\n{day} {MONTHS[month - 1][:3].lower()} {year} 0{i % 9 + 1}:{i % 60:02d} am\n\n"
            + "\n\n".join(body)
            + "\n\nMore on the subject – "
            + title
            + "\n\nSource link"
        )
        side = None
    return outlet, text, side


def generate(out: Path, count: int, seed: int = 1) -> Path:
    if out.exists():
        shutil.rmtree(out)
    (out / "raw").mkdir(parents=True)
    shutil.copy2(REPO / "datapackage.json", out / "datapackage.json")
    shutil.copytree(REPO / "schema", out / "schema")
    rng = random.Random(seed)
    words = vocabulary()
    for i in range(count):
        outlet, text, side = capture(i, rng, words)
        folder = out / "raw" / outlet
        folder.mkdir(exist_ok=True)
        (folder / f"{i:07d}.txt").write_text(text, encoding="utf-8")
        if side:
            (folder / f"{i:07d}.meta.yaml").write_text(side, encoding="utf-8")
    return out


def git_commit_all(root: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.email", "bench@example.invalid")
    git("config", "user.name", "bench")
    # No automatic gc: after a commit of a million files git would repack in the background,
    # taking a core from the build being measured.
    git("config", "gc.auto", "0")
    git("add", "-A")
    git("commit", "-q", "-m", "synthetic corpus")


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Generate a synthetic corpus of realistic captures."
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.articles, args.seed)
    print(json.dumps({"out": str(args.out), "articles": args.articles}))


if __name__ == "__main__":
    main()
