"""IngestService against a fixture portal of ten hosts on 127.0.0.x, one per platform or trouble.

TRS (robots.txt, a redirect, an attachment), Hanweb (dataproxy POST), Guangdong gkmlpt (JSON
API), an old GBK ASP site, a site that lies about its charset (encoding and link selector set in
its source), a 412 anti-bot site, a slow site, a redirect loop, a missing list page and oversized
bodies. Asserted: what was found, what was never fetched, the spacing per host, and the events.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import date
from urllib.parse import quote

import pytest

from services.demo_portal.hosts import HostsPortal, Reply, html, redirect
from services.ingest import service as service_module
from services.ingest.fetcher import PoliteFetcher
from services.ingest.service import IngestService
from services.ingest.settings import IngestSettings
from services.ingest.state import MemoryCrawlState, PageState
from shared.blobs import MemoryBlobStore
from shared.events import DOCUMENT_FETCHED, SOURCE_CHECKED, DocumentFetched, Event, SourceChecked
from shared.sources import SourcesFile, parse_sources
from tests.conftest import FakeClock

pytestmark = pytest.mark.integration

TRS, HANWEB, GKMLPT, ASP, LIAR = (
    "127.0.0.41",
    "127.0.0.42",
    "127.0.0.43",
    "127.0.0.44",
    "127.0.0.45",
)
RUISHU, SLOW, LOOP, MISSING, HUGE = (
    "127.0.0.46",
    "127.0.0.47",
    "127.0.0.48",
    "127.0.0.49",
    "127.0.0.50",
)
HOSTS = [TRS, HANWEB, GKMLPT, ASP, LIAR, RUISHU, SLOW, LOOP, MISSING, HUGE]
MIN_DELAY = 0.15
CAP = 128 * 1024
TIMEOUT = 0.5
GKMLPT_LIST = "/gkmlpt/api/all/2?page=1&sid=757001"
PDF = b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF\n"
RUISHU_BODY = b'<html><script>$_ts=window["$_ts"];$_ts.nsd=84532;</script></html>'


class ExtendedDocumentFetched(DocumentFetched):
    """`document.fetched` with the optional HTTP fields proposed for the .v1 contract."""

    final_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    filename: str | None = None


def page_list(rows: list[tuple[str, str, str]], extra: str = "", charset: str = "utf-8") -> str:
    items = "".join(
        f'<li><a href="{href}" title="{title}">{title}</a><span class="date">{day}</span></li>'
        for href, title, day in rows
    )
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>列表</title></head><body>'
        '<div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a></div>'
        f'<div class="list"><ul>{items}</ul></div>{extra}'
        '<div class="footer"><a href="/lxwm/">联系我们</a></div></body></html>'
    )


def detail(title: str, body: str = "", charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title>'
        f'<meta name="ArticleTitle" content="{title}"></head><body><h1>{title}</h1>'
        f"<div class='content'><p>一、主要举措和成效</p>{body}</div></body></html>"
    )


def trs_site(portal: HostsPortal) -> None:
    base = "/xxgk/fzzfjs"
    portal.add(TRS, "/robots.txt", Reply(body=b"User-agent: *\nDisallow: /private/\n"))
    script = '<script>createPageHTML(3, {n}, "index", "html");</script>'
    lists = [
        [
            ("./202403/t20240330_101.html", "某市司法局2023年法治政府建设年度报告", "2024-03-30"),
            ("./202403/t20240301_102.html", "关于2024年清明节放假安排的通知", "2024-03-01"),
            (
                "/private/202402/t20240220_103.html",
                "某市司法局2023年政府信息公开工作年度报告",
                "2024-02-20",
            ),
        ],
        [("./202302/t20230328_104.html", "某市司法局2022年法治政府建设年度报告", "2023-03-28")],
        [("./202203/t20220325_105.html", "某市司法局2021年度法治政府建设情况报告", "2022-03-25")],
    ]
    for n, rows in enumerate(lists):
        name = "index.html" if n == 0 else f"index_{n}.html"
        portal.add(TRS, f"{base}/{name}", html(page_list(rows, script.format(n=n))))
    portal.add(
        TRS,
        f"{base}/202403/t20240330_101.html",
        html(detail(lists[0][0][1]), headers=(("ETag", '"r101"'),)),
    )
    portal.add(TRS, f"{base}/202403/t20240301_102.html", html(detail("放假通知")))
    portal.add(TRS, "/private/202402/t20240220_103.html", html(detail(lists[0][2][1])))
    portal.add(
        TRS, f"{base}/202302/t20230328_104.html", redirect(f"{base}/202302/moved_104.html", 301)
    )
    portal.add(
        TRS,
        f"{base}/202302/moved_104.html",
        html(detail(lists[1][0][1]), headers=(("Last-Modified", "Tue, 28 Mar 2023 08:00:00 GMT"),)),
    )
    portal.add(
        TRS,
        f"{base}/202203/t20220325_105.html",
        html(detail(lists[2][0][1], '<p>全文见附件:<a href="./W020220325.pdf">报告全文</a></p>')),
    )
    filename = "某市司法局2021年度报告.pdf"
    portal.add(
        TRS,
        f"{base}/202203/W020220325.pdf",
        Reply(
            body=PDF,
            content_type="application/pdf",
            headers=(("Content-Disposition", f"attachment; filename*=UTF-8''{quote(filename)}"),),
        ),
    )


def hanweb_site(portal: HostsPortal) -> None:
    def record(art: str, title: str, day: str) -> str:
        return f'<record><![CDATA[<li><a href="{art}" title="{title}">{title}</a><span>{day}</span></li>]]></record>'

    first = [
        record("/art/2024/3/28/art_1001_201.html", "某县2023年法治政府建设年度报告", "2024-03-28"),
        record("/art/2024/3/10/art_1001_202.html", "某县召开安全生产工作会议", "2024-03-10"),
    ]
    rest = [
        record("/art/2023/3/29/art_1001_203.html", "某县2022年法治政府建设年度报告", "2023-03-29"),
        record("/art/2023/1/10/art_1001_204.html", "某县2023年公开招聘教师公告", "2023-01-10"),
    ]
    page = (
        '<html><head><meta charset="utf-8"></head><body><div class="list-con">'
        '<div id="5001"><script type="text/xml"><datastore><recordset>'
        + "".join(first)
        + "</recordset></datastore></script></div><script>$('#5001').jpage({perPage: 2, "
        "groupSize: 1, totalRecord: 4, proxyUrl: '/module/web/jpage/dataproxy.jsp'});</script>"
        "</div></body></html>"
    )
    portal.add(HANWEB, "/col/col1001/index.html", html(page))

    def proxy(method: str, target: str, body: bytes) -> Reply:
        if method != "POST" or b"columnid=1001" not in body:
            return Reply(status=405)
        xml = "<datastore><recordset>" + "".join(rest) + "</recordset></datastore>"
        return Reply(body=xml.encode(), content_type="text/xml; charset=UTF-8")

    portal.add(HANWEB, "/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=4&perpage=2", proxy)
    for art, title in [
        ("/art/2024/3/28/art_1001_201.html", "某县2023年法治政府建设年度报告"),
        ("/art/2023/3/29/art_1001_203.html", "某县2022年法治政府建设年度报告"),
    ]:
        portal.add(HANWEB, art, html(detail(title)))


def gkmlpt_site(portal: HostsPortal) -> None:
    def article(n: int, title: str, when: int) -> dict[str, object]:
        return {
            "id": n,
            "title": title,
            "url": f"/gkmlpt/content/5/5123/post_{n}.html",
            "date": when,
        }

    pages = [
        [
            article(
                5123456, "某区司法局2023年法治政府建设年度报告", 1711764000
            ),  # 2024-03-30 10:00 +8
            article(5123455, "某区司法局关于开展普法宣传的通知", 1711000000),
        ],
        [article(5023001, "某区司法局2022年度法治政府建设情况报告", 1680000000)],
    ]
    for n, articles in enumerate(pages, start=1):
        target = GKMLPT_LIST if n == 1 else f"/gkmlpt/api/all/2?sid=757001&page={n}"
        body = json.dumps({"articles": articles, "total": 3}, ensure_ascii=False).encode()
        portal.add(GKMLPT, target, Reply(body=body, content_type="application/json;charset=UTF-8"))
    for n, title in [(5123456, pages[0][0]["title"]), (5023001, pages[1][0]["title"])]:
        portal.add(GKMLPT, f"/gkmlpt/content/5/5123/post_{n}.html", html(detail(str(title))))


def asp_site(portal: HostsPortal) -> None:
    def table(rows: list[tuple[str, str, str]], pager: str) -> str:
        cells = "".join(
            f'<tr><td><a href="{href}">{title}</a></td><td>{day}</td></tr>'
            for href, title, day in rows
        )
        return (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            f"</head><body><table class='list'>{cells}</table>{pager}</body></html>"
        )

    first = [
        ("ShowArticle.asp?ArticleID=301", "某县科技局2023年度法治政府建设工作报告", "2024-03-29"),
        ("ShowArticle.asp?ArticleID=302", "某县科技局召开党组会议", "2024-03-20"),
    ]
    second = [
        ("ShowArticle.asp?ArticleID=290", "某县科技局2022年度法治政府建设工作报告", "2023-03-30")
    ]
    gbk = {"charset": "gb18030", "declared": "gb2312"}
    portal.add(
        ASP,
        "/List.asp?ClassID=5",
        html(table(first, '<a href="List.asp?ClassID=5&page=2">下一页</a>'), **gbk),  # type: ignore[arg-type]
    )
    portal.add(ASP, "/List.asp?ClassID=5&page=2", html(table(second, ""), **gbk))  # type: ignore[arg-type]
    portal.add(
        ASP, "/ShowArticle.asp?ArticleID=301", html(detail(first[0][1], charset="gb2312"), **gbk)
    )  # type: ignore[arg-type]
    portal.add(
        ASP, "/ShowArticle.asp?ArticleID=290", html(detail(second[0][1], charset="gb2312"), **gbk)
    )  # type: ignore[arg-type]


def liar_site(portal: HostsPortal) -> None:
    """Declares UTF-8 but serves GBK; a denser dated "hot news" list beside the real one."""
    hot = "".join(
        f'<li><a href="/news/2024{n:02d}01_{n}.html">某局{n}月工作动态</a><span>2024-{n:02d}-01</span></li>'
        for n in range(1, 10)
    )
    real = (
        '<li><a href="/nb/2024/nb_1.html">某局2023年法治政府建设年度报告</a><span>2024-03-31</span></li>'
        '<li><a href="/nb/2023/nb_2.html">某局2022年法治政府建设年度报告</a><span>2023-03-31</span></li>'
    )
    page = f'<html><body><ul class="hot">{hot}</ul><ul class="nb-list">{real}</ul></body></html>'
    lie = {"charset": "gb18030", "declared": "utf-8"}
    portal.add(LIAR, "/nb/index.html", html(page, **lie))  # type: ignore[arg-type]
    portal.add(LIAR, "/nb/2024/nb_1.html", html(detail("某局2023年法治政府建设年度报告"), **lie))  # type: ignore[arg-type]
    portal.add(LIAR, "/nb/2023/nb_2.html", html(detail("某局2022年法治政府建设年度报告"), **lie))  # type: ignore[arg-type]


def troubled_sites(portal: HostsPortal) -> None:
    def ruishu(method: str, target: str, body: bytes) -> Reply:
        return Reply(status=412, body=RUISHU_BODY)

    for target in ("/robots.txt", "/col/col9/index.html"):
        portal.add(RUISHU, target, ruishu)
    portal.add(SLOW, "/xxgk/index.html", Reply(body=b"<html></html>", delay=3.0))
    portal.add(LOOP, "/list/index.html", redirect("/list/a.html"))
    portal.add(LOOP, "/list/a.html", redirect("/list/index.html"))
    big = b"<html><body>" + b"x" * (CAP * 2) + b"</body></html>"
    portal.add(
        HUGE,
        "/xxgk/index.html",
        html(
            page_list(
                [
                    (
                        "/xxgk/202403/t20240330_1.html",
                        "某局2023年法治政府建设年度报告",
                        "2024-03-30",
                    ),
                    (
                        "/xxgk/202303/t20230330_2.html",
                        "某局2022年法治政府建设年度报告",
                        "2023-03-30",
                    ),
                    (
                        "/xxgk/202203/t20220330_3.html",
                        "某局2021年法治政府建设年度报告",
                        "2022-03-30",
                    ),
                ]
            )
        ),
    )
    portal.add(HUGE, "/xxgk/202403/t20240330_1.html", Reply(body=big))
    portal.add(HUGE, "/xxgk/202303/t20230330_2.html", Reply(body=big, unsized=True))
    portal.add(
        HUGE, "/xxgk/202203/t20220330_3.html", html(detail("某局2021年法治政府建设年度报告"))
    )


@pytest.fixture(scope="module")
def portal() -> Iterator[HostsPortal]:
    with HostsPortal(HOSTS) as served:
        trs_site(served)
        hanweb_site(served)
        gkmlpt_site(served)
        asp_site(served)
        liar_site(served)
        troubled_sites(served)
        yield served


def source(agency: str, url: str, **options: object) -> dict[str, object]:
    return {
        "id": agency,
        "name": f"{agency} 机关",
        "region_code": "440600",
        "sources": [{"list_url": url, "min_delay_seconds": MIN_DELAY, **options}],
    }


@pytest.fixture(scope="module")
def sources(portal: HostsPortal) -> SourcesFile:
    url = portal.url
    agencies = [
        source("trs", url(TRS, "/xxgk/fzzfjs/index.html")),
        source("hanweb", url(HANWEB, "/col/col1001/index.html")),
        source("gkmlpt", url(GKMLPT, GKMLPT_LIST)),
        source("asp", url(ASP, "/List.asp?ClassID=5")),
        source("liar", url(LIAR, "/nb/index.html"), encoding="gbk", link_selector="ul.nb-list a"),
        source("ruishu", url(RUISHU, "/col/col9/index.html")),
        source("slow", url(SLOW, "/xxgk/index.html")),
        source("loop", url(LOOP, "/list/index.html")),
        source("missing", url(MISSING, "/xxgk/nothing/index.html")),
        source("huge", url(HUGE, "/xxgk/index.html")),
    ]
    return parse_sources(json.dumps({"agencies": agencies}))


class Published:
    def __init__(self) -> None:
        self.events: list[tuple[str, Event]] = []

    async def __call__(self, subject: str, event: Event) -> None:
        self.events.append((subject, event))

    def documents(self, source_id: str) -> list[ExtendedDocumentFetched]:
        found = [e for s, e in self.events if s == DOCUMENT_FETCHED and e.source_id == source_id]  # type: ignore[attr-defined]
        assert all(isinstance(e, ExtendedDocumentFetched) for e in found)
        return found  # type: ignore[return-value]

    def checks(self) -> dict[str, SourceChecked]:
        return {
            e.source_id: e
            for s, e in self.events
            if s == SOURCE_CHECKED and isinstance(e, SourceChecked)
        }


@pytest.fixture(scope="module")
async def crawled(portal: HostsPortal, sources: SourcesFile) -> tuple[Published, MemoryBlobStore]:
    """One crawl of every source, shared by the tests below (they only read its outcome)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(service_module, "DocumentFetched", ExtendedDocumentFetched)
        settings = IngestSettings(
            allow_private_networks=True,
            max_retries=1,
            request_timeout_seconds=TIMEOUT,
            max_body_bytes=CAP,
        )
        fetcher = PoliteFetcher(settings)
        published, blobs = Published(), MemoryBlobStore()
        service = IngestService(
            fetcher=fetcher,
            blobs=blobs,
            state=MemoryCrawlState(),
            publish=published,
            clock=FakeClock(),
            concurrency=len(HOSTS),
        )
        try:
            await service.crawl_all(sources)
        finally:
            await fetcher.close()
    return published, blobs


