"""The bundled demo portal: served on loopback, walked with discovery as the crawler would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner
from selectolax.lexbor import LexborHTMLParser

from services.cli import main
from services.demo_portal.catalogue import SITES, AgencySite
from services.demo_portal.server import DemoPortal
from services.demo_portal.site import list_url
from services.demo_portal.sources import demo_sources_yaml, seed_labels, seeds_dir
from services.ingest.discovery.list_page import looks_like_report, parse_list_page
from services.ingest.discovery.model import ListItem, PageRequest
from shared.decoding import decode_bytes
from shared.sources import load_sources

pytestmark = pytest.mark.unit

PAGES_PER_SITE = {"mengzi-kjj": 3, "changde-kjj": 2, "luohe-kjj": 3, "km-kjj": 3, "bazhong-kjj": 2}
ITEMS_PER_SITE = {
    "mengzi-kjj": 11,
    "changde-kjj": 8,
    "luohe-kjj": 10,
    "km-kjj": 11,
    "bazhong-kjj": 8,
}


@pytest.fixture(scope="module")
def portal() -> Iterator[DemoPortal]:
    server = DemoPortal()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as http:
        yield http


def fetch(client: httpx.Client, request: PageRequest) -> httpx.Response:
    response = client.request(request.method, request.url, data=dict(request.form) or None)
    assert response.status_code == 200, (request, response.status_code)
    return response


def text_of(response: httpx.Response) -> str:
    text, _ = decode_bytes(response.content, response.charset_encoding)
    return text


def walk(client: httpx.Client, first_url: str) -> tuple[list[PageRequest], dict[str, ListItem]]:
    """Every list page reachable from `first_url`, and the items they list (by URL)."""
    queue: list[PageRequest] = [PageRequest(first_url)]
    seen: list[PageRequest] = []
    items: dict[str, ListItem] = {}
    while queue:
        request = queue.pop(0)
        if request in seen:
            continue
        seen.append(request)
        page = parse_list_page(text_of(fetch(client, request)), request.url)
        assert page.items, request
        for item in page.items:
            items.setdefault(item.url, item)
        queue.extend(page.further_pages)
    return seen, items


def seed_url(portal: DemoPortal, site: AgencySite) -> str:
    (seed,) = [a for a in portal.site.articles[site.slug] if a.is_seed]
    return portal.base_url + seed.path


def metas(html: str) -> dict[str, str]:
    tree = LexborHTMLParser(html)
    return {
        str(node.attributes["name"]): node.attributes.get("content") or ""
        for node in tree.css("meta[name]")
    }


@pytest.mark.parametrize("site", SITES, ids=lambda s: s.slug)
def test_walking_the_list_finds_every_article_and_the_seed_report(
    portal: DemoPortal, client: httpx.Client, site: AgencySite
) -> None:
    pages, items = walk(client, list_url(portal.base_url, site))

    assert len(pages) == PAGES_PER_SITE[site.slug]
    assert set(items) == {portal.base_url + a.path for a in portal.site.articles[site.slug]}
    assert len(items) == ITEMS_PER_SITE[site.slug]
    candidates = {url for url, item in items.items() if looks_like_report(item.title)}
    # the report itself plus the two on-topic decoys (a meeting, a work plan); the extractor
    # tells them apart, discovery must only not lose the report
    assert seed_url(portal, site) in candidates
    decoys = {url for url in candidates if url != seed_url(portal, site)}
    decoy_titles = sorted(items[url].title for url in decoys)
    assert [title.endswith(("工作要点", "推进会")) for title in decoy_titles] == [True, True]
    assert {title[-3:] for title in decoy_titles} == {"作要点", "推进会"}


@pytest.mark.parametrize("slug", ["mengzi-kjj", "luohe-kjj", "km-kjj"])
def test_seed_is_not_on_the_first_page_where_pagination_matters(
    portal: DemoPortal, client: httpx.Client, slug: str
) -> None:
    site = next(s for s in SITES if s.slug == slug)
    first = parse_list_page(
        text_of(fetch(client, PageRequest(list_url(portal.base_url, site)))),
        list_url(portal.base_url, site),
    )

    assert first.further_pages
    assert seed_url(portal, site) not in {item.url for item in first.items}


def test_hanweb_pages_come_only_by_post(portal: DemoPortal, client: httpx.Client) -> None:
    site = next(s for s in SITES if s.style == "hanweb")
    first_url = list_url(portal.base_url, site)
    page = parse_list_page(text_of(fetch(client, PageRequest(first_url))), first_url)

    assert [(r.method, r.url.removeprefix(portal.base_url)) for r in page.further_pages] == [
        ("POST", "/module/web/jpage/dataproxy.jsp?startrecord=5&endrecord=8&perpage=4"),
        ("POST", "/module/web/jpage/dataproxy.jsp?startrecord=9&endrecord=12&perpage=4"),
    ]
    assert dict(page.further_pages[0].form)["columnid"] == "5321"
    assert client.get(page.further_pages[0].url).status_code == 405
    assert client.get(first_url.replace("index.html", "index_1.html")).status_code == 404
    wrong = dict(page.further_pages[0].form) | {"columnid": "999"}
    assert client.post(page.further_pages[0].url, data=wrong).status_code == 404


@pytest.mark.parametrize("site", SITES, ids=lambda s: s.slug)
def test_seed_detail_page_carries_the_label(
    portal: DemoPortal, client: httpx.Client, site: AgencySite
) -> None:
    label: dict[str, Any] = seed_labels()[site.seed_file]
    html = text_of(fetch(client, PageRequest(seed_url(portal, site))))
    meta = metas(html)

    assert meta["ArticleTitle"] == label["title"]
    assert re.fullmatch(rf"{site.region_code}\d{{4}}", meta["SiteIDCode"])
    assert f"网站标识码:{meta['SiteIDCode']}" in html
    body_start = (
        (seeds_dir() / site.seed_file).read_text("utf-8").splitlines()[site.body_lines[0] - 1]
    )
    assert body_start.strip()[:20] in html
    if label["published"] is None:
        assert "PubDate" not in meta
        assert "发布日期" not in html
        assert "发布时间" not in html
        assert not re.search(r"20\d\d-\d\d-\d\d", html)
    else:
        assert meta["PubDate"][:10] == label["published"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", meta["PubDate"])
        assert f"<th>发布日期:</th><td>{label['published']}</td>" in html


def test_undated_seed_has_no_date_in_its_list(portal: DemoPortal, client: httpx.Client) -> None:
    site = next(s for s in SITES if s.slug == "luohe-kjj")
    _, items = walk(client, list_url(portal.base_url, site))

    assert items[seed_url(portal, site)].date is None
    assert sum(item.date is None for item in items.values()) == 1


def test_gbk_site_is_served_and_decoded_as_gbk(portal: DemoPortal, client: httpx.Client) -> None:
    site = next(s for s in SITES if s.slug == "changde-kjj")
    response = fetch(client, PageRequest(seed_url(portal, site)))

    assert response.headers["content-type"] == "text/html; charset=gb2312"
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")
    text, encoding = decode_bytes(response.content, response.charset_encoding)
    assert encoding == "gb18030"
    assert 'charset=gb2312"' in text
    assert metas(text)["ArticleTitle"] == "2023年度常德市科学技术局法治政府建设情况工作报告"


def test_conditional_requests_get_304(portal: DemoPortal, client: httpx.Client) -> None:
    url = list_url(portal.base_url, SITES[0])
    first = client.get(url)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]

    by_tag = client.get(url, headers={"If-None-Match": etag})
    by_date = client.get(url, headers={"If-Modified-Since": last_modified})
    stale = client.get(url, headers={"If-None-Match": '"other"'})
    head = client.head(url)

    assert (by_tag.status_code, by_tag.content) == (304, b"")
    assert by_date.status_code == 304
    assert (stale.status_code, stale.content) == (200, first.content)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["etag"] == etag


def test_unknown_paths_and_robots(portal: DemoPortal, client: httpx.Client) -> None:
    assert client.get(portal.base_url + "/mengzi-kjj/nope.html").status_code == 404
    robots = client.get(portal.base_url + "/robots.txt")
    assert robots.text == "User-agent: *\nAllow: /\nDisallow: /admin/\n"


def test_sources_yaml_names_each_agency_and_its_list(portal: DemoPortal) -> None:
    data = yaml.safe_load(demo_sources_yaml(portal.base_url))
    labels = {label["agency"]: label for label in seed_labels().values()}

    assert [agency["id"] for agency in data["agencies"]] == [s.slug for s in SITES] + ["km-gov"]
    # The city government's 法治政府建设 专栏 carries its districts' reports: a multi-agency column.
    city = data["agencies"][-1]
    assert city["sources"][0]["covers"] == {"region": "530100", "kinds": ["法治政府建设年度报告"]}
    for agency, site in zip(data["agencies"][:-1], SITES, strict=True):
        assert agency["name"] in labels
        assert agency["region_code"] == labels[agency["name"]]["region"]["code"]
        assert agency["expects"] == (
            ["履职报告"] if site.slug == "bazhong-kjj" else ["法治政府建设年度报告"]
        )
        assert agency["sources"] == [
            {"list_url": list_url(portal.base_url, site), "min_delay_seconds": 0.05}
        ]
    assert data["agencies"][0]["sources"][0]["list_url"] == (
        portal.base_url + "/mengzi-kjj/fzzfjsbg/index.html"
    )


def test_discovery_from_the_city_home_page_finds_the_multi_agency_column(
    portal: DemoPortal, tmp_path: Path
) -> None:
    runner = CliRunner(env={"NIANBAO_ALLOW_PRIVATE_NETWORKS": "true", "NIANBAO_NOW": ""})
    target = tmp_path / "sources.yaml"
    args = ["sources", "discover", portal.base_url + "/km-gov/", "--min-delay", "0", "--id", "km"]
    printed = runner.invoke(main, args)
    assert printed.exit_code == 0, printed.output
    assert "# 法治政府建设: ColumnName 法治政府建设; link text 法治政府建设; 4 of 5 items" in (
        printed.output
    )
    assert "#   e.g. 五华区人民政府关于2024年法治政府建设情况的报告" in printed.output
    written = runner.invoke(main, [*args, "--write", str(target)])
    assert written.exit_code == 0, written.output
    source = load_sources(target).agencies[0].sources[0]
    assert source.list_url == portal.base_url + "/km-gov/ztzl/fzzfjs/index.html"
    assert source.covers is not None
    assert source.covers.region == "530100"  # from the pages' SiteIDCode
    assert load_sources(target).agencies[0].region_code == "530100"
    again = runner.invoke(main, [*args, "--write", str(target)])
    assert again.exit_code == 0, again.output
    assert [a.id for a in load_sources(target).agencies] == ["km", "km-2"]
    nothing = runner.invoke(main, [*args, "--max-pages", "1"])  # the home page alone
    assert nothing.exit_code == 1
    assert "no report column found" in nothing.output


def test_portal_stops_and_frees_its_port() -> None:
    with DemoPortal() as base_url:
        assert httpx.get(base_url + "/robots.txt").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url + "/robots.txt")
