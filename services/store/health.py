"""The health of an agency's sources, aggregated for verdicts (the deadline check and `compliance`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.store import core
from services.store.db.models import Source
from shared.clock import as_utc

NO_SOURCES = core.CrawlHealth(sources=0, succeeded=0, blocked=0, oldest_success=None)


def crawl_health(session: Session) -> dict[str, core.CrawlHealth]:
    """The health of every agency's sources, in one grouped query."""
    rows = session.execute(
        select(
            Source.agency_id,
            func.count(),
            func.count(Source.last_success_at),
            func.count(Source.blocked_since),
            func.min(Source.last_success_at),
            func.max(Source.last_success_at),
        ).group_by(Source.agency_id)
    ).all()
    return {
        agency_id: core.CrawlHealth(
            sources=int(n),
            succeeded=int(ok),
            blocked=int(blocked),
            oldest_success=_aware(oldest),
            newest_success=_aware(newest),
        )
        for agency_id, n, ok, blocked, oldest, newest in rows
    }


def covering_health(session: Session) -> list[tuple[dict[str, Any], core.CrawlHealth]]:
    """Each multi-agency column's coverage with its own health, to judge the agencies it covers.

    A column declared to cover a region is where that region's agencies publish: when it was
    crawled successfully after a deadline, an agency without sources of its own that is not
    in it has not published there. Without such a column the agency stays `unknown`.
    """
    rows = session.execute(
        select(
            Source.covers, Source.last_success_at, Source.blocked_since, Source.last_status
        ).where(Source.covers.is_not(None))
    ).all()
    found: list[tuple[dict[str, Any], core.CrawlHealth]] = []
    for covers, success, blocked, _status in rows:
        if not covers:
            continue
        last = _aware(success)
        found.append(
            (
                dict(covers),
                core.CrawlHealth(
                    sources=1,
                    succeeded=1 if last else 0,
                    blocked=1 if blocked else 0,
                    oldest_success=last,
                    newest_success=last,
                ),
            )
        )
    return found


def health_of(
    agency_id: str,
    name: str,
    region_code: str | None,
    own: dict[str, core.CrawlHealth],
    covering: list[tuple[dict[str, Any], core.CrawlHealth]],
) -> core.CrawlHealth:
    """An agency's health: its own sources', else that of the columns covering it, combined."""
    if agency_id in own:
        return own[agency_id]
    parts = [h for covers, h in covering if _covers(covers, agency_id, name, region_code)]
    if not parts:
        return NO_SOURCES
    successes = [h.oldest_success for h in parts if h.oldest_success]
    return core.CrawlHealth(
        sources=len(parts),
        succeeded=sum(h.succeeded for h in parts),
        blocked=sum(h.blocked for h in parts),
        oldest_success=min(successes) if len(successes) == len(parts) else None,
        newest_success=max(successes) if successes else None,
    )


def _covers(covers: dict[str, Any], agency_id: str, name: str, region_code: str | None) -> bool:
    region = covers.get("region")
    if region:
        return bool(region_code and region_code.startswith(core.region_prefix(str(region))))
    listed = covers.get("agencies") or ()
    return agency_id in listed or name in listed


def _aware(value: datetime | str | None) -> datetime | None:
    # Aggregates bypass the column type: SQLite hands back text, PostgreSQL an aware datetime.
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)
