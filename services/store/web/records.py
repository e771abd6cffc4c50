"""What the filing, filing-list, agency and feed pages read, beside `services.store.queries`.

Lists are paged (newest first) so that no page reads more than it shows, whatever the size of
the record; full-text search is the store's jieba index (`search.search_filing_ids`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.store.db.models import (
    Agency,
    AgencyAlias,
    Document,
    Filing,
    FilingVersion,
    Obligation,
    Source,
)
from services.store.queries import filing_row
from services.store.search import search_filing_ids
from services.store.web.diff import Piece, changes

PAGE_SIZE = 50
SEARCH_LIMIT = 500  # best matches considered before the other filters apply
ON_TIME = {"on_time": True, "late": False}


def within(column: Any, prefix: str) -> Any:
    """`column` holds a 6-digit code under `prefix` (53 → 530000…539999).

    A range rather than LIKE: PostgreSQL can use a B-tree index for it whatever the collation,
    and digits sort alike in every collation.
    """
    return column.between(prefix.ljust(6, "0"), prefix.ljust(6, "9"))


@dataclass(frozen=True)
class FilingFilters:
    """The filters of the filings list; empty means all."""

    region_prefixes: tuple[str, ...] = ()
    kind: str | None = None
    year: int | None = None
    agency: str | None = None
    status: str | None = None  # on_time | late | unknown (the filing's own timeliness)
    q: str | None = None


def filings_page(
    session: Session, filters: FilingFilters, page: int = 1
) -> tuple[list[dict[str, Any]], bool]:
    """One page of filings (newest first, or best match first for a search), and whether more follow."""
    query = select(Filing)
    if filters.region_prefixes:
        query = query.where(or_(*(within(Filing.region_code, p) for p in filters.region_prefixes)))
    if filters.kind:
        query = query.where(Filing.kind == filters.kind)
    if filters.year is not None:
        query = query.where(Filing.report_year == filters.year)
    if filters.agency:
        aliased = select(AgencyAlias.agency_id).where(AgencyAlias.alias == filters.agency)
        query = query.where(
            (Filing.agency_id == filters.agency)
            | (Filing.agency_name == filters.agency)
            | Filing.agency_id.in_(aliased)
        )
    if filters.status in ON_TIME:
        query = query.where(Filing.on_time.is_(ON_TIME[filters.status]))
    elif filters.status == "unknown":
        query = query.where(Filing.on_time.is_(None))
    offset = (page - 1) * PAGE_SIZE
    if filters.q:
        ids = search_filing_ids(session, filters.q, SEARCH_LIMIT)
        if not ids:
            return [], False
        found = {f.id: f for f in session.scalars(query.where(Filing.id.in_(ids)))}
        ranked = [found[i] for i in ids if i in found]
        shown = ranked[offset : offset + PAGE_SIZE]
        return [filing_row(f) for f in shown], len(ranked) > offset + PAGE_SIZE
    rows = session.scalars(
        query.order_by(Filing.first_seen.desc(), Filing.id.desc())
        .offset(offset)
        .limit(PAGE_SIZE + 1)
    ).all()
    return [filing_row(f) for f in rows[:PAGE_SIZE]], len(rows) > PAGE_SIZE


@dataclass(frozen=True)
class VersionDiff:
    """What changed from version `older` to version `newer`; `hunks` None when a text is not kept."""

    older: int
    newer: int
    hunks: list[list[Piece]] | None


def filing_extras(session: Session, filing_id: str) -> dict[str, Any]:
    """Cited laws, keywords and the diffs between consecutive versions of one filing."""
    documents = session.scalars(
        select(Document)
        .where(Document.filing_id == filing_id, Document.is_report.is_(True))
        .order_by(Document.last_seen.desc())
    ).all()
    laws: list[str] = []
    keywords: list[str] = []
    for document in documents:
        extraction = document.extraction or {}
        laws.extend(str(law) for law in extraction.get("laws", []) or [])
        keywords.extend(str(k) for k in extraction.get("keywords", []) or [])
    texts = session.execute(
        select(FilingVersion.version, FilingVersion.text)
        .where(FilingVersion.filing_id == filing_id)
        .order_by(FilingVersion.version)
    ).all()
    diffs = [
        VersionDiff(
            older=old_version,
            newer=new_version,
            hunks=changes(old_text, new_text)
            if old_text is not None and new_text is not None
            else None,
        )
        for (old_version, old_text), (new_version, new_text) in itertools.pairwise(texts)
    ]
    return {
        "laws": list(dict.fromkeys(laws)),
        "keywords": list(dict.fromkeys(keywords))[:20],
        "diffs": diffs,
    }


@dataclass(frozen=True)
class AgencyPage:
    """An agency, its obligations by year, its filings and its sources with their health."""

    agency: Agency
    aliases: list[str]
    obligations: list[Obligation]
    filings: list[Filing]
    sources: list[Source]


def agency_page(session: Session, agency_id: str) -> AgencyPage | None:
    """Everything the agency page shows; None for an unknown agency."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        return None
    aliases = session.scalars(
        select(AgencyAlias.alias)
        .where(AgencyAlias.agency_id == agency_id)
        .order_by(AgencyAlias.alias)
    ).all()
    obligations = session.scalars(
        select(Obligation)
        .where(Obligation.agency_id == agency_id)
        .order_by(Obligation.report_year.desc(), Obligation.kind)
    ).all()
    filings = session.scalars(
        select(Filing)
        .where(Filing.agency_id == agency_id)
        .order_by(Filing.report_year.desc(), Filing.kind)
    ).all()
    sources = session.scalars(
        select(Source).where(Source.agency_id == agency_id).order_by(Source.id)
    ).all()
    session.expunge_all()  # read after the session closes
    return AgencyPage(agency, list(aliases), list(obligations), list(filings), list(sources))


def recent_filings(
    session: Session, region_prefixes: tuple[str, ...], kind: str | None, limit: int = 50
) -> list[Filing]:
    """Newest filings first (by when nianbao first saw them), backfill left out: the feed's."""
    query = select(Filing).where(Filing.backfill.is_(False))
    if region_prefixes:
        query = query.where(or_(*(within(Filing.region_code, p) for p in region_prefixes)))
    if kind:
        query = query.where(Filing.kind == kind)
    rows = session.scalars(
        query.order_by(Filing.first_seen.desc(), Filing.id.desc()).limit(limit)
    ).all()
    session.expunge_all()
    return list(rows)


def overdue_alerts(
    session: Session, region_prefixes: tuple[str, ...], kind: str | None, limit: int = 50
) -> list[tuple[Obligation, Agency]]:
    """Obligations an overdue alert was raised for, newest alert first: the feed's."""
    query = (
        select(Obligation, Agency)
        .join(Agency, Agency.id == Obligation.agency_id)
        .where(Obligation.overdue_alerted_at.is_not(None))
    )
    if region_prefixes:
        query = query.where(or_(*(within(Agency.region_code, p) for p in region_prefixes)))
    if kind:
        query = query.where(Obligation.kind == kind)
    rows = session.execute(
        query.order_by(Obligation.overdue_alerted_at.desc(), Obligation.id.desc()).limit(limit)
    ).all()
    session.expunge_all()
    return [(obligation, agency) for obligation, agency in rows]
