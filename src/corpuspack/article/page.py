"""A capture's lines read as a page: furniture, title, timestamp, body paragraphs and trailer.

An outlet profile (and the generic rules) say which lines are which. Every line that
is not a paragraph is recorded as a Removal with the rule that took it, so nothing is
lost silently; extract.py turns what is found here into the article record.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from corpuspack.article.profiles import LineRule, Profile
from corpuspack.article.record import Removal

_NOT_IN_TAG = re.compile(r"[.!?:;\"“”]")

# The name of the furniture rule a line matches where it is ("header", "body", "trailer"), if any.
Furniture = Callable[[str, str], str | None]


def is_tag_line(line: str) -> bool:
    """A comma-separated list of short keywords ("regional security, THAAD missile defense system, China")."""
    items = [item.strip() for item in line.split(",")]
    return all(1 <= len(item.split()) <= 6 and not _NOT_IN_TAG.search(item) for item in items)


def _is_headline(line: str) -> bool:
    return len(line) <= 200 and not line.endswith((".", "”", '"', ":"))


@dataclass
class Page:
    """What the line classifier found on the page, before normalisation."""

    title: tuple[int, str] | None = None
    timestamp: tuple[int, str] | None = None
    paragraphs: list[tuple[int, str]] = field(default_factory=list)
    tag_line: tuple[int, str] | None = None
    removed: list[Removal] = field(default_factory=list)
    trailer_rejected_at: int | None = None


_PLACES = ("header", "body", "trailer")


def _furniture(profile: Profile | None, generic: tuple[LineRule, ...]) -> Furniture:
    slug = profile.slug if profile else "generic"
    rules = [(f"{slug}/{r.id}", r) for r in (profile.furniture if profile else ())]
    rules += [(f"generic/{r.id}", r) for r in generic]
    # The rules of each place, in order, sorted out once: the check runs for every line.
    by_place = {
        where: [(name, r.pattern.fullmatch) for name, r in rules if r.where in (where, "anywhere")]
        for where in _PLACES
    }

    def furniture(line: str, where: str) -> str | None:
        for name, fullmatch in by_place[where]:
            if fullmatch(line):
                return name
        return None

    return furniture


def _trailer_start(
    lines: list[str], start: int, blank_run: int, is_furniture: Callable[[str], bool]
) -> tuple[int | None, int | None]:
    """(index of the trailer, None) or (None, line of a rejected candidate).

    The trailer follows the last run of >= blank_run blank lines and is one block:
    links to related stories (headline-like lines) ending with the tag line.
    Anything else is kept as text, so an unusual page loses nothing.
    """
    run, candidate = 0, None
    for index in range(start, len(lines)):
        if lines[index].strip():
            if run >= blank_run:
                candidate = index
            run = 0
        else:
            run += 1
    if candidate is None:
        return None, None
    tail = [line.strip() for line in lines[candidate:]]
    while tail and not tail[-1]:
        tail.pop()
    content = [line for line in tail if line and not is_furniture(line)]
    if (
        all(tail)
        and content
        and is_tag_line(content[-1])
        and all(_is_headline(x) for x in content[:-1])
    ):
        return candidate, None
    return None, candidate + 1


def classify(lines: list[str], profile: Profile | None, generic: tuple[LineRule, ...]) -> Page:
    """Sort the capture's lines into header, body and trailer, and the body's into paragraphs and furniture."""
    page = Page()
    furniture = _furniture(profile, generic)
    in_body = False
    trailer: tuple[int, str] | None = None  # (index where it starts, the rule for its other lines)
    for number, raw_line in enumerate(lines, start=1):
        line = raw_line.strip()
        index = number - 1
        if not line:
            continue
        if in_body and trailer is None and profile and profile.trailer_after_blank_lines:
            trailer = _trailer(page, lines, index, profile, furniture)
        if trailer is not None and index >= trailer[0]:
            page.removed.append(Removal(furniture(line, "trailer") or trailer[1], number, line))
            continue
        if not in_body:
            if _header(page, number, line, profile, furniture):
                continue
            in_body = True
        rule = furniture(line, "body")
        if rule:
            page.removed.append(Removal(rule, number, line))
        else:
            page.paragraphs.append((number, line))
    _find_tag_line(page, profile)
    page.removed.sort(key=lambda r: r.line)
    return page


def _trailer(
    page: Page, lines: list[str], index: int, profile: Profile, furniture: Furniture
) -> tuple[int, str]:
    """Where the trailer starts (the end of the page if none is recognised), and its lines' rule."""
    start, page.trailer_rejected_at = _trailer_start(
        lines,
        index,
        profile.trailer_after_blank_lines or 0,
        lambda x: furniture(x, "trailer") is not None,
    )
    return (len(lines) if start is None else start), f"{profile.slug}/{profile.trailer_other}"


def _header(
    page: Page, number: int, line: str, profile: Profile | None, furniture: Furniture
) -> bool:
    """Take a line before the body as furniture, the timestamp or the title; False where the body begins."""
    rule = furniture(line, "header")
    if rule:
        page.removed.append(Removal(rule, number, line))
        return True
    if profile is None:
        return False
    slug = profile.slug
    if profile.timestamp and page.timestamp is None and profile.timestamp.fullmatch(line):
        page.timestamp = (number, line)
        page.removed.append(Removal(f"{slug}/timestamp", number, line))
        return True
    # The headline comes first: once the timestamp has been seen, it is not on the page.
    if profile.title == "first-line" and page.title is None and page.timestamp is None:
        page.title = (number, line)
        page.removed.append(Removal(f"{slug}/title", number, line))
        return True
    return False


def _find_tag_line(page: Page, profile: Profile | None) -> None:
    """The trailer's last line, if it is a tag line and the profile keeps keywords there."""
    if profile is None or profile.trailer_keywords != "last-line":
        return
    other = f"{profile.slug}/{profile.trailer_other}"
    trailer = [r for r in page.removed if r.rule == other]
    if trailer and is_tag_line(trailer[-1].text):
        last = trailer[-1]
        page.tag_line = (last.line, last.text)
        page.removed[page.removed.index(last)] = Removal(
            f"{profile.slug}/tag-line", last.line, last.text
        )
