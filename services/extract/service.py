"""Extract's use case: turn one fetched document into a `report.extracted` event.

The extraction itself is pure (`core.extract_document`); this module fetches the bytes from the
object store, runs the core off the event loop (parsing and segmentation are CPU work: a thread
keeps heartbeats and acks flowing), and publishes the result. Every readable document yields an
event, also the ones that are not reports, so the store can tell "seen, not a report" from
"never seen". A document whose bytes cannot be read (an unsupported format such as DOC, WPS or
OFD, a broken PDF) raises an `UnreadableDocument` (a PermanentError) carrying the event id and
URL: the bus dead-letters it with that reason, and a replay after an upgrade can retry it.

All extractions of a process run on one thread of their own (`EXTRACTION_THREAD`), one after
the other. The core holds the GIL throughout (pure Python, PDFs included), so more threads would
not extract faster: the documents of a fetched batch would only contend for the GIL with each
other and with the event loop, which costs CPU (about 0.4 ms a page with asyncio's default pool).
`warm_up` loads the core's tables (jieba's dictionary, its IDF table) on that thread at startup,
instead of during the first document.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from services.extract import core
from services.extract.core import EXTRACTOR_VERSION, Document, extract_document
from services.extract.formats import UnreadableDocument
from shared.blobs import BlobStore
from shared.clock import Clock
from shared.events import (
    REPORT_EXTRACTED,
    DocumentFetched,
    Event,
    Extraction,
    ReportExtracted,
    stable_id,
)
from shared.logs import log_fields

log = logging.getLogger("nianbao.extract")

EventPublisher = Callable[[str, Event], Awaitable[None]]

_WARM_UP_REPORT = (
    "昆明市科学技术局2023年法治政府建设年度报告",
    "2023年，昆明市科学技术局坚持以习近平新时代中国特色社会主义思想为指导，"
    "全面贯彻落实《中华人民共和国行政许可法》，现将有关情况报告如下。",
    "一、主要举措和成效",
    "（一）加强组织领导",
    "全年召开党组会议专题研究法治工作4次，开展学法活动12次。",
    "二、存在的不足和原因",
    "三、党政主要负责人履行推进法治建设第一责任人职责情况",
    "四、下一年度工作安排",
    "昆明市科学技术局",
    "2024年1月20日",
)


class _ExtractionThread:
    """The one thread of a process that runs extractions, started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._warm: Future[None] | None = None

    def executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="nianbao-extract")
            return self._executor

    def warm_up(self) -> Future[None]:
        executor = self.executor()
        with self._lock:
            if self._warm is None:
                self._warm = executor.submit(_warm_up)
            return self._warm


def _warm_up() -> None:
    """Extract a small report with the core itself (tests replace this module's name for it)."""
    lines = "".join(f"<p>{line}</p>" for line in _WARM_UP_REPORT)
    page = f"<html><head><title>{_WARM_UP_REPORT[0]}</title></head><body>{lines}</body></html>"
    try:
        core.extract_document(
            Document(content=page.encode("utf-8"), content_type="text/html; charset=utf-8")
        )
    except Exception:  # a failed warm-up only means that the first document pays for it
        log.warning("extraction warm-up failed", exc_info=True)


EXTRACTION_THREAD = _ExtractionThread()


def extracted_event_id(document_event_id: str) -> str:
    """The id of the extraction of a document by this extractor version: replay-stable."""
    return stable_id("report.extracted", document_event_id, EXTRACTOR_VERSION)


def warm_up() -> Future[None]:
    """Load what the core loads on first use (jieba's dictionary, ...) on the extraction thread.

    About 0.7 s of CPU, once per process, spent at startup rather than on the first document.
    Documents submitted meanwhile wait behind it on the same thread. Called again, it returns
    the first call's future.
    """
    return EXTRACTION_THREAD.warm_up()


@dataclass
class ExtractService:
    """Extraction bound to the object store and an event publisher."""

    blobs: BlobStore
    publish: EventPublisher
    clock: Clock

    async def extract(self, event: DocumentFetched) -> ReportExtracted:
        """Extract the document an event names and publish the result.

        Raises UnreadableDocument (PermanentError) when the bytes cannot be read.
        """
        content = await self.blobs.get(event.blob_key)
        document = Document(
            content=content,
            content_type=event.content_type,
            url=event.url,
            declared_charset=event.declared_charset,
            encoding_override=event.encoding_override,
            title_hint=event.title_hint,
            date_hint=event.date_hint,
            agency_name=event.agency_name,
            region_code=event.region_code,
        )
        loop = asyncio.get_running_loop()
        try:
            extraction = await loop.run_in_executor(
                EXTRACTION_THREAD.executor(), _extract_strictly, document
            )
        except UnreadableDocument as exc:
            raise type(exc)(str(exc), event_id=event.event_id, url=event.url) from exc
        result = ReportExtracted(
            event_id=extracted_event_id(event.event_id),
            occurred_at=self.clock(),
            correlation_id=event.correlation_id or event.event_id,
            document_event_id=event.event_id,
            source_id=event.source_id,
            agency_id=event.agency_id,
            url=event.url,
            sha256=event.sha256,
            blob_key=event.blob_key,
            fetched_at=event.fetched_at,
            backfill=event.backfill,
            extraction=extraction,
        )
        await self.publish(REPORT_EXTRACTED, result)
        log.info(
            "extracted",
            extra=log_fields(
                url=event.url,
                report=extraction.is_annual_report,
                kind=extraction.kind,
                year=extraction.report_year,
            ),
        )
        return result


def _extract_strictly(document: Document) -> Extraction:
    """The core, on the extraction thread (looked up when called: a replay test replaces it)."""
    return extract_document(document, strict=True)
