"""The built-in quotation annotator: direct quotations and who said them, by rule.

Deterministic and rule-based, a pure function of the article text. It finds
quotations in straight or typographic double quotes (and typographic single
quotes), including quotations that run over several paragraphs, and attributes
each to a speaker from the attribution around it, in this order:

1. after the quotation: "...," X said / X told Sputnik / X, a senior fellow at ..., said / said X;
2. introducing it: X said that "..." / X said: (at the end of the paragraph before);
3. elsewhere in its sentence: according to X, ... "..." / in his words, ... "..." / X recalled that ... "...";
4. a quotation with none of these that follows an attributed one in the same
   paragraph continues it ("...," he said. "...").

A name given in part (a surname, or the given name the seeds use: "Yujun", "Xin")
is resolved to the fullest name the article gives ("Feng Yujun"); a pronoun or a
role ("he", "the expert") to the speaker of the quotation before. Quoted words with
no attribution (scare quotes, quoted terms) are not annotated: they are not
anyone's direct speech that the text attributes. The word lists are data, in
quotations.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from corpuspack.article.record import Annotation

_PARAGRAPH = "\n\n"
_BOUNDARY = re.compile(r"[.!?][”\"’]?\s+(?=[A-Z“\"‘])")


def _words(items: list[str]) -> str:
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(items, key=len, reverse=True)
    )


@dataclass(frozen=True)
class Rules:
    after: re.Pattern  # "...," X said
    after_inverted: re.Pattern  # "...," said X
    introducing: re.Pattern  # X said that "
    introducing_paragraph: re.Pattern  # X said:  (ending the paragraph before)
    according: re.Pattern
    in_words: re.Pattern
    says_that: re.Pattern
    role: re.Pattern
    name_run: re.Pattern
    pronouns: frozenset[str]
    titles: frozenset[str]
    max_paragraphs: int


@cache
def rules() -> Rules:
    data = yaml.safe_load(
        resources.files(__package__).joinpath("quotations.yaml").read_text(encoding="utf-8")
    )
    verb = f"(?:{_words(data['verbs'])})"
    adverb = f"(?:\\s+(?:{_words(data['adverbs'])}))?"
    pronoun = f"(?:{_words([p.capitalize() for p in data['pronouns']] + data['pronouns'])})\\b"
    role = (
        f"(?:[Tt]he|[Aa]n?|[Hh]is|[Hh]er|[A-Z][\\w-]*[’']s)\\s+(?:[\\w’'-]+\\s+){{0,3}}?"
        f"(?:{_words(data['roles'])})\\b"
    )
    name = (
        f"(?!(?:{_words(data['not_names'])})\\b)"
        + r"[A-Z][a-z][\w’'-]*(?:\s+[A-Z][a-z][\w’'-]*){0,3}"
    )
    speaker = f"(?P<speaker>{pronoun}|{role}|{name})"
    appositive = r"(?:,[^“”\"\n]{1,200}?,)?"
    said = f"{speaker}{appositive}{adverb}\\s+{verb}\\b"
    bare_verbs = _words(
        [
            "said",
            "says",
            "added",
            "noted",
            "continued",
            "explained",
            "stressed",
            "emphasized",
            "emphasised",
            "concluded",
            "wrote",
        ]
    )
    return Rules(
        after=re.compile(f"[\\s,]*{said}"),
        after_inverted=re.compile(f"[\\s,]*(?:{bare_verbs})\\s+{speaker}"),
        # "X said that “", "X said: “", "X told reporters: “", "X said in an interview, “"
        introducing=re.compile(
            f'{said}(?:\\s+that|\\s+[^“”"\\n:,.]{{1,60}}?(?=\\s*[:,]))?\\s*[:,]?\\s*$'
        ),
        introducing_paragraph=re.compile(f"{said}\\s*:\\s*$"),
        according=re.compile(f"\\b[Aa]ccording\\s+to\\s+{speaker}"),
        in_words=re.compile(r"\b[Ii]n\s+(?P<speaker>his|her|their)\s+words\b"),
        says_that=re.compile(said),
        role=re.compile(role),
        name_run=re.compile(r"[A-Z][a-z][\w’'-]*(?:\s+[A-Z][a-z][\w’'-]*)+"),
        pronouns=frozenset(p.casefold() for p in data["pronouns"]) | {"his", "her", "their"},
        titles=frozenset(data["titles"]),
        max_paragraphs=int(data["max_paragraphs"]),
    )


_MARKS = re.compile('[“"‘]')  # where a quotation can open
_SINGLE_CLOSE = re.compile(r"’(?![A-Za-z])")
# What ends the search for a double quotation's closing mark: the mark, a paragraph break, or
# (for typographic quotes) another opening mark. The scans jump from one to the next with a
# regular expression instead of stepping through every character in Python (three times faster).
_DOUBLE_STOPS = {
    "”": re.compile("”|“|" + re.escape(_PARAGRAPH)),
    '"': re.compile('"|' + re.escape(_PARAGRAPH)),
}


def find_quotations(text: str, max_paragraphs: int = 6) -> list[tuple[int, int]]:
    """(start, end) of the words inside each pair of quotation marks, in order."""
    found = []
    at = 0
    while (opening := _MARKS.search(text, at)) is not None:
        at = opening.start()
        mark = text[at]
        close = None
        if mark in '“"':
            close = _close_double(text, at, max_paragraphs)
        elif at == 0 or not text[at - 1].isalnum():  # ‘
            # A closing ’ that is not an apostrophe inside a word (Let’s), in the same paragraph.
            end = text.find(_PARAGRAPH, at)
            match = _SINGLE_CLOSE.search(text, at + 1, len(text) if end < 0 else end)
            close = match.start() if match else None
        if close is not None and text[at + 1 : close].strip():
            found.append((at + 1, close))
            at = close + 1
        else:
            at += 1
    return found


def _close_double(text: str, opening: int, max_paragraphs: int) -> int | None:
    closer = "”" if text[opening] == "“" else '"'
    stops = _DOUBLE_STOPS[closer]
    paragraphs = 0
    at = opening + 1
    while (stop := stops.search(text, at)) is not None:
        at, token = stop.start(), stop.group()
        if token == closer:
            return at
        if token == _PARAGRAPH:
            paragraphs += 1
            if paragraphs >= max_paragraphs:
                return None
            at += len(_PARAGRAPH)
            if text.startswith(text[opening], at):
                at += 1  # the mark that reopens a quotation in its next paragraph
            continue
        return None  # a second opening mark first: this one is a stray
    return None


@dataclass(frozen=True)
class Attribution:
    surface: str  # the speaker as written
    start: int
    end: int
    cue: str


def _paragraph_bounds(text: str, at: int) -> tuple[int, int]:
    start = text.rfind(_PARAGRAPH, 0, at)
    end = text.find(_PARAGRAPH, at)
    return (0 if start < 0 else start + len(_PARAGRAPH)), (len(text) if end < 0 else end)


def _sentence_start(text: str, paragraph_start: int, at: int) -> int:
    start = paragraph_start
    # One character past `at`, so the lookahead can see the mark that opens the next sentence.
    for match in _BOUNDARY.finditer(text, paragraph_start, min(at + 1, len(text))):
        start = match.end()
    return start


def _from(match: re.Match, cue: str) -> Attribution:
    return Attribution(match.group("speaker"), match.start("speaker"), match.end("speaker"), cue)


def attribute(text: str, start: int, end: int, r: Rules) -> Attribution | None:
    """Who the quotation text[start:end] is attributed to, by the first rule that applies."""
    opening, closing = start - 1, end + 1
    paragraph_start, _ = _paragraph_bounds(text, opening)
    _, paragraph_end = _paragraph_bounds(text, closing - 1)
    if match := r.after.match(text, closing, paragraph_end):
        return _from(match, "after")
    if match := r.after_inverted.match(text, closing, paragraph_end):
        return _from(match, "after")
    sentence = _sentence_start(text, paragraph_start, opening)
    if match := r.introducing.search(text, sentence, opening):
        return _from(match, "before")
    if opening == paragraph_start and paragraph_start:
        previous_start, _ = _paragraph_bounds(text, paragraph_start - len(_PARAGRAPH) - 1)
        previous = _sentence_start(text, previous_start, paragraph_start - len(_PARAGRAPH))
        if match := r.introducing_paragraph.search(
            text, previous, paragraph_start - len(_PARAGRAPH)
        ):
            return _from(match, "before")
    for pattern, cue in (
        (r.according, "according-to"),
        (r.in_words, "in-words"),
        (r.says_that, "sentence"),
    ):
        if match := pattern.search(text, sentence, opening):
            return _from(match, cue)
    return None


def resolve(
    surface: str, text: str, before: int, previous: str | None, r: Rules, memo: dict | None = None
) -> str | None:
    """The fullest name for a speaker as written: a pronoun or role is the previous speaker.

    memo, one dict per text, keeps the text's name runs between calls (they are the same for
    every quotation of it)."""
    if surface.casefold() in r.pronouns or r.role.fullmatch(surface):
        return previous
    tokens = surface.split()
    while len(tokens) > 1 and tokens[0] in r.titles:
        tokens.pop(0)
    if len(tokens) > 1:
        return " ".join(tokens)
    token = tokens[0]
    memo = {} if memo is None else memo
    if "runs" not in memo:
        memo["runs"] = list(r.name_run.finditer(text))
    runs = memo["runs"]
    # The name as introduced earlier in the article first, then anywhere in it.
    for run in sorted(runs, key=lambda m: (m.start() >= before, m.start())):
        words = run.group().split()
        if token not in words:
            continue
        index = words.index(token)
        candidate = words[-2:] if index >= len(words) - 2 else words[:2] if index == 0 else None
        if candidate and not any(w in r.titles for w in candidate):
            return " ".join(candidate)
    return token


def annotate(text: str) -> list[Annotation]:
    """QUOTE annotations for the attributed quotations in text, and SPEAKER ones for the names they cite.

    A pure function of the article text: the quotation annotator's whole interface.
    """
    r = rules()
    quotes: list[Annotation] = []
    speakers: dict[tuple[int, int], Annotation] = {}
    previous: str | None = None  # the last speaker resolved, for a pronoun or a role
    last: tuple[int, str | None] | None = None  # paragraph and speaker of the last quote taken
    memo: dict = {}
    for start, end in find_quotations(text, r.max_paragraphs):
        attribution = attribute(text, start, end, r)
        paragraph, _ = _paragraph_bounds(text, start - 1)
        if attribution is None:
            if last is None or last[0] != paragraph or last[1] is None:
                continue
            resolved: str | None = last[1]
            quotes.append(_quote(text, start, end, "continues", resolved, None))
        else:
            resolved = resolve(attribution.surface, text, start, previous, r, memo)
            quotes.append(_quote(text, start, end, attribution.cue, resolved, attribution.surface))
            where = (attribution.start, attribution.end)
            if where not in speakers:
                speakers[where] = _speaker(text, attribution, resolved)
        if resolved:
            previous = resolved
        last = (paragraph, resolved)
    return sorted([*quotes, *speakers.values()], key=lambda a: (a.start, a.end, a.label))


def _quote(
    text: str, start: int, end: int, cue: str, speaker: str | None, as_written: str | None
) -> Annotation:
    values = {"cue": cue}
    if speaker:
        values["speaker"] = speaker
    if as_written:
        values["speaker_as_written"] = as_written
    return Annotation(
        type="quotation",
        label="QUOTE",
        start=start,
        end=end,
        text=text[start:end],
        source="rule",
        attributes=tuple(sorted(values.items())),
    )


def _speaker(text: str, attribution: Attribution, speaker: str | None) -> Annotation:
    return Annotation(
        type="speaker",
        label="SPEAKER",
        start=attribution.start,
        end=attribution.end,
        text=text[attribution.start : attribution.end],
        source="rule",
        attributes=(("speaker", speaker),) if speaker else (),
    )
