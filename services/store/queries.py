"""The read side of the store: what the CLI and the HTTP API show users."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.store.db.models import Filing, FilingUrl, Obligation, Source
from shared.db import unit_of_work


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
            query = query.where((Filing.agency_id == agency) | (Filing.agency_name == agency))
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