def urls(documents: list[ExtendedDocumentFetched]) -> set[str]:
    return {d.url for d in documents}


async def test_trs_site(crawled: tuple[Published, MemoryBlobStore], portal: HostsPortal) -> None:
    published, blobs = crawled
    check = published.checks()["trs#0"]
    # Four report-like links; robots.txt hides one, which the check names for the operator (a
    # report nianbao may not read must not pass silently: it would look "missing").
    assert (check.status, check.list_pages, check.candidates, check.fetched) == ("ok", 3, 4, 4)
    assert check.errors == 1
    assert "/private/202402/t20240220_103.html: disallowed by robots.txt" in (check.reason or "")
    base = portal.url(TRS, "/xxgk/fzzfjs")
    documents = published.documents("trs#0")
    assert urls(documents) == {
        f"{base}/202403/t20240330_101.html",
        f"{base}/202302/t20230328_104.html",
        f"{base}/202203/t20220325_105.html",
        f"{base}/202203/W020220325.pdf",
    }
    by_url = {d.url: d for d in documents}
    first = by_url[f"{base}/202403/t20240330_101.html"]
    assert (first.title_hint, first.date_hint) == (
        "某市司法局2023年法治政府建设年度报告",
        date(2024, 3, 30),
    )
    assert (first.etag, first.final_url, first.content_type) == (
        '"r101"',
        first.url,
        "text/html; charset=utf-8",
    )
    moved = by_url[f"{base}/202302/t20230328_104.html"]
    assert moved.final_url == f"{base}/202302/moved_104.html"
    assert moved.last_modified == "Tue, 28 Mar 2023 08:00:00 GMT"
    attachment = by_url[f"{base}/202203/W020220325.pdf"]
    assert attachment.parent_url == f"{base}/202203/t20220325_105.html"
    assert (attachment.content_type, attachment.filename) == (
        "application/pdf",
        "某市司法局2021年度报告.pdf",
    )
    assert (attachment.title_hint, attachment.date_hint) == ("报告全文", date(2022, 3, 25))
    assert await blobs.get(attachment.blob_key) == PDF
    assert all(d.backfill and d.agency_id == "trs" for d in documents)
    requested = portal.targets(TRS)
    # robots.txt first; the disallowed report page and the non-report notice never.
    assert requested[0] == "/robots.txt"
    assert not any(t.startswith("/private/") for t in requested)
    assert "/xxgk/fzzfjs/202403/t20240301_102.html" not in requested


