"""Extract's use case: turn one fetched document into a `report.extracted` event.

The extraction itself is pure (`core.extract_document`); this module fetches the bytes from the
object store, runs the core off the event loop (parsing and segmentation are CPU work: a thread
keeps heartbeats and acks flowing), and publishes the result. Every readable document yields an
event, also the ones that are not reports, so the store can tell "seen, not a report" from
"never seen". A document whose bytes cannot be read (an unsupported format such as DOC, WPS or
OFD, a broken PDF) raises an `UnreadableDocument` (a PermanentError) carrying the event id and
URL: the bus dead-letters it with that reason, and a replay after an upgrade can retry it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from services.extract.core import EXTRACTOR_VERSION, Document, extract_document
from services.extract.formats import UnreadableDocument
from shared.blobs import BlobStore
from shared.clock import Clock
from shared.events import REPORT_EXTRACTED, DocumentFetched, Event, ReportExtracted, stable_id
from shared.logs import log_fields

log = logging.getLogger("nianbao.extract")

EventPublisher = Callable[[str, Event], Awaitable[None]]


def extracted_event_id(document_event_id: str) -> str:
    """The id of the extraction of a document by this extractor version: replay-stable."""
    return stable_id("report.extracted", document_event_id, EXTRACTOR_VERSION)


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
        try:
            extraction = await asyncio.to_thread(extract_document, document, strict=True)
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
