"""`nianbao crawl` (dry run and real) and per-source pagination patterns, on a loopback portal."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
import yaml
from click.testing import CliRunner

from services.cli import main
from services.demo_portal.hosts import HostsPortal, Reply, html
from services.ingest.fetcher import PoliteFetcher
from services.ingest.gate import GATE_BUCKET
from services.ingest.service import IngestService
from services.ingest.settings import IngestSettings
from services.ingest.state import MemoryCrawlState
from shared.blobs import MemoryBlobStore
from shared.bus import STREAM_NAME
from shared.embedded_nats import EmbeddedNats
from shared.events import Event
from shared.sources import AgencySpec, SourceSpec
from tests.conftest import FakeClock

pytestmark = pytest.mark.integration

SITE, GUARDED, PAGED = "127.0.0.61", "127.0.0.62", "127.0.0.63"
REPORT = "某区司法局2023年法治政府建设年度报告"


def listing(rows: list[tuple[str, str, str]]) -> str:
    items = "".join(f'<li><a href="{h}">{t}</a><span>{d}</span></li>' for h, t, d in rows)
    return f'<html><head><meta charset="utf-8"></head><body><ul class="list">{items}</ul></body></html>'


@pytest.fixture(scope="module")
def portal() -> Iterator[HostsPortal]:
    with HostsPortal([SITE, GUARDED, PAGED]) as served:
        rows = [
            ("/xxgk/202403/t20240330_1.html", REPORT, "2024-03-30"),
            ("/xxgk/202403/t20240301_2.html", "关于清明节放假的通知", "2024-03-01"),
            ("/xxgk/202303/t20230330_3.html", "某区司法局2022年法治政府建设年度报告", "2023-03-30"),
        ]
        served.add(SITE, "/xxgk/index.html", html(listing(rows)))
        served.add(SITE, "/xxgk/202403/t20240330_1.html", html(f"<h1>{REPORT}</h1>"))
        served.add(SITE, "/xxgk/202303/t20230330_3.html", html("<h1>2022 报告</h1>"))
        served.add(GUARDED, "/robots.txt", Reply(status=412, body=b"<script>$_ts={};</script>"))
        for n in range(1, 4):
            rows = [(f"/p/2024/t2024030{n}_{n}.html", f"第{n}页 工作动态", f"2024-03-0{n}")]
            served.add(
                PAGED, "/p/list.html" if n == 1 else f"/p/list_{n}.html", html(listing(rows))
            )
        yield served


@pytest.fixture
def sources_file(portal: HostsPortal, tmp_path: Path) -> Path:
    data = {
        "agencies": [
            {
                "id": "site",
                "name": "某区司法局",
                "sources": [
                    {"list_url": portal.url(SITE, "/xxgk/index.html"), "min_delay_seconds": 0}
                ],
            },
            {
                "id": "guarded",
                "name": "某市司法局",
                "sources": [{"list_url": portal.url(GUARDED, "/col/col1/index.html")}],
            },
        ]
    }
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def run(args: list[str], sources: Path, **env: str) -> tuple[int, str, str]:
    environment = {
        "NIANBAO_SOURCES": str(sources),
        "NIANBAO_ALLOW_PRIVATE_NETWORKS": "1",
        "NIANBAO_DATA_DIR": str(sources.parent / "var"),
        **env,
    }
    result = CliRunner().invoke(main, ["crawl", *args], env=environment, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_dry_run_prints_candidates_and_fetches_no_detail_page(
    portal: HostsPortal, sources_file: Path
) -> None:
    before = len(portal.requests(SITE))
    status, out, err = run(["--source", "site", "--dry-run", "--json"], sources_file)
    assert (status, err) == (0, "")
    assert [json.loads(line) for line in out.splitlines()] == [
        {
            "source_id": "site#0",
            "url": portal.url(SITE, "/xxgk/202403/t20240330_1.html"),
            "title": REPORT,
            "date": "2024-03-30",
        },
        {
            "source_id": "site#0",
            "url": portal.url(SITE, "/xxgk/202303/t20230330_3.html"),
            "title": "某区司法局2022年法治政府建设年度报告",
            "date": "2023-03-30",
        },
    ]
    assert [h.target for h in portal.requests(SITE)[before:]] == ["/robots.txt", "/xxgk/index.html"]


def test_dry_run_in_text_names_a_blocked_source_and_fails(sources_file: Path) -> None:
    status, out, err = run(["--dry-run"], sources_file)
    assert status == 1
    assert out.splitlines()[0].startswith("site#0  ok, 1 list page(s), 2 candidate(s)")
    assert f"  2024-03-30  {REPORT}  " in out
    assert "guarded#0  blocked, 0 list page(s), 0 candidate(s)" in out
    assert "nianbao: guarded#0 blocked: anti-bot challenge" in err


def test_an_unknown_source_is_a_clear_error(sources_file: Path) -> None:
    status, out, err = run(["--dry-run", "--source", "nope#3"], sources_file)
    assert (status, out) == (2, "")
    assert err == "nianbao: no source or agency 'nope#3'\n"


def test_real_crawl_publishes_to_nats(
    portal: HostsPortal, sources_file: Path, nats_server: EmbeddedNats
) -> None:
    status, out, err = run(
        ["--source", "site#0", "--json"], sources_file, NIANBAO_NATS_URL=nats_server.url
    )
    assert (status, err) == (0, "")
    (check,) = [json.loads(line) for line in out.splitlines()]
    assert (check["source_id"], check["status"], check["candidates"], check["fetched"]) == (
        "site#0",
        "ok",
        2,
        2,
    )

    async def stream_subjects() -> tuple[dict[str, int], list[str]]:
        nc = await nats.connect(nats_server.url)
        try:
            js = nc.jetstream()
            info = await js.stream_info(STREAM_NAME, subjects_filter="nianbao.>")
            buckets = [b async for b in _bucket_names(js)]
            return dict(info.state.subjects or {}), buckets
        finally:
            await nc.close()

    subjects, buckets = asyncio.run(stream_subjects())
    assert subjects == {"nianbao.document.fetched.v1": 2, "nianbao.source.checked.v1": 1}
    assert f"KV_{GATE_BUCKET}" in buckets  # the politeness gate went through NATS


async def _bucket_names(js: object) -> object:
    for name in await js.streams_info():  # type: ignore[attr-defined]
        yield name.config.name


class PatternSpec(SourceSpec):
    """A SourceSpec with the proposed `page_pattern` option."""

    page_pattern: str | None = None


async def crawl_with_pattern(portal: HostsPortal, pattern: str) -> tuple[int, int, list[str]]:
    spec = PatternSpec(
        list_url=portal.url(PAGED, "/p/list.html"),
        page_pattern=pattern,
        max_pages=8,
        min_delay_seconds=0,
    )
    agency = AgencySpec(id="paged", name="某县", sources=(spec,))

    async def publish(subject: str, event: Event) -> None:
        pass

    fetcher = PoliteFetcher(IngestSettings(allow_private_networks=True, max_retries=0))
    service = IngestService(fetcher, MemoryBlobStore(), MemoryCrawlState(), publish, FakeClock())
    before = len(portal.requests(PAGED))
    try:
        found = await service.discover(agency, 0)
    finally:
        await fetcher.close()
    targets = [h.target for h in portal.requests(PAGED)[before:]]
    return found.list_pages, len(found.candidates), targets


async def test_page_pattern_reads_until_a_page_is_missing(portal: HostsPortal) -> None:
    pages, _, targets = await crawl_with_pattern(portal, "list_{n}.html")
    assert pages == 3
    assert targets == [
        "/robots.txt",
        "/p/list.html",
        "/p/list_2.html",
        "/p/list_3.html",
        "/p/list_4.html",  # 404: the end, not an error
    ]


async def test_page_pattern_stops_when_a_page_brings_nothing_new(portal: HostsPortal) -> None:
    # `list_{i}` makes page 2 `list_1.html`, which this portal does not have: stop at once.
    pages, _, targets = await crawl_with_pattern(portal, "list_{i}.html")
    assert (pages, targets[-1]) == (1, "/p/list_1.html")
    portal.add(
        PAGED,
        "/p/list_4.html",
        html(listing([("/p/2024/t20240303_3.html", "第3页 工作动态", "2024-03-03")])),
    )
    pages, _, targets = await crawl_with_pattern(portal, "list_{n}.html")
    assert pages == 4  # page 4 repeats page 3: read, then no further
    assert "/p/list_5.html" not in targets
