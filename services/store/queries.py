"""The read side of the store: what the CLI and the HTTP API show users."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from services.store import core
from services.store.db.models import (
    Agency,
    AgencyAlias,
    Filing,
    FilingUrl,
    FilingVersion,
    Obligation,
    Source,
)
from services.store.health import covering_health, crawl_health, health_of
from services.store.registry import agency_level
from services.store.search import search_filing_ids
from shared.db import unit_of_work
from shared.errors import ConfigurationError
from shared.regions import regions


def filing_row(filing: Filing, urls: list[str] | None = None) -> dict[str, Any]:
    """A filing as the JSON object of `nianbao reports list --json`."""
    return {
        "id": filing.id,
        "agency_id": filing.agency_id,
        "agency": filing.agency_name,
        "region_code": filing.region_code,
        "kind": filing.kind,
        "report_year": filing.report_year,
        "title": filing.title,
        "published": filing.published.isoformat() if filing.published else None,
        "signed": filing.signed.isoformat() if filing.signed else None,
        "url": filing.url,
        "urls": urls if urls is not None else [filing.url],
        "first_seen": filing.first_seen.isoformat(),
        "deadline": filing.deadline.isoformat() if filing.deadline else None,
        "on_time": filing.on_time,
        "version": filing.version,
        "backfill": filing.backfill,
    }


def list_filings(
    sessions: sessionmaker[Session],
    *,
    year: int | None = None,
    agency: str | None = None,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """Stored filings, newest year first, filtered as asked."""
    with unit_of_work(sessions) as session:
        query = select(Filing)
        if year is not None:
            query = query.where(Filing.report_year == year)
        if agency:
            aliased = select(AgencyAlias.agency_id).where(AgencyAlias.alias == agency)
            query = query.where(
                (Filing.agency_id == agency)
                | (Filing.agency_name == agency)
                | Filing.agency_id.in_(aliased)
            )
        if kind:
            query = query.where(Filing.kind == kind)
        filings = session.scalars(
            query.order_by(Filing.report_year.desc(), Filing.region_code, Filing.agency_name)
        ).all()
        urls: dict[str, list[str]] = {}
        if filings:
            rows = session.execute(
                select(FilingUrl.filing_id, FilingUrl.url)
                .where(FilingUrl.filing_id.in_([f.id for f in filings]))
                .order_by(FilingUrl.id)
            ).all()
            for filing_id, url in rows:
                urls.setdefault(filing_id, []).append(url)
        return [filing_row(f, urls.get(f.id)) for f in filings]


def obligation_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Obligations by verdict."""
    with unit_of_work(sessions) as session:
        rows = session.execute(
            select(Obligation.status, func.count()).group_by(Obligation.status)
        ).all()
        return {status: int(n) for status, n in rows}


