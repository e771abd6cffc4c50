"""The dashboard as a reader sees it (Starlette's test client, SQLite and PostgreSQL): the
heat map and its drill-down, filters and search, a filing's diff, an agency's source health,
Atom feeds, and every value escaped."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
from sqlalchemy.orm import Session, sessionmaker

from services.store.service import StoreService
from services.store.web import create_pages
from tests import dashboard_data
from tests.conftest import FakeClock

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.integration
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
async def store(migrated_sessions: sessionmaker[Session], clock: FakeClock) -> StoreService:
    return await dashboard_data.build_record(migrated_sessions, clock)


@pytest.fixture
def web(store: StoreService) -> TestClient:
    return TestClient(create_pages(store.sessions))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_overview_counts_each_province_and_drills_down_to_agencies(web: TestClient) -> None:
    page = web.get("/")
    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    text = _text(page.text)
    # 云南省: 5 agencies × 6 years (2019–2024); 2024: 1 filed, 1 late (wh-evil, 4月2日),
    # 2 missing (km-sfj, wh-gov), 1 unknown (曲靖, blocked): on time 1 of 4 decided.
    yunnan = re.search(r"云南省(.*?)</tr>", page.text, re.S)
    assert yunnan is not None
    assert '25%<span class="counts">1/1/2/1/0</span>' in yunnan.group(1)
    assert 'href="/regions/530000?kind=' in page.text
    assert "四川省" in text
    assert "截至 2025-04-10 00:00 UTC" in text
    assert "<svg" in page.text
    assert "2024年度 40%" in page.text

    city = web.get("/regions/530000")
    assert "昆明市" in city.text
    assert "曲靖市" in city.text
    kunming = web.get("/regions/530100")
    assert "本级机关" in kunming.text
    assert "五华区" in kunming.text
    assert 'href="/agencies/km-kjj"' in kunming.text  # 市本级 agencies listed
    county = web.get("/regions/530102")
    assert 'href="/agencies/wh-gov"' in county.text
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', county.text, re.S)
    assert crumbs is not None
    assert _text(crumbs.group(0)).split() == [
        "全国",
        "云南省",
        "昆明市",
        "五华区",
    ]


def test_agency_cells_link_to_their_evidence(web: TestClient, store: StoreService) -> None:
    ids = dashboard_data.ids(store)
    page = web.get("/regions/530100").text
    assert f'href="/filings/{ids["km-kjj"]}"' in page  # filed: the filing itself
    assert 'href="/agencies/km-sfj#sources"' in page  # missing: the sources crawled fine
    blocked = web.get("/regions/530300").text
    assert "无法判断" in blocked
    assert 'href="/agencies/qj-kjj#sources"' in blocked


def test_the_kind_selector_and_bad_parameters(web: TestClient) -> None:
    other = web.get("/", params={"kind": "政府信息公开工作年度报告"})
    assert other.status_code == 200
    assert "这里还没有任何公开义务的记录" in other.text  # no agency of the scenario expects it
    assert web.get("/", params={"kind": "<b>x</b>"}).status_code == 400
    assert "&lt;b&gt;x&lt;/b&gt;" in web.get("/", params={"kind": "<b>x</b>"}).text
    assert web.get("/regions/123").status_code == 404
    assert web.get("/regions/990000").status_code == 404
    assert web.get("/filings", params={"year": "20x4"}).status_code == 400
    assert web.get("/filings", params={"region": "火星"}).status_code == 400
    assert web.get("/filings/nope").status_code == 404
    assert web.get("/agencies/nope").status_code == 404


def test_every_value_is_escaped(web: TestClient, store: StoreService) -> None:
    ids = dashboard_data.ids(store)
    for path in (
        "/regions/530102",
        "/filings",
        f"/filings/{ids['wh-evil']}",
        "/agencies/wh-evil",
        "/agencies/qj-kjj",
    ):
        page = web.get(path)
        assert page.status_code == 200, path
        assert "<script>" not in page.text, path
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;局" in web.get("/agencies/wh-evil").text
    assert "HTTP 412 &lt;anti-bot&gt;" in web.get("/agencies/qj-kjj").text
    reflected = web.get("/filings", params={"q": '"><script>x</script>'}).text
    assert "<script>x" not in reflected
    assert "&#34;&gt;&lt;script&gt;" in reflected


def test_filters_and_full_text_search(web: TestClient, store: StoreService) -> None:
    ids = dashboard_data.ids(store)

    def listed(**params: str) -> set[str]:
        page = web.get("/filings", params=params)
        assert page.status_code == 200
        return set(re.findall(r'href="/filings/([0-9a-f]{32})"', page.text))

    assert listed() == set(ids.values())
    assert listed(region="云南省") == {ids["km-kjj"], ids["wh-evil"]}
    assert listed(region="510000") == {ids["cd-kjj"]}
    assert listed(status="late") == {ids["wh-evil"]}
    assert listed(status="on_time", region="530000") == {ids["km-kjj"]}
    assert listed(agency="km-kjj") == {ids["km-kjj"]}
    assert listed(year="2023") == set()
    assert listed(q="旁听庭审") == {ids["km-kjj"]}  # only in the second version's text
    assert listed(q="科技成果转化", region="云南省") == set()
    assert "没有符合条件的年报" in web.get("/filings", params={"year": "2023"}).text


def test_the_filing_page_shows_urls_versions_their_diff_and_contents(
    web: TestClient, store: StoreService
) -> None:
    page = web.get(f"/filings/{dashboard_data.ids(store)['km-kjj']}").text
    assert page.count("t20250306_1") >= 2
    assert "t20250306_1_edit.html" in page
    assert "第 1 版 → 第 2 版的改动" in page
    assert "<del>开展学法12次。</del><ins>开展学法15次，组织旁听庭审2次。</ins>" in page
    assert "《中华人民共和国行政复议法》" in page
    assert "按时公开" in page
    assert "2025-04-01" in page


def test_the_agency_page_shows_obligations_and_source_health(web: TestClient) -> None:
    page = web.get("/agencies/qj-kjj").text
    text = _text(page)
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', page, re.S)
    assert crumbs is not None
    assert '<a href="/regions/530300">曲靖市</a>' in crumbs.group(0)
    assert '<span aria-current="page">曲靖市科学技术局</span>' in crumbs.group(0)
    assert "被拦截" in text
    assert "2025-04-09 08:00" in text
    assert "2024 法治政府建设年度报告 2025-04-01 无法判断" in text
    assert "从未" in text  # never a successful crawl
    assert "2024 法治政府建设年度报告 2025-04-01 未公开" in _text(web.get("/agencies/km-sfj").text)


def test_atom_feeds_of_new_filings_and_overdue_alerts(web: TestClient, store: StoreService) -> None:
    feed = web.get("/feeds/filings.atom", params={"region": "云南省"})
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(feed.content)
    titles = [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")]
    assert len(titles) == 2
    assert any("<script>" in (t or "") for t in titles)
    assert "成都" not in feed.text
    overdue = ElementTree.fromstring(
        web.get("/feeds/overdue.atom", params={"kind": "法治政府建设年度报告"}).content
    )
    entries = {e.findtext(f"{ATOM}title") for e in overdue.iter(f"{ATOM}entry")}
    # Only deadlines that passed while watched (2024's) raise an alert: 司法局 and 五华区.
    assert entries == {
        "逾期未公开:昆明市司法局2024年法治政府建设年度报告",
        "逾期未公开:五华区人民政府2024年法治政府建设年度报告",
    }
    links = [ln.get("href") for ln in overdue.iter(f"{ATOM}link")]
    assert "http://testserver/agencies/km-sfj" in links
    assert web.get("/feeds/overdue.atom", params={"kind": "bad"}).status_code == 400


def test_static_stylesheet_is_served_from_the_package(web: TestClient) -> None:
    css = web.get("/static/nianbao.css")
    assert css.status_code == 200
    assert "text/css" in css.headers["content-type"]
    assert "@media" in css.text


def test_as_of_is_the_last_deadline_check(store: StoreService, clock: FakeClock) -> None:
    clock.now = datetime(2025, 5, 1, 6, 30, tzinfo=UTC)  # later, but no check ran since
    web = TestClient(create_pages(store.sessions))
    assert "截至 2025-04-10 00:00 UTC" in _text(web.get("/").text)


async def test_the_overview_counts_are_read_again_in_the_background(
    store: StoreService, clock: FakeClock
) -> None:
    import asyncio

    from sqlalchemy import update

    from services.store.db.models import Obligation
    from services.store.web.overview import Snapshots

    snapshots = Snapshots(store.sessions, max_age=0.0)
    first = snapshots.get("法治政府建设年度报告")
    assert first.tallies["53"][2024]["missing"] == 2
    with store.sessions() as session, session.begin():
        session.execute(update(Obligation).values(status="filed"))
    stale = snapshots.get("法治政府建设年度报告")  # answered at once, re-read behind it
    assert stale is first
    for _ in range(100):
        fresh = snapshots.get("法治政府建设年度报告")
        if fresh is not first:
            break
        await asyncio.sleep(0.05)
    assert fresh.tallies["53"][2024] == {"filed": 5}
