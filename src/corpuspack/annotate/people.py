"""Who an article's people and organisations are, from the article itself.

A small model built once per article text, with no model download and no outside list of
names: the capitalised name runs of the text, each taken for a person when a title, a role
or a verb of saying goes with it ("Mr Raha", "analyst John Brady", "Jill Finger, a research
director", "said Jane Doe"), for an organisation when it carries an organisation word or is an
acronym ("Credit Suisse First Boston", "the OECD"). A person's gender comes from the
article's own cues: a gendered title (Mr, Mrs, Ms, Sir, Lord) for the same surname, or the
first he/his or she/her that follows the name before another person is named.

Resolution, used by the quotation annotator:
- a surname or a title and surname ("Ms Finger") is the full name introduced earlier (or later,
  where the article names the person only afterwards);
- he / she is the latest person named before it of that gender (or of unknown gender), not
  counting a name in apposition to another ("adviser to the IMF's managing director, Rodrigo
  Rato");
- it / the company / the report is the latest organisation named as a speaker, or named at all.
"""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_left
from dataclasses import dataclass, field

_TOKEN = r"[A-Z][\w’'&-]*"
# A name run: capitalised words, with "of" or "de"-style particles inside ("Bank of England").
NAME_RUN = re.compile(
    rf"(?<![\w’'-]){_TOKEN}(?:(?:\s+(?:of|de|van|von|der|du|la|le|da|bin|al)(?=\s+[A-Z]))?\s+{_TOKEN})*"
)
_ACRONYM = re.compile(r"[A-Z][A-Z&]+s?")
_POSSESSIVE = re.compile(r"[’']s?$")
_APPOSITION = r",\s+(?:a|an|the|who|its|his|her|[a-z]+\s+(?:of|at|for|to|with)|[A-Z][\w&-]*[’']s)\s"
_PRONOUN_CUE = re.compile(r"\b(?:(?P<he>[Hh]e|[Hh]is|[Hh]im)|(?P<she>[Ss]he|[Hh]er))\b")


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    name: str  # the full name as introduced
    kind: str  # person | organisation
    appositive: bool  # a name in apposition to another person's ("..., Rodrigo Rato")
    titled: bool = False  # given with a title ("Mr Raha", "President Castro")


@dataclass
class People:
    """The people and organisations named in one text, in order."""

    text: str
    mentions: list[Mention] = field(default_factory=list)
    genders: dict[str, str] = field(default_factory=dict)  # full name -> m | f
    speakers: list[tuple[int, Mention]] = field(default_factory=list)  # organisations that speak
    reported: list[tuple[int, int]] = field(default_factory=list)  # what someone is said to say

    def full_name(self, surface: str, at: int) -> tuple[str, str] | None:
        """(full name, kind) for a name as written at position at, if the text names it."""
        tokens = [t for t in surface.split() if not _POSSESSIVE.search(t)] or surface.split()
        if not tokens:
            return None
        candidates = []
        for mention in self.mentions:
            words = mention.name.split()
            if len(words) >= len(tokens) and words[-len(tokens) :] == tokens:
                candidates.append(mention)
            elif len(tokens) == 1 and mention.kind == "person" and tokens == words[:1]:
                if len(words) == 2:
                    candidates.append(mention)  # the given name some outlets use ("Xin")
        if not candidates:
            return None
        # The fullest name, as introduced before at if it was (else the first after it).
        best = max(
            candidates,
            key=lambda m: (len(m.name.split()), m.start < at, -abs(m.start - at)),
        )
        return best.name, best.kind

    def latest(self, at: int, kind: str, gender: str | None = None) -> str | None:
        """The latest name of that kind (and gender, if given) before position at."""
        index = bisect_left([m.start for m in self.mentions], at)
        for mention in reversed(self.mentions[:index]):
            if mention.kind != kind or mention.appositive or mention.end > at:
                continue
            if any(start <= mention.start < end <= at for start, end in self.reported):
                continue  # named in what another said ("X said he believed Y would")
            if gender is None or self.genders.get(mention.name, gender) == gender:
                return mention.name
        return None

    def latest_speaking_organisation(self, at: int) -> str | None:
        before = [m for start, m in self.speakers if start < at]
        return before[-1].name if before else self.latest(at, "organisation")


def build(text: str, words: dict) -> People:
    """The people model of one text; words: the word lists of quotations.yaml."""
    people = People(text)
    roles = set(words["roles"]) - set(words["organisation_roles"])
    titles = set(words["titles"]) | {role.capitalize() for role in roles}
    gendered = words["gendered_titles"]
    surnames_titled = set(
        re.findall(rf"\b(?:{'|'.join(gendered)})\.?\s+(?:[A-Z][\w’'-]*\s+)?([A-Z][\w’'-]*)", text)
    )
    for run in NAME_RUN.finditer(text):
        for mention in _mentions(text, run, titles, words):
            if mention.kind == "person" and not _is_person(text, mention, roles, surnames_titled):
                continue
            people.mentions.append(mention)
    _full_names(people, words)
    full_names = [m.name for m in people.mentions if m.kind == "person"]
    for mention in people.mentions:
        if mention.kind == "person":
            _gender(people, mention, gendered, full_names)
    return people


