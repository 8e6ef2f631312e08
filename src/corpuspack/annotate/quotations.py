"""The built-in quotation annotator: direct quotations and who said them, by rule.

Deterministic and rule-based, a pure function of the article text. It finds quotations by
their marks (annotate.marks: straight and typographic, run on over paragraphs, reopened
mid-line) and attributes each to a speaker by the first rule that applies:

1. after the quotation: "...," X said / X told Reuters / X, a senior fellow at ..., said /
   said X / said analyst X / wrote the judges;
2. introducing it: X said that "..." / X told the BBC: "..." / X said: (at the end of the
   paragraph before);
3. elsewhere in its sentence: according to X, ... "..." / in his words / X called it "...";
4. in the sentence just before it: X, who ..., agreed. "...";
5. a quotation with none of these that follows an attributed one (in its paragraph or the
   next) continues it: "...," he said. "...".

The speaker as written is resolved with a model of the article's people and organisations
(annotate.people; the patterns are in annotate.attribution): a surname or "Ms Finger" to the
full name introduced, "he" / "she" to the latest person of that gender named before, "it" /
"the company" to the organisation speaking, "the spokesman" to the previous speaker; "a spokesman for X" is a speaker of its own. Each
QUOTE records how it was attributed (`attribution`): explicit (a name or a full description at
the quotation), resolved (a pronoun, role or part of a name resolved to an earlier name),
continuation (no words of its own; the current speaker) or unresolved (no one to resolve to).
Quoted words with no attribution (scare quotes, quoted terms) are not annotated. The word lists
are data, in quotations.yaml.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from corpuspack.annotate import people as people_model
from corpuspack.annotate.attribution import (
    Attribution,
    Rules,
    attribute,
    paragraph_bounds,
    reported,
    rules,
    sentence_before,
)
from corpuspack.annotate.marks import PARAGRAPH, find_quotations
from corpuspack.article.record import Annotation

__all__ = ["annotate", "find_quotations", "rules"]


@dataclass
class _Context:
    """What one text's quotations share while they are attributed in order."""

    text: str
    r: Rules
    previous: str | None = None  # the last speaker resolved
    last: tuple[int, str | None] | None = None  # paragraph and speaker of the last quote taken

    @functools.cached_property
    def people(self) -> people_model.People:
        """The text's people model, built when a speaker is first resolved: a text whose
        quoted words have no attribution needs none."""
        people = people_model.build(self.text, self.r.words)
        people.reported = functools.partial(reported, self.text, self.r)
        return people


def resolve(surface: str, at: int, context: _Context) -> tuple[str | None, str]:
    """(speaker, attribution) for a speaker as written at position at."""
    r, people = context.r, context.people
    folded = surface.casefold()
    if folded in ("he", "she"):
        gender = "m" if folded == "he" else "f"
        found = people.latest(at, "person", gender)
        previous = context.previous
        if previous is not None and people.genders.get(previous, gender) != gender:
            previous = None  # "she" is not the man who spoke before
        return _resolved(found or previous)
    if folded in ("it", "its") or r.organisation_role.fullmatch(surface) and _definite(surface):
        return _resolved(people.latest_speaking_organisation(at) or context.previous)
    if folded in ("they", "his", "her", "their"):
        return _resolved(context.previous)
    if r.role.fullmatch(surface):
        return _role(surface, at, context)
    found_name = people.full_name(surface, at)
    if found_name is not None and found_name[1] == "organisation":
        return found_name[0], "explicit" if found_name[0] == surface else "resolved"
    tokens = surface.split()
    possessive = max((i for i, t in enumerate(tokens[:-1]) if t[-1] in "’'"), default=-1)
    tokens = tokens[possessive + 1 :]  # "Atticus' David Slager": the name after a possessive
    titles = people.lexicon.titles  # and people's roles written as titles ("Critic Jane Moss")
    last_title = max((i for i, t in enumerate(tokens[:-1]) if t.rstrip(".") in titles), default=-1)
    # "Home Secretary Charles Clarke", "Labour MP Diane Abbott", "Critic Jane Moss": the name
    # is what follows the last title.
    tokens = tokens[last_title + 1 :]
    after = context.text[at + len(surface) : at + len(surface) + 3]
    if len(tokens) > 1 and tokens[-1] in context.r.words["not_names"] and _LOWER.match(after):
        tokens.pop()  # "Vadim Mitroshin The dispute": a full stop missing in the source
    written = " ".join(tokens)
    found_name = people.full_name(written, at) or people.named_run(written, at)
    if found_name is None:
        return written, "explicit"
    return found_name[0], "explicit" if found_name[0] == written else "resolved"


def _resolved(speaker: str | None) -> tuple[str | None, str]:
    return speaker, "resolved" if speaker else "unresolved"


