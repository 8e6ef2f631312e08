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

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import NamedTuple

_TOKEN = r"[A-Z][\w’'&-]*"
# A name run: capitalised words, with "of" or "de"-style particles inside ("Bank of England").
# Its first capital comes first and the word character it must not follow is looked for
# behind it ("[A-Z](?<![\w’'-].)", the same as "(?<![\w’'-])[A-Z]"): a pattern that opens with
# a set of characters lets re skip to the next capital instead of trying every position (the
# article's runs are found twice as fast). The same for the gendered titles below.
NAME_RUN = re.compile(
    rf"[A-Z](?<![\w’'-].)[\w’'&-]*(?:(?:\s+(?:of|de|van|von|der|du|la|le|da|bin|al)(?=\s+[A-Z]))?\s+{_TOKEN})*"
)
_ACRONYM = re.compile(r"[A-Z][A-Z&]+s?")
_ACRONYM_SECOND = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ&")  # an acronym's second character
_POSSESSIVE = re.compile(r"[’']s?$")
_POSSESSIVE_ENDINGS = ("’", "'", "’s", "'s")  # what _POSSESSIVE finds in a word (no newline)
_APPOSITION = re.compile(
    r",\s+(?:a|an|the|who|its|his|her|[a-z]+\s+(?:of|at|for|to|with)|[A-Z][\w&-]*[’']s)\s"
)
_WORD = re.compile(r"\S+")
# he/his/him or she/her, a whole word: "\b(?:(?P<he>[Hh]e|[Hh]is|[Hh]im)|[Ss]he|[Hh]er)\b" with
# its first letter first, as NAME_RUN; the group he matches the empty string after a he.
_PRONOUN_CUE = re.compile(
    r"[HhSs](?<!\w.)(?:(?<=[Hh])(?:e|is|im)\b(?P<he>)|(?<=[Ss])he\b|(?<=[Hh])er\b)"
)


class Mention(NamedTuple):
    """One name in the text (a named tuple: made for every name run, and quicker to make than a
    frozen dataclass)."""

    start: int
    end: int
    name: str  # the full name as introduced
    kind: str  # person | organisation
    appositive: bool  # a name in apposition to another person's ("..., Rodrigo Rato")
    titled: bool = False  # given with a title ("Mr Raha", "President Castro")


@dataclass(frozen=True, eq=False)
class _Lexicon:
    """The word lists as sets, made once per process (one object: compared and hashed by
    identity, as a key of the cache of name runs)."""

    titles: frozenset[str]  # titles, and roles written as titles ("Critic Jane Moss")
    roles: frozenset[str]  # roles of people
    organisation_words: frozenset[str]
    not_names: frozenset[str]