def source_health(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    """Every source with its last crawl outcome."""
    with unit_of_work(sessions) as session:
        return [
            {
                "id": s.id,
                "agency_id": s.agency_id,
                "list_url": s.list_url,
                "status": s.last_status,
                "last_checked_at": s.last_checked_at.isoformat() if s.last_checked_at else None,
                "last_success_at": s.last_success_at.isoformat() if s.last_success_at else None,
                "last_error": s.last_error,
                "counts": s.last_counts,
            }
            for s in session.scalars(select(Source).order_by(Source.id))
        ]


def region_prefixes(value: str | None) -> tuple[str, ...]:
    """The code prefixes a `--region` value stands for: a 6-digit code, or a name (昆明市, 昆明).

    A name the 行政区划 table gives to several places (朝阳区) covers all of them.
    """
    if not value:
        return ()
    value = value.strip()
    if re.fullmatch(r"\d{6}", value):
        return (core.region_prefix(value),)
    codes = regions().codes_for(value)
    if not codes:
        raise ConfigurationError(f"unknown region {value!r}: give a 6-digit code or a full name")
    return tuple(core.region_prefix(code) for code in codes)


# ---- reports show / search ---------------------------------------------------------------------
def show_filing(sessions: sessionmaker[Session], filing_id: str) -> dict[str, Any] | None:
    """One filing with every URL, every version, what it contains and its obligation's verdict."""
    with unit_of_work(sessions) as session:
        filing = session.get(Filing, filing_id)
        if filing is None:
            return None
        urls = session.scalars(
            select(FilingUrl.url).where(FilingUrl.filing_id == filing_id).order_by(FilingUrl.id)
        ).all()
        versions = session.scalars(
            select(FilingVersion)
            .where(FilingVersion.filing_id == filing_id)
            .order_by(FilingVersion.version)
        ).all()
        obligation = session.scalar(
            select(Obligation).where(
                Obligation.agency_id == filing.agency_id,
                Obligation.kind == filing.kind,
                Obligation.report_year == filing.report_year,
            )
        )
        row = filing_row(filing, list(urls))
        row["last_seen"] = filing.last_seen.isoformat()
        row["sections"] = list(filing.summary.get("sections", []))
        row["figures"] = list(filing.summary.get("figures", []))
        row["missing_elements"] = list(filing.summary.get("missing_elements", []))
        row["versions"] = [
            {
                "version": v.version,
                "content_hash": v.content_hash,
                "url": v.url,
                "seen_at": v.seen_at.isoformat(),
            }
            for v in versions
        ]
        row["status"] = obligation.status if obligation else None
        return row


def search_filings(
    sessions: sessionmaker[Session], query: str, limit: int = 50
) -> list[dict[str, Any]]:
    """Filings whose title, agency or text contain every word of `query`, best first."""
    with unit_of_work(sessions) as session:
        ids = search_filing_ids(session, query, limit)
        if not ids:
            return []
        by_id = {f.id: f for f in session.scalars(select(Filing).where(Filing.id.in_(ids)))}
        return [filing_row(by_id[i]) for i in ids if i in by_id]


# ---- export ------------------------------------------------------------------------------------
EXPORT_COLUMNS = (
    "id",
    "agency_id",
    "agency",
    "region_code",
    "kind",
    "report_year",
    "title",
    "published",
    "signed",
    "url",
    "urls",
    "first_seen",
    "deadline",
    "on_time",
    "version",
    "backfill",
)


def iter_filings(
    sessions: sessionmaker[Session],
    *,
    year: int | None = None,
    kind: str | None = None,
    region_prefixes: Sequence[str] = (),
    page: int = 1000,
) -> Iterator[dict[str, Any]]:
    """Every filing (as in `reports list --json`), read page by page so exports of any size fit."""
    after = ""
    while True:
        with unit_of_work(sessions) as session:
            query = select(Filing).where(Filing.id > after)
            if year is not None:
                query = query.where(Filing.report_year == year)
            if kind:
                query = query.where(Filing.kind == kind)
            if region_prefixes:
                query = query.where(
                    or_(*(Filing.region_code.startswith(p) for p in region_prefixes))
                )
            filings = session.scalars(query.order_by(Filing.id).limit(page)).all()
            if not filings:
                return
            urls: dict[str, list[str]] = {}
            for filing_id, url in session.execute(
                select(FilingUrl.filing_id, FilingUrl.url)
                .where(FilingUrl.filing_id.in_([f.id for f in filings]))
                .order_by(FilingUrl.id)
            ):
                urls.setdefault(filing_id, []).append(url)
        yield from (filing_row(f, urls.get(f.id)) for f in filings)
        after = filings[-1].id


def csv_lines(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> Iterator[str]:
    """Rows as CSV text, header first; lists are joined by spaces, None is empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow(columns)
    yield flush()
    for row in rows:
        writer.writerow([_csv_cell(row.get(c)) for c in columns])
        yield flush()


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


# ---- compliance --------------------------------------------------------------------------------
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
)


def compliance(
    sessions: sessionmaker[Session],
    *,
    year: int,
    now: datetime,
    rules: Sequence[core.DeadlineRule] = core.NATIONAL_RULES,
    grace_days: int = 3,
    region_prefixes: Sequence[str] = (),
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """One row per obligation of `year`, judged at `now`, read-only (no alert, no write).

    Filings first seen after `now` and crawls after `now` are ignored, so a past `now` shows
    what was knowable then (a source whose last success is after `now` leaves it `unknown`).
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
        if kind:
            filings = filings.where(Filing.kind == kind)
        agency_rows = session.execute(agencies).all()
        found = {
            (agency_id, filing_kind): (published, first_seen, url)
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
            agency_health = health_of(agency_id, name, region_code, health, covering, expected)
            known_now = agency_health.newest_success is None or agency_health.newest_success <= now
            key = (expected, role, region_code)
            if key not in rule_cache:
                rule_cache[key] = core.deadline_for(
                    expected, year, rules, role=role, region_code=region_code
                )
            rule = rule_cache[key]
            if rule is None:
                continue
            deadline = core.deadline_date(rule, year)
            filing = found.get((agency_id, expected))
            status = core.judge_obligation(
                deadline=deadline,
                now=now,
                grace_days=grace_days,
                filed_published=filing[0] if filing else None,
                filed_first_seen=filing[1] if filing else None,
                last_crawl_ok_after_deadline=known_now and agency_health.ok_after(deadline),
            )
            rows.append(
                {
                    "agency_id": agency_id,
                    "agency": name,
                    "region_code": region_code,
                    "level": level_name,
                    "kind": expected,
                    "year": year,
                    "deadline": deadline.isoformat(),
                    "status": status,
                    "published": filing[0].isoformat() if filing and filing[0] else None,
                    "url": filing[2] if filing else None,
                }
            )
    rows.sort(key=lambda r: (r["region_code"] or "", r["agency_id"], r["kind"]))
    return rows


def region_rates(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per region: obligations, how many were published (filed or late) and on time (filed)."""
    totals: dict[str | None, list[int]] = {}
    for row in rows:
        counts = totals.setdefault(row["region_code"], [0, 0, 0])
        counts[0] += 1
        counts[1] += row["status"] in ("filed", "late")
        counts[2] += row["status"] == "filed"
    return [
        {
            "region_code": code,
            "obligations": n,
            "published": published,
            "on_time": on_time,
            "published_rate": published / n,
            "on_time_rate": on_time / n,
        }
        for code, (n, published, on_time) in sorted(totals.items(), key=lambda i: i[0] or "")
    ]