def _full_names(people: People, words: dict) -> None:
    """Each person named in part ("Mr Raha") by the full name the article introduces; one
    named only with a title keeps a title of rank with it ("Lord Currie")."""
    for index, mention in enumerate(people.mentions):
        if mention.kind != "person":
            continue
        found = people.full_name(mention.name, mention.start)
        if found is not None and found[0] != mention.name:
            people.mentions[index] = dataclasses.replace(mention, name=found[0])
            continue
        title = people.text[max(0, mention.start - 8) : mention.start].split()
        if title and title[-1] in words["rank_titles"]:
            people.mentions[index] = dataclasses.replace(
                mention, name=f"{title[-1]} {mention.name}"
            )


def _is_person(text: str, mention: Mention, roles: set[str], surnames_titled: set[str]) -> bool:
    """A name run is a person's where the article says so: a title or a role before it ("Mr
    Raha", "analyst John Brady"), an appositive after it ("Jill Finger, a research director"),
    or a title with its surname elsewhere ("Ms Finger")."""
    if mention.titled or mention.name.split()[-1] in surnames_titled:
        return True
    before = text[max(0, mention.start - 30) : mention.start].split()
    if before and before[-1].casefold() in roles:
        return True
    after = text[mention.end : mention.end + 40]
    return len(mention.name.split()) > 1 and re.match(_APPOSITION, after) is not None


def _mentions(text: str, run: re.Match, titles: set[str], words: dict) -> list[Mention]:
    tokens = run.group().split()
    starts = [m.start() for m in re.finditer(r"\S+", run.group())]
    # A possessive ends the name it belongs to ("Atticus' David Slager", "IMF's Jack Boorman").
    cut = max((i + 1 for i, t in enumerate(tokens[:-1]) if _POSSESSIVE.search(t)), default=0)
    tokens, starts = tokens[cut:], starts[cut:]
    tokens[-1] = _POSSESSIVE.sub("", tokens[-1])
    organisation_words = set(words["organisation_words"])
    found = []
    last_org = max((i for i, t in enumerate(tokens) if t in organisation_words), default=-1)
    if last_org >= 0:  # "School of Public Policy Guo Xinning": an organisation, then a person
        name = " ".join(t for t in tokens[: last_org + 1] if t not in ("The",))
        found.append(
            Mention(
                run.start() + starts[0],
                run.start() + starts[last_org] + len(tokens[last_org]),
                name,
                "organisation",
                False,
            )
        )
        tokens, starts = tokens[last_org + 1 :], starts[last_org + 1 :]
    elif len(tokens) == 1 and _ACRONYM.fullmatch(tokens[0]):
        return [Mention(run.start() + starts[0], run.end(), tokens[0], "organisation", False)]
    titled = any(t in titles for t in tokens)
    while tokens and tokens[0] in titles | set(words["not_names"]):
        tokens, starts = tokens[1:], starts[1:]
    if (
        not tokens
        or len(tokens) > 4
        or any(t in words["not_names"] or (t.isupper() and len(t) > 1) for t in tokens)
    ):
        return found
    if len(tokens) == 1 and not titled:
        return found  # a lone capitalised word: a surname the resolver looks up, or not a name
    start = run.start() + starts[0]
    before = text[max(0, start - 40) : start]
    appositive = re.search(r",\s*$", before) is not None and _after_a_person(text, start)
    mention = Mention(start, start + len(" ".join(tokens)), " ".join(tokens), "person", appositive)
    return [*found, dataclasses.replace(mention, titled=titled)]


def _after_a_person(text: str, at: int) -> bool:
    """Whether the comma before at closes a phrase about a person named just before it."""
    sentence = text.rfind(". ", 0, at)
    return NAME_RUN.search(text, max(sentence, at - 120), at - 2) is not None


def _gender(people: People, mention: Mention, gendered: dict, full_names: list[str]) -> None:
    if mention.name in people.genders:
        return
    surname = mention.name.split()[-1]
    for title, gender in gendered.items():
        if re.search(
            rf"\b{re.escape(title)}\.?\s+(?:[A-Z][\w’'-]*\s+)?{re.escape(surname)}\b", people.text
        ):
            people.genders[mention.name] = gender
            return
    # The first he/his or she/her after the name, if no other person is named before it.
    cue = _PRONOUN_CUE.search(people.text, mention.end, mention.end + 300)
    if cue is None:
        return
    between = people.text[mention.end : cue.start()]
    if any(other != mention.name and other.split()[-1] in between.split() for other in full_names):
        return
    people.genders[mention.name] = "m" if cue.group("he") else "f"
