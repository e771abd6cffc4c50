"""Pure rules of the store: deadlines of each kind of report, and the verdict on an obligation.

No I/O and no clock: every function takes the moment it judges at, so a replay or a simulation
at `NIANBAO_NOW` gives the same answer as the original run.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

Verdict = Literal["filed", "late", "missing", "pending", "unknown"]


@dataclass(frozen=True)
class DeadlineRule:
    """A deadline for reports of `kind` covering years from `from_year` on (until a later rule)."""

    kind: str
    from_year: int
    month: int
    day: int
    legal_basis: str


# National defaults (domain.md). The report for year Y is due in year Y+1.
NATIONAL_RULES: tuple[DeadlineRule, ...] = (
    DeadlineRule(
        "法治政府建设年度报告",
        2015,
        3,
        31,
        "《法治政府建设实施纲要(2015—2020年)》: 每年第一季度向社会公开",
    ),
    DeadlineRule(
        "法治政府建设年度报告",
        2019,
        4,
        1,
        "《法治政府建设与责任落实督察工作规定》(厅字〔2019〕28号) 第二十四条: 每年4月1日之前向社会公开",
    ),
    DeadlineRule(
        "政府信息公开工作年度报告",
        2008,
        3,
        31,
        "《政府信息公开条例》(2007) 第三十一条: 每年3月31日前公布",
    ),
    DeadlineRule(
        "政府信息公开工作年度报告",
        2019,
        1,
        31,
        "《政府信息公开条例》(2019修订) 第四十九条: 县级以上人民政府部门每年1月31日前公布",
    ),
)


def deadline_for(
    kind: str, report_year: int, rules: tuple[DeadlineRule, ...] = NATIONAL_RULES
) -> DeadlineRule | None:
    """The rule in force for `kind` and `report_year`; None for kinds without a deadline (履职报告)."""
    candidates = [r for r in rules if r.kind == kind and r.from_year <= report_year]
    if not candidates:
        return None
    return max(candidates, key=lambda r: r.from_year)


def deadline_date(rule: DeadlineRule, report_year: int) -> date:
    """The calendar date by which the report covering `report_year` must be published."""
    return date(report_year + 1, rule.month, rule.day)


def is_on_time(published: date | None, first_seen: datetime, deadline: date | None) -> bool | None:
    """Whether a filing was published by its deadline.

    The page's own publication date decides; when it has none, the first time nianbao saw it is
    the only evidence, and only proves lateness if that came after the deadline.
    """
    if deadline is None:
        return None
    if published is not None:
        return published <= deadline
    if first_seen.date() <= deadline:
        return True
    return None


def judge_obligation(
    *,
    deadline: date,
    now: datetime,
    grace_days: int,
    filed_published: date | None,
    filed_first_seen: datetime | None,
    last_crawl_ok_after_deadline: bool,
) -> Verdict:
    """The verdict on one obligation at `now`.

    `missing` needs all three: the deadline plus grace has passed, nothing was found, and the
    agency's sources were crawled successfully after the deadline. Otherwise it is `unknown`:
    a blocked or failing portal is an operator problem, never a false "missing".
    """
    if filed_first_seen is not None:
        on_time = is_on_time(filed_published, filed_first_seen, deadline)
        return "late" if on_time is False else "filed"
    if now.date() <= deadline + timedelta(days=grace_days):
        return "pending"
    return "missing" if last_crawl_ok_after_deadline else "unknown"


_WHITESPACE = re.compile(r"\s+")


def content_hash(text: str) -> str:
    """A hash of a report's text that ignores whitespace (templates re-indent on every publish)."""
    return hashlib.sha256(_WHITESPACE.sub("", text).encode("utf-8")).hexdigest()
