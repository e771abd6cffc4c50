"""IngestService crawling the demo portal over loopback HTTP, next to a dead and a guarded portal."""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import yaml

from services.demo_portal.catalogue import SITES
from services.demo_portal.server import DemoPortal
from services.demo_portal.sources import demo_sources_yaml
from services.ingest.fetcher import PoliteFetcher
from services.ingest.service import IngestService
from services.ingest.settings import IngestSettings
from services.ingest.state import MemoryCrawlState
from shared.blobs import MemoryBlobStore
from shared.events import DOCUMENT_FETCHED, SOURCE_CHECKED, DocumentFetched, Event, SourceChecked
from shared.sources import SourcesFile, parse_sources
from tests.conftest import FakeClock

pytestmark = pytest.mark.integration

LIST_PAGES = {"mengzi-kjj": 3, "changde-kjj": 2, "luohe-kjj": 3, "km-kjj": 3, "bazhong-kjj": 2}
DEAD, GUARDED = "dead-portal", "guarded-portal"
RUISHU_CHALLENGE = (
    b'<html><head><meta charset="utf-8"><script type="text/javascript">'
    b'$_ts=window["$_ts"];if(!$_ts)$_ts=window["$_ts"]={};$_ts.nsd=84532;</script>'
    b"</head><body></body></html>"
)


class Published:
    """Records what ingest publishes."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Event]] = []

    async def __call__(self, subject: str, event: Event) -> None:
        expected = {DOCUMENT_FETCHED: DocumentFetched, SOURCE_CHECKED: SourceChecked}[subject]
        assert isinstance(event, expected), (subject, event)
        self.events.append((subject, event))

    def documents(self) -> list[DocumentFetched]:
        return [
            e for s, e in self.events if s == DOCUMENT_FETCHED and isinstance(e, DocumentFetched)
        ]

    def checks(self) -> dict[str, SourceChecked]:
        """The latest `source.checked` of each source."""
        return {
            e.source_id: e
            for s, e in self.events
            if s == SOURCE_CHECKED and isinstance(e, SourceChecked)
        }

    def clear(self) -> None:
        self.events.clear()


class _Ruishu(BaseHTTPRequestHandler):
    """Every path, robots.txt included, answers like a 瑞数-protected portal: 412 and `$_ts`."""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self.send_response(412)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(RUISHU_CHALLENGE)))
        self.end_headers()
        self.wfile.write(RUISHU_CHALLENGE)


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoPortal]:
    portal = DemoPortal()
    portal.start()
    yield portal
    portal.stop()


@pytest.fixture(scope="module")
def guarded_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ruishu)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def sources(demo: DemoPortal, guarded_url: str) -> SourcesFile:
    """The demo portal's sources file, plus a portal that is down and one behind 瑞数."""
    data = yaml.safe_load(demo_sources_yaml(demo.base_url))
    data["agencies"] += [
        {
            "id": DEAD,
            "name": "某县科学技术局",
            "sources": [{"list_url": f"http://127.0.0.1:{closed_port()}/xxgk/index.html"}],
        },
        {
            "id": GUARDED,
            "name": "某市司法局",
            "sources": [{"list_url": f"{guarded_url}/col/col1234/index.html"}],
        },
    ]
    return parse_sources(yaml.safe_dump(data, allow_unicode=True))


@pytest.fixture
async def crawler(clock: FakeClock) -> AsyncIterator[tuple[IngestService, Published]]:
    settings = IngestSettings(allow_private_networks=True, max_retries=1)
    fetcher = PoliteFetcher(settings)
    published = Published()
    service = IngestService(
        fetcher=fetcher,
        blobs=MemoryBlobStore(),
        state=MemoryCrawlState(),
        publish=published,
        clock=clock,
    )
    yield service, published
    await fetcher.close()


def seed_urls(demo: DemoPortal) -> dict[str, str]:
    urls = {}
    for site in SITES:
        (seed,) = [a for a in demo.site.articles[site.slug] if a.is_seed]
        urls[site.slug] = demo.base_url + seed.path
    return urls