def _role(surface: str, at: int, context: _Context) -> tuple[str | None, str]:
    """A speaker given by a role: "the minister" is the speaker before (or the person named
    last); "a spokesman for X", "one Bombay trader", "the judges" are speakers of their own."""
    people = context.people
    named = list(people_model.NAME_RUN.finditer(surface))
    named_as = people.full_name(named[-1].group(), at) if named else None
    if named_as is not None and named_as[1] == "person" and named[-1].end() == len(surface):
        return named_as[0], "explicit"  # "Merck's head of research Peter Kim"
    if (
        named
        and context.r.organisation_role.fullmatch(surface)
        and "’s" in surface.replace("'", "’")
    ):  # "Mr Tanzi's statement": the statement's author
        surname = re.sub("[’']s?$", "", named[-1].group().split()[-1])
        author = people.full_name(surname, at) or people.named_run(surname, at)
        if author is not None:
            return author[0], "resolved"
    plural = surface.endswith("s") and surface.split()[-1] in context.r.words["roles"]
    if _definite(surface) and not plural:
        found = context.previous or people.latest(at, "person") or people.latest_run(at)
        if found:
            return found, "resolved"
    if surface.split()[0] in ("A", "An", "The", "One"):  # at a sentence's start
        surface = surface[0].lower() + surface[1:]
    return surface, "explicit"


def _definite(surface: str) -> bool:
    return surface.split()[0].casefold() in ("the", "its", "his", "her", "their")


def annotate(text: str) -> list[Annotation]:
    """QUOTE annotations for the attributed quotations in text, and SPEAKER ones for the names they cite.

    A pure function of the article text: the quotation annotator's whole interface.
    """
    found = find_quotations(text, rules().max_paragraphs)
    if not found:
        return []
    r = rules()
    context = _Context(text, r)
    quotes: list[Annotation] = []
    speakers: dict[tuple[int, int], Annotation] = {}
    for start, end in found:
        paragraph, _ = paragraph_bounds(text, start - 1)
        attribution = attribute(text, start, end, r) or sentence_before(text, start, r)
        if (attribution is None or attribution.cue not in _NEXT_TO) and _a_title(text, start, end):
            continue  # "The Return of the King", "Hartz IV": a name in marks, not speech
        if attribution is None:
            if not _continues(context, text, paragraph, start):
                continue
            resolved = context.last[1] if context.last else None
            quotes.append(_quote(text, start, end, "continues", resolved, None, "continuation"))
        else:
            resolved, how = resolve(attribution.surface, attribution.start, context)
            quotes.append(
                _quote(text, start, end, attribution.cue, resolved, attribution.surface, how)
            )
            where = (attribution.start, attribution.end)
            if where not in speakers:
                speakers[where] = _speaker(text, attribution, resolved)
            _remember(context, attribution, resolved)
        if resolved:
            context.previous = resolved
        context.last = (paragraph, resolved)
    return sorted([*quotes, *speakers.values()], key=lambda a: (a.start, a.end, a.label))


_LOWER = re.compile(r"\s+[a-z]")  # a sentence going on after a word
_NEXT_TO = ("after", "before")  # cues of an attribution right at the quotation
_WORD_OF_A_TITLE = re.compile(r"[A-Za-z][\w’'-]*")


def _a_title(text: str, start: int, end: int) -> bool:
    """Whether the quoted words text[start:end] look like a title or a name (a film, a song, a
    reform): two or more words, every word of four letters or more capitalised. Such words count
    as a quotation only with an attribution right next to them."""
    long_words = 0
    for word in _WORD_OF_A_TITLE.finditer(text, start, end):  # to the first word in lower case
        if word.end() - word.start() > 3:
            if not text[word.start()].isupper():
                return False
            long_words += 1
    return long_words >= 2


def _continues(context: _Context, text: str, paragraph: int, start: int) -> bool:
    """Whether an unattributed quotation continues the last one: in its paragraph or the
    next, the last had a speaker, and it is more than a quoted word or two."""
    if context.last is None or context.last[1] is None:
        return False
    if context.last[0] != paragraph:
        previous_start, _ = paragraph_bounds(text, max(0, paragraph - len(PARAGRAPH) - 1))
        if previous_start != context.last[0]:
            return False
    return len(text[start:].split(maxsplit=3)) > 3 and not _closes_within(text, start, 3)


def _closes_within(text: str, start: int, words: int) -> bool:
    """Whether the quotation opening at start closes within so many words (a quoted term)."""
    head = text[start : start + 60]
    mark = re.search('[”"’]', head)
    return mark is not None and len(head[: mark.start()].split()) < words


def _remember(context: _Context, attribution: Attribution, resolved: str | None) -> None:
    """An organisation that speaks is what a later "it" refers to; a role phrase that names a
    speaker of its own ("an ntl spokesman") is a person a later "he" may refer to."""
    if not resolved:
        return
    people = context.people
    kind = "person"
    found = people.full_name(resolved, attribution.start)
    if found is not None:
        kind = found[1]
    elif not context.r.role.fullmatch(attribution.surface):
        return
    mention = people_model.Mention(attribution.start, attribution.end, resolved, kind, False)
    if kind == "organisation":
        people.speakers.append((attribution.start, mention))
    elif found is None:  # the role phrase stands for the names inside it ("Castro's aide")
        people.mentions = [
            m for m in people.mentions if not attribution.start <= m.start < attribution.end
        ]
        people.mentions.append(mention)
        people.mentions.sort(key=lambda m: m.start)


def _quote(
    text: str,
    start: int,
    end: int,
    cue: str,
    speaker: str | None,
    as_written: str | None,
    how: str,
) -> Annotation:
    values = {"cue": cue, "attribution": how if speaker else "unresolved"}
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
