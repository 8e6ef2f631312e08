"""Every seed's fields, field by field, as a careful reader finds them on the page."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from corpuspack.article.normalize import normalize_text, split_lines
from corpuspack.build import pipeline
from corpuspack.project import datapackage as project_mod
from support import REPO

UTC = dt.UTC


@pytest.fixture(scope="module")
def articles():
    result = pipeline.run(project_mod.load(REPO))
    assert result.report.valid, result.report.flatten()
    return {a.raw_path.split("/")[-1][:3]: a for a in result.articles}


def paragraphs(article):
    return article.text.split("\n\n")


def test_sputnik_000(articles):
    a = articles["000"]
    assert a.outlet == "Sputnik"
    assert a.title is None  # the capture has no headline, and none is invented
    assert a.url is None
    assert a.lead is None and a.dateline is None
    assert a.published == dt.datetime(2021, 2, 28, 13, 49, tzinfo=UTC)
    assert a.published_date == dt.date(2021, 2, 28)
    assert a.published_precision == "datetime"
    assert a.published_original == "13:49 GMT28 February 2021"
    assert a.language == "en"
    assert a.keywords == (
        "regional security",
        "cooperation",
        "dialogue",
        "bilateral relations",
        "interview",
        "THAAD missile defense system",
        "China",
    )
    body = paragraphs(a)
    assert len(body) == 11
    assert body[0].startswith(
        "Russia and China should support each other in the current uncertainty"
    )
    assert body[1].startswith(
        "The expert from the Institute of International Studies at Fudan University"
    )
    assert body[-1].endswith("increase instability in the whole region,” Yujun concluded.")
    assert "\u00a0" not in a.text  # Sputnik's no-break spaces are folded
    rules = {r.rule for r in a.removed}
    assert {
        "sputnik/timestamp",
        "sputnik/listen-live",
        "sputnik/short-url",
        "sputnik/view-counter",
        "sputnik/related-headlines",
        "sputnik/tag-line",
        "generic/community-standards",
    } <= rules
    assert [r.line for r in a.removed if r.rule == "sputnik/related-headlines"] == [
        29,
        30,
        31,
        32,
        33,
    ]
    assert dict(a.sidecar_notes)["title"].startswith("The capture starts at the timestamp")


def test_sputnik_001(articles):
    a = articles["001"]
    assert a.outlet == "Sputnik" and a.title is None
    assert a.published == dt.datetime(2020, 9, 21, 17, 23, tzinfo=UTC)
    assert a.keywords == (
        "security cooperation",
        "economy",
        "bilateral relations",
        "Russia",
        "China",
    )
    body = paragraphs(a)
    assert len(body) == 12
    # A quotation that runs over two paragraphs stays two paragraphs.
    assert body[2].startswith("“Let’s take a look at the past year or two.")
    assert body[3].startswith("China, on the other hand, is getting more and more involved")
    assert body[-1].startswith("In these areas, both sides seek to achieve a higher level")
    assert "view-counter" not in {
        r.rule.split("/")[1] for r in a.removed
    }  # this page has no counter


def test_tass_002(articles):
    a = articles["002"]
    assert a.outlet == "TASS"
    assert (
        a.title
        == "China, Russia to strengthen security cooperation amid current challenges – Chinese expert"
    )
    assert a.lead == (
        "According to Guo Xinning, another promising area is cooperation in the military technology "
        "sector and the corresponding sector of bilateral trade, where the two countries can "
        "supplement each other"
    )
    assert a.dateline == "BEIJING, September 18. /TASS/."
    assert a.published_original == "September 18"
    # The page has no year; the year comes from the sidecar, whose note says so.
    assert a.published_date == dt.date(2023, 9, 18) and a.published is None
    assert a.published_precision == "date"
    assert "2023" in dict(a.sidecar_notes)["published"]
    body = paragraphs(a)
    assert len(body) == 10
    assert body[0] == (
        "China and Russia will strengthen security cooperation in response to the current "
        "challenges in the global arena, a Chinese expert told TASS."
    )
    assert body[-1].startswith(
        "Moscow and Beijing are developing cooperation to defend their key interests."
    )
    assert a.lead not in a.text and "All news" not in a.text and "/TASS/" not in a.text


def test_global_times_003(articles):
    a = articles["003"]
    assert a.outlet == "Global Times"
    assert a.title == (
        "China, Russia to hold new round of strategic security consultations amid closer "
        "bilateral ties"
    )
    assert a.published_original is None  # nothing on the page
    assert a.published_date == dt.date(2022, 9, 18) and a.published_precision == "date"
    assert "Samarkand" in dict(a.sidecar_notes)["published"]
    assert a.keywords == ()
    body = paragraphs(a)
    assert len(body) == 10
    assert body[0].startswith(
        "China and Russia will hold a new round of strategic China security consultations"
    )
    assert body[-1].startswith("Nikolai Patrushev will also attend the 7th meeting")
    assert {r.rule for r in a.removed} == {
        "global-times/title",
        "generic/photo-credit",
        "generic/source-link",
        "generic/comments-closed",
    }


def test_rt_004(articles):
    a = articles["004"]
    assert a.outlet == "RT"
    assert a.title == "Beijing to maintain strategic partnership with Russia"  # "— RT EN" removed
    assert any(r.rule == "rt/title-suffix" and r.text == "— RT EN" for r in a.removed)
    assert a.published_original == "8 mar 2022 09:01 am"
    # A time without a zone: the local date is known, the instant is not (no zone is assumed).
    assert a.published is None and a.published_date == dt.date(2022, 3, 8)
    assert a.published_precision == "local-datetime"
    body = paragraphs(a)
    assert len(body) == 11
    assert (
        body[3]
        == "“This is both what historical experience has taught us and an innovation in international relations.”"
    )
    assert body[-1].startswith("China believes that the more tense the situation")


FURNITURE = re.compile(
    r"Listen Live|Get short URL|All news|Source link|Comments are closed|More on the subject"
    r"|Community standards|Photo: VCG|^\d+ \d+$|GMT\d|— RT EN",
    re.MULTILINE,
)


def test_no_furniture_survives(articles):
    for a in articles.values():
        assert not FURNITURE.search(a.text), a.raw_path
        for removal in a.removed:
            if removal.rule.split("/")[1] not in {"dateline"}:
                assert normalize_text(removal.text) not in a.text.split("\n\n"), (
                    a.raw_path,
                    removal,
                )


def test_no_line_lost_or_merged(articles):
    """Every non-blank line of a capture is either recorded as removed or is one paragraph of text."""
    for a in articles.values():
        lines = split_lines((REPO / a.raw_path).read_text(encoding="utf-8"))
        removed = {r.line for r in a.removed}
        text_paragraphs = paragraphs(a)
        expected = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            if number in removed:
                rules = {r.rule.split("/")[1] for r in a.removed if r.line == number}
                if "dateline" in rules:  # the rest of the line stays as the first paragraph
                    expected.append(normalize_text(line)[len(a.dateline) :].strip())
                continue
            expected.append(normalize_text(line))
        assert text_paragraphs == expected, a.raw_path


def test_ids_are_stable_and_independent_of_order(articles, tmp_path):
    from support import copy_project

    ids = {a.raw_path: a.id for a in articles.values()}
    assert len(set(ids.values())) == 5 and all(
        re.fullmatch(r"[0-9a-f]{16}", i) for i in ids.values()
    )
    # Another corpus with only two of the captures, one of them edited, gives the same ids for them.
    other = copy_project(tmp_path / "other")
    for path in ("raw/sputnik", "raw/global-times", "raw/rt"):
        for f in (other / path).iterdir():
            f.unlink()
    capture = other / "raw/tass/002_7aabf56efc3e79f2.txt"
    capture.write_text(
        capture.read_text(encoding="utf-8").replace("cardinal", "major"), encoding="utf-8"
    )
    result = pipeline.run(project_mod.load(other))
    assert {a.raw_path: a.id for a in result.articles} == {
        "raw/tass/002_7aabf56efc3e79f2.txt": ids["raw/tass/002_7aabf56efc3e79f2.txt"]
    }
