"""The health of an agency's sources, aggregated for verdicts (the deadline check and `compliance`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.store import core
from services.store.db.models import Source
from shared.clock import as_utc

NO_SOURCES = core.CrawlHealth(sources=0, succeeded=0, blocked=0, oldest_success=None)


def crawl_health(session: Session) -> dict[str, core.CrawlHealth]:
    """The health of every agency's single-agency sources, in one grouped query.

    Multi-agency columns are left out here: they judge only the kinds they carry, so they are
    combined per kind by `health_of`.
    """
    rows = session.execute(
        select(
            Source.agency_id,
            func.count(),
            func.count(Source.last_success_at),
            func.count(Source.blocked_since),
            func.min(Source.last_success_at),
            func.max(Source.last_success_at),
        )
        .where(Source.covers.is_(None))
        .group_by(Source.agency_id)
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


@dataclass(frozen=True)
class Column:
    """A multi-agency column: whose it is, what it covers, and its health."""

    agency_id: str
    covers: dict[str, Any]
    health: core.CrawlHealth

    def carries(self, kind: str | None) -> bool:
        """Whether the column holds reports of this kind."""
        return kind is None or kind in (self.covers.get("kinds") or (kind,))

    def covers_agency(self, agency_id: str, name: str, region_code: str | None) -> bool:
        """Whether the column is declared complete for this agency (`covers.complete`)."""
        if not self.covers.get("complete"):
            return False
        region = self.covers.get("region")
        if region:
            prefix = core.region_prefix(str(region))
            return bool(region_code and region_code.startswith(prefix))
        listed = self.covers.get("agencies") or ()
        return agency_id in listed or name in listed


def covering_health(session: Session) -> list[Column]:
    """Every multi-agency column with its health."""
    rows = session.execute(
        select(Source.agency_id, Source.covers, Source.last_success_at, Source.blocked_since).where(
            Source.covers.is_not(None)
        )
    ).all()
    columns: list[Column] = []
    for agency_id, covers, success, blocked in rows:
        if not covers:
            continue
        last = _aware(success)
        health = core.CrawlHealth(
            sources=1,
            succeeded=1 if last else 0,
            blocked=1 if blocked else 0,
            oldest_success=last,
            newest_success=last,
        )
        columns.append(Column(agency_id, dict(covers), health))
    return columns


def health_of(
    agency_id: str,
    name: str,
    region_code: str | None,
    own: dict[str, core.CrawlHealth],
    columns: list[Column],
    kind: str | None = None,
) -> core.CrawlHealth:
    """The health that judges one obligation: the agency's own sources, and its own columns
    that carry the kind; without either, the columns declared complete for it that carry it.

    A column is not evidence about what it does not carry: a 法治政府建设 专栏 says nothing about
    a 信息公开 report, and a city's 专栏 says nothing about a district that publishes only on its
    own site, unless the source says the column is complete (`covers.complete: true`). Without
    evidence an obligation stays `unknown`, never `missing`.
    """
    parts = [own[agency_id]] if agency_id in own else []
    parts += [c.health for c in columns if c.agency_id == agency_id and c.carries(kind)]
    if not parts:
        parts = [
            c.health
            for c in columns
            if c.carries(kind) and c.covers_agency(agency_id, name, region_code)
        ]
    if not parts:
        return NO_SOURCES
    if len(parts) == 1:
        return parts[0]
    oldest = [h.oldest_success for h in parts]
    newest = [h.newest_success for h in parts if h.newest_success]
    return core.CrawlHealth(
        sources=sum(h.sources for h in parts),
        succeeded=sum(h.succeeded for h in parts),
        blocked=sum(h.blocked for h in parts),
        oldest_success=None if None in oldest else min(o for o in oldest if o),
        newest_success=max(newest) if newest else None,
    )


def _aware(value: datetime | str | None) -> datetime | None:
    # Aggregates bypass the column type: SQLite hands back text, PostgreSQL an aware datetime.
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)
