"""Pure rules of the store: deadlines of each kind of report, and the verdict on an obligation.

No I/O and no clock: every function takes the moment it judges at, so a replay or a simulation
at `NIANBAO_NOW` gives the same answer as the original run.

Deadline rules are data: the national defaults below, plus the rules of the deadlines file
(`NIANBAO_DEADLINES`, read by `services/store/deadlines.py`): per-region overrides and dated
changes. For one obligation the most specific rule in force wins: a region rule beats a national
one (a longer region prefix beats a shorter one), a rule for governments or departments beats one
for any agency, and among equals the most recent `from_year`, then the later-listed rule.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

Verdict = Literal["filed", "late", "missing", "pending", "unknown"]
Role = Literal["government", "department"]
AppliesTo = Literal["any", "government", "department"]


@dataclass(frozen=True)
class DeadlineRule:
    """A deadline for reports of `kind` covering years `from_year`..`until_year` (inclusive).

    `region` is a 6-digit 行政区划代码 whose area the rule covers (530000 covers 530102), or None
    for the whole country; `applies_to` says whether governments, departments or any agency.
    """

    kind: str
    from_year: int
    month: int
    day: int
    legal_basis: str
    applies_to: AppliesTo = "any"
    region: str | None = None
    until_year: int | None = None

    def covers(self, kind: str, year: int, role: Role, region_code: str | None) -> bool:
        """Whether this rule speaks about this obligation (not whether it is the one that wins)."""
        if self.kind != kind or year < self.from_year:
            return False
        if self.until_year is not None and year > self.until_year:
            return False
        if self.applies_to not in ("any", role):
            return False
        if self.region is None:
            return True
        return region_code is not None and region_code.startswith(region_prefix(self.region))


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
        applies_to="department",
    ),
    DeadlineRule(
        "政府信息公开工作年度报告",
        2019,
        3,
        31,
        "《政府信息公开条例》(2019修订) 第四十九条: 县级以上地方人民政府每年3月31日前公布",
        applies_to="government",
    ),
)


def region_prefix(code: str) -> str:
    """The prefix of the codes inside a division: 530000 → 53, 530100 → 5301, 530102 → 530102."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def agency_role(name: str | None, level: str | None = None) -> Role:
    """Whether an agency is a government (人民政府) or a department, for rules that differ.

    An explicit level wins (`government`/`政府`, `department`/`部门`); otherwise the name decides:
    `XX人民政府` is a government, while its 办公室/办公厅 and every 局/委 is a department.
    """
    if level:
        if level in ("government", "政府", "本级政府"):
            return "government"
        if level in ("department", "部门"):
            return "department"
    if name and name.rstrip().endswith("人民政府"):
        return "government"
    return "department"


def _specificity(rule: DeadlineRule, index: int) -> tuple[int, int, int, int]:
    region = len(region_prefix(rule.region)) if rule.region else 0
    return (region, rule.applies_to != "any", rule.from_year, index)


def deadline_for(
    kind: str,
    report_year: int,
    rules: Iterable[DeadlineRule] = NATIONAL_RULES,
    *,
    role: Role = "department",
    region_code: str | None = None,
) -> DeadlineRule | None:
    """The rule in force for one obligation; None for kinds without a deadline (履职报告)."""
    best: tuple[tuple[int, int, int, int], DeadlineRule] | None = None
    for index, rule in enumerate(rules):
        if rule.covers(kind, report_year, role, region_code):
            key = _specificity(rule, index)
            if best is None or key > best[0]:
                best = (key, rule)
    return best[1] if best else None


@dataclass(frozen=True)
class ObligationSpec:
    """One report an agency must publish: kind, year covered, the rule and its deadline."""

    kind: str
    report_year: int
    rule: DeadlineRule
    deadline: date


