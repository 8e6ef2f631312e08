from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import copy_project
from corpuspack import api, plugins
from corpuspack.article import dates

UTC = dt.UTC


@pytest.mark.parametrize(
    "text, precision, instant, date",
    [
        (
            "13:49 GMT28 February 2021",
            "datetime",
            dt.datetime(2021, 2, 28, 13, 49, tzinfo=UTC),
            dt.date(2021, 2, 28),
        ),
        (
            "28 February 2021 23:30 +0300",
            "datetime",
            dt.datetime(2021, 2, 28, 20, 30, tzinfo=UTC),
            dt.date(2021, 2, 28),
        ),
        ("8 mar 2022 09:01 am", "local-datetime", None, dt.date(2022, 3, 8)),
        ("8 March 2022", "date", None, dt.date(2022, 3, 8)),
        ("September 18", "month-day", None, None),
    ],
)
def test_page_dates_keep_their_precision(text, precision, instant, date):
    parsed = dates.parse_page_date(text)
    assert (parsed.precision, parsed.instant, parsed.date) == (precision, instant, date)


def test_a_date_without_a_year_never_gets_one():
    parsed = dates.parse_page_date("September 18")
    assert parsed.date is None and (parsed.month, parsed.day) == (9, 18)


def test_a_profile_zone_makes_a_local_time_an_instant():
    parsed = dates.parse_page_date("8 mar 2022 09:01 am", zone="Europe/Moscow")
    assert parsed.instant == dt.datetime(2022, 3, 8, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize("text", ["31 Februar 2021", "yesterday", "no date here"])
def test_unparseable_dates_raise(text):
    with pytest.raises(dates.DateError):
        dates.parse_page_date(text)


def test_iso_sidecar_dates():
    assert dates.parse_iso("2023-09-18").date == dt.date(2023, 9, 18)
    assert dates.parse_iso("2023-09-18T10:00+03:00").instant == dt.datetime(
        2023, 9, 18, 7, 0, tzinfo=UTC
    )
    with pytest.raises(dates.DateError):
        dates.parse_iso("2023-09-18T10:00")  # a time without an offset is ambiguous
    with pytest.raises(dates.DateError):
        dates.parse_iso("2023-02-30")


def test_agreement_with_a_partial_page_date():
    page = dates.parse_page_date("September 18")
    assert dates.agrees(page, dates.parse_iso("2023-09-18"))
    assert not dates.agrees(page, dates.parse_iso("2023-09-19"))


def test_a_local_page_time_agrees_with_a_sidecar_at_its_own_offset():
    page = dates.parse_page_date("8 mar 2022 01:00 am")
    assert dates.agrees(page, dates.parse_iso("2022-03-08T01:00+03:00"))  # 2022-03-07 in UTC
    assert not dates.agrees(page, dates.parse_iso("2022-03-09T01:00+03:00"))


@pytest.mark.parametrize(
    "slug, text",
    [
        ("sputnik", "13:49 GMT28 February 2021"),
        ("sputnik", "17:23 GMT21 September 2020"),
        ("rt", "8 mar 2022 09:01 am"),
        ("rt", "12 dec 2021 11:45 pm"),
        ("tass", "September 18"),
    ],
)
def test_profile_formats_agree_with_dateparser(slug, text):
    from corpuspack.article.profiles import registry

    profile = registry().by_slug(slug)
    fast = dates.parse_page_date(text, zone=profile.timestamp_zone, formats=profile.date_formats)
    assert fast == dates.parse_page_date(text, zone=profile.timestamp_zone)
    assert any(f.parse(text) for f in profile.date_formats)  # the fast path was taken


@pytest.mark.parametrize(
    "text, precision, first_day",
    [
        ("2005", "year", dt.date(2005, 1, 1)),
        ("2005-02", "year-month", dt.date(2005, 2, 1)),
        ("2005-02-28", "date", dt.date(2005, 2, 28)),
    ],
)
def test_a_sidecar_date_may_be_known_to_the_year_or_the_month(text, precision, first_day):
    parsed = dates.parse_iso(text)
    assert (parsed.precision, parsed.date, parsed.instant) == (precision, first_day, None)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("2005-13", "month must be in 1..12"),
        ("2005-02-30", "day is out of range for month"),
        ("2005-02-28T13:49", "has a time but no offset"),
    ],
)
def test_a_malformed_sidecar_date_is_told_in_words(text, reason):
    with pytest.raises(dates.DateError) as caught:
        dates.parse_iso(text)
    said = str(caught.value)
    assert reason in said and text in said
    assert "\\d" not in said and "^" not in said


