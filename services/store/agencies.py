"""Agencies: the sources file's agencies and sources, their other names, and the agency of a report.

Every county-level-and-up government is a known agency too (the registry), watched or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.store.db.models import Agency, AgencyAlias, Source
from services.store.registry import registry
from services.store.registry_sync import sync_registry
from shared.events import ReportExtracted, stable_id
from shared.sources import CoversSpec, SourcesFile


def sync_agencies(session: Session, sources: SourcesFile, now: datetime) -> None:
    """Upsert the agencies and sources of the sources file; new ones are watched from now."""
    for spec in sources.agencies:
        agency = session.get(Agency, spec.id)
        if agency is None:
            agency = Agency(id=spec.id, origin="sources", watched_since=now, aliases=[])
            session.add(agency)
        agency.name = spec.name
        agency.region_code = spec.region_code
        agency.level = spec.level
        agency.expects = list(spec.expects)
        agency.origin = "sources"
        if agency.watched_since is None:
            agency.watched_since = now
        set_aliases(session, agency, getattr(spec, "aliases", ()) or ())
        for index, source_spec in enumerate(spec.sources):
            source_id = spec.source_id(index)
            source = session.get(Source, source_id)
            if source is None:
                source = Source(
                    id=source_id,
                    agency_id=spec.id,
                    consecutive_failures=0,
                    last_counts={},
                )
                session.add(source)
            source.list_url = source_spec.list_url
            covers = source_spec.covers
            source.covers = covers_row(covers, spec.expects) if covers else None
    session.flush()
    # Every county-level-and-up government is a known agency, watched or not.
    sync_registry(session, registry(), now)


def covers_row(covers: CoversSpec, expects: Sequence[str]) -> dict[str, object]:
    """A column's coverage as stored: what it covers and the kinds of report it carries."""
    row: dict[str, object] = covers.model_dump(exclude_defaults=True)
    row["kinds"] = list(covers.kinds or expects)
    return row


def set_aliases(session: Session, agency: Agency, aliases: Sequence[str]) -> None:
    """Make `aliases` the other names of `agency` (an alias names one agency only)."""
    wanted = [a for a in dict.fromkeys(aliases) if a and a != agency.name]
    existing = session.scalars(select(AgencyAlias).where(AgencyAlias.agency_id == agency.id)).all()
    for row in existing:
        if row.alias not in wanted:
            session.delete(row)
    session.flush()
    for alias in wanted:
        taken = session.get(AgencyAlias, alias)
        if taken is None:
            session.add(AgencyAlias(alias=alias, agency_id=agency.id))
        else:
            taken.agency_id = agency.id
    agency.aliases = wanted


def agency_for(session: Session, event: ReportExtracted, now: datetime) -> Agency:
    """The agency a report belongs to: the source's agency unless extraction names another one.

    A portal column normally carries its own agency's reports; an extracted name that differs
    (a government portal listing its departments' reports) gets an agency of its own, found again
    by name next time.
    """
    source_agency = session.get(Agency, event.agency_id)
    name = event.extraction.agency
    if source_agency is not None and (
        not name or name == source_agency.name or name in (source_agency.aliases or [])
    ):
        return source_agency
    if source_agency is None and not name:
        source_agency = Agency(
            id=event.agency_id,
            name=event.agency_id,
            origin="extraction",
            watched_since=now,
            aliases=[],
            expects=[],
        )
        session.add(source_agency)
        return source_agency
    assert name is not None
    found = session.scalar(select(Agency).where(Agency.name == name))
    if found is not None:
        return found
    alias = session.get(AgencyAlias, name)
    if alias is not None:
        aliased = session.get(Agency, alias.agency_id)
        if aliased is not None:
            return aliased
    agency = Agency(
        id=f"auto-{stable_id('agency', name)[:12]}",
        name=name,
        region_code=event.extraction.region.code,
        origin="extraction",
        watched_since=now,
        aliases=[],
        expects=[],
    )
    session.add(agency)
    session.flush()
    return agency
