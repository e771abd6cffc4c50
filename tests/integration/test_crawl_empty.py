"""A column that changes its markup: list pages that give nothing are `empty`, never `ok`.

A portal redesign that hides the links (a script-rendered list) would otherwise count as a
successful check after the deadline, and an agency that did publish could be called missing.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from services.ingest.fetcher import PoliteFetcher
from services.ingest.service import IngestService
from services.ingest.settings import IngestSettings
from services.ingest.state import MemoryCrawlState
from shared.blobs import MemoryBlobStore
from shared.events import SourceChecked
from shared.metrics import CRAWLS
from shared.sources import parse_sources
from tests.conftest import FakeClock

pytestmark = pytest.mark.integration

_REPORTS = [
    ("/art/1.html", "昆明市科学技术局2023年法治政府建设年度报告", "2024-03-28"),
    ("/art/2.html", "昆明市科学技术局2022年法治政府建设年度报告", "2023-03-29"),
    ("/art/3.html", "昆明市科学技术局2021年法治政府建设年度报告", "2022-03-30"),
]
_NEWS = [
    ("/art/4.html", "市科技局召开全市科技工作会议", "2024-05-06"),
    ("/art/5.html", "市科技局开展科技活动周宣传", "2024-05-20"),
]
_SHELL = "<html><head><meta charset='utf-8'><title>法治政府建设</title></head><body>"


def _list(items: list[tuple[str, str, str]]) -> str:
    rows = "".join(f"<li><a href='{u}'>{t}</a><span>{d}</span></li>" for u, t, d in items)
    return f"{_SHELL}<div class='nav'><a href='/'>首页</a></div><ul class='list'>{rows}</ul></body></html>"


class _Column(BaseHTTPRequestHandler):
    """One 法治政府建设 column whose markup the test switches: `reports`, `script`, `news`."""

    markup: ClassVar[str] = "reports"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        if self.path == "/robots.txt":
            body = "User-agent: *\nAllow: /\n"
        elif self.path.startswith("/col/"):
            body = {
                "reports": _list(_REPORTS + _NEWS),
                # The redesign: the list is drawn by a script from an API the crawler never sees.
                "script": f"{_SHELL}<div id='app'></div><script src='/static/app.js'></script></body></html>",
                "news": _list(_NEWS),
            }[type(self).markup]
        else:
            title = next((t for u, t, _ in _REPORTS + _NEWS if u == self.path), "页面")
            body = f"{_SHELL}<h1>{title}</h1><p>{'依法行政，推进法治政府建设。' * 40}</p></body></html>"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def column_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Column)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Column.markup = "reports"
    yield f"http://127.0.0.1:{server.server_address[1]}/col/fzzf/index.html"
    server.shutdown()
    server.server_close()


@pytest.fixture
async def crawler(clock: FakeClock) -> AsyncIterator[IngestService]:
    settings = IngestSettings(allow_private_networks=True, max_retries=1)
    fetcher = PoliteFetcher(settings)

    async def publish(subject: str, event: object) -> None:
        return None

    yield IngestService(
        fetcher=fetcher,
        blobs=MemoryBlobStore(),
        state=MemoryCrawlState(),
        publish=publish,
        clock=clock,
    )
    await fetcher.close()


async def _crawl(service: IngestService, list_url: str) -> SourceChecked:
    sources = parse_sources(
        "agencies:\n  - id: km-kjj\n    name: 昆明市科学技术局\n    region_code: '530100'\n"
        f"    sources:\n      - list_url: {list_url}\n        min_delay_seconds: 0\n"
    )
    (agency,) = sources.agencies
    return await service.crawl_source(agency, 0)


async def test_a_column_that_hides_its_links_after_a_redesign_is_empty(
    crawler: IngestService, column_url: str, clock: FakeClock
) -> None:
    first = await _crawl(crawler, column_url)
    assert (first.status, first.items, first.candidates) == ("ok", 5, 3)

    _Column.markup = "script"
    before = CRAWLS.labels(status="empty")._value.get()
    clock.advance(hours=7)
    redesigned = await _crawl(crawler, column_url)
    assert redesigned.status == "empty"
    assert redesigned.items == 0
    assert "gave no items" in (redesigned.reason or "")
    assert CRAWLS.labels(status="empty")._value.get() == before + 1


async def test_a_column_that_lost_its_reports_is_empty_until_they_come_back(
    crawler: IngestService, column_url: str, clock: FakeClock
) -> None:
    assert (await _crawl(crawler, column_url)).status == "ok"
    _Column.markup = "news"
    clock.advance(hours=7)
    news_only = await _crawl(crawler, column_url)
    assert news_only.status == "empty"
    assert "where the last crawl found 3" in (news_only.reason or "")
    clock.advance(hours=7)
    assert (await _crawl(crawler, column_url)).status == "empty"  # still not a check
    _Column.markup = "reports"
    clock.advance(hours=7)
    assert (await _crawl(crawler, column_url)).status == "ok"


async def test_a_quiet_column_that_never_had_reports_stays_ok(
    crawler: IngestService, column_url: str
) -> None:
    _Column.markup = "news"
    checked = await _crawl(crawler, column_url)
    assert (checked.status, checked.items, checked.candidates) == ("ok", 2, 0)
