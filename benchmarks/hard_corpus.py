"""Generate a hard corpus for the corpus checks: articles that share text without being copies,
with planted exact and near duplicates whose pairs are known.

What makes it hard, in proportions a news corpus has:

- wire copy (60 % of articles): each story is a wire text of 14-22 sentences that several
  outlets rewrite; an article keeps 45-65 % of the wire's sentences, lightly edited, and adds
  its own, so articles about one story share much text (containment 0.3-0.6) and are no copies;
- templates (15 %): market, weather and sports reports, a fixed text with a slot every 9-14
  words filled with names and numbers, so every report of a template is alike (containment
  about 0.5-0.7);
- boilerplate: each outlet ends its articles with one or two of its standard paragraphs (a
  newsletter call, a disclaimer), 5-15 % of an article's words;
- the rest (25 %) original reporting;
- planted: 1 % exact copies of an earlier article (duplicate-text) and 1 % near copies, half
  trimmed (the first 70-85 % of the paragraphs), half edited (a word changed in every 40 or so);
  their pairs are written to planted.json.

The bodies are drawn from the vocabulary of the repository's own captures (as synth.py does);
the layout is Global Times' and TASS's, so extraction runs as on real captures. Deterministic
for a given count and seed.

    python benchmarks/hard_corpus.py OUT_DIR --articles 10000
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

import synth

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = 6
OUTLETS = ("global-times", "tass")


def words_of(rng: random.Random, words: list[str], low: int, high: int) -> list[str]:
    return [rng.choice(words) for _ in range(rng.randint(low, high))]


def sentence(rng: random.Random, words: list[str]) -> str:
    chosen = words_of(rng, words, 12, 26)
    return chosen[0].capitalize() + " " + " ".join(chosen[1:]) + "."


class Sources:
    """The text articles share: wire stories, templates and each outlet's boilerplate."""

    def __init__(self, rng: random.Random, words: list[str], count: int):
        self.rng, self.words = rng, words
        self.stories = [
            [sentence(rng, words) for _ in range(rng.randint(14, 22))]
            for _ in range(max(1, count // 12))  # about 7 articles a story
        ]
        self.templates = [self._template() for _ in range(TEMPLATES)]
        self.boilerplate = {
            outlet: [" ".join(sentence(rng, words) for _ in range(2)) for _ in range(3)]
            for outlet in OUTLETS
        }

    def _template(self) -> list[str]:
        """Fixed runs of words; a slot between each two."""
        return [" ".join(words_of(self.rng, self.words, 9, 14)) for _ in range(24)]

    def edited(self, text: str) -> str:
        """A sentence as an outlet rewrites it: one word in ten or so replaced."""
        out = text.split()
        for _ in range(max(1, len(out) // 10)):
            out[self.rng.randrange(len(out))] = self.rng.choice(self.words)
        return " ".join(out)

    def wire(self) -> list[str]:
        story = self.rng.choice(self.stories)
        kept = [s for s in story if self.rng.random() < self.rng.uniform(0.45, 0.65)]
        own = [sentence(self.rng, self.words) for _ in range(max(4, len(kept) // 2 + 2))]
        sentences = [self.edited(s) if self.rng.random() < 0.3 else s for s in kept] + own
        return _paragraphs(self.rng, sentences)

    def templated(self) -> list[str]:
        segments = [
            f"{run} {self.rng.choice(self.words).capitalize()} {self.rng.randint(1, 9999)}"
            for run in self.rng.choice(self.templates)
        ]
        sentences = [" ".join(segments[i : i + 2]) + "." for i in range(0, len(segments), 2)]
        return _paragraphs(self.rng, [s[0].upper() + s[1:] for s in sentences])

    def original(self) -> list[str]:
        return _paragraphs(
            self.rng, [sentence(self.rng, self.words) for _ in range(self.rng.randint(14, 26))]
        )

    def body(self, outlet: str) -> list[str]:
        draw = self.rng.random()
        kind = self.wire if draw < 0.6 else self.templated if draw < 0.75 else self.original
        extra = self.rng.sample(self.boilerplate[outlet], self.rng.randint(1, 2))
        return kind() + extra


def _paragraphs(rng: random.Random, sentences: list[str]) -> list[str]:
    out, at = [], 0
    while at < len(sentences):
        step = rng.randint(2, 4)
        out.append(" ".join(sentences[at : at + step]))
        at += step
    return out


def capture(outlet: str, title: str, body: list[str], day: int) -> tuple[str, str]:
    """(capture text, sidecar text) in the outlet's page layout."""
    date = f"2024-{1 + day % 12:02d}-{1 + day % 28:02d}"
    side = f"published:\n  value: {date}\n  note: date from the site's archive\n"
    if outlet == "tass":
        month = synth.MONTHS[day % 12]
        text = f"All news\n\n{title}\n\n{body[0]}\n\nMOSCOW, {month} {1 + day % 28}. /TASS/. "
        return text + "\n\n".join(body[1:]), side
    text = f"{title}\n\n\nChina Russia Photo: VCG\n\n" + "\n\n".join(body)
    return text + "\n\nSource link\n\n\nComments are closed.", side


def near_copy(rng: random.Random, body: list[str], words: list[str]) -> list[str]:
    """A trimmed copy (the first 70-85 % of its paragraphs) or an edited one (a word in 40)."""
    if rng.random() < 0.5 and len(body) > 3:
        return body[: max(3, round(len(body) * rng.uniform(0.7, 0.85)))]
    words_in = [paragraph.split() for paragraph in body]
    total = sum(len(w) for w in words_in)
    for _ in range(max(2, total // 40)):
        paragraph = rng.choice([w for w in words_in if w])
        paragraph[rng.randrange(len(paragraph))] = rng.choice(words)
    return [" ".join(w) for w in words_in]


def generate(out: Path, count: int, seed: int = 1) -> dict[str, list[list[str]]]:
    """Write the corpus project to out; returns (and writes to out/planted.json) the planted pairs:
    {"exact": [[original, copy], ...], "near": [...]}, raw paths, copy after original."""
    if out.exists():
        shutil.rmtree(out)
    (out / "raw").mkdir(parents=True)
    shutil.copy2(REPO / "datapackage.json", out / "datapackage.json")
    shutil.copytree(REPO / "schema", out / "schema")
    rng = random.Random(seed)
    words = synth.vocabulary()
    sources = Sources(rng, words, count)
    written: list[tuple[str, str, list[str], int]] = []  # path, title, body, day
    planted: dict[str, list[list[str]]] = {"exact": [], "near": []}
    for i in range(count):
        outlet = OUTLETS[i % 2]
        draw = rng.random()
        if written and draw < 0.02:
            path, title, body, day = rng.choice(written)
            outlet = path.split("/")[1]
            kind = "exact" if draw < 0.01 else "near"
            body = body if kind == "exact" else near_copy(rng, body, words)
            planted[kind].append([path, f"raw/{outlet}/{i:07d}.txt"])
        else:
            title = " ".join(words_of(rng, words, 7, 11)).capitalize()
            body, day = sources.body(outlet), i
        text, side = capture(outlet, title, body, day)
        folder = out / "raw" / outlet
        folder.mkdir(exist_ok=True)
        (folder / f"{i:07d}.txt").write_text(text, encoding="utf-8")
        (folder / f"{i:07d}.meta.yaml").write_text(side, encoding="utf-8")
        if draw >= 0.02:
            written.append((f"raw/{outlet}/{i:07d}.txt", title, body, day))
    (out / "planted.json").write_text(json.dumps(planted, indent=1), encoding="utf-8")
    return planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    planted = generate(args.out, args.articles, args.seed)
    print(
        json.dumps(
            {"out": str(args.out), "articles": args.articles}
            | {k: len(v) for k, v in planted.items()}
        )
    )


if __name__ == "__main__":
    main()
