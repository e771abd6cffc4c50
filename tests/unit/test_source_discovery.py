"""`nianbao sources discover`: report columns found on fixture portals, politely, with evidence."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
import yaml

from services.ingest.discovery.columns import column_evidence, is_report_title
from services.ingest.discovery.portal import (
    Discovery,
    append_to_sources,
    discover,
    proposal_yaml,
)
from services.ingest.fetcher import PoliteFetcher
from services.ingest.settings import IngestSettings
from shared.errors import ConfigurationError
from shared.sources import parse_sources
from tests import portal_fixtures as fixtures

pytestmark = pytest.mark.unit


async def _resolve(host: str, port: int) -> list[str]:
    if host not in fixtures.ADDRESSES:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return fixtures.ADDRESSES[host]


class Portal:
    def __init__(self, pages: dict[str, str]):
        self.pages = pages
        self.requested: list[str] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.requested.append(url)
        if url in self.pages:
            kind = "text/plain" if url.endswith("robots.txt") else "text/html; charset=utf-8"
            return httpx.Response(200, text=self.pages[url], headers={"Content-Type": kind})
        return httpx.Response(404, text="<html>404</html>")

    def pages_read(self) -> list[str]:
        return [u for u in self.requested if not u.endswith("/robots.txt")]


@pytest.fixture
async def run() -> AsyncIterator[Callable[..., object]]:
    made: list[PoliteFetcher] = []

    async def go(portal: Portal, home: str, **options: object) -> Discovery:
        fetcher = PoliteFetcher(
            IngestSettings(), transport=httpx.MockTransport(portal), resolve=_resolve
        )
        made.append(fetcher)
        return await discover(fetcher, home, min_delay=0.0, **options)  # type: ignore[arg-type]

    yield go
    for fetcher in made:
        await fetcher.close()


async def test_trs_portal_column_found_by_metadata_robots_respected(
    run: Callable[..., object],
) -> None:
    portal = Portal(fixtures.trs_portal())
    found = await run(portal, fixtures.TRS + "/")  # type: ignore[misc]
    assert [c.url for c in found.columns] == [fixtures.TRS + "/zfxxgk/ndbg/"]
    column = found.columns[0]
    assert column.name == "政府信息公开年报"
    assert column.kind == "政府信息公开工作年度报告"
    assert "ColumnType 信息公开年报" in column.reasons
    assert column.sample_titles[0] == "昆明市人民政府2024年政府信息公开工作年度报告"
    assert not column.multi_agency
    assert (found.site_name, found.region_code) == ("昆明市人民政府", "530100")
    # robots.txt forbids /admin/; the off-site 年度报告 link is not followed; news is not read.
    assert fixtures.TRS + "/admin/ndbg/" not in portal.requested
    assert not any("elsewhere" in u for u in portal.requested)
    assert fixtures.TRS + "/zwdt/" not in portal.requested
    proposal = parse_sources("agencies:\n" + proposal_yaml(found))
    agency = proposal.agencies[0]
    assert (agency.id, agency.region_code) == ("demo-city-gov-cn", "530100")
    assert agency.expects == ("政府信息公开工作年度报告",)
    assert [s.list_url for s in agency.sources] == [fixtures.TRS + "/zfxxgk/ndbg/"]


async def test_hanweb_multi_agency_column_gets_covers(run: Callable[..., object]) -> None:
    portal = Portal(fixtures.hanweb_portal())
    found = await run(portal, fixtures.HANWEB + "/")  # type: ignore[misc]
    assert [c.url for c in found.columns] == [fixtures.HANWEB + "/col/col123/index.html"]
    column = found.columns[0]
    assert "link text 法治政府建设" in column.reasons
    assert column.report_items == 4  # the 推进会 is news about reports, not one
    assert column.multi_agency
    assert column.places[:3] == ["北京市", "海淀区", "朝阳区"]
    text = proposal_yaml(found, "bj-gov")
    assert 'covers: {region: "110000"}' in text
    assert "#   e.g. 北京市人民政府关于2024年法治政府建设情况的报告" in text
    source = parse_sources("agencies:\n" + text).agencies[0].sources[0]
    assert source.covers is not None
    assert source.covers.region == "110000"
    assert fixtures.HANWEB + "/col/col200/index.html" not in portal.requested  # 新闻中心


async def test_plain_template_found_by_titles_news_column_left_out(
    run: Callable[..., object],
) -> None:
    portal = Portal(fixtures.plain_portal())
    found = await run(portal, fixtures.PLAIN + "/")  # type: ignore[misc]
    assert [c.url for c in found.columns] == [fixtures.PLAIN + "/list.asp?id=7"]
    assert fixtures.PLAIN + "/list.asp?id=3" in portal.requested  # read, and rejected
    column = found.columns[0]
    assert column.kind is None  # both kinds in one column
    assert "3 of 3 items are report titles" in column.reasons
    assert found.region_code is None
    assert found.pages_read == 3


async def test_page_and_depth_limits(run: Callable[..., object]) -> None:
    portal = Portal(fixtures.trs_portal())
    found = await run(portal, fixtures.TRS + "/", max_pages=2)  # type: ignore[misc]
    assert len(portal.pages_read()) == 2
    assert found.columns == []  # the column is three pages in
    shallow = Portal(fixtures.trs_portal())
    await run(shallow, fixtures.TRS + "/", depth=1)  # type: ignore[misc]
    assert fixtures.TRS + "/zfxxgk/ndbg/" not in shallow.requested


async def test_an_unreachable_home_is_an_error_not_a_crash(run: Callable[..., object]) -> None:
    found = await run(Portal({}), "http://nowhere.gov.cn/")  # type: ignore[misc]
    assert found.columns == []
    assert found.errors
    with pytest.raises(ConfigurationError):
        await run(Portal({}), "ftp://x")  # type: ignore[misc]


@pytest.mark.parametrize(
    ("title", "report"),
    [
        ("昆明市人民政府2024年政府信息公开工作年度报告", True),
        ("朝阳区2024年度法治政府建设情况报告", True),
        ("关于2023年度法治政府建设情况的报告", True),
        ("市政府召开法治政府建设工作推进会", False),
        ("2024年政府工作报告", False),
        ("关于征求2025年法治政府建设工作要点意见的通知", False),
    ],
)
def test_report_titles(title: str, report: bool) -> None:
    assert is_report_title(title) is report


def test_a_page_of_news_is_no_column() -> None:
    pages = fixtures.hanweb_portal()
    assert (
        column_evidence(
            pages[fixtures.HANWEB + "/col/col200/index.html"],
            fixtures.HANWEB + "/col/col200/index.html",
            "新闻中心",
        )
        is None
    )


def test_write_appends_validated(tmp_path: Path) -> None:
    found = Discovery(home=fixtures.TRS + "/", site_name="昆明市人民政府", region_code="530100")
    found.columns.append(
        column_evidence(
            fixtures.trs_portal()[fixtures.TRS + "/zfxxgk/ndbg/"], fixtures.TRS + "/zfxxgk/ndbg/"
        )  # type: ignore[arg-type]
    )
    proposal = proposal_yaml(found)
    existing = "agencies:\n- id: demo-city-gov-cn\n  name: 昆明市科学技术局\n"
    combined = append_to_sources(existing, proposal, "sources.yaml")
    agencies = parse_sources(combined).agencies
    assert [a.id for a in agencies] == ["demo-city-gov-cn", "demo-city-gov-cn-2"]
    assert yaml.safe_load(combined)["agencies"][1]["region_code"] == "530100"
    assert parse_sources(append_to_sources("", proposal, "new.yaml")).agencies[0].sources
    with pytest.raises(ConfigurationError, match="no `agencies:`"):
        append_to_sources("rules: []\n", proposal, "deadlines.yaml")
    with pytest.raises(ConfigurationError):
        append_to_sources("agencies:\n  - id: BAD ID\n", proposal, "bad.yaml")
