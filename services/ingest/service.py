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
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.ingest import core
from services.ingest.discovery.list_page import (
    find_attachments,
    looks_like_report,
    parse_list_page,
    pattern_pages,
)
from services.ingest.discovery.model import ListItem, PageRequest
from services.ingest.fetch_types import Blocked, FetchError, FetchResult, NotFound
from services.ingest.fetcher import PoliteFetcher
from services.ingest.state import CrawlState, PageState, SourceState
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
from shared.sources import AgencySpec, SourcesFile, SourceSpec

log = logging.getLogger("nianbao.ingest")

EventPublisher = Callable[[str, Event], Awaitable[None]]
Progress = Callable[[SourceChecked], None]
SourceRef = tuple[AgencySpec, int]  # an agency and the index of one of its sources
MAX_ATTACHMENTS_PER_PAGE = 5
HTML_TYPES = ("text/html", "application/xhtml", "text/plain", "text/xml", "application/xml")


@dataclass
class _Crawl:
    """Counters and outcome of one crawl of one source."""

    agency: AgencySpec
    source: SourceSpec
    source_id: str
    started_at: datetime
    backfill: bool
    list_pages: int = 0
    items: int = 0
    candidates: int = 0
    fetched: int = 0
    unchanged: int = 0
    errors: int = 0
    status: SourceStatus = "ok"
    reason: str | None = None
    error_samples: list[str] = field(default_factory=list)

    def note_error(self, exc: FetchError) -> None:
        self.errors += 1
        if len(self.error_samples) < 3:
            self.error_samples.append(f"{exc.url}: {exc}")


@dataclass(frozen=True)
class Discovery:
    """What the list pages of one source offer, without fetching any detail page (dry runs)."""

    source_id: str
    list_url: str
    status: SourceStatus
    reason: str | None
    list_pages: int
    candidates: tuple[ListItem, ...]


