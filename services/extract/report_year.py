"""Which year a report covers: from its title, its 现将…报告如下 sentence, its 统计期限, its opening,
or, failing all of them, the year before it was published (with a warning saying so).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from services.extract.metadata import YEAR_RE, parse_year

FIRST_REPORT_YEAR, LAST_REPORT_YEAR = 1990, 2100
_RANGE_BEFORE = re.compile(r"[-—–~～至]\s*$")


def year_in(text: str) -> int | None:
    """The first year named (Arabic or Chinese numerals); ranges like 2021—2025 are skipped."""
    for match in YEAR_RE.finditer(text):
        if _RANGE_BEFORE.search(text[: match.start()]):
            continue
        following = text[match.end() :]
        if re.match(r"\s*年?\s*[-—–~～至]", following):  # the start of a range
            continue
        year = parse_year(match.group(0))
        if year is not None and FIRST_REPORT_YEAR <= year <= LAST_REPORT_YEAR:
            return year
    return None


_STATISTICS_PERIOD = re.compile(
    r"统计(?:期限|时限|期间|时间|区间)\s*(?:为|是|自|从)?\s*((?:19|20)\d{2}|[〇○零一二][〇○零一二三四五六七八九]{3})\s*年"
)


def _frequent_year(lines: Sequence[str]) -> int | None:
    counts: dict[int, int] = {}
    for line in lines[:40]:
        if re.search(r"安排|计划|打算|下一步|下一年", line[:30]):
            continue
        for match in YEAR_RE.finditer(line):
            year = parse_year(match.group(0))
            if year is not None and FIRST_REPORT_YEAR <= year <= LAST_REPORT_YEAR:
                counts[year] = counts.get(year, 0) + 1
    if not counts:
        return None
    return max(counts.items(), key=lambda item: (item[1], item[0]))[0]


def report_year(
    title: str | None,
    report_sentence: str | None,
    opening: Sequence[str],
    published: date | None,
    created: date | None = None,
) -> tuple[int | None, str | None]:
    """The year the report covers, and a warning when it had to be inferred; `created` is the
    date the page's URL spells, the last resort when the page states no date."""
    if title:
        year = year_in(title)
        if year is not None:
            return year, None
    if report_sentence:
        year = year_in(report_sentence)
        if year is not None:
            return year, "report year from the body's 现将…报告如下 sentence"
    for line in opening[:8]:
        period = _STATISTICS_PERIOD.search(line)
        if period is not None:
            year = parse_year(period.group(1))
            if year is not None and FIRST_REPORT_YEAR <= year <= LAST_REPORT_YEAR:
                return year, "report year from the report's 统计期限"
    for line in opening[:5]:
        year = year_in(line[:30])
        if year is not None:
            return year, "report year from the opening of the body"
    year = _frequent_year(opening)
    # A report is published after the year it covers ends: a later year is the plan's.
    if year is not None and (published is None or year < published.year):
        return year, "report year: the year the opening names most"
    # Only from a date that can be a publication date: 9999-12-31 or 0001-01-01 on a list page
    # is a placeholder, not a hint that the report covers the year 9998 or 0.
    if published is not None and FIRST_REPORT_YEAR <= published.year - 1 <= LAST_REPORT_YEAR:
        return published.year - 1, "report year inferred as the year before publication"
    if created is not None and FIRST_REPORT_YEAR <= created.year - 1 <= LAST_REPORT_YEAR:
        return created.year - 1, "report year inferred as the year before the URL's date"
    return None, "no report year found"
