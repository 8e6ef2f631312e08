from __future__ import annotations

import datetime as dt

import pytest

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
