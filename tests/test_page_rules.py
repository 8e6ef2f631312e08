"""Furniture rules skip the lines too long to match them whole (article/page.py longest_match):
the bound must never be below the length of a line the rule matches."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpuspack.article import page, profiles
from corpuspack.article.profiles import LineRule, Profile

PROPERTY = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


def _packaged_rules() -> list[LineRule]:
    registry = profiles.registry()
    return [*registry.generic, *(rule for p in registry.profiles for rule in p.furniture)]


PATTERNS = [
    *(rule.pattern for rule in _packaged_rules()),
    *(
        re.compile(pattern, flags)
        for pattern, flags in [
            (r"(?:ab|c{2,5})(d)\1?", 0),
            (r"(?i)straße{1,2}", 0),
            (r"\bx{3}\b", 0),
            (r"(?>a{1,4})b++", 0),
            (r"(a)?(?(1)bcd|e)", 0),
            (r"a  b # comment", re.VERBOSE),
        ]
    ),
]


@PROPERTY
@given(st.data())
@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.pattern)
def test_no_line_a_rule_matches_is_longer_than_its_bound(pattern, data):
    line = data.draw(st.from_regex(pattern, fullmatch=True))
    assert pattern.fullmatch(line)
    assert len(line) <= page.longest_match(pattern)


def test_the_bounds_of_some_rules():
    assert page.longest_match(re.compile(r"(?:.{0,120}\bPhoto: [\w .,/&-]{1,60})")) == 187
    assert page.longest_match(re.compile(r"(?:Source link)")) == 11
    assert page.longest_match(re.compile(r"More on the subject\s*[–—-].*")) == math.inf
    assert page.longest_match(re.compile(r"a  b # comment", re.VERBOSE)) == 2
    assert page.longest_match(re.compile(r"(?=x)x{3}(?<=x)")) == 3


def test_a_line_longer_than_a_rule_can_match_is_a_paragraph_and_a_short_one_furniture():
    credit = LineRule("photo-credit", re.compile(r"(?:.{0,12}\bPhoto: [\w ]{1,10})"))
    profile = Profile(outlet="X", slug="x", title="first-line")
    lines = ["Title", "", "Seen here Photo: VCG", "", "A long paragraph " * 3 + "Photo: VCG"]
    found = page.classify(lines, profile, (credit,))
    assert [(r.rule, r.line) for r in found.removed] == [
        ("x/title", 1),
        ("generic/photo-credit", 3),
    ]
    assert found.paragraphs == [(5, lines[4])]