def obligations_of(
    expects: Iterable[str],
    years: Iterable[int],
    rules: Iterable[DeadlineRule],
    *,
    role: Role,
    region_code: str | None,
) -> list[ObligationSpec]:
    """The obligations of an agency expected to publish `expects` for `years`.

    Kinds without a deadline where the agency is (履职报告 unless a region rule sets one) make
    no obligation: they are tracked as filings but can never be missing.
    """
    rule_list = tuple(rules)
    found: list[ObligationSpec] = []
    for kind in expects:
        for year in years:
            rule = deadline_for(kind, year, rule_list, role=role, region_code=region_code)
            if rule is not None:
                found.append(ObligationSpec(kind, year, rule, deadline_date(rule, year)))
    return found


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


@dataclass(frozen=True)
class CrawlHealth:
    """What an agency's sources say about its portal: enough to tell `missing` from `unknown`."""

    sources: int
    succeeded: int  # sources with at least one successful crawl
    blocked: int
    oldest_success: datetime | None  # the least recent "last success" among the sources
    newest_success: datetime | None = None

    def ok_after(self, deadline: date) -> bool:
        """Every source was crawled successfully after the deadline and none is blocked now."""
        return (
            self.sources > 0
            and self.succeeded == self.sources
            and self.blocked == 0
            and self.oldest_success is not None
            and self.oldest_success.date() > deadline
        )


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


@dataclass(frozen=True)
class Filed:
    """What judging needs of a filing: when the page says it was published, when it was found."""

    published: date | None
    first_seen: datetime


@dataclass(frozen=True)
class Judgement:
    """One obligation judged at a moment: the verdict, and why when it is pending or unknown."""

    spec: ObligationSpec
    verdict: Verdict
    reason: str | None
    health: CrawlHealth


def judge(
    spec: ObligationSpec,
    *,
    now: datetime,
    grace_days: int,
    health: CrawlHealth,
    filed: Filed | None,
) -> Judgement:
    """Judge one obligation from its filing (if any) and its agency's crawl health at `now`.

    The deadline checker and the compliance view both judge through here, so an alert and the
    table a reader sees can never disagree. Crawls after `now` are not evidence at `now` (a
    compliance view of the past must not use them).
    """
    known_at_now = health.newest_success is None or health.newest_success <= now
    verdict = judge_obligation(
        deadline=spec.deadline,
        now=now,
        grace_days=grace_days,
        filed_published=filed.published if filed else None,
        filed_first_seen=filed.first_seen if filed else None,
        last_crawl_ok_after_deadline=known_at_now and health.ok_after(spec.deadline),
    )
    reason = verdict_reason(
        verdict,
        deadline=spec.deadline,
        grace_days=grace_days,
        health=health,
        known_at_now=known_at_now,
    )
    return Judgement(spec, verdict, reason, health)


def verdict_reason(
    verdict: Verdict,
    *,
    deadline: date,
    grace_days: int,
    health: CrawlHealth,
    known_at_now: bool,
) -> str | None:
    """Why an obligation is `pending` or `unknown`, in words a reader can act on (else None)."""
    if verdict == "pending":
        return f"deadline {deadline.isoformat()} plus {grace_days} days' grace has not passed"
    if verdict != "unknown":
        return None
    if health.sources == 0:
        return "the agency has no sources to crawl"
    if not known_at_now:
        return "no crawl of the agency's sources is known as of the time judged"
    if health.blocked:
        return f"{health.blocked} of {health.sources} source(s) blocked by the portal"
    if health.succeeded < health.sources:
        return (
            f"{health.sources - health.succeeded} of {health.sources} source(s) "
            "never crawled successfully"
        )
    oldest = health.oldest_success.date().isoformat() if health.oldest_success else "never"
    return f"not every source crawled successfully after the deadline (oldest success {oldest})"


_WHITESPACE = re.compile(r"\s+")


def content_hash(text: str) -> str:
    """A hash of a report's text that ignores whitespace (templates re-indent on every publish)."""
    return hashlib.sha256(_WHITESPACE.sub("", text).encode("utf-8")).hexdigest()