async def test_hanweb_site(crawled: tuple[Published, MemoryBlobStore], portal: HostsPortal) -> None:
    published, _ = crawled
    check = published.checks()["hanweb#0"]
    assert (check.status, check.list_pages, check.candidates, check.fetched) == ("ok", 2, 2, 2)
    assert {(d.title_hint, d.date_hint) for d in published.documents("hanweb#0")} == {
        ("某县2023年法治政府建设年度报告", date(2024, 3, 28)),
        ("某县2022年法治政府建设年度报告", date(2023, 3, 29)),
    }
    posts = [h for h in portal.requests(HANWEB) if h.method == "POST"]
    assert [h.target for h in posts] == [
        "/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=4&perpage=2"
    ]


async def test_gkmlpt_api_site(
    crawled: tuple[Published, MemoryBlobStore], portal: HostsPortal
) -> None:
    published, _ = crawled
    check = published.checks()["gkmlpt#0"]
    assert (check.status, check.list_pages, check.candidates, check.fetched) == ("ok", 2, 2, 2)
    assert {(d.url, d.date_hint) for d in published.documents("gkmlpt#0")} == {
        (portal.url(GKMLPT, "/gkmlpt/content/5/5123/post_5123456.html"), date(2024, 3, 30)),
        (portal.url(GKMLPT, "/gkmlpt/content/5/5123/post_5023001.html"), date(2023, 3, 28)),
    }
    assert "/gkmlpt/content/5/5123/post_5123455.html" not in portal.targets(GKMLPT)