async def test_first_and_second_crawl_of_the_demo_portal(
    crawler: tuple[IngestService, Published],
    demo: DemoPortal,
    sources: SourcesFile,
    clock: FakeClock,
) -> None:
    service, published = crawler
    demo_ids = {f"{site.slug}#0" for site in SITES} | {"km-gov#0"}

    outcomes = await service.crawl_all(sources)

    checks = published.checks()
    assert (
        {c.source_id for c in outcomes} == set(checks) == demo_ids | {f"{DEAD}#0", f"{GUARDED}#0"}
    )
    assert len([s for s, _ in published.events if s == SOURCE_CHECKED]) == len(checks)
    for site in SITES:
        check = checks[f"{site.slug}#0"]
        assert (check.status, check.reason, check.errors) == ("ok", None, 0), check
        assert check.list_pages == LIST_PAGES[site.slug], site.slug
        assert check.first_crawl is True
        assert check.fetched >= 1
        assert check.unchanged == 0
        assert check.candidates >= check.fetched

    documents = published.documents()
    fetched_urls = {d.url for d in documents}
    for slug, url in seed_urls(demo).items():
        assert url in fetched_urls, slug
    assert all(d.backfill for d in documents)
    # The city's multi-agency column gives extraction no agency to fall back on: each page
    # must name its own, and the column's region is the only hint.
    column = [d for d in documents if d.source_id == "km-gov#0"]
    assert len(column) == 5
    assert {(d.agency_name, d.region_code) for d in column} == {("", "530100")}
    assert {d.agency_name for d in documents if d not in column} == {
        a.name for a in sources.agencies if a.id in {site.slug for site in SITES}
    }
    assert all(d.source_id in demo_ids for d in documents)
    assert sum(checks[i].fetched for i in demo_ids) == len(documents) == len(fetched_urls)
    # The old ASP site declares gb2312; the bytes are stored as served and the label travels on.
    gbk = [d for d in documents if d.source_id == "changde-kjj#0"]
    assert len(gbk) >= 1
    assert {d.declared_charset for d in gbk} == {"gb2312"}
    assert {d.declared_charset for d in documents if d.source_id != "changde-kjj#0"} == {"utf-8"}
    for document in documents:
        stored = await service.blobs.get(document.blob_key)
        assert len(stored) == document.size > 0

    # Second crawl: everything answers 304, nothing is published again, no longer a backfill.
    published.clear()
    clock.advance(hours=6)
    await service.crawl_all(sources)

    assert published.documents() == []
    checks = published.checks()
    for site in SITES:
        check = checks[f"{site.slug}#0"]
        assert check.status == "ok"
        assert check.first_crawl is False
        assert check.list_pages == LIST_PAGES[site.slug]
        assert (check.fetched, check.errors) == (0, 0)
        assert check.unchanged == check.candidates >= 1


async def test_dead_and_guarded_portals_fail_alone(
    crawler: tuple[IngestService, Published], sources: SourcesFile
) -> None:
    service, published = crawler
    await service.crawl_all(sources)
    checks = published.checks()

    dead = checks[f"{DEAD}#0"]
    assert dead.status == "failed"
    assert "ConnectError" in (dead.reason or "")
    assert (dead.list_pages, dead.candidates, dead.fetched) == (0, 0, 0)
    assert dead.first_crawl is True

    guarded = checks[f"{GUARDED}#0"]
    assert guarded.status == "blocked"
    assert "HTTP 412 with a $_ts script" in (guarded.reason or "")
    assert (guarded.list_pages, guarded.fetched) == (0, 0)

    assert all(checks[f"{site.slug}#0"].status == "ok" for site in SITES)
    assert {d.source_id for d in published.documents()} == {f"{site.slug}#0" for site in SITES} | {
        "km-gov#0"
    }

    # A failed first crawl leaves the next one a backfill still.
    published.clear()
    await service.crawl_source(sources.agencies[-2], 0)
    assert published.checks()[f"{DEAD}#0"].first_crawl is True
