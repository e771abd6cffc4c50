"""Deadlines and verdicts: the rules that decide whether anyone is told a report is missing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.store import core

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("kind", "year", "expected"),
    [
        ("法治政府建设年度报告", 2023, date(2024, 4, 1)),
        ("法治政府建设年度报告", 2018, date(2019, 3, 31)),  # before the 2019 rule: 第一季度
        ("政府信息公开工作年度报告", 2023, date(2024, 1, 31)),
        ("政府信息公开工作年度报告", 2017, date(2018, 3, 31)),  # before the 2019 revision
    ],
)
def test_deadline_follows_the_rule_in_force_for_the_year(
    kind: str, year: int, expected: date
) -> None:
    rule = core.deadline_for(kind, year)
    assert rule is not None
    assert core.deadline_date(rule, year) == expected


def test_performance_reports_have_no_national_deadline() -> None:
    assert core.deadline_for("履职报告", 2023) is None


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "published", "first_seen", "crawled_ok", "verdict"),
    [
        ("2024-03-01", None, None, True, "pending"),  # before the deadline
        ("2024-04-03", None, None, True, "pending"),  # inside the grace period
        ("2024-04-10", None, None, True, "missing"),
        ("2024-04-10", None, None, False, "unknown"),  # sources failing: never "missing"
        ("2024-04-10", date(2024, 3, 30), _at("2024-03-31"), True, "filed"),
        ("2024-04-10", date(2024, 4, 8), _at("2024-04-09"), True, "late"),
        ("2024-04-10", None, _at("2024-03-20"), True, "filed"),  # no date on the page, seen in time
        (
            "2024-04-10",
            None,
            _at("2024-04-09"),
            False,
            "filed",
        ),  # seen late, but no proof it was late
    ],
)
def test_verdicts(
    now: str, published: date | None, first_seen: datetime | None, crawled_ok: bool, verdict: str
) -> None:
    assert (
        core.judge_obligation(
            deadline=date(2024, 4, 1),
            now=_at(now),
            grace_days=3,
            filed_published=published,
            filed_first_seen=first_seen,
            last_crawl_ok_after_deadline=crawled_ok,
        )
        == verdict
    )


def test_content_hash_ignores_whitespace_only() -> None:
    assert core.content_hash("一、总体情况\n  内容") == core.content_hash("一、总体情况 内容")
    assert core.content_hash("开展学法12次") != core.content_hash("开展学法13次")


@pytest.mark.parametrize(
    ("verdict", "health", "known", "reason"),
    [
        ("filed", core.CrawlHealth(1, 1, 0, None), True, None),
        ("missing", core.CrawlHealth(1, 1, 0, None), True, None),
        (
            "pending",
            core.CrawlHealth(1, 1, 0, None),
            True,
            "deadline 2025-04-01 plus 3 days' grace has not passed",
        ),
        ("unknown", core.CrawlHealth(0, 0, 0, None), True, "the agency has no sources to crawl"),
        (
            "unknown",
            core.CrawlHealth(2, 2, 0, None),
            False,
            "no crawl of the agency's sources is known as of the time judged",
        ),
        (
            "unknown",
            core.CrawlHealth(2, 2, 1, None),
            True,
            "1 of 2 source(s) blocked by the portal",
        ),
        (
            "unknown",
            core.CrawlHealth(3, 1, 0, None),
            True,
            "2 of 3 source(s) never crawled successfully",
        ),
        (
            "unknown",
            core.CrawlHealth(1, 1, 0, datetime(2025, 3, 1, tzinfo=UTC)),
            True,
            "not every source crawled successfully after the deadline (oldest success 2025-03-01)",
        ),
    ],
)
def test_verdict_reason_says_why_it_is_pending_or_unknown(
    verdict: core.Verdict, health: core.CrawlHealth, known: bool, reason: str | None
) -> None:
    assert (
        core.verdict_reason(
            verdict, deadline=date(2025, 4, 1), grace_days=3, health=health, known_at_now=known
        )
        == reason
    )