async def test_gbk_asp_site(
    crawled: tuple[Published, MemoryBlobStore], portal: HostsPortal
) -> None:
    published, blobs = crawled
    check = published.checks()["asp#0"]
    assert (check.status, check.list_pages, check.candidates, check.fetched) == ("ok", 2, 2, 2)
    documents = published.documents("asp#0")
    assert {d.title_hint for d in documents} == {
        "某县科技局2023年度法治政府建设工作报告",
        "某县科技局2022年度法治政府建设工作报告",
    }
    assert {d.declared_charset for d in documents} == {"gb2312"}
    stored = await blobs.get(documents[0].blob_key)
    assert "法治政府" in stored.decode("gb18030")
    assert "法治政府".encode() not in stored  # stored as served, not re-encoded


async def test_encoding_override_and_link_selector(
    crawled: tuple[Published, MemoryBlobStore], portal: HostsPortal
) -> None:
    published, _ = crawled
    check = published.checks()["liar#0"]
    assert (check.status, check.list_pages, check.candidates, check.fetched) == ("ok", 1, 2, 2)
    documents = published.documents("liar#0")
    assert {d.title_hint for d in documents} == {
        "某局2023年法治政府建设年度报告",
        "某局2022年法治政府建设年度报告",
    }
    assert {(d.declared_charset, d.encoding_override) for d in documents} == {("utf-8", "gbk")}
    assert not any(t.startswith("/news/") for t in portal.targets(LIAR))


