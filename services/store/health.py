"""The health of an agency's sources, aggregated for verdicts (the deadline check and `compliance`)."""

from __future__ import annotations

from datetime import datetime

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


def _aware(value: datetime | str | None) -> datetime | None:
    # Aggregates bypass the column type: SQLite hands back text, PostgreSQL an aware datetime.
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)
