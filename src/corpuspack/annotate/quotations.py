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
(annotate.people): a surname or "Ms Finger" to the full name introduced, "he" / "she" to the
latest person of that gender named before, "it" / "the company" to the organisation speaking,
"the spokesman" to the previous speaker; "a spokesman for X" is a speaker of its own. Each
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
from functools import cache
from importlib import resources

import yaml

from corpuspack.annotate import people as people_model
from corpuspack.annotate.marks import PARAGRAPH, find_quotations
from corpuspack.article.record import Annotation

__all__ = ["annotate", "find_quotations", "rules"]

_BOUNDARY = re.compile(r"[.!?][”\"’]?\s+(?=[A-Z“\"‘])")


def _words(items: list[str]) -> str:
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(items), key=len, reverse=True)
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
    organisation_role: re.Pattern
    verb: re.Pattern
    words: dict
    max_paragraphs: int


@cache
def rules() -> Rules:
    data = yaml.safe_load(
        resources.files(__package__).joinpath("quotations.yaml").read_text(encoding="utf-8")
    )
    verb = f"(?:{_words(data['verbs'])})"
    adverb = f"(?:\\s+(?:{_words(data['adverbs'])}))*"
    pronoun = f"(?:{_words([p.capitalize() for p in data['pronouns']] + data['pronouns'])})\\b"
    roles = _words(data["roles"])
    role = (
        f"(?:[Tt]he|[Aa]n?|[Oo]ne|[Hh]is|[Hh]er|[Ii]ts|(?:[A-Z][\\w-]*\\s+)?[A-Z][\\w-]*[’']s?)\\s+"
        f"(?:[\\w’'-]+\\s+){{0,3}}?(?:{roles}|\\d+-year-old)\\b"
        r"(?:\s+(?:for|at|of|from|with)\s+(?:the\s+)?[\w’'&-]+(?:\s+[A-Z][\w’'&-]*)*)?"
    )
    name = (
        f"(?!(?:{_words(data['not_names'])})\\b)"
        + r"[A-Z][\w’'&-]*(?:\s+(?:of\s+)?[A-Z][\w’'&-]*){0,4}(?<![’'])"
    )
    # A name after its role: "analyst John Brady", "ABN AMRO analyst John Brady".
    # "The" before an organisation's name of two words or more ("The European Medicines Agency").
    prefix = (
        f"(?:(?:[Tt]he\\s+)?(?:[\\w&’'.-]+\\s+){{0,5}}?(?:{roles})\\s+"
        r"|[Tt]he\s+(?=[A-Z][\w’'&-]*\s+[A-Z]))?"
    )
    speaker = f"(?P<speaker>{pronoun}|{role}|{name})"
    appositive = r"(?:,[^“”\"\n]{1,200}?,)?"
    said = f"{prefix}{speaker}{appositive}{adverb}\\s+{verb}\\b"
    inverted = _words(data["inverted_verbs"])
    return Rules(
        after=re.compile(f"[\\s,]*{said}"),
        after_inverted=re.compile(f"[\\s,]*(?:{inverted}){adverb}\\s+{prefix}{speaker}"),
        # "X said that “", "X said: “", "X told reporters: “", "X said in an interview, “"
        introducing=re.compile(
            f'{said}(?:\\s+that|\\s+[^“”"\\n:,.]{{1,60}}?(?=\\s*[:,]))?\\s*[:,]?\\s*$'
        ),
        introducing_paragraph=re.compile(f"{said}[^:\\n]{{0,60}}:\\s*$"),
        according=re.compile(f"\\b[Aa]ccording\\s+to\\s+{prefix}{speaker}"),
        in_words=re.compile(r"\b[Ii]n\s+(?P<speaker>his|her|their)\s+words\b"),
        says_that=re.compile(said),
        role=re.compile(role),
        organisation_role=re.compile(f".*\\b(?:{_words(data['organisation_roles'])})\\b"),
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


def _paragraph_bounds(text: str, at: int) -> tuple[int, int]:
    start = text.rfind(PARAGRAPH, 0, at)
    end = text.find(PARAGRAPH, at)
    return (0 if start < 0 else start + len(PARAGRAPH)), (len(text) if end < 0 else end)


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
    sentence = _sentence_start(text, paragraph_start, opening)
    # The patterns with a verb are tried only where a verb is: a cheap search first.
    verb = r.verb.search(text, sentence, opening) is not None
    if verb and (match := r.introducing.search(text, sentence, opening)):
        return _from(match, "before")
    if opening == paragraph_start and paragraph_start:
        previous_start, _ = _paragraph_bounds(text, paragraph_start - len(PARAGRAPH) - 1)
        previous = _sentence_start(text, previous_start, paragraph_start - len(PARAGRAPH))
        if r.verb.search(text, previous, paragraph_start - len(PARAGRAPH)) and (
            match := r.introducing_paragraph.search(
                text, previous, paragraph_start - len(PARAGRAPH)
            )
        ):
            return _from(match, "before")
    for pattern, cue in (
        (r.according, "according-to"),
        (r.in_words, "in-words"),
        (r.says_that if verb else None, "sentence"),
    ):
        if pattern is not None and (match := pattern.search(text, sentence, opening)):
            return _from(match, cue)
    return None


def _plain(text: str, match: re.Match) -> bool:
    """Whether an attribution is a pronoun, or a name and its verb ending the sentence."""
    if match.group("speaker").casefold() in ("he", "she", "they", "it"):
        return True
    between = text[match.end("speaker") : match.end()]
    return "," not in between and text[match.end() : match.end() + 1] in (".", "")


def _sentence_before(text: str, start: int, r: Rules) -> Attribution | None:
    """A speaker named with a verb of saying in the sentence just before the quotation, where
    the quotation opens its sentence: X, who ..., agreed. "..." """
    opening = start - 1
    paragraph_start, _ = _paragraph_bounds(text, opening)
    if _sentence_start(text, paragraph_start, opening) != opening or opening == paragraph_start:
        return None
    previous = _sentence_start(text, paragraph_start, opening - 2)
    if r.verb.search(text, previous, opening) is None:
        return None
    match = r.says_that.search(text, previous, opening)
    if match is None or re.search('[“"]', text[previous:opening]):
        return None
    return _from(match, "sentence-before")


@dataclass
class _Context:
    """What one text's quotations share while they are attributed in order."""

    text: str
    r: Rules
    people: people_model.People
    previous: str | None = None  # the last speaker resolved
    last: tuple[int, str | None] | None = None  # paragraph and speaker of the last quote taken


def resolve(surface: str, at: int, context: _Context) -> tuple[str | None, str]:
    """(speaker, attribution) for a speaker as written at position at."""
    r, people = context.r, context.people
    folded = surface.casefold()
    if folded in ("he", "she"):
        found = people.latest(at, "person", "m" if folded == "he" else "f")
        return _resolved(found or context.previous)
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
    titles = _titles(
        tuple(r.words["titles"]), tuple(r.words["roles"]), tuple(r.words["organisation_roles"])
    )
    last_title = max((i for i, t in enumerate(tokens[:-1]) if t.rstrip(".") in titles), default=-1)
    # "Home Secretary Charles Clarke", "Labour MP Diane Abbott", "Critic Jane Moss": the name
    # is what follows the last title.
    tokens = tokens[last_title + 1 :]
    while len(tokens) > 1 and tokens[-1] in context.r.words["not_names"]:
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
        found = context.previous or people.latest(at, "person")
        if found:
            return found, "resolved"
    if surface.split()[0] in ("A", "An", "The", "One"):  # at a sentence's start
        surface = surface[0].lower() + surface[1:]
    return surface, "explicit"


@cache
def _titles(
    titles: tuple[str, ...], roles: tuple[str, ...], of_organisations: tuple
) -> frozenset[str]:
    """Titles, and people's roles written as titles ("Critic Jane Moss")."""
    return frozenset(titles) | {r.capitalize() for r in roles if r not in of_organisations}


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
    context = _Context(text, r, people_model.build(text, r.words))
    context.people.reported = functools.partial(_reported, text, r)
    quotes: list[Annotation] = []
    speakers: dict[tuple[int, int], Annotation] = {}
    for start, end in found:
        paragraph, _ = _paragraph_bounds(text, start - 1)
        attribution = attribute(text, start, end, r) or _sentence_before(text, start, r)
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


def _reported(text: str, r: Rules, at: int, before: int) -> bool:
    """Whether the name at position at is in what someone else is said to say, in a sentence
    that ends before position before ("X said he believed Y would ..."): not who a later "he"
    most likely is. Checked only for the names a pronoun could refer to: the verb, then the
    word before it (not a pronoun: "he said Y" leaves Y a candidate)."""
    paragraph_start, _ = _paragraph_bounds(text, at)
    sentence = _sentence_start(text, paragraph_start, at)
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


def _continues(context: _Context, text: str, paragraph: int, start: int) -> bool:
    """Whether an unattributed quotation continues the last one: in its paragraph or the
    next, the last had a speaker, and it is more than a quoted word or two."""
    if context.last is None or context.last[1] is None:
        return False
    if context.last[0] != paragraph:
        previous_start, _ = _paragraph_bounds(text, max(0, paragraph - len(PARAGRAPH) - 1))
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
