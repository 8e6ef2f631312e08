"""Furniture rules by place (article/page.py): a header rule takes header lines only, a trailer
rule trailer lines only, an "anywhere" rule lines of every place, the first rule that matches
names the line."""

from __future__ import annotations

from corpuspack.article import page
from corpuspack.article.profiles import LineRule, Profile
from corpuspack.article.profiles.patterns import compile_rule


def _rule(rule_id: str, pattern: str, where: str) -> LineRule:
    return LineRule(
        rule_id, compile_rule("test.yaml", rule_id, None, pattern, fullmatch=True), where
    )


def test_each_rule_takes_the_lines_of_its_place():
    profile = Profile(
        outlet="X",
        slug="x",
        title="first-line",
        furniture=(_rule("menu", "Menu", "header"), _rule("more", "(More|Related).*", "trailer")),
        trailer_after_blank_lines=2,
    )
    generic = (_rule("ad", "Advert(isement)?", "anywhere"), _rule("ad2", "Advert", "anywhere"))
    lines = ["Menu", "Advert", "Title", "", "Body starts.", "Menu", "Advert", "More below"]
    lines += ["", "", "Related headline", "tag one, tag two"]
    found = page.classify(lines, profile, generic)
    assert [(r.rule, r.line) for r in found.removed] == [
        ("x/menu", 1),
        ("generic/ad", 2),  # the first of the two rules that match
        ("x/title", 3),
        ("generic/ad", 7),
        ("x/more", 11),
        ("x/related-headlines", 12),
    ]
    # A header rule and a trailer rule leave the body's lines alone.
    assert found.paragraphs == [(5, "Body starts."), (6, "Menu"), (8, "More below")]
