"""The read side of the registry: agencies, coverage rates with true denominators, the review list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from services.store import core
from services.store.db.models import Agency, Filing, ReviewItem, Source
from services.store.registry import LEVELS, agency_level, registry
from shared.db import unit_of_work

AGENCY_COLUMNS = ("id", "name", "region_code", "level", "origin", "aliases", "expects", "sources")
REVIEW_COLUMNS = (
    "url",
    "agency_name",
    "region_code",
    "kind",
    "report_year",
    "title",
    "reason",
    "source_id",
    "first_seen",
)
LEVEL_WORDS = {"province": "provinces", "city": "cities", "county": "counties"}  # governments


def level_rates(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per level, role (government or department) and kind: how many must publish (the true denominator) and how many did.

    `unknown` counts the obligations nobody could judge (never crawled, or blocked): they are in
    the denominator, so a rate never looks better for what was not looked at.
    """
    totals: dict[tuple[str, str, str, str], dict[str, int]] = {}
    for row in rows:
        role = core.agency_role(row["agency"])
        key = (row.get("level") or "other", role, row["kind"], row["deadline"])
        counts = totals.setdefault(
            key, {"obligations": 0, "published": 0, "on_time": 0, "missing": 0, "unknown": 0}
        )
        counts["obligations"] += 1
        counts["published"] += row["status"] in ("filed", "late")
        counts["on_time"] += row["status"] == "filed"
        counts["missing"] += row["status"] == "missing"
        counts["unknown"] += row["status"] == "unknown"
    order = {level: i for i, level in enumerate(LEVELS)}
    return [
        {"level": level, "role": role, "kind": kind, "deadline": deadline, **counts}
        for (level, role, kind, deadline), counts in sorted(
            totals.items(), key=lambda i: (order.get(i[0][0], 9), *i[0][1:])
        )
    ]


def rate_line(rate: dict[str, Any]) -> str:
    """One line of the table: 27/31 provinces published 法治政府建设年度报告 by 2025-04-01."""
    word = LEVEL_WORDS.get(rate["level"], rate["level"])
    if rate["role"] == "department":
        word = f"{rate['level']}-level departments"
    return (
        f"{rate['on_time']}/{rate['obligations']} {word} published {rate['kind']} "
        f"by {rate['deadline']} ({rate['published']} in all; missing {rate['missing']}, "
        f"unknown {rate['unknown']})"
    )


def list_agencies(
    sessions: sessionmaker[Session],
    *,
    region_prefixes: Sequence[str] = (),
    level: str | None = None,
) -> list[dict[str, Any]]:
    """Every known agency: the registry's governments and the store's agencies, by region."""
    with unit_of_work(sessions) as session:
        query = select(Agency)
        if region_prefixes:
            query = query.where(or_(*(Agency.region_code.startswith(p) for p in region_prefixes)))
        stored = session.scalars(query).all()
        counts: dict[str, int] = {}
        for agency_id in session.scalars(select(Source.agency_id)):
            counts[agency_id] = counts.get(agency_id, 0) + 1
        rows = {a.id: _agency_row(a, counts.get(a.id, 0)) for a in stored}
    # Before the first `nianbao up` the table is empty: the registry is known all the same.
    stored_names = {row["name"] for row in rows.values()}
    for government in registry().governments:
        if government.id in rows or government.name in stored_names:
            continue
        if region_prefixes and not government.region_code.startswith(tuple(region_prefixes)):
            continue
        rows[government.id] = {
            "id": government.id,
            "name": government.name,
            "region_code": government.region_code,
            "level": government.level,
            "origin": "registry",
            "aliases": list(government.aliases),
            "expects": list(government.expects),
            "sources": 0,
        }
    found = [r for r in rows.values() if level is None or r["level"] == level]
    return sorted(found, key=lambda r: (r["region_code"] or "", r["level"] or "", r["id"]))


def _agency_row(agency: Agency, sources: int) -> dict[str, Any]:
    return {
        "id": agency.id,
        "name": agency.name,
        "region_code": agency.region_code,
        "level": agency_level(agency.level, agency.region_code),
        "origin": agency.origin,
        "aliases": list(agency.aliases or []),
        "expects": list(agency.expects or []),
        "sources": sources,
    }


def show_agency(sessions: sessionmaker[Session], key: str) -> dict[str, Any] | None:
    """One agency by id, canonical name, alias or region code (its government), with history."""
    rows = list_agencies(sessions)
    by_code = {r["region_code"]: r for r in rows if r["origin"] == "registry"}
    row = next((r for r in rows if key in (r["id"], r["name"])), None)
    row = row or by_code.get(key) or next((r for r in rows if key in r["aliases"]), None)
    if row is None:
        return None
    government = registry().by_code.get(row["region_code"] or "")
    row = dict(row)
    row["former_names"] = (
        list(government.former_names) if government and government.id == row["id"] else []
    )
    row["parent"] = government.parent if government and government.id == row["id"] else None
    return row


def review_items(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    """Reports of multi-agency columns that no agency could be given to, newest first."""
    with unit_of_work(sessions) as session:
        items = session.scalars(
            select(ReviewItem).order_by(ReviewItem.first_seen.desc(), ReviewItem.url)
        ).all()
        return [
            {
                "url": i.url,
                "agency_name": i.agency_name,
                "region_code": i.region_code,
                "kind": i.kind,
                "report_year": i.report_year,
                "title": i.title,
                "reason": i.reason,
                "source_id": i.source_id,
                "first_seen": i.first_seen.isoformat(),
            }
            for i in items
        ]


def registry_summary(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    rules: Sequence[core.DeadlineRule],
    grace_days: int,
) -> list[str]:
    """The lines `nianbao up` prints: the newest report year with filings (last year when there
    are none yet) over every government, and the review."""
    from services.store.compliance import compliance

    with sessions() as session:
        newest = session.scalar(select(func.max(Filing.report_year)))
    year = min(int(newest), now.year - 1) if newest else now.year - 1
    rows = compliance(sessions, year=year, now=now, rules=rules, grace_days=grace_days)
    lines = [f"compliance {year} over the registry, as of {now.date().isoformat()}:"]
    lines += [f"  {rate_line(rate)}" for rate in level_rates(rows) if rate["role"] == "government"]
    waiting = len(review_items(sessions))
    if waiting:
        lines.append(
            f"reports waiting for review (no agency matched): {waiting}; see `nianbao review list`"
        )
    return lines
