"""The event contract between the nianbao services.

Every event is a frozen pydantic model with a common envelope (`event_id`, `occurred_at`,
`correlation_id`) and a versioned subject. `event_id` is deterministic (a hash of what the event
is about), so a publisher retry or a replay produces the same id: JetStream drops the duplicate
inside its window (`Nats-Msg-Id`), and consumers drop it for good through their inbox.

A breaking change to an event is a new `.v2` subject beside the old one, never an edit of `.v1`.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SUBJECT_PREFIX = "nianbao"
DOCUMENT_FETCHED = "nianbao.document.fetched.v1"
SOURCE_CHECKED = "nianbao.source.checked.v1"
REPORT_EXTRACTED = "nianbao.report.extracted.v1"
FILING_RECORDED = "nianbao.filing.recorded.v1"
FILING_OVERDUE = "nianbao.filing.overdue.v1"


def dlq_subject(service: str) -> str:
    """The dead-letter subject of one service."""
    return f"nianbao.dlq.{service}.v1"


ReportKind = Literal["法治政府建设年度报告", "政府信息公开工作年度报告", "履职报告", "other"]
REPORT_KINDS: tuple[str, ...] = ("法治政府建设年度报告", "政府信息公开工作年度报告", "履职报告")
# `empty`: the list pages were read but gave nothing (no items, or no report-like items where
# an earlier crawl found some): a redesign that hides the links is not a successful check.
SourceStatus = Literal["ok", "blocked", "failed", "empty"]


def stable_id(*parts: object) -> str:
    """A deterministic id: the first 32 hex digits of sha256 over the parts, joined by NUL."""
    joined = "\x00".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:32]


class Frozen(BaseModel):
    """Base of every contract model: immutable; unknown fields are ignored.

    Ignoring (not rejecting) fields a consumer does not know lets a producer add an optional
    field to a `.v1` event without breaking consumers that were deployed before it.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")


class Event(Frozen):
    """The envelope every event carries."""

    event_id: str = Field(min_length=8, max_length=64)
    occurred_at: datetime
    correlation_id: str | None = None


class DocumentFetched(Event):
    """Emitted by ingest for every fetched detail page or attachment whose bytes are new or changed."""

    source_id: str
    agency_id: str
    agency_name: str
    region_code: str | None
    url: str
    list_url: str | None
    parent_url: str | None = None  # the report page an attachment was linked from
    content_type: str | None
    declared_charset: str | None  # from the HTTP header, if any
    encoding_override: str | None = None  # from the source's configuration
    blob_key: str  # key in the object store (the sha256)
    sha256: str
    size: int
    fetched_at: datetime
    title_hint: str | None = None  # the link text on the list page
    date_hint: date | None = None  # the date next to the link on the list page
    backfill: bool = False  # fetched during the first crawl of its source
    final_url: str | None = None  # where the redirects ended (equals url when there were none)
    etag: str | None = None  # the HTTP ETag, as sent
    last_modified: str | None = None  # the HTTP Last-Modified header, as sent
    filename: str | None = None  # from Content-Disposition (attachments), directory part removed


class SourceChecked(Event):
    """Emitted by ingest after each crawl of one source, whatever its outcome."""

    source_id: str
    agency_id: str
    list_url: str
    status: SourceStatus
    reason: str | None = None
    started_at: datetime
    finished_at: datetime
    list_pages: int = 0
    items: int = 0  # links found on the list pages
    candidates: int = 0  # report-like links found on the list pages
    fetched: int = 0  # detail pages and attachments fetched with new content
    unchanged: int = 0  # detail pages skipped as already known
    errors: int = 0
    first_crawl: bool = False


class Region(Frozen):
    """A place in the 行政区划 hierarchy; `code` is the 6-digit 行政区划代码 of the lowest level known."""

    province: str | None = None
    city: str | None = None
    county: str | None = None
    code: str | None = None


class Section(Frozen):
    """One heading of a report: `level` 1 for 一、, 2 for (一), 3 for 1."""

    level: int
    number: str
    title: str


class Figure(Frozen):
    """A number quoted in a report, with its unit and what it counts (开展学法 12 次)."""

    value: float
    unit: str
    subject: str
    text: str


class TableCell(Frozen):
    """One cell of a 信息公开 report's statutory table; `value` None: printed but unreadable."""

    key: str  # t3.new.natural: table, row, column (README, "The 信息公开 tables")
    value: int | float | None
    unit: str  # 件 for counts, 万元 or 元 for money as the table states it ("" if it does not)


class DisclosureTables(Frozen):
    """The statutory tables (二, 三, 四) of a 政府信息公开工作年度报告, read and checked."""

    format: Literal["2021", "2019"]  # 国办公开办函〔2021〕30号, or the 2019 trial format
    report_year: int | None = None
    tables: tuple[str, ...] = ()  # the tables found: "二", "三", "四"
    cells: tuple[TableCell, ...] = ()  # every cell of every table found
    findings: tuple[str, ...] = ()  # failed checks: "table 三 does not balance: …"


class Extraction(Frozen):
    """What the extractor found in one document; `is_annual_report` false means nothing else matters."""

    extractor_version: str
    is_annual_report: bool
    kind: ReportKind
    title: str | None = None
    agency: str | None = None
    joint_agencies: tuple[str, ...] = ()
    region: Region = Region()
    report_year: int | None = None
    published: date | None = None
    signed: date | None = None
    dates_disagree: bool = False
    index_number: str | None = None
    doc_number: str | None = None
    sections: tuple[Section, ...] = ()
    missing_elements: tuple[str, ...] = ()  # required elements (domain.md) not found
    figures: tuple[Figure, ...] = ()
    laws: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    text: str = ""
    words: tuple[str, ...] = ()  # jieba's words of `text`: the one segmentation, reused downstream
    reasons: tuple[str, ...] = ()  # why it was (not) taken for a report, for operators
    warnings: tuple[str, ...] = ()
    disclosure: DisclosureTables | None = None  # 信息公开 reports only; absent from older events


class ReportExtracted(Event):
    """Emitted by extract for every fetched document, also for those that turn out not to be reports."""

    document_event_id: str
    source_id: str
    agency_id: str
    url: str
    sha256: str
    blob_key: str
    fetched_at: datetime
    backfill: bool = False
    extraction: Extraction


class FilingRecorded(Event):
    """Emitted by store when a filing is seen for the first time, or when its content changed."""

    filing_id: str
    version: int
    change: Literal["new", "changed"]
    agency_id: str
    agency: str
    region_code: str | None
    kind: ReportKind
    report_year: int
    title: str | None
    url: str
    published: date | None
    first_seen: datetime
    deadline: date | None
    on_time: bool | None  # None: no deadline applies or no publication date known
    backfill: bool  # first seen during a source's first crawl: history, not news
    was_overdue: bool = False  # an overdue alert went out for it before: this is the correction
    sections: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()


class FilingOverdue(Event):
    """Emitted by store's deadline checker once per obligation found missing after its deadline."""

    obligation_id: str
    agency_id: str
    agency: str
    region_code: str | None
    kind: ReportKind
    report_year: int
    deadline: date
    legal_basis: str
    checked_at: datetime
    last_crawled_ok: datetime | None


class DeadLetter(Event):
    """Emitted by any service for a message it cannot process: the reason and the original event."""

    service: str
    reason: str
    error_type: str
    original_subject: str
    original_event_id: str | None
    original_data: str  # the original payload, decoded as UTF-8 with replacement
    original_size: int | None = None  # bytes of the original payload
    original_truncated: bool = False  # too large to keep whole: shown, but not redriven
    deliveries: int
    failed_at: datetime
