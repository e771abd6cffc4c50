"""Putting the registry's governments in the agencies table, and reports that need a person.

The registry rows are written once (bulk inserts, ~3,200 agencies and their aliases) and only
checked on later starts: a start costs one query when nothing changed. An agency of the sources
file with a government's canonical name is that government: the registry leaves it alone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from services.store import core
from services.store.db.models import Agency, AgencyAlias, Filing, ReviewItem, Source
from services.store.registry import Government, Registry
from shared.events import ReportExtracted, stable_id


def sync_registry(session: Session, registry: Registry, now: datetime) -> int:
    """Add the registry's governments missing from the table; returns how many were added.

    A government the sources file declares (by its canonical name, an alias, or as the
    人民政府 of the same region) is that agency: the registry's own row is not added, and is
    removed if it was added before and nothing refers to it yet.
    """
    declared = session.execute(
        select(Agency.id, Agency.name, Agency.region_code).where(Agency.origin == "sources")
    ).all()
    declared_names = {name for _, name, _ in declared}
    declared_regions = {
        code for _, name, code in declared if code and core.agency_role(name) == "government"
    }

    def claimed(government: Government) -> bool:
        return (
            government.region_code in declared_regions
            or government.name in declared_names
            or any(a in declared_names for a in government.aliases)
        )

    present = set(session.scalars(select(Agency.id).where(Agency.origin == "registry")))
    _drop_claimed(session, [g.id for g in registry.governments if g.id in present and claimed(g)])
    wanted = [g for g in registry.governments if not claimed(g)]
    if all(g.id in present for g in wanted):
        return 0
    taken_ids = set(session.scalars(select(Agency.id)))
    taken_aliases = set(session.scalars(select(AgencyAlias.alias)))
    agencies: list[dict[str, object]] = []
    aliases: list[dict[str, str]] = []
    for government in wanted:
        if government.id in taken_ids:
            continue
        own = [a for a in government.aliases if a not in taken_aliases]
        taken_aliases.update(own)
        agencies.append(
            {
                "id": government.id,
                "name": government.name,
                "region_code": government.region_code,
                "level": government.level,
                "aliases": own,
                "expects": list(government.expects),
                "origin": "registry",
                "watched_since": now,
            }
        )
        aliases.extend({"alias": a, "agency_id": government.id} for a in own)
    if agencies:
        session.execute(insert(Agency), agencies)
    if aliases:
        session.execute(insert(AgencyAlias), aliases)
    return len(agencies)


def _drop_claimed(session: Session, ids: list[str]) -> None:
    for agency_id in ids:
        used = session.scalar(select(Filing.id).where(Filing.agency_id == agency_id).limit(1))
        sourced = session.scalar(select(Source.id).where(Source.agency_id == agency_id).limit(1))
        if used is None and sourced is None:
            session.execute(delete(AgencyAlias).where(AgencyAlias.agency_id == agency_id))
            session.execute(delete(Agency).where(Agency.id == agency_id))


def keep_for_review(session: Session, event: ReportExtracted, reason: str) -> None:
    """Record (or refresh) the review item of a report no agency could be given to."""
    extraction = event.extraction
    item_id = _review_id(event)
    item = session.get(ReviewItem, item_id)
    if item is None:
        item = ReviewItem(id=item_id, url=event.url, first_seen=event.fetched_at)
        session.add(item)
    item.url = event.url  # where it was seen last
    item.source_id = event.source_id
    item.agency_name = extraction.agency
    item.region_code = extraction.region.code
    item.kind = extraction.kind
    item.report_year = extraction.report_year
    item.title = extraction.title
    item.reason = reason
    item.last_seen = max(item.last_seen or event.fetched_at, event.fetched_at)


def _review_id(event: ReportExtracted) -> str:
    # One item per report as the column shows it, wherever it is reposted (or the portal moves).
    extraction = event.extraction
    return stable_id(
        "review",
        event.source_id,
        extraction.agency or "",
        extraction.kind,
        extraction.report_year or 0,
        extraction.title or event.url,
    )


def resolve_review(session: Session, event: ReportExtracted) -> None:
    """A report now attributed leaves the review list."""
    item = session.get(ReviewItem, _review_id(event))
    if item is not None:
        session.delete(item)