async def test_troubled_sites_fail_alone_with_their_reasons(
    crawled: tuple[Published, MemoryBlobStore], portal: HostsPortal
) -> None:
    published, _ = crawled
    checks = published.checks()
    outcome = {k: (c.status, c.list_pages, c.candidates, c.fetched) for k, c in checks.items()}
    assert outcome["ruishu#0"] == ("blocked", 0, 0, 0)
    assert "HTTP 412 with a $_ts script" in (checks["ruishu#0"].reason or "")
    assert portal.targets(RUISHU) == ["/robots.txt"]  # blocked there: the list is never asked

    assert outcome["slow#0"] == ("failed", 0, 0, 0)
    assert "ReadTimeout" in (checks["slow#0"].reason or "")
    assert portal.targets(SLOW) == ["/robots.txt", "/xxgk/index.html", "/xxgk/index.html"]

    assert outcome["loop#0"] == ("failed", 0, 0, 0)
    assert "more than 5 redirects" in (checks["loop#0"].reason or "")
    assert len(portal.targets(LOOP)) == 1 + 6  # robots.txt, then the first hop and five more

    assert outcome["missing#0"] == ("failed", 0, 0, 0)
    assert "HTTP 404" in (checks["missing#0"].reason or "")

    # Oversized detail pages (declared and streamed) are errors of the crawl, not its end.
    huge = checks["huge#0"]
    assert (huge.status, huge.list_pages, huge.candidates, huge.fetched, huge.errors) == (
        "ok",
        1,
        3,
        1,
        2,
    )
    assert "over the cap" in (huge.reason or "")
    assert urls(published.documents("huge#0")) == {
        portal.url(HUGE, "/xxgk/202203/t20220330_3.html")
    }

    assert all(c.first_crawl for c in checks.values())
    assert len([s for s, _ in published.events if s == SOURCE_CHECKED]) == len(HOSTS)


