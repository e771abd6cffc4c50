"""Ingest's use cases: crawl one source, crawl them all once, and keep crawling on schedule.

A crawl reads every list page (they are never cached: new reports shift pagination), picks the
report-like links, fetches each detail page with a conditional GET, stores new or changed bytes
in the object store and publishes `document.fetched`; at the end it publishes `source.checked`
with counts, so a crawl that silently found nothing is visible as such.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from services.ingest import core
from services.ingest.crawl_lists import read_list_pages
from services.ingest.crawl_run import CrawlRun
from services.ingest.crawl_schedule import CrawlSchedule, SourceRef, source_refs
from services.ingest.discovery.list_page import find_attachments, looks_like_report
from services.ingest.discovery.model import ListItem, PageRequest
from services.ingest.fetch_types import Blocked, FetchError, FetchResult
from services.ingest.fetcher import PoliteFetcher
from services.ingest.state import CrawlState, PageState
from shared.blobs import BlobStore, sha256_hex
from shared.clock import Clock
from shared.decoding import decode_bytes
from shared.events import (
    DOCUMENT_FETCHED,
    SOURCE_CHECKED,
    DocumentFetched,
    Event,
    SourceChecked,
    SourceStatus,
    stable_id,
)
from shared.logs import log_fields
from shared.metrics import CRAWLS
from shared.sources import AgencySpec, SourcesFile

log = logging.getLogger("nianbao.ingest")

EventPublisher = Callable[[str, Event], Awaitable[None]]
Progress = Callable[[SourceChecked], None]
MAX_ATTACHMENTS_PER_PAGE = 5
HTML_TYPES = ("text/html", "application/xhtml", "text/plain", "text/xml", "application/xml")


@dataclass(frozen=True)
class Discovery:
    """What the list pages of one source offer, without fetching any detail page (dry runs)."""

    source_id: str
    list_url: str
    status: SourceStatus
    reason: str | None
    list_pages: int
    candidates: tuple[ListItem, ...]


@dataclass
class IngestService:
    """The crawler, bound to a fetcher, the object store, its memory and an event publisher."""

    fetcher: PoliteFetcher
    blobs: BlobStore
    state: CrawlState
    publish: EventPublisher
    clock: Clock
    concurrency: int = 8

    async def crawl_all(
        self, sources: SourcesFile, on_done: Progress | None = None
    ) -> list[SourceChecked]:
        """Crawl every source of every agency once, several at a time; returns their outcomes."""
        return await self.crawl_many(source_refs(sources), on_done)

    async def crawl_many(
        self, refs: list[SourceRef], on_done: Progress | None = None
    ) -> list[SourceChecked]:
        """Crawl the given sources once, several at a time, in order of the list.

        `on_done` hears of each finished source (a progress bar); per-host limits hold whatever
        the concurrency, since sources on one host share the host's gate.
        """
        semaphore = asyncio.Semaphore(self.concurrency)

        async def one(agency: AgencySpec, index: int) -> SourceChecked:
            async with semaphore:
                checked = await self.crawl_source(agency, index)
            if on_done is not None:
                on_done(checked)
            return checked

        return list(await asyncio.gather(*(one(agency, i) for agency, i in refs)))

    async def discover(self, agency: AgencySpec, index: int) -> Discovery:
        """Read one source's list pages and return its report-like links; publish nothing.

        What `nianbao crawl --dry-run` shows: detail pages (and their attachments) are not
        fetched and the crawl memory is not touched.
        """
        source = agency.sources[index]
        crawl = CrawlRun(agency, source, agency.source_id(index), self.clock(), backfill=False)
        candidates: tuple[ListItem, ...] = ()
        try:
            items = await self._read_lists(crawl)
            candidates = tuple(item for item in items if looks_like_report(item.title))
        except FetchError as exc:
            crawl.fail(exc)
        return Discovery(
            source_id=crawl.source_id,
            list_url=source.list_url,
            status=crawl.status,
            reason=crawl.reason,
            list_pages=crawl.list_pages,
            candidates=candidates,
        )

    async def run_schedule(self, sources: SourcesFile, stop: asyncio.Event) -> None:
        """Crawl each source on its interval (with jitter) until `stop` is set."""
        semaphore = asyncio.Semaphore(self.concurrency)
        running: set[asyncio.Task[SourceChecked]] = set()
        schedule = CrawlSchedule(self.state)
        while not stop.is_set():
            async for agency, index in schedule.due_now(sources, self.clock()):

                async def guarded(a: AgencySpec = agency, i: int = index) -> SourceChecked:
                    async with semaphore:
                        return await self.crawl_source(a, i)

                task = asyncio.create_task(guarded())
                running.add(task)
                task.add_done_callback(running.discard)
            try:
                await asyncio.wait_for(stop.wait(), timeout=5.0)
            except TimeoutError:
                continue
        for task in list(running):
            task.cancel()

    async def crawl_source(self, agency: AgencySpec, index: int) -> SourceChecked:
        """Crawl one source: list pages, report-like detail pages, their attachments."""
        source = agency.sources[index]
        source_id = agency.source_id(index)
        previous = await self.state.get_source(source_id)
        crawl = CrawlRun(
            agency, source, source_id, self.clock(), backfill=not (previous and previous.ever_ok)
        )
        fields = log_fields(source=source_id, url=source.list_url)
        log.info("crawl started", extra=fields)
        try:
            items = await self._read_lists(crawl)
            candidates = [item for item in items if looks_like_report(item.title)]
            crawl.items, crawl.candidates = len(items), len(candidates)
            for item in candidates:
                await self._fetch_detail(crawl, item)
        except FetchError as exc:
            crawl.fail(exc)
        crawl.judge(previous)
        CRAWLS.labels(status=crawl.status).inc()
        checked = crawl.source_checked(self.clock)
        await self.publish(SOURCE_CHECKED, checked)
        await self.state.put_source(source_id, crawl.source_state(previous))
        log.info(
            "crawl finished",
            extra=log_fields(
                source=source_id,
                status=crawl.status,
                list_pages=crawl.list_pages,
                candidates=crawl.candidates,
                fetched=crawl.fetched,
                unchanged=crawl.unchanged,
                errors=crawl.errors,
            ),
        )
        return checked

    async def _read_lists(self, crawl: CrawlRun) -> list[ListItem]:
        async def get(request: PageRequest) -> FetchResult:
            return await self._get(crawl, request.url, method=request.method, form=request.form)

        return await read_list_pages(crawl, get)

    async def _fetch_detail(
        self, crawl: CrawlRun, item: ListItem, parent_url: str | None = None
    ) -> None:
        known = await self.state.get_page(item.url)
        try:
            result = await self._get(
                crawl,
                item.url,
                etag=known.etag if known else None,
                last_modified=known.last_modified if known else None,
            )
        except Blocked:
            raise
        except FetchError as exc:
            crawl.note_error(exc)
            return
        if result.not_modified and known is not None:
            crawl.unchanged += 1
            return
        key = sha256_hex(result.body)
        if known is None or known.sha256 != key:
            await self.blobs.put(result.body)
            await self._publish_document(crawl, item, result, key, parent_url)
            crawl.fetched += 1
        else:
            crawl.unchanged += 1  # the same bytes again: stored and published before
        state = PageState(
            sha256=key,
            etag=result.headers.get("etag"),
            last_modified=result.headers.get("last-modified"),
        )
        if state != known:
            await self.state.put_page(item.url, state)
        if parent_url is None and _is_textual(result.content_type):
            text, _ = decode_bytes(result.body, result.declared_charset, crawl.source.encoding)
            attachments = await asyncio.to_thread(find_attachments, text, result.url)
            for attachment in attachments[:MAX_ATTACHMENTS_PER_PAGE]:
                hinted = ListItem(
                    url=attachment.url, title=attachment.title or item.title, date=item.date
                )
                await self._fetch_detail(crawl, hinted, parent_url=item.url)

    async def _publish_document(
        self, crawl: CrawlRun, item: ListItem, result: FetchResult, key: str, parent_url: str | None
    ) -> None:
        # Validated from a dict: the HTTP fields are optional additions to the .v1 contract,
        # ignored by a contract model that predates them.
        event = DocumentFetched.model_validate(
            {
                "event_id": stable_id("document.fetched", item.url, key),
                "occurred_at": self.clock(),
                "source_id": crawl.source_id,
                "agency_id": crawl.agency.id,
                # A multi-agency column gives no agency hint: each page names its own.
                "agency_name": "" if crawl.source.covers else crawl.agency.name,
                "region_code": (
                    crawl.source.covers.region if crawl.source.covers else crawl.agency.region_code
                ),
                "url": item.url,
                "final_url": result.url,
                "list_url": crawl.source.list_url,
                "parent_url": parent_url,
                "content_type": result.content_type,
                "declared_charset": result.declared_charset,
                "encoding_override": crawl.source.encoding,
                "etag": result.headers.get("etag"),
                "last_modified": result.headers.get("last-modified"),
                "filename": core.disposition_filename(result.headers.get("content-disposition")),
                "blob_key": key,
                "sha256": key,
                "size": len(result.body),
                "fetched_at": self.clock(),
                "title_hint": item.title,
                "date_hint": item.date,
                "backfill": crawl.backfill,
            }
        )
        await self.publish(DOCUMENT_FETCHED, event)

    async def _get(self, crawl: CrawlRun, url: str, **kwargs: object) -> FetchResult:
        return await self.fetcher.fetch(
            url,
            min_delay=crawl.source.min_delay_seconds,
            max_in_flight=crawl.source.max_in_flight,
            **kwargs,  # type: ignore[arg-type]
        )


def _is_textual(content_type: str | None) -> bool:
    return content_type is None or content_type.split(";")[0].strip().lower().startswith(HTML_TYPES)
