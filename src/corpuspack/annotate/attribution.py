"""Where a quotation's attribution is: the patterns of English news, and the sentence rules.

The word lists are data, in quotations.yaml; this module compiles them into the patterns the
quotation annotator (annotate.quotations) tries, in its order:

1. after the quotation: "...," X said / X told Reuters / X, a senior fellow at ..., said /
   said X / said analyst X / wrote the judges;
2. introducing it: X said that "..." / X told the BBC: "..." / X said: (at the end of the
   paragraph before);
3. elsewhere in its sentence: according to X, ... "..." / in his words / X called it "...";
4. in the sentence just before it: X, who ..., agreed. "...".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from corpuspack.annotate.alternation import words_pattern
from corpuspack.annotate.marks import PARAGRAPH

_BOUNDARY = re.compile(r"[.!?][”\"’]?\s+(?=[A-Z“\"‘])")


_IN_A_WORD = re.compile(r"[\w&’'.-]{2}")  # two characters of one word of a role's prefix


@dataclass(frozen=True)
class Searched:
    """A pattern with a role's prefix ("Credit Suisse First Boston analyst X said"), searched
    for in a window of the text, in two forms that find the same match.

    The prefix's up to five words before a role were tried at every character, inside words
    too, each time reading the next five words: most of a search's time. `fast` tries them
    only where a word starts. A match that `plain` finds with them starting inside a word it
    also finds from that word's start, further left, so the leftmost match of the two is the
    same, and the first way it matches there. Not if the word starts before the window: then
    `plain` is searched.
    """

    fast: re.Pattern
    plain: re.Pattern

    def search(self, text: str, start: int, end: int) -> re.Match | None:
        inside = start > 0 and _IN_A_WORD.match(text, start - 1) is not None
        return (self.plain if inside else self.fast).search(text, start, end)


@dataclass(frozen=True)
class Rules:
    after: re.Pattern  # "...," X said
    after_inverted: re.Pattern  # "...," said X
    introducing: Searched  # X said that "
    introducing_paragraph: Searched  # X said:  (ending the paragraph before)
    according: re.Pattern
    in_words: re.Pattern
    says_that: Searched
    role: re.Pattern
    organisation_role: re.Pattern
    verb: re.Pattern
    words: dict
    max_paragraphs: int


@cache
def rules() -> Rules:
    data = yaml.safe_load(
        resources.files("corpuspack.annotate")
        .joinpath("quotations.yaml")
        .read_text(encoding="utf-8")
    )
    verb = f"(?:{words_pattern(data['verbs'])})"
    adverb = f"(?:\\s+(?:{words_pattern(data['adverbs'])}))*"
    pronoun = (
        f"(?:{words_pattern([p.capitalize() for p in data['pronouns']] + data['pronouns'])})\\b"
    )
    roles = words_pattern(data["roles"])
    role = (
        f"(?:[Tt]he|[Aa]n?|[Oo]ne|[Hh]is|[Hh]er|[Ii]ts|(?:[A-Z][\\w-]*\\s+)?[A-Z][\\w-]*[’']s?)\\s+"
        f"(?:[\\w’'-]+\\s+){{0,3}}?(?:{roles}|\\d+-year-old)\\b"
        r"(?:\s+(?:for|at|of|from|with)\s+(?:the\s+)?[\w’'&-]+(?:\s+[A-Z][\w’'&-]*)*)?"
    )
    name = (
        f"(?!(?:{words_pattern(data['not_names'])})\\b)"
        + r"[A-Z][\w’'&-]*(?:\s+(?:of\s+)?[A-Z][\w’'&-]*){0,4}(?<![’'])"
    )
    # A name after its role: "analyst John Brady", "ABN AMRO analyst John Brady".
    # "The" before an organisation's name of two words or more ("The European Medicines Agency").
    words_before = r"(?:[\w&’'.-]+\s+)"
    organisation = r"|[Tt]he\s+(?=[A-Z][\w’'&-]*\s+[A-Z]))?"
    prefix = f"(?:(?:[Tt]he\\s+)?{words_before}{{0,5}}?(?:{roles})\\s+{organisation}"
    # The same, its words before a role only from a word's start (Searched), tried in the same
    # order: none, then one to five.
    prefix_at_words = (
        f"(?:(?:[Tt]he\\s+)?(?:|(?<![\\w&’'.-]){words_before}{{1,5}}?)(?:{roles})\\s+{organisation}"
    )
    speaker = f"(?P<speaker>{pronoun}|{role}|{name})"
    # ", a senior fellow at ...," or, its closing comma left out, ", its minister for ... added"
    appositive = (
        r"(?:,[^“”\"\n]{1,200}?,|,\s+(?:a|an|the|its|his|her|their)\s[^“”\"\n,]{1,80}?(?=\s))?"
    )
    said = f"{prefix}{speaker}{appositive}{adverb}\\s+{verb}\\b"

    def searched(pattern: str) -> Searched:  # pattern: with "{said}" where the said goes
        fast = said.replace(prefix, prefix_at_words, 1)
        return Searched(
            re.compile(pattern.format(said=fast)), re.compile(pattern.format(said=said))
        )

    inverted = words_pattern(data["inverted_verbs"])
    return Rules(
        after=re.compile(f"[\\s,]*{said}"),
        after_inverted=re.compile(f"[\\s,]*(?:{inverted}){adverb}\\s+{prefix}{speaker}"),
        # "X said that “", "X said: “", "X told reporters: “", "X said in an interview, “"
        introducing=searched(
            '{said}(?:\\s+that|\\s+[^“”"\\n:,.]{{1,60}}?(?=\\s*[:,]))?\\s*[:,]?\\s*$'
        ),
        introducing_paragraph=searched("{said}[^:\\n]{{0,60}}:\\s*$"),
        according=re.compile(f"\\b[Aa]ccording\\s+to\\s+{prefix}{speaker}"),
        in_words=re.compile(r"\b[Ii]n\s+(?P<speaker>his|her|their)\s+words\b"),
        says_that=searched("{said}"),
        role=re.compile(role),
        organisation_role=re.compile(f".*\\b(?:{words_pattern(data['organisation_roles'])})\\b"),
        verb=re.compile(f"\\b{verb}\\b"),
        words=data,
        max_paragraphs=int(data["max_paragraphs"]),
    )


@dataclass(frozen=True)
class Attribution:
    surface: str  # the speaker as written
    start: int
    end: int
    cue: str


def paragraph_bounds(text: str, at: int) -> tuple[int, int]:
    start = text.rfind(PARAGRAPH, 0, at)
    end = text.find(PARAGRAPH, at)
    return (0 if start < 0 else start + len(PARAGRAPH)), (len(text) if end < 0 else end)


_REACH = 600  # characters


def sentence_start(text: str, paragraph_start: int, at: int) -> int:
    """Where the sentence holding position at starts: after the last sentence boundary before
    it in its paragraph. Looked for in a window before at that doubles until a boundary is in it
    (from the paragraph's start each time, a long paragraph of many quotations took quadratic
    time)."""
    end = min(at + 1, len(text))  # one past at: the lookahead sees the mark opening a sentence
    window = 256
    while True:
        begin = max(paragraph_start, at - window)
        start = None
        for match in _BOUNDARY.finditer(text, begin, end):
            start = match.end()
        if start is not None or begin == paragraph_start:
            return paragraph_start if start is None else start
        window *= 4


def _from(match: re.Match, cue: str) -> Attribution:
    return Attribution(match.group("speaker"), match.start("speaker"), match.end("speaker"), cue)


def attribute(text: str, start: int, end: int, r: Rules) -> Attribution | None:
    """Who the quotation text[start:end] is attributed to, by the first rule that applies."""
    opening, closing = start - 1, end + 1
    paragraph_start, _ = paragraph_bounds(text, opening)
    _, paragraph_end = paragraph_bounds(text, closing - 1)
    # After a quotation that ends its sentence, a name is taken for its speaker only in a plain
    # "X said." ('"...done." he said', '"...done." Zhang said.'): in '"...different." Supporters'
    # group Shareholders United, however, urged ...' a new sentence starts.
    ended = text[end - 1 : end] == "."
    if (match := r.after.match(text, closing, paragraph_end)) and (
        not ended or _plain(text, match)
    ):
        return _from(match, "after")
    if not ended and (match := r.after_inverted.match(text, closing, paragraph_end)):
        return _from(match, "after")
    # An attribution further than this before the quotation in its sentence is not looked for:
    # a text without sentence ends would make every search run back to its start.
    sentence = max(sentence_start(text, paragraph_start, opening), opening - _REACH)
    # The patterns with a verb are tried only where a verb is: a cheap search first. Each
    # "X said that" begins with an "X said", so the search for it starts where the first
    # "X said" does, and there is none without one (re's lookbehinds and word boundaries see
    # the text before where a search starts: the same matches as from the sentence's start).
    said = (
        r.says_that.search(text, sentence, opening)
        if r.verb.search(text, sentence, opening)
        else None
    )
    if said and (match := r.introducing.search(text, said.start(), opening)):
        return _from(match, "before")
    if opening == paragraph_start and paragraph_start:
        previous_start, _ = paragraph_bounds(text, paragraph_start - len(PARAGRAPH) - 1)
        previous = sentence_start(text, previous_start, paragraph_start - len(PARAGRAPH))
        if r.verb.search(text, previous, paragraph_start - len(PARAGRAPH)) and (
            match := r.introducing_paragraph.search(
                text, previous, paragraph_start - len(PARAGRAPH)
            )
        ):
            return _from(match, "before")
    for pattern, cue in ((r.according, "according-to"), (r.in_words, "in-words")):
        if match := pattern.search(text, sentence, opening):
            return _from(match, cue)
    return _from(said, "sentence") if said else None


def _plain(text: str, match: re.Match) -> bool:
    """Whether an attribution is a pronoun, or a name and its verb ending the sentence."""
    if match.group("speaker").casefold() in ("he", "she", "they", "it"):
        return True
    between = text[match.end("speaker") : match.end()]
    return "," not in between and text[match.end() : match.end() + 1] in (".", "")


_OPENING_MARK = re.compile('[“"]')


def sentence_before(text: str, start: int, r: Rules) -> Attribution | None:
    """A speaker named with a verb of saying in the sentence just before the quotation, where
    the quotation opens its sentence: X, who ..., agreed. "..." """
    opening = start - 1
    paragraph_start, _ = paragraph_bounds(text, opening)
    if sentence_start(text, paragraph_start, opening) != opening or opening == paragraph_start:
        return None
    previous = sentence_start(text, paragraph_start, opening - 2)
    if r.verb.search(text, previous, opening) is None:
        return None
    if _OPENING_MARK.search(text, previous, opening):
        return None
    match = r.says_that.search(text, previous, opening)
    if match is None:
        return None
    return _from(match, "sentence-before")


def reported(text: str, r: Rules, at: int, before: int) -> bool:
    """Whether the name at position at is in what someone else is said to say, in a sentence
    that ends before position before ("X said he believed Y would ..."): not who a later "he"
    most likely is. Checked only for the names a pronoun could refer to: the verb, then the
    word before it (not a pronoun: "he said Y" leaves Y a candidate)."""
    paragraph_start, _ = paragraph_bounds(text, at)
    sentence = sentence_start(text, paragraph_start, at)
    end = _BOUNDARY.search(text, at)
    if end is None or end.start() >= before:
        return False
    skip = set(r.words["adverbs"])
    for match in r.verb.finditer(text, sentence, at):
        between = text[match.end() : at].split()
        if len(between) <= 3 and "that" not in between and not any("," in w for w in between):
            continue  # "said Mike Short", "said analyst John Brady": the name is the speaker
        words = text[max(sentence, match.start() - 40) : match.start()].split()
        while words and words[-1].casefold() in skip:
            words.pop()
        if words and words[-1].casefold() not in r.words["pronouns"]:
            return True
    return False