@dataclass
class People:
    """The people and organisations named in one text, in order."""

    text: str
    lexicon: _Lexicon
    mentions: list[Mention] = field(default_factory=list)
    genders: dict[str, str] = field(default_factory=dict)  # full name -> m | f
    speakers: list[tuple[int, Mention]] = field(default_factory=list)  # organisations that speak
    # Whether the name at a position is in what someone else is said to say, in a sentence
    # that ends before a second position (given by the quotation annotator).
    reported: Callable[[int, int], bool] | None = None
    _indexed: tuple[int, dict] = (-1, {})

    def full_name(self, surface: str, at: int) -> tuple[str, str] | None:
        """(full name, kind) for a name as written at position at, if the text names it."""
        words = surface.split()
        tokens = [t for t in words if not t.endswith(_POSSESSIVE_ENDINGS)] or words
        if not tokens:
            return None
        index = self._index()
        if len(tokens) == 1:  # each name of that last word; or the given name some outlets use
            candidates = [*index.get(tokens[0], ()), *index.get(("first", tokens[0]), ())]
        else:
            n = len(tokens)
            candidates = [
                m
                for m in index.get(tokens[-1], ())
                if (name := m.name.split())[-n:] == tokens and len(name) >= n
            ]
        if len(candidates) < 2:
            return (candidates[0].name, candidates[0].kind) if candidates else None
        # The fullest name, as introduced before at if it was (else the first after it).
        best = max(
            candidates,
            key=lambda m: (len(m.name.split()), m.start < at, -abs(m.start - at)),
        )
        return best.name, best.kind

    def named_run(self, surname: str, at: int) -> tuple[str, str] | None:
        """For a surname the model has no person for ("Nadal said" where the article gave
        "Rafael Nadal beat ..."): the first run of two or three capitalised words ending with it,
        before position at if there is one."""
        if " " in surname:
            return None
        runs = [
            run
            for run in NAME_RUN.finditer(self.text)
            if run.group().split()[-1] == surname and 2 <= len(run.group().split()) <= 3
        ]
        if not runs:
            return None
        run = min(runs, key=lambda m: (m.start() >= at, m.start()))
        return run.group(), "person"

    def latest_run(self, at: int) -> str | None:
        """The latest run of two or three capitalised words before position at that could be a
        person's name (no organisation word, no acronym, no sentence opener): the person a role
        refers to where the article named them with nothing that says they are a person
        ("Arsene Wenger was happy. ... the Frenchman said")."""
        lexicon = self.lexicon
        for run in reversed(list(NAME_RUN.finditer(self.text, max(0, at - 2000), at))):
            tokens = run.group().split()
            if not 2 <= len(tokens) <= 3 or any(
                t in lexicon.organisation_words
                or t in lexicon.not_names
                or t in lexicon.titles
                or t.isupper()
                or _POSSESSIVE.search(t)
                for t in tokens
            ):
                continue
            return run.group()
        return None

    def _index(self) -> dict:
        """Mentions by last word, and two-word person names by first word; made again after
        mentions are added."""
        if self._indexed[0] != len(self.mentions):
            index: dict = {}
            for mention in self.mentions:
                words = mention.name.split()
                index.setdefault(words[-1], []).append(mention)
                if mention.kind == "person" and len(words) == 2:
                    index.setdefault(("first", words[0]), []).append(mention)
            self._indexed = (len(self.mentions), index)
        return self._indexed[1]

    def latest(self, at: int, kind: str, gender: str | None = None) -> str | None:
        """The latest name of that kind (and gender, if given) before position at."""
        index = bisect_left([m.start for m in self.mentions], at)
        for mention in reversed(self.mentions[:index]):
            if mention.kind != kind or mention.appositive or mention.end > at:
                continue
            if self.reported is not None and self.reported(mention.start, at):
                continue  # named in what another said ("X said he believed Y would")
            if gender is None or self.genders.get(mention.name, gender) == gender:
                return mention.name
        return None

    def latest_speaking_organisation(self, at: int) -> str | None:
        before = [m for start, m in self.speakers if start < at]
        return before[-1].name if before else self.latest(at, "organisation")


def build(text: str, words: dict) -> People:
    """The people model of one text; words: the word lists of quotations.yaml."""
    lexicon = _lexicon_of(words)
    people = People(text, lexicon)
    gendered = words["gendered_titles"]
    titled_surnames = _titled_surnames(text, gendered)
    for run in NAME_RUN.finditer(text):
        words_of_run = run.group()
        if " " not in words_of_run and (
            words_of_run[1:2] not in _ACRONYM_SECOND or _ACRONYM.fullmatch(words_of_run) is None
        ):
            continue  # a lone capitalised word: a surname the resolver looks up, or no name
        for mention in _mentions(text, run, lexicon):
            if mention.kind == "person" and not _is_person(
                text, mention, lexicon.roles, titled_surnames
            ):
                continue
            people.mentions.append(mention)
    _full_names(people, words)
    full_names = [m.name for m in people.mentions if m.kind == "person"]
    for mention in people.mentions:
        if mention.kind == "person":
            _gender(people, mention, titled_surnames, full_names)
    return people