def source_refs(sources: SourcesFile) -> list[SourceRef]:
    """Every source of every agency, in file order."""
    return [(agency, i) for agency in sources.agencies for i in range(len(agency.sources))]


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
        crawl = _Crawl(agency, source, agency.source_id(index), self.clock(), backfill=False)
        candidates: tuple[ListItem, ...] = ()
        try:
            items = await self._read_lists(crawl)
            candidates = tuple(item for item in items if looks_like_report(item.title))
        except Blocked as exc:
            crawl.status, crawl.reason = "blocked", f"{exc} at {exc.url}"
        except FetchError as exc:
            crawl.status, crawl.reason = "failed", f"{exc} at {exc.url}"
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
        due: dict[str, datetime] = {}
        while not stop.is_set():
            now = self.clock()
            for agency in sources.agencies:
                for index, spec in enumerate(agency.sources):
                    source_id = agency.source_id(index)
                    if source_id not in due:
                        state = await self.state.get_source(source_id)
                        due[source_id] = core.next_crawl_at(
                            source_id,
                            state.last_started if state else None,
                            timedelta(hours=spec.interval_hours),
                            now,
                        )
                    if due[source_id] <= now:
                        due[source_id] = core.next_crawl_at(
                            source_id, now, timedelta(hours=spec.interval_hours), now
                        )

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
        crawl = _Crawl(
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
        except Blocked as exc:
            crawl.status, crawl.reason = "blocked", f"{exc} at {exc.url}"
        except FetchError as exc:
            crawl.status, crawl.reason = "failed", f"{exc} at {exc.url}"
        seen_before = previous.candidates_seen if previous else 0
        if crawl.status == "ok" and crawl.items == 0:
            crawl.status = "empty"
            crawl.reason = f"the list pages ({crawl.list_pages} read) gave no items"
        elif crawl.status == "ok" and crawl.candidates == 0 and seen_before > 0:
            crawl.status = "empty"
            crawl.reason = (
                f"no report-like items among {crawl.items} where the last crawl found "
                f"{seen_before}: has the column moved or changed its markup?"
            )
        if crawl.status == "ok" and crawl.errors:
            crawl.reason = f"{crawl.errors} page(s) failed, e.g. " + "; ".join(crawl.error_samples)
        CRAWLS.labels(status=crawl.status).inc()
        checked = SourceChecked(
            event_id=stable_id("source.checked", source_id, crawl.started_at.isoformat()),
            occurred_at=self.clock(),
            source_id=source_id,
            agency_id=agency.id,
            list_url=source.list_url,
            status=crawl.status,
            reason=crawl.reason,
            started_at=crawl.started_at,
            finished_at=self.clock(),
            list_pages=crawl.list_pages,
            items=crawl.items,
            candidates=crawl.candidates,
            fetched=crawl.fetched,
            unchanged=crawl.unchanged,
            errors=crawl.errors,
            first_crawl=crawl.backfill,
        )
        await self.publish(SOURCE_CHECKED, checked)
        await self.state.put_source(
            source_id,
            SourceState(
                last_started=crawl.started_at,
                ever_ok=bool(previous and previous.ever_ok) or crawl.status == "ok",
                candidates_seen=crawl.candidates if crawl.status == "ok" else seen_before,
            ),
        )
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

    async def _read_lists(self, crawl: _Crawl) -> list[ListItem]:
        """Every item of every page of the source's list, first page first.

        A failure of the first page fails the crawl (nothing was seen); a later page that fails
        is counted and the crawl goes on with what it has. With a `page_pattern` the operator's
        pages replace the discovered ones, and reading stops at the first that is missing or
        brings nothing new (portals answer an out-of-range page with 404 or with page 1).
        """
        source = crawl.source
        # An optional field of newer sources files; getattr keeps older SourceSpec models working.
        pattern: str | None = getattr(source, "page_pattern", None)
        queue: list[PageRequest] = [PageRequest(source.list_url)]
        if pattern:
            queue += pattern_pages(source.list_url, pattern, source.max_pages)
        seen_pages: set[tuple[str, str, tuple[tuple[str, str], ...]]] = set()
        items: dict[str, ListItem] = {}
        while queue and crawl.list_pages < source.max_pages:
            request = queue.pop(0)
            key = (request.url, request.method, request.form)
            if key in seen_pages:
                continue
            seen_pages.add(key)
            try:
                result = await self._get(
                    crawl, request.url, method=request.method, form=request.form
                )
            except Blocked:
                raise
            except NotFound as exc:
                if crawl.list_pages == 0:
                    raise
                if pattern:
                    break  # past the last page
                crawl.note_error(exc)
                continue
            except FetchError as exc:
                if crawl.list_pages == 0:
                    raise
                crawl.note_error(exc)
                continue
            crawl.list_pages += 1
            text, _ = decode_bytes(result.body, result.declared_charset, source.encoding)
            # In a worker thread: a big or hostile page takes seconds to read, and on the event
            # loop it would stall every other crawl (and their host slots) meanwhile.
            page = await asyncio.to_thread(
                parse_list_page,
                text,
                result.url,
                max_pages=source.max_pages,
                link_selector=source.link_selector,
            )
            before = len(items)
            for item in page.items:
                items.setdefault(item.url, item)
            if pattern:
                if crawl.list_pages > 1 and len(items) == before:
                    break
                continue
            queue.extend(
                p for p in page.further_pages if (p.url, p.method, p.form) not in seen_pages
            )
        return list(items.values())

    async def _fetch_detail(
        self, crawl: _Crawl, item: ListItem, parent_url: str | None = None
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
        self, crawl: _Crawl, item: ListItem, result: FetchResult, key: str, parent_url: str | None
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

    async def _get(self, crawl: _Crawl, url: str, **kwargs: object) -> FetchResult:
        return await self.fetcher.fetch(
            url,
            min_delay=crawl.source.min_delay_seconds,
            max_in_flight=crawl.source.max_in_flight,
            **kwargs,  # type: ignore[arg-type]
        )


def _is_textual(content_type: str | None) -> bool:
    return content_type is None or content_type.split(";")[0].strip().lower().startswith(HTML_TYPES)