def test_a_partial_sidecar_date_agrees_with_a_page_date_inside_it():
    day = dates.parse_page_date("28 February 2005")
    assert dates.agrees(day, dates.parse_iso("2005"))
    assert dates.agrees(day, dates.parse_iso("2005-02"))
    assert not dates.agrees(day, dates.parse_iso("2006"))
    assert not dates.agrees(day, dates.parse_iso("2005-03"))
    month_day = dates.parse_page_date("February 28")
    assert dates.agrees(month_day, dates.parse_iso("2005"))
    assert dates.agrees(month_day, dates.parse_iso("2005-02"))
    assert not dates.agrees(month_day, dates.parse_iso("2005-03"))


# A capture the test writes, whose page gives no date: the sidecar is the only source of one.
UNDATED = (
    "Envoys meet without a date — RT EN\n\n"
    "Two envoys met to talk about the border, a statement said, without saying when.\n\n"
    "Both sides called the talks useful and said they would meet again."
)
CAPTURE = "raw/rt/020_undated.txt"
SIDECAR = "raw/rt/020_undated.meta.yaml"


def _project(root: Path, published: str, *, partial_precisions: bool = True) -> Path:
    """The repository's corpus, with the undated capture and a sidecar dating it; its schema's
    published_precision lists the partial precisions unless told not to."""
    project = copy_project(root)
    (project / CAPTURE).write_text(UNDATED, encoding="utf-8")
    (project / SIDECAR).write_text(
        f"# the sidecar\npublished: {{value: '{published}', note: the archive's index}}\n",
        encoding="utf-8",
    )
    if partial_precisions:
        path = project / "schema/article.schema.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        precision = next(f for f in schema["fields"] if f["name"] == "published_precision")
        precision["constraints"]["enum"] += list(dates.PARTIAL)
        path.write_text(json.dumps(schema), encoding="utf-8")
    return project


def _checked(project: Path):
    loaded = api.load_project(project)
    with api.check(
        loaded,
        today=dt.date(2026, 1, 1),
        extensions=plugins.load(entry_points=False, project=loaded),
    ) as result:
        errors = [f for f in result.report.findings if f.severity == "error"]
        records = {a.raw_path: a for a in result.checked.articles}
        return errors, records


@pytest.mark.parametrize(
    "published, precision, first_day",
    [("2005", "year", dt.date(2005, 1, 1)), ("2005-02", "year-month", dt.date(2005, 2, 1))],
)
def test_the_record_says_a_sidecar_date_is_partial(tmp_path, published, precision, first_day):
    errors, records = _checked(_project(tmp_path / "corpus", published))
    assert errors == []
    record = records[CAPTURE]
    assert (record.published_precision, record.published_date, record.published) == (
        precision,
        first_day,
        None,
    )
    assert record.source_of("published_precision") == (SIDECAR, 2)


def test_a_schema_without_partial_precisions_names_the_sidecar_and_what_to_list(tmp_path):
    errors, _ = _checked(_project(tmp_path / "corpus", "2005", partial_precisions=False))
    assert [(f.file, f.line, f.code, f.field) for f in errors] == [
        (SIDECAR, 2, "not-in-enum", "published_precision")
    ]
    assert 'the year or month is "year" or "year-month"' in errors[0].message


@pytest.mark.parametrize(
    "published, code, said",
    [
        ("2005/02", "sidecar-invalid-value", "which is not a date as YYYY (a year: 2005)"),
        ("Feb 2005", "sidecar-invalid-value", "YYYY-MM (a month: 2005-02)"),
        ("2005-13", "unparseable-date", "'2005-13' is not a date (month must be in 1..12)"),
    ],
)
def test_a_malformed_sidecar_date_is_a_sentence_naming_file_line_and_forms(
    tmp_path, published, code, said
):
    errors, _ = _checked(_project(tmp_path / "corpus", published))
    assert [(f.file, f.line, f.code) for f in errors] == [(SIDECAR, 2, code)]
    message = errors[0].message
    assert said in message and "YYYY-MM-DD (a day: 2005-02-28)" in message
    assert "\\d" not in message and "^" not in message


def test_a_corpus_made_by_init_takes_a_partial_date(tmp_path):
    from corpuspack.project.scaffold import Answers

    folder = tmp_path / "fresh"
    api.init(
        folder,
        Answers(
            name="fresh-corpus",
            title="A fresh corpus",
            licence="CC-BY-4.0",
            author="The test",
            outlets=("Example News",),
        ),
    )
    (folder / "profiles/example-news.yaml").write_text(
        "outlet: Example News\nslug: example-news\ntitle: first-line\n", encoding="utf-8"
    )
    capture = folder / "raw/example-news/001.txt"
    capture.parent.mkdir(parents=True)
    capture.write_text(UNDATED, encoding="utf-8")
    capture.with_name("001.meta.yaml").write_text(
        "published: {value: '2005-02', note: the archive's folder}\n", encoding="utf-8"
    )
    errors, records = _checked(folder)
    assert errors == []
    record = records["raw/example-news/001.txt"]
    assert (record.published_precision, record.published_date) == (
        "year-month",
        dt.date(2005, 2, 1),
    )