def _titled_surnames(text: str, gendered: dict[str, str]) -> dict[str, str]:
    """The gender of each surname the text gives with a gendered title ("Ms Finger": f)."""
    pattern = _titled_pattern(tuple(sorted(gendered)))
    return {match.group(2): gendered[match.group(1)] for match in pattern.finditer(text)}


@cache
def _titled_pattern(titles: tuple[str, ...]) -> re.Pattern:
    # "\b(Mr|Ms)" as "(M(?<!\w.)r|M(?<!\w.)s)": each title's first letter, then no word
    # character before it (the titles are words), so that the pattern opens with a letter.
    first_letters = "|".join(f"{re.escape(t[0])}(?<!\\w.){re.escape(t[1:])}" for t in titles)
    return re.compile(
        rf"({first_letters})\.?\s+(?:[A-Z][\w’'-]*\s+)??([A-Z][\w’'-]*)\b(?!\s+[A-Z])"
    )


def _full_names(people: People, words: dict) -> None:
    """Each person named in part ("Mr Raha") by the full name the article introduces; one
    named only with a title keeps a title of rank with it ("Lord Currie")."""
    for index, mention in enumerate(people.mentions):
        if mention.kind != "person":
            continue
        found = people.full_name(mention.name, mention.start)
        if found is not None and found[0] != mention.name:
            people.mentions[index] = mention._replace(name=found[0])
            continue
        title = people.text[max(0, mention.start - 8) : mention.start].split()
        if title and title[-1] in words["rank_titles"]:
            people.mentions[index] = mention._replace(name=f"{title[-1]} {mention.name}")


def _is_person(
    text: str, mention: Mention, roles: frozenset[str], titled_surnames: dict[str, str]
) -> bool:
    """A name run is a person's where the article says so: a title or a role before it ("Mr
    Raha", "analyst John Brady", "specialist at the IAEA, Peter Smith"), an appositive after it
    ("Jill Finger, a research director"), or a title with its surname elsewhere ("Ms Finger")."""
    if mention.titled or mention.name.split()[-1] in titled_surnames:
        return True
    before = text[max(0, mention.start - 60) : mention.start].split()
    if before and before[-1].casefold() in roles:
        return True
    # "Computer specialist at the IAEA, Peter Smith, would": a role, a comma, then the name.
    if before and before[-1].endswith(",") and len(mention.name.split()) > 1:
        clause = " ".join(before[-7:]).rsplit(".", 1)[-1].split()
        if any(w.strip(",").casefold() in roles for w in clause):
            return True
    after = text[mention.end : mention.end + 40]
    return len(mention.name.split()) > 1 and _APPOSITION.match(after) is not None


_lexicons: dict[int, tuple[dict, _Lexicon]] = {}


def _lexicon_of(words: dict) -> _Lexicon:
    """The lexicon of the word lists of quotations.yaml, made once for each dict of them (the
    rules give every article the same one; making the sets each time took 9 µs an article).
    Kept by the dict's identity, as a dict is no key, with the dict, so that its id stays its
    own. Like the rules, the dict is never changed once read."""
    kept = _lexicons.get(id(words))
    if kept is None or kept[0] is not words:
        keys = ("titles", "roles", "organisation_roles", "organisation_words", "not_names")
        kept = (words, _lexicon(*(tuple(words[key]) for key in keys)))
        _lexicons[id(words)] = kept
    return kept[1]


@cache
def _lexicon(
    titles: tuple,
    roles: tuple,
    organisation_roles: tuple,
    organisation_words: tuple,
    not_names: tuple,
) -> _Lexicon:
    people_roles = frozenset(roles) - frozenset(organisation_roles)
    return _Lexicon(
        frozenset(titles) | {role.capitalize() for role in people_roles},
        people_roles,
        frozenset(organisation_words),
        frozenset(not_names),
    )


def _mentions(text: str, run: re.Match, lexicon: _Lexicon) -> list[Mention]:
    at = run.start()
    found = []
    for start, end, name, kind, titled in _names_in_run(run.group(), lexicon):
        start, end = at + start, at + end
        appositive = (
            kind == "person"
            and text[max(0, start - 40) : start].rstrip().endswith(",")
            and _after_a_person(text, start)
        )
        found.append(Mention(start, end, name, kind, appositive, titled))
    return found


