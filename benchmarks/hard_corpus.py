"""Generate a hard corpus for the corpus checks: articles that share text without being copies,
with planted duplicate ids, urls, texts and near-duplicate texts whose pairs are known.

What makes it hard, in proportions a news corpus has:

- wire copy (60 % of articles): each story is a wire text of 14-22 sentences that several
  outlets rewrite within a few days; an article keeps 45-65 % of the wire's sentences, some
  lightly edited, and adds its own, so articles about one story share much text (containment
  0.3-0.6) and are no copies;
- templates (15 %): market, weather and sports reports, a fixed text with a slot every 9-14
  words filled with names and numbers, so every report of a template is alike (containment
  about 0.5-0.7);
- boilerplate: each outlet ends its articles with one or two of its standard paragraphs (a
  newsletter call, a disclaimer), 5-15 % of an article's words;
- the rest (25 %) original reporting;
- planted: 1 % exact copies of an earlier article (duplicate-text), 1 % near copies, half
  trimmed (the first 70-85 % of the paragraphs), half edited (a word changed in every 40 or so),
  0.25 % new articles whose sidecar pins an earlier article's id (duplicate-id) and 0.25 % new
  articles with an earlier article's url written differently (host in capitals, a trailing
  slash or a fragment: duplicate-url). A copy is always of an earlier article of the same outlet,
  so its path sorts after its original's, and an article has at most one near copy. Every pair is written to planted.json. No other pair
  is an exact duplicate: every other article draws its own sentences, and a near copy always
  differs from its original in the text extraction keeps.

The captures are written as JSONL bundles (BUNDLES a outlet, a line a capture with its sidecar as
`meta`), so a million articles are a handful of files. Words are drawn in numpy, a sentence's worth
at a time, from the vocabulary of the repository's own captures (as synth.py does); the layout is
Global Times' and TASS's, so extraction runs as on real captures. `articles()` gives the same
articles as a stream, each with the text extraction makes of it, for benchmarks that go to the
build's store directly. Deterministic for a given count and seed.

    python benchmarks/hard_corpus.py OUT_DIR --articles 1000000
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import synth

from corpuspack.article.record import article_id

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = 6
OUTLETS = ("global-times", "tass")
HOSTS = {"global-times": "www.globaltimes.cn", "tass": "tass.com"}
BUNDLES = 4  # bundles an outlet: article i is in bundle i * BUNDLES // count, so paths keep order
RESERVOIR = 4096  # earlier articles a copy is drawn from (a uniform sample of all so far)
STORY_WINDOW = 32  # a wire story is rewritten by articles within this many stories of its own
# Planted, as shares of all articles (cumulative thresholds of one draw an article).
PLANTS = (("exact", 0.01), ("near", 0.02), ("id", 0.0225), ("url", 0.025))
CODES = {
    "exact": "duplicate-text",
    "near": "near-duplicate",
    "id": "duplicate-id",
    "url": "duplicate-url",
}


@dataclass(frozen=True)
class Item:
    """One capture of the corpus: where it is, what its page says, its sidecar (meta)."""

    outlet: str
    name: str  # its name in its bundle
    bundle: str  # the bundle's project-relative path
    line: int  # its line in the bundle, from 1
    title: str
    body: list[str]  # paragraphs
    day: int
    meta: dict

    @property
    def path(self) -> str:
        return f"{self.bundle}/{self.name}"

    @property
    def id(self) -> str:
        return self.meta["id"]["value"] if "id" in self.meta else article_id(self.path)

    @property
    def url(self) -> str:
        return self.meta["url"]["value"]

    def capture(self) -> str:
        """The capture's text in the outlet's page layout."""
        body, day = self.body, self.day
        if self.outlet == "tass":
            month = synth.MONTHS[day % 12]
            text = (
                f"All news\n\n{self.title}\n\n{body[0]}\n\nMOSCOW, {month} {1 + day % 28}. /TASS/. "
            )
            return text + "\n\n".join(body[1:])
        text = f"{self.title}\n\n\nChina Russia Photo: VCG\n\n" + "\n\n".join(body)
        return text + "\n\nSource link\n\n\nComments are closed."

    def text(self) -> str:
        """The article's text as extraction makes it: the body, but TASS's first paragraph (its
        lead) and dateline (tests/test_hard_corpus.py holds this to a build's)."""
        return "\n\n".join(self.body[1:] if self.outlet == "tass" else self.body)

    def jsonl(self) -> str:
        return json.dumps({"name": self.name, "text": self.capture(), "meta": self.meta})


class Words:
    """Sentences of words drawn from the vocabulary (with its frequencies), in numpy."""

    def __init__(self, vocabulary: list[str]):
        self.words = np.array(vocabulary, dtype=object)
        self.capitals = np.array([w.capitalize() for w in vocabulary], dtype=object)

    def draw(self, rng: np.random.Generator, count: int) -> np.ndarray:
        return rng.integers(0, len(self.words), count)

    def sentences(self, rng: np.random.Generator, count: int) -> list[str]:
        lengths = rng.integers(12, 27, count).tolist()
        drawn = self.draw(rng, sum(lengths))
        words, firsts = self.words[drawn].tolist(), self.capitals[drawn].tolist()
        out, at = [], 0
        for length in lengths:
            out.append(firsts[at] + " " + " ".join(words[at + 1 : at + length]) + ".")
            at += length
        return out

    def run(self, rng: np.random.Generator, low: int, high: int) -> str:
        return " ".join(self.words[self.draw(rng, int(rng.integers(low, high + 1)))].tolist())


class Sources:
    """The text articles share (wire stories, templates, each outlet's boilerplate), and draws."""

    def __init__(self, seed: int, words: Words, count: int):
        self.seed, self.words = seed, words
        self.rng = random.Random(seed)
        self.np = np.random.default_rng([seed, 0])
        self.count = count
        self.stories = max(1, count // 12)  # about 7 articles a story
        self.templates = [[words.run(self.np, 9, 14) for _ in range(24)] for _ in range(TEMPLATES)]
        self.boilerplate = {
            outlet: [" ".join(words.sentences(self.np, 2)) for _ in range(3)] for outlet in OUTLETS
        }
        # A story's sentences are made from its own seed when an article needs them, so the
        # stories of a million articles are never all held.
        self.story = lru_cache(maxsize=4 * STORY_WINDOW)(self._story)

    def _story(self, number: int) -> list[str]:
        rng = np.random.default_rng([self.seed, 1, number])
        return self.words.sentences(rng, int(rng.integers(14, 23)))

    def edited(self, text: str, share: int = 10) -> str:
        """A text as an outlet rewrites it: one word in share or so replaced by another."""
        out = text.split()
        for _ in range(max(1, len(out) // share)):
            at = self.rng.randrange(len(out))
            out[at] = self.other_word(out[at])
        return " ".join(out)

    def other_word(self, word: str) -> str:
        while (new := self.words.words[self.rng.randrange(len(self.words.words))]) == word:
            pass
        return new

    def wire(self, index: int) -> list[str]:
        middle = index * self.stories // self.count
        number = min(
            self.stories - 1, max(0, middle + self.rng.randint(-STORY_WINDOW, STORY_WINDOW))
        )
        share = self.rng.uniform(0.45, 0.65)
        kept = [s for s in self.story(number) if self.rng.random() < share]
        own = self.words.sentences(self.np, max(4, len(kept) // 2 + 2))
        sentences = [self.edited(s) if self.rng.random() < 0.3 else s for s in kept] + own
        return self.paragraphs(sentences)

    def templated(self) -> list[str]:
        words = self.words.words
        segments = [
            f"{run} {words[self.rng.randrange(len(words))].capitalize()} {self.rng.randint(1, 9999)}"
            for run in self.rng.choice(self.templates)
        ]
        sentences = [" ".join(segments[i : i + 2]) + "." for i in range(0, len(segments), 2)]
        return self.paragraphs([s[0].upper() + s[1:] for s in sentences])

    def original(self) -> list[str]:
        return self.paragraphs(self.words.sentences(self.np, self.rng.randint(14, 26)))

    def body(self, outlet: str, index: int) -> list[str]:
        draw = self.rng.random()
        if draw < 0.6:
            made = self.wire(index)
        else:
            made = self.templated() if draw < 0.75 else self.original()
        return made + self.rng.sample(self.boilerplate[outlet], self.rng.randint(1, 2))

    def paragraphs(self, sentences: list[str]) -> list[str]:
        out, at = [], 0
        while at < len(sentences):
            step = self.rng.randint(2, 4)
            out.append(" ".join(sentences[at : at + step]))
            at += step
        return out

    def near_copy(self, item: Item) -> list[str]:
        """A trimmed copy (the first 70-85 % of its paragraphs) or an edited one (a word in 40),
        always different in the text extraction keeps (TASS's first paragraph is its lead)."""
        body = item.body
        if self.rng.random() < 0.5 and len(body) > 3:
            return body[: max(3, round(len(body) * self.rng.uniform(0.7, 0.85)))]
        first = 1 if item.outlet == "tass" else 0
        words_in = [paragraph.split() for paragraph in body[first:]]
        places = [(p, w) for p, words in enumerate(words_in) for w in range(len(words))]
        for p, w in self.rng.sample(places, max(2, len(places) // 40)):  # distinct places
            words_in[p][w] = self.other_word(words_in[p][w])
        return body[:first] + [" ".join(words) for words in words_in]


def variant(url: str, rng: random.Random) -> str:
    """The same page's url as another capture wrote it (corpus.canonical_url makes them equal)."""
    scheme, rest = url.split("://", 1)
    host, path = rest.split("/", 1)
    return rng.choice([f"{scheme}://{host.upper()}/{path}", f"{url}/", f"{url}#comments"])


def _meta(outlet: str, index: int, day: int) -> dict:
    date = f"2024-{1 + day % 12:02d}-{1 + day % 28:02d}"
    return {
        "published": {"value": date, "note": "date from the site's archive"},
        "url": {"value": f"https://{HOSTS[outlet]}/news/{index:07d}", "note": "from the crawl log"},
    }


def articles(count: int, seed: int = 1) -> Iterator[tuple[Item, tuple[str, str] | None]]:
    """Every article in order, each with (kind, original's path) if it is a planted copy."""
    sources = Sources(seed, Words(synth.vocabulary()), count)
    rng = sources.rng
    earlier: dict[str, list[Item]] = {outlet: [] for outlet in OUTLETS}  # reservoirs
    seen = dict.fromkeys(OUTLETS, 0)
    lines: dict[str, int] = {}
    for index in range(count):
        outlet = OUTLETS[index % 2]
        draw = rng.random()
        kind = next((k for k, share in PLANTS if draw < share), None)
        if kind and earlier[outlet]:
            pool = earlier[outlet]
            at = rng.randrange(len(pool))
            original = pool[at]
            if kind == "near":  # one near copy an original: two trimmed alike would be equal
                pool[at] = pool[-1]
                pool.pop()
        else:
            kind, original = None, None
        bundle = f"raw/{outlet}/part-{index * BUNDLES // count}.jsonl"
        lines[bundle] = line = lines.get(bundle, 0) + 1
        title = sources.words.run(sources.np, 7, 11).capitalize()
        day = index
        if kind in ("exact", "near"):
            title, day = original.title, original.day
            body = original.body if kind == "exact" else sources.near_copy(original)
        else:
            body = sources.body(outlet, index)
        meta = _meta(outlet, index, day)
        if kind == "id":
            meta["id"] = {"value": original.id, "note": "the id the capture had before it moved"}
        elif kind == "url":
            meta["url"]["value"] = variant(original.url, rng)
        item = Item(outlet, f"{index:07d}.txt", bundle, line, title, body, day, meta)
        yield item, ((kind, original.path) if kind else None)
        if kind is None:  # only originals are copied: every copy's pair is (original, copy)
            seen[outlet] += 1
            pool = earlier[outlet]
            if len(pool) < RESERVOIR:
                pool.append(item)
            elif (at := rng.randrange(seen[outlet])) < RESERVOIR:
                pool[at] = item


def project(out: Path) -> None:
    """An empty corpus project at out: the repository's datapackage.json and schemas."""
    if out.exists():
        shutil.rmtree(out)
    (out / "raw").mkdir(parents=True)
    shutil.copy2(REPO / "datapackage.json", out / "datapackage.json")
    shutil.copytree(REPO / "schema", out / "schema")


def planted_pairs(stream) -> tuple[list[Item], dict[str, list[list[str]]]]:
    """Collects the planted pairs of a stream of articles() as it passes: {"exact": [[original,
    copy], ...], "near": ..., "id": ..., "url": ...}, raw paths, copy after original."""
    planted: dict[str, list[list[str]]] = {kind: [] for kind, _ in PLANTS}

    def passing():
        for item, plant in stream:
            if plant:
                planted[plant[0]].append([plant[1], item.path])
            yield item

    return passing(), planted


def generate(out: Path, count: int, seed: int = 1) -> dict[str, list[list[str]]]:
    """Write the corpus project to out; returns (and writes to out/planted.json) the planted pairs."""
    project(out)
    items, planted = planted_pairs(articles(count, seed))
    files: dict[str, object] = {}
    try:
        for item in items:
            if item.bundle not in files:
                (out / item.bundle).parent.mkdir(exist_ok=True)
                files[item.bundle] = open(out / item.bundle, "w", encoding="utf-8")  # noqa: SIM115
            files[item.bundle].write(item.jsonl() + "\n")
    finally:
        for file in files.values():
            file.close()
    (out / "planted.json").write_text(json.dumps(planted, indent=1), encoding="utf-8")
    return planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    cpu, wall = time.process_time(), time.perf_counter()
    planted = generate(args.out, args.articles, args.seed)
    print(
        json.dumps(
            {"out": str(args.out), "articles": args.articles}
            | {k: len(v) for k, v in planted.items()}
            | {"cpu_s": round(time.process_time() - cpu, 1)}
            | {"wall_s": round(time.perf_counter() - wall, 1)}
        )
    )


if __name__ == "__main__":
    main()
