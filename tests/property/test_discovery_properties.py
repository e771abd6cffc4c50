"""Properties of list-page discovery, checked by hypothesis over generated HTML.

Whatever the page: items are absolute same-site http(s) URLs without duplicates; further pages
never include the page itself and never exceed `max_pages`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.ingest.discovery.links import same_site
from services.ingest.discovery.list_page import find_attachments, looks_like_report, parse_list_page

pytestmark = pytest.mark.unit

BOUNDED = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
PAGE_URLS = st.sampled_from(
    [
        "http://www.example.gov.cn/xxgk/fzzf/index.html",
        "http://www.example.gov.cn/xxgk/fzzf/index_3.html",
        "https://kjj.km.gov.cn/col/col123/index.html?uid=1&pageNum=2",
        "https://www.example.gov.cn/list.jsp?page=5",
        "http://127.0.0.1:8080/list/",
    ]
)
HREFS = st.one_of(
    st.sampled_from(
        [
            "", "#", "#top", "javascript:void(0)", "mailto:a@b.cn", "/", "./", "../", "index.html",
            "index_1.html", "index_2.html", "index_99999.html", "?page=2", "?page=999999999",
            "?pageNum=3&uid=1", "t20240301_123.html", "./202403/t20240301_1.html",
            "//www.example.gov.cn/a/t20240301_2.html", "https://other.example.com/t20240301_3.html",
            "http://www.example.gov.cn:99999/x.html", "http://[::1]/x",
            "HTTP://WWW.EXAMPLE.GOV.CN/A/T1.HTML", "ftp://www.example.gov.cn/a.pdf", "a.pdf",
            " /x/ t 2024 0301_4.html ", "data:text/html,<h1>x</h1>", "\x00/x.html",
        ]
    ),
    st.text(max_size=30),  # also "[" that opens no valid IPv6 literal
)  # fmt: skip
TEXTS = st.one_of(
    st.sampled_from(
        [
            "下一页", "尾页", "2", "第3页", "更多", "昆明市2023年法治政府建设年度报告", "2024-03-01",
            "关于招聘的通知", "政府信息公开工作年度报告", ">>", "", "[2024-03-01]", "共5页",
        ]
    ),
    st.text(max_size=30),
)  # fmt: skip


@st.composite
def list_html(draw: st.DrawFn) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 30))):
        href = draw(HREFS).replace("'", "")
        text = draw(TEXTS)
        date = draw(
            st.sampled_from(["", "<span>2024-03-01</span>", "2023年12月31日", "9999-99-99"])
        )
        wrapper = draw(st.sampled_from(["li", "tr><td", "dd", "div", "p", "nav", "span"]))
        parts.append(f"<{wrapper}><a href='{href}' title='{text}'>{text}</a>{date}")
    script = draw(
        st.sampled_from(
            [
                "",
                'createPageHTML(5, 0, "index", "html");',
                'createPageHTML(100000, 2, "index", "html");',
                'var countPage = 7;createPageHTML(countPage, 0, "index", "html");',
                'createPageHTML(-1, "", "", "");',
            ]
        )
    )
    noise = draw(st.text(max_size=50))
    return f"<html><body><ul>{''.join(parts)}</ul>{noise}<script>{script}</script></body></html>"


@BOUNDED
@given(
    body=st.one_of(list_html(), st.text(max_size=500)), url=PAGE_URLS, max_pages=st.integers(0, 60)
)
def test_items_and_further_pages_are_sound(body: str, url: str, max_pages: int) -> None:
    page = parse_list_page(body, url, max_pages=max_pages)
    urls = [item.url for item in page.items]
    assert len(urls) == len(set(urls)), "duplicate items"
    for item_url in urls:
        parts = urlsplit(item_url)
        assert parts.scheme in ("http", "https"), item_url
        assert parts.netloc, item_url
        assert same_site(item_url, url), item_url
        assert not parts.fragment
    further = [(request.url, request.method) for request in page.further_pages]
    assert len(further) <= max_pages
    assert len(further) == len(set(further)), "duplicate further pages"
    assert (url, "GET") not in further, "the page itself as a further page"
    for request in page.further_pages:
        assert urlsplit(request.url).scheme in ("http", "https"), request.url
    for item in page.items:
        assert isinstance(looks_like_report(item.title), bool)


@BOUNDED
@given(body=list_html(), url=PAGE_URLS)
def test_attachments_are_same_site(body: str, url: str) -> None:
    for item in find_attachments(body, url):
        assert urlsplit(item.url).scheme in ("http", "https")
        assert same_site(item.url, url), item.url


@BOUNDED
@given(title=st.text(max_size=200))
def test_looks_like_report_is_total(title: str) -> None:
    assert isinstance(looks_like_report(title), bool)


@pytest.mark.parametrize("href", ["http://[broken/x", "//[::1/x", "http://[x]/"])
def test_a_link_with_a_broken_ipv6_literal_is_skipped_not_fatal(href: str) -> None:
    body = (
        f"<ul><li><a href='{href}'>下一页</a></li>"
        "<li><a href='/a/t20240301_1.html'>2023年法治政府建设年度报告</a>2024-03-01</li></ul>"
    )
    url = "http://www.example.gov.cn/xxgk/index.html"
    page = parse_list_page(body, url)
    assert [item.url for item in page.items] == ["http://www.example.gov.cn/a/t20240301_1.html"]
    assert find_attachments(body.replace("t20240301_1.html", "r.pdf"), url)