@lru_cache(maxsize=1 << 16)
def _names_in_run(run: str, lexicon: _Lexicon) -> tuple[tuple[int, int, str, str, bool], ...]:
    """(start, end, name, kind, titled) of the names in a name run, offsets in the run: what
    of a mention depends on the run's words only, kept for the next time they are seen (the
    same names recur within an article and across a corpus)."""
    words = list(_WORD.finditer(run))
    tokens = [w.group() for w in words]
    starts = [w.start() for w in words]
    # A possessive ends the name it belongs to ("Atticus' David Slager", "IMF's Jack Boorman").
    cut = max((i + 1 for i, t in enumerate(tokens[:-1]) if _possessive(t)), default=0)
    tokens, starts = tokens[cut:], starts[cut:]
    tokens[-1] = _POSSESSIVE.sub("", tokens[-1])
    organisation_words = lexicon.organisation_words
    found = []
    last_org = max((i for i, t in enumerate(tokens) if t in organisation_words), default=-1)
    if last_org >= 0:  # "School of Public Policy Guo Xinning": an organisation, then a person
        name = " ".join(t for t in tokens[: last_org + 1] if t not in ("The",))
        found.append(
            (starts[0], starts[last_org] + len(tokens[last_org]), name, "organisation", False)
        )
        tokens, starts = tokens[last_org + 1 :], starts[last_org + 1 :]
    elif len(tokens) == 1 and _ACRONYM.fullmatch(tokens[0]) and tokens[0] not in lexicon.not_names:
        return ((starts[0], len(run), tokens[0], "organisation", False),)
    # "Home Secretary Charles Clarke", "Labour MP Diane Abbott": the name follows the last title.
    last_title = max((i for i, t in enumerate(tokens[:-1]) if t in lexicon.titles), default=-1)
    titled = last_title >= 0
    tokens, starts = tokens[last_title + 1 :], starts[last_title + 1 :]
    while tokens and tokens[0] in lexicon.not_names:
        tokens, starts = tokens[1:], starts[1:]
    if (
        not tokens
        or len(tokens) > 4
        or any(t.isupper() and len(t) > 1 for t in tokens)
        or tokens[-1] in lexicon.not_names
        and len(tokens) == 1
    ):
        return tuple(found)
    if len(tokens) == 1 and not titled:
        return tuple(found)  # a lone capitalised word: a surname the resolver looks up, or none
    name = " ".join(tokens)
    return (*found, (starts[0], starts[0] + len(name), name, "person", titled))


def _possessive(token: str) -> bool:
    return token[-1] in "’'" or token.endswith(("’s", "'s"))


def _after_a_person(text: str, at: int) -> bool:
    """Whether the comma before at closes a phrase about a person named just before it."""
    sentence = text.rfind(". ", 0, at)
    runs = list(NAME_RUN.finditer(text, max(sentence, at - 120), at - 2))
    # "Computer specialist at the IAEA, Peter Smith": an organisation before the comma.
    return bool(runs) and not any(_ACRONYM.fullmatch(t) for t in runs[-1].group().split())


def _gender(
    people: People, mention: Mention, titled_surnames: dict[str, str], full_names: list[str]
) -> None:
    if mention.name in people.genders:
        return
    surname = mention.name.split()[-1]
    if surname in titled_surnames:
        people.genders[mention.name] = titled_surnames[surname]
        return
    # The first he/his or she/her after the name, if no other person is named before it.
    cue = _PRONOUN_CUE.search(people.text, mention.end, mention.end + 300)
    if cue is None:
        return
    between = people.text[mention.end : cue.start()]
    if any(other != mention.name and other.split()[-1] in between.split() for other in full_names):
        return
    people.genders[mention.name] = "m" if cue.group("he") is not None else "f"