async def test_requests_to_each_host_are_spaced(
    crawled: tuple[Published, MemoryBlobStore], portal: HostsPortal
) -> None:
    for host in [TRS, HANWEB, GKMLPT, ASP, LIAR, LOOP, HUGE]:
        times = [hit.at for hit in portal.requests(host)]
        assert len(times) >= 3, host
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= MIN_DELAY - 0.01, (host, gaps)
    # ... while the hosts were crawled side by side, not one after another.
    starts = sorted(portal.requests(host)[0].at for host in HOSTS)
    assert starts[-1] - starts[0] < 1.0
    assert {hit.user_agent for hit in portal.requests()} == {IngestSettings().user_agent}


class CountingBlobs(MemoryBlobStore):
    def __init__(self) -> None:
        super().__init__()
        self.puts = 0

    async def put(self, data: bytes) -> str:
        self.puts += 1
        return await super().put(data)


class CountingState(MemoryCrawlState):
    def __init__(self) -> None:
        super().__init__()
        self.page_puts = 0

    async def put_page(self, url: str, state: PageState) -> None:
        self.page_puts += 1
        await super().put_page(url, state)


def documents(published: Published) -> int:
    return sum(1 for subject, _ in published.events if subject == DOCUMENT_FETCHED)


async def test_the_same_bytes_again_are_neither_stored_nor_remembered_again(
    sources: SourcesFile,
) -> None:
    """A page served again without validators, byte for byte: no blob, no event, no state write."""
    trs = SourcesFile(agencies=[a for a in sources.agencies if a.id == "trs"])
    fetcher = PoliteFetcher(IngestSettings(allow_private_networks=True, max_retries=0))
    published, blobs, state = Published(), CountingBlobs(), CountingState()
    service = IngestService(
        fetcher=fetcher, blobs=blobs, state=state, publish=published, clock=FakeClock()
    )
    try:
        await service.crawl_all(trs)
        first = (documents(published), blobs.puts, state.page_puts)
        assert first[0] >= 3
        assert first[1] == first[0] == first[2]
        published.events.clear()
        await service.crawl_all(trs)
    finally:
        await fetcher.close()
    assert documents(published) == 0
    check = published.checks()["trs#0"]
    assert (check.fetched, check.unchanged) == (0, first[0])
    assert (blobs.puts, state.page_puts) == first[1:]  # nothing written the second time
