"""The store's tables: the system of record.

Unique keys carry the idempotency: one filing per (agency, kind, year), one URL per filing once,
one obligation per (agency, kind, year), one inbox row per processed event.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import NAMING_CONVENTION, UtcDateTime
from shared.inbox import InboxColumns
from shared.outbox import OutboxColumns


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class InboxEntry(InboxColumns, Base):
    """An event the store has processed: written in the same transaction as its effect."""

    __tablename__ = "store_inbox"


class OutboxEntry(OutboxColumns, Base):
    """An event to publish, written with the effect that caused it; relayed after commit."""

    __tablename__ = "store_outbox"


class Agency(Base):
    """An agency, from the sources file or discovered by extraction."""

    __tablename__ = "agencies"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    level: Mapped[str | None] = mapped_column(String(20))
    aliases: Mapped[list[Any]] = mapped_column(JSON, default=list)
    expects: Mapped[list[Any]] = mapped_column(JSON, default=list)
    origin: Mapped[str] = mapped_column(String(20))  # sources | extraction
    watched_since: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AgencyAlias(Base):
    """Another name of an agency (市科技局 for 昆明市科学技术局): reports under it are its own."""

    __tablename__ = "agency_aliases"
    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)


class Source(Base):
    """A list page of an agency's portal, and its health."""

    __tablename__ = "sources"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    list_url: Mapped[str] = mapped_column(Text)
    first_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_status: Mapped[str | None] = mapped_column(String(20))
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    blocked_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A multi-agency column: {"region": "110000"} or {"agencies": [...]}; None for one agency's.
    covers: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)


class Document(Base):
    """A fetched page or attachment and what extraction made of it (the latest content)."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(Text)
    url_hash: Mapped[str] = mapped_column(String(32), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str | None] = mapped_column(String(120), index=True)
    agency_id: Mapped[str | None] = mapped_column(String(100), index=True)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime())
    is_report: Mapped[bool] = mapped_column(Boolean)
    kind: Mapped[str] = mapped_column(String(40))
    report_year: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(Text)
    extractor_version: Mapped[str] = mapped_column(String(20))
    extraction: Mapped[dict[str, Any]] = mapped_column(JSON)
    filing_id: Mapped[str | None] = mapped_column(String(32), index=True)


class Filing(Base):
    """One report: an agency's filing of one kind for one year, wherever it was seen."""

    __tablename__ = "filings"
    __table_args__ = (UniqueConstraint("agency_id", "kind", "report_year"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    agency_name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    report_year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)  # where it was first seen
    published: Mapped[date | None] = mapped_column(Date)
    signed: Mapped[date | None] = mapped_column(Date)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime())
    deadline: Mapped[date | None] = mapped_column(Date)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    backfill: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class FilingTables(Base):
    """The statutory tables of a 信息公开 filing, as read from its best document, and the checks."""

    __tablename__ = "filing_tables"
    filing_id: Mapped[str] = mapped_column(ForeignKey("filings.id"), primary_key=True)
    report_year: Mapped[int] = mapped_column(Integer, index=True)
    url: Mapped[str] = mapped_column(Text)  # the document they were read from
    format: Mapped[str] = mapped_column(String(4))  # 2021 | 2019
    tables: Mapped[list[Any]] = mapped_column(JSON, default=list)  # ["二", "三", "四"]
    cells: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # key -> value (None: unread)
    units: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # key -> unit, money only
    findings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    cells_read: Mapped[int] = mapped_column(Integer)  # cells with a value: picks the best read
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FilingUrl(Base):
    """A URL where a filing was seen (portals repost)."""

    __tablename__ = "filing_urls"
    __table_args__ = (UniqueConstraint("filing_id", "url_hash"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    filing_id: Mapped[str] = mapped_column(ForeignKey("filings.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    url_hash: Mapped[str] = mapped_column(String(32))
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime())


class FilingVersion(Base):
    """A content version of a filing: a silent edit after publication is a new version."""

    __tablename__ = "filing_versions"
    __table_args__ = (UniqueConstraint("filing_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    filing_id: Mapped[str] = mapped_column(ForeignKey("filings.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # None: not computed yet (it is, from `text`, when a later text is compared) or too short
    simhash: Mapped[str | None] = mapped_column(String(64))
    facts_hash: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)  # None: stored before migration 0003


class Obligation(Base):
    """What an agency must publish: one kind for one year, by a deadline, and the verdict."""

    __tablename__ = "obligations"
    __table_args__ = (UniqueConstraint("agency_id", "kind", "report_year"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    report_year: Mapped[int] = mapped_column(Integer, index=True)
    deadline: Mapped[date] = mapped_column(Date)
    legal_basis: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    overdue_alerted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ReviewItem(Base):
    """A report from a multi-agency column whose agency matched no known one: kept for a person.

    Attribution never guesses; this row says what the extractor named and why no agency fit.
    """

    __tablename__ = "review_items"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # one per document URL
    url: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str | None] = mapped_column(String(120), index=True)
    agency_name: Mapped[str | None] = mapped_column(String(200))  # as the extractor named it
    region_code: Mapped[str | None] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(40))
    report_year: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime())


# The full-text index `filing_search` is not mapped here: it is an FTS5 virtual table on SQLite
# and a table with a tsvector column on PostgreSQL (migration 0002, services/store/search.py).

Index("ix_filings_agency_year", Filing.agency_id, Filing.report_year)
# The newest filings and the latest overdue alerts first (the dashboard's lists and feeds).
Index("ix_filings_first_seen_id", Filing.first_seen, Filing.id)
Index("ix_obligations_overdue_alerted_at_id", Obligation.overdue_alerted_at, Obligation.id)
