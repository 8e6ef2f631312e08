"""Publication dates: parse what the page says, keep how precise it is, never invent.

dateparser does the parsing with its language, zone and relative base pinned, so
the result never depends on the clock or the machine's zone. A date that lacks a
year stays a month and a day: the relative base only fills fields that are then
discarded, never reported.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import dateparser
from dateparser.timezone_parser import pop_tz_offset_from_string

# Pinned so that parsing is a pure function of the string; never reported.
_RELATIVE_BASE = dt.datetime(2000, 1, 1)
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_PARTIAL = re.compile(r"(\d{4})(?:-(\d{2}))?")  # a year, or a year and a month
# The forms a sidecar's date may take, in words: error messages show these, never a pattern.
ISO_FORMS = (
    "YYYY (a year: 2005), YYYY-MM (a month: 2005-02), YYYY-MM-DD (a day: 2005-02-28) or a "
    "date and time with its offset (2005-02-28T13:49:00Z, 2005-02-28T16:49+03:00)"
)
# Precisions of a date known only in part, from a sidecar; published_date is then the first
# day of the year or month, and the precision says the rest is not known.
PARTIAL = ("year", "year-month")


class DateError(ValueError):
    pass


@dataclass(frozen=True)
class Published:
    precision: str  # datetime | local-datetime | date | year-month | year | month-day | unknown
    instant: dt.datetime | None = None  # aware, UTC
    date: dt.date | None = None
    month: int | None = None
    day: int | None = None
    local_date: dt.date | None = None  # for an ISO datetime: the date at its own offset

    @classmethod
    def unknown(cls) -> Published:
        return cls(precision="unknown")


def _settings(zone: str | None, parts: list[str], aware: bool) -> dict:
    settings = {
        "RELATIVE_BASE": _RELATIVE_BASE,
        "REQUIRE_PARTS": parts,
        "PREFER_DAY_OF_MONTH": "first",
        "PARSERS": ["absolute-time"],
        "RETURN_AS_TIMEZONE_AWARE": aware,
    }
    if aware:
        settings.update({"TIMEZONE": zone or "UTC", "TO_TIMEZONE": "UTC"})
    return settings


@dataclass(frozen=True)
class Format:
    """A timestamp format a profile declares (strptime), and the zone its strings are in."""

    pattern: str
    zone: str | None = None

    def parse(self, text: str) -> Published | None:
        try:
            value = dt.datetime.strptime(text, self.pattern)
        except ValueError:
            return None
        has_year, has_time = (
            "%Y" in self.pattern or "%y" in self.pattern,
            "%H" in self.pattern or "%I" in self.pattern,
        )
        if not has_year:
            return Published("month-day", month=value.month, day=value.day)
        if not has_time:
            return Published("date", date=value.date(), month=value.month, day=value.day)
        if self.zone:
            try:
                instant = value.replace(tzinfo=ZoneInfo(self.zone)).astimezone(dt.UTC)
            except OverflowError:  # a time at the edge of year 9999 or year 1
                return None
            return Published(
                "datetime",
                instant=instant,
                date=instant.date(),
                month=instant.month,
                day=instant.day,
            )
        return Published("local-datetime", date=value.date(), month=value.month, day=value.day)


def parse_page_date(
    original: str,
    *,
    language: str = "en",
    zone: str | None = None,
    formats: tuple[Format, ...] = (),
) -> Published:
    """Parse a timestamp or date as a page writes it.

    The profile's declared formats are tried first (exact, and fast: dateparser
    takes milliseconds per string); anything else goes to dateparser. zone is the
    profile's IANA zone for pages whose timestamps do not state one; without it, a
    time with no zone stays local ("local-datetime").
    """
    text = " ".join(original.split())
    for candidate in formats:
        parsed = candidate.parse(text)
        if parsed is not None:
            return parsed
    languages = [language.split("-")[0]]
    has_zone = pop_tz_offset_from_string(text)[1] is not None
    has_time = bool(_HAS_TIME.search(text))
    full = ["day", "month", "year"]
    if has_time and (has_zone or zone):
        value = dateparser.parse(
            text, languages=languages, settings=_settings(zone, full, aware=True)
        )
        if value is not None:
            instant = _in_utc(value, original)
            return Published(
                "datetime",
                instant=instant,
                date=instant.date(),
                month=instant.month,
                day=instant.day,
            )
    else:
        value = dateparser.parse(
            text, languages=languages, settings=_settings(None, full, aware=False)
        )
        if value is not None:
            return Published(
                "local-datetime" if has_time else "date",
                date=value.date(),
                month=value.month,
                day=value.day,
            )
    partial = dateparser.parse(
        text, languages=languages, settings=_settings(None, ["day", "month"], aware=False)
    )
    if partial is not None:
        return Published("month-day", month=partial.month, day=partial.day)
    raise DateError(f"cannot read a date in {original!r}")


def parse_iso(value: str) -> Published:
    """A sidecar date in ISO 8601: a year ("2005"), a month ("2005-02"), a day ("2005-02-28")
    or a date and time with its offset. A year or a month is dated its first day, and its
    precision ("year", "year-month") says that the rest is not known."""
    partial = _ISO_PARTIAL.fullmatch(value)
    try:
        if partial:
            first = dt.date(int(partial[1]), int(partial[2] or 1), 1)
            if partial[2]:
                return Published("year-month", date=first, month=first.month)
            return Published("year", date=first)
        if _ISO_DATE.fullmatch(value):
            return Published("date", date=dt.date.fromisoformat(value))
        parsed = dt.datetime.fromisoformat(value.replace(" ", "T"))
    except ValueError as exc:
        raise DateError(f"{value!r} is not a date ({exc}); write {ISO_FORMS}") from exc
    if parsed.tzinfo is None:
        raise DateError(
            f"{value!r} has a time but no offset, so its instant is not known; add Z or +HH:MM, "
            "or give the day alone (YYYY-MM-DD)"
        )
    instant = _in_utc(parsed, value)
    return Published(
        "datetime",
        instant=instant,
        date=instant.date(),
        month=instant.month,
        day=instant.day,
        local_date=parsed.date(),
    )


def agrees(page: Published, sidecar: Published) -> bool:
    """Whether a sidecar date is consistent with the (possibly partial) page date."""
    if page.precision == "unknown":
        return True
    if sidecar.precision in PARTIAL:
        return _within(page, sidecar)
    if page.precision == "month-day":
        return sidecar.date is not None and (sidecar.date.month, sidecar.date.day) == (
            page.month,
            page.day,
        )
    if page.precision == "datetime" and sidecar.precision == "datetime":
        return page.instant == sidecar.instant
    if page.precision == "local-datetime":
        # The page's date is local; compare it with the sidecar's date at the sidecar's own offset.
        return page.date == (sidecar.local_date or sidecar.date)
    return page.date == sidecar.date


def _within(page: Published, sidecar: Published) -> bool:
    """Whether the page's date (of any precision but unknown) falls in a sidecar's year or month."""
    assert sidecar.date is not None  # a partial date is dated its first day
    if page.precision == "month-day":
        return sidecar.precision == "year" or page.month == sidecar.date.month
    day = page.local_date or page.date
    if day is None:
        return True
    same_year = day.year == sidecar.date.year
    return same_year and (sidecar.precision == "year" or day.month == sidecar.date.month)


def _in_utc(value: dt.datetime, written: str) -> dt.datetime:
    """value as a UTC instant; a DateError where that leaves the years 1 to 9999 (e.g.
    9999-12-31T23:59:59-23:59 is in the year 10000 in UTC)."""
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as exc:
        raise DateError(f"{written!r} is outside the years 1 to 9999 in UTC") from exc
