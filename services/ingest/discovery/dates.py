"""Dates shown next to list links, in the forms Chinese portals use.

A list often shows only `[03-30]`; the year then comes from the article URL, which TRS and Hanweb
build from the publication date (`t20240330_`, `/art/2024/3/30/`). Without such a URL a short date
is left unknown rather than guessed.
"""

from __future__ import annotations

import re
from datetime import date

_FULL_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)"
)
_SHORT_DATE = re.compile(r"(?<![\d\-/.])(\d{1,2})[-/.月](\d{1,2})(?:日)?(?![\d\-/.])")
_URL_DATES = (
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_"),
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/((?:19|20)\d{2})-?(\d{2})/(\d{2})/"),
)
_URL_YEAR = re.compile(r"/((?:19|20)\d{2})(?:\d{2})?/")


def _make_date(year: str | int, month: str | int, day: str | int) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def date_from_url(url: str) -> date | None:
    """The publication date encoded in a TRS or Hanweb article URL, if any."""
    for pattern in _URL_DATES:
        match = pattern.search(url)
        if match:
            return _make_date(*match.groups())
    return None


def _year_from_url(url: str) -> int | None:
    found = date_from_url(url)
    if found is not None:
        return found.year
    match = _URL_YEAR.search(url)
    return int(match.group(1)) if match else None


def find_date(text: str, item_url: str) -> date | None:
    """The first date in `text` (the row around a link, without the link's title).

    Full dates win over short ones; a short `MM-DD` takes its year from the item URL.
    """
    match = _FULL_DATE.search(text)
    if match:
        return _make_date(*match.groups())
    short = _SHORT_DATE.search(text)
    if short is None:
        return None
    year = _year_from_url(item_url)
    return _make_date(year, *short.groups()) if year is not None else None
