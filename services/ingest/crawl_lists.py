"""Reading a source's list pages during a crawl: every item of every page, first page first.

List pages are never cached (new reports shift pagination); the pages to read come from the
pages themselves (`discovery/list_page.py`) or from the source's own `page_pattern`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from services.ingest.crawl_run import CrawlRun
from services.ingest.discovery.list_page import parse_list_page, pattern_pages
from services.ingest.discovery.model import ListItem, PageRequest
from services.ingest.fetch_types import Blocked, FetchError, FetchResult, NotFound
from shared.decoding import decode_bytes

# Fetches one list page with the source's manners (its delay, its in-flight limit).
ListPageGet = Callable[[PageRequest], Awaitable[FetchResult]]


async def read_list_pages(run: CrawlRun, get: ListPageGet) -> list[ListItem]:
    """Every item of every page of the source's list, first page first, counted into `run`.

    A failure of the first page fails the crawl (nothing was seen); a later page that fails
    is counted and the crawl goes on with what it has. With a `page_pattern` the operator's
    pages replace the discovered ones, and reading stops at the first that is missing or
    brings nothing new (portals answer an out-of-range page with 404 or with page 1).
    """
    source = run.source
    # An optional field of newer sources files; getattr keeps older SourceSpec models working.
    pattern: str | None = getattr(source, "page_pattern", None)
    queue: list[PageRequest] = [PageRequest(source.list_url)]
    if pattern:
        queue += pattern_pages(source.list_url, pattern, source.max_pages)
    seen_pages: set[tuple[str, str, tuple[tuple[str, str], ...]]] = set()
    items: dict[str, ListItem] = {}
    while queue and run.list_pages < source.max_pages:
        request = queue.pop(0)
        key = (request.url, request.method, request.form)
        if key in seen_pages:
            continue
        seen_pages.add(key)
        try:
            result = await get(request)
        except Blocked:
            raise
        except NotFound as exc:
            if run.list_pages == 0:
                raise
            if pattern:
                break  # past the last page
            run.note_error(exc)
            continue
        except FetchError as exc:
            if run.list_pages == 0:
                raise
            run.note_error(exc)
            continue
        run.list_pages += 1
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
            if run.list_pages > 1 and len(items) == before:
                break
            continue
        queue.extend(p for p in page.further_pages if (p.url, p.method, p.form) not in seen_pages)
    return list(items.values())
