"""Compliance: every obligation of a year judged read-only at a moment, and rates per region.

What `nianbao compliance` and `/api/compliance` show. Rates count only decided obligations
(filed, late, missing): a `pending` one cannot have been published late yet, and an `unknown`
one says nothing about the agency, so counting either as "not published" would understate it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from services.store import core
from services.store.db.models import Agency, AgencyAlias, Filing
from services.store.health import covering_health, crawl_health, health_of
from services.store.registry import agency_level
from shared.db import unit_of_work

VERDICTS = ("filed", "late", "missing", "pending", "unknown")
COMPLIANCE_COLUMNS = (
    "agency_id",
    "agency",
    "region_code",
    "level",
    "kind",
    "year",
    "deadline",
    "status",
    "published",
    "url",
    "reason",
)


def judged_at(moment: datetime, text: str | None) -> datetime:
    """The moment verdicts are judged at; a bare date (`2025-06-01`) means its end of day.

    `up --now 2025-06-01` records filings during that day (the clock starts at midnight and
    runs on), so judging "as of 2025-06-01" at midnight would leave out what it found.
    """
    if moment.time() == time(0) and (text is None or len(text.strip()) == 10):
        return moment + timedelta(days=1) - timedelta(microseconds=1)
    return moment


def compliance(
    sessions: sessionmaker[Session],
    *,
    year: int,
    now: datetime,
    rules: Sequence[core.DeadlineRule] = core.NATIONAL_RULES,
    grace_days: int = 3,
    region_prefixes: Sequence[str] = (),
    kind: str | None = None,
    agency: str | None = None,
    statuses: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """One row per obligation of `year`, judged at `now`, read-only (no alert, no write).

    Filings first seen after `now` and crawls after `now` are ignored, so a past `now` shows
    what was knowable then (a source whose last success is after `now` leaves it `unknown`).
    `agency` is an id, a full name or an alias; `statuses` keeps only those verdicts. A
    `pending` or `unknown` row says why in `reason`.
    """
    with unit_of_work(sessions) as session:
        agencies = select(
            Agency.id, Agency.name, Agency.region_code, Agency.level, Agency.expects
        ).where(Agency.origin.in_(("sources", "registry")))
        filings = select(
            Filing.agency_id, Filing.kind, Filing.published, Filing.first_seen, Filing.url
        ).where(Filing.report_year == year)
        if region_prefixes:
            agencies = agencies.where(
                or_(*(Agency.region_code.startswith(p) for p in region_prefixes))
            )
            filings = filings.where(
                or_(*(Filing.region_code.startswith(p) for p in region_prefixes))
            )
        if agency:
            aliased = select(AgencyAlias.agency_id).where(AgencyAlias.alias == agency)
            agencies = agencies.where(
                (Agency.id == agency) | (Agency.name == agency) | Agency.id.in_(aliased)
            )
        if kind:
            filings = filings.where(Filing.kind == kind)
        agency_rows = session.execute(agencies).all()
        found = {
            (agency_id, filing_kind): (core.Filed(published, first_seen), url)
            for agency_id, filing_kind, published, first_seen, url in session.execute(filings)
            if first_seen <= now
        }
        health = crawl_health(session)
        covering = covering_health(session)
    rule_cache: dict[tuple[str, core.Role, str | None], core.DeadlineRule | None] = {}
    rows: list[dict[str, Any]] = []
    for agency_id, name, region_code, level, expects in agency_rows:
        role = core.agency_role(name, level)
        level_name = agency_level(level, region_code)
        for expected in expects or []:
            if kind and expected != kind:
                continue
            key = (expected, role, region_code)
            if key not in rule_cache:
                rule_cache[key] = core.deadline_for(
                    expected, year, rules, role=role, region_code=region_code
                )
            rule = rule_cache[key]
            if rule is None:
                continue
            spec = core.ObligationSpec(expected, year, rule, core.deadline_date(rule, year))
            filed, url = found.get((agency_id, expected), (None, None))
            judged = core.judge(
                spec,
                now=now,
                grace_days=grace_days,
                health=health_of(agency_id, name, region_code, health, covering, expected),
                filed=filed,
            )
            if statuses and judged.verdict not in statuses:
                continue
            rows.append(
                {
                    "agency_id": agency_id,
                    "agency": name,
                    "region_code": region_code,
                    "level": level_name,
                    "kind": expected,
                    "year": year,
                    "deadline": spec.deadline.isoformat(),
                    "status": judged.verdict,
                    "published": filed.published.isoformat() if filed and filed.published else None,
                    "url": url,
                    "reason": judged.reason,
                }
            )
    rows.sort(key=lambda r: (r["region_code"] or "", r["agency_id"], r["kind"]))
    return rows


def region_rates(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per region: obligations by verdict, and the published and on-time rates of the decided.

    `decided` counts filed, late and missing; a rate is None when nothing is decided yet.
    """
    totals: dict[str | None, dict[str, int]] = {}
    for row in rows:
        counts = totals.setdefault(row["region_code"], dict.fromkeys(VERDICTS, 0))
        counts[row["status"]] += 1
    result = []
    for code, counts in sorted(totals.items(), key=lambda i: i[0] or ""):
        decided = counts["filed"] + counts["late"] + counts["missing"]
        published = counts["filed"] + counts["late"]
        result.append(
            {
                "region_code": code,
                "obligations": sum(counts.values()),
                "decided": decided,
                "published": published,
                "on_time": counts["filed"],
                "pending": counts["pending"],
                "unknown": counts["unknown"],
                "published_rate": published / decided if decided else None,
                "on_time_rate": counts["filed"] / decided if decided else None,
            }
        )
    return result
