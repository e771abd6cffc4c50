"""List-page discovery on realistic pages of each portal platform (fixtures in tests/fixtures/lists)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from services.ingest.discovery.list_page import (
    find_attachments,
    looks_like_report,
    parse_list_page,
    pattern_pages,
)
from services.ingest.discovery.model import ListItem, PageRequest
from shared.decoding import decode_bytes

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"


def read(name: str) -> str:
    text, _ = decode_bytes((FIXTURES / name).read_bytes())
    return text


# --- TRS WCM ---------------------------------------------------------------------------------

TRS_URL = "https://kjj.km.gov.cn/zwgk/fzzfjsbg/index.html"


def test_trs_list_items_are_the_dated_list_with_full_titles() -> None:
    page = parse_list_page(read("trs_list.html"), TRS_URL)

    base = "https://kjj.km.gov.cn/zwgk/fzzfjsbg/"
    assert page.items == (
        ListItem(
            base + "202403/t20240330_1234567.html",
            "昆明市科学技术局2023年法治政府建设年度报告",
            date(2024, 3, 30),
        ),
        ListItem(
            base + "202403/t20240322_1234501.html",
            # the link text is cut ("公开征..."); the title attribute has it whole
            "关于《昆明市科技计划项目管理办法(征求意见稿)》公开征求意见的通知",
            date(2024, 3, 22),
        ),
        ListItem(
            base + "202403/t20240312_1234488.html",
            "昆明市科技局召开2024年法治政府建设工作推进会",
            date(2024, 3, 12),
        ),
        # the city government's portal is the same registrable domain (km.gov.cn)
        ListItem(
            "https://www.km.gov.cn/c/2024-03-01/4812345.shtml",
            "昆明市人民政府2023年法治政府建设年度报告",
            date(2024, 3, 1),
        ),
        ListItem(
            base + "202402/t20240205_1234400.html", "关于2024年春节放假安排的通知", date(2024, 2, 5)
        ),
    )


def test_trs_nav_sidebar_footer_and_other_sites_are_not_items() -> None:
    urls = {item.url for item in parse_list_page(read("trs_list.html"), TRS_URL).items}

    assert "https://kjj.km.gov.cn/zwgk/tzgg/" not in urls  # dated nav link
    assert "https://kjj.km.gov.cn/xwdt/202403/t20240325_1002.html" not in urls  # sidebar
    assert "https://kjj.km.gov.cn/wzdt/" not in urls  # footer
    assert not any("most.gov.cn" in url for url in urls)  # another owner


def test_trs_page_script_gives_every_other_page() -> None:
    page = parse_list_page(read("trs_list.html"), TRS_URL)

    assert page.further_pages == tuple(
        PageRequest(f"https://kjj.km.gov.cn/zwgk/fzzfjsbg/index_{n}.html") for n in (1, 2, 3, 4)
    )


def test_trs_script_with_variables_and_table_rows() -> None:
    url = "https://www.xxq.gov.cn/xxgk/xxgkndbg/index_1.shtml"
    page = parse_list_page(read("trs_vars_list.html"), url)

    assert [(item.title, item.date) for item in page.items] == [
        ("XX区科技局2021年政府信息公开工作年度报告", date(2022, 1, 25)),
        ("XX区科技局2020年政府信息公开工作年度报告", date(2021, 1, 28)),
    ]
    # the page itself (index_1) is never among its further pages
    assert page.further_pages == (
        PageRequest("https://www.xxq.gov.cn/xxgk/xxgkndbg/index.shtml"),
        PageRequest("https://www.xxq.gov.cn/xxgk/xxgkndbg/index_2.shtml"),
    )


# --- Hanweb JCMS -----------------------------------------------------------------------------

HANWEB_URL = "https://kjj.huzhou.gov.cn/col/col1229345/index.html"
HANWEB_FORM = (
    ("col", "1"),
    ("appid", "1"),
    ("webid", "3024"),
    ("path", "/"),
    ("columnid", "1229345"),
    ("sourceContentType", "1"),
    ("unitid", "4986721"),
    ("webname", "湖州市科学技术局"),
    ("permissiontype", "0"),
)


def test_hanweb_items_come_from_the_xml_records() -> None:
    page = parse_list_page(read("hanweb_list.html"), HANWEB_URL)

    assert [(item.url, item.date) for item in page.items] == [
        ("https://kjj.huzhou.gov.cn/art/2024/3/29/art_1229345_58964123.html", date(2024, 3, 29)),
        # shown as "03-15": the year comes from /art/2024/3/15/
        ("https://kjj.huzhou.gov.cn/art/2024/3/15/art_1229345_58963001.html", date(2024, 3, 15)),
        ("https://kjj.huzhou.gov.cn/art/2024/1/30/art_1229345_58960077.html", date(2024, 1, 30)),
        ("https://kjj.huzhou.gov.cn/art/2023/12/20/art_1229345_58950012.html", date(2023, 12, 20)),
    ]


def test_hanweb_further_pages_are_dataproxy_posts() -> None:
    page = parse_list_page(read("hanweb_list.html"), HANWEB_URL)

    proxy = "https://kjj.huzhou.gov.cn/module/web/jpage/dataproxy.jsp"
    # 9 records, 4 on the page (perPage 2 x groupSize 2): two more groups
    assert page.further_pages == (
        PageRequest(f"{proxy}?startrecord=5&endrecord=8&perpage=2", "POST", HANWEB_FORM),
        PageRequest(f"{proxy}?startrecord=9&endrecord=12&perpage=2", "POST", HANWEB_FORM),
    )


def test_hanweb_dataproxy_answer_parses_and_adds_no_pages() -> None:
    url = "https://kjj.huzhou.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=5&endrecord=8&perpage=2"
    page = parse_list_page(read("hanweb_dataproxy.xml"), url)

    assert page.items == (
        ListItem(
            "https://kjj.huzhou.gov.cn/art/2023/3/28/art_1229345_58801234.html",
            "湖州市科学技术局2022年度法治政府建设工作报告",
            date(2023, 3, 28),
        ),
        ListItem(
            "https://kjj.huzhou.gov.cn/art/2023/1/18/art_1229345_58790001.html",
            "关于2023年春节放假安排的通知",
            date(2023, 1, 18),
        ),
    )
    assert page.further_pages == ()


# --- generic templates -----------------------------------------------------------------------

ASP_URL = "http://kjj.dingcheng.gov.cn/Article/List.asp?ClassID=12"


def test_gbk_asp_list_decodes_and_parses() -> None:
    raw = (FIXTURES / "generic_gbk_asp.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is GBK bytes
    text, encoding = decode_bytes(raw, None)
    page = parse_list_page(text, ASP_URL)

    assert encoding == "gb18030"
    assert page.items[0] == ListItem(
        "http://kjj.dingcheng.gov.cn/Article/ShowArticle.asp?ArticleID=2371",
        "区科技局2023年度法治政府建设情况报告",
        date(2024, 3, 28),
    )
    assert [item.url.rsplit("=", 1)[1] for item in page.items] == ["2371", "2368", "2350", "2349"]
    # 下一页 -> page 2 and 尾页 -> page 7: every page in between is listed
    assert [request.url for request in page.further_pages] == [
        f"{ASP_URL}&page={n}" for n in range(2, 8)
    ]


GD_URL = "https://kjj.fs.gov.cn/zwgk/fzzfjs/index.html"


def test_guangdong_list_dates_of_each_form() -> None:
    page = parse_list_page(read("guangdong_list.html"), GD_URL)

    assert [(item.url.rsplit("/", 1)[1], item.date) for item in page.items] == [
        ("post_5123456.html", date(2024, 3, 30)),  # 2024/03/30
        ("post_5098765.html", date(2024, 2, 1)),  # (2024-02-01)
        ("post_5087000.html", None),  # [01-15] and no year in the URL: unknown, not guessed
        ("post_5066001.html", date(2023, 12, 28)),  # 2023.12.28
        ("post_5050123.html", date(2023, 12, 8)),  # 2023年12月8日
    ]
    assert page.items[4].url == "https://kjj.fs.gov.cn/zwgk/zcjd/content/post_5050123.html"


def test_pager_window_is_filled_up_to_the_last_page_and_capped() -> None:
    body = read("guangdong_list.html")

    full = parse_list_page(body, GD_URL)
    capped = parse_list_page(body, GD_URL, max_pages=3)

    assert [r.url for r in full.further_pages] == [
        f"https://kjj.fs.gov.cn/zwgk/fzzfjs/index_{n}.html" for n in range(2, 13)
    ]
    assert [r.url for r in capped.further_pages] == [
        f"https://kjj.fs.gov.cn/zwgk/fzzfjs/index_{n}.html" for n in (2, 3, 4)
    ]


def test_page_with_only_navigation_has_no_items() -> None:
    page = parse_list_page(read("nav_only.html"), "https://kjj.fs.gov.cn/index.html")

    assert page == parse_list_page(read("nav_only.html"), "https://kjj.fs.gov.cn/index.html")
    assert page.items == ()
    assert page.further_pages == ()


def test_link_selector_overrides_the_density_choice() -> None:
    page = parse_list_page(read("trs_list.html"), TRS_URL, link_selector="ul.hot")

    assert [item.title for item in page.items] == [
        "昆明市科技局召开全市科技工作会议",
        "科技活动周筹备会召开",
    ]


@pytest.mark.parametrize(
    ("row", "href", "expected"),
    [
        ("<span>2024-03-30</span>", "/a/N.html", date(2024, 3, 30)),
        ("<span>2024/3/30</span>", "/a/N.html", date(2024, 3, 30)),
        ("<em>2024年3月30日</em>", "/a/N.html", date(2024, 3, 30)),
        ("<span>[03-30]</span>", "./202403/t20240330_N.html", date(2024, 3, 30)),
        ("<span>03-30</span>", "/art/2024/3/30/art_1_N.html", date(2024, 3, 30)),
        ("<span>[03-30]</span>", "/info/N.html", None),
        ("<span>2024-02-30</span>", "/a/N.html", None),  # not a date
        ("", "/a/N.html", None),
    ],
)
def test_date_next_to_link(row: str, href: str, expected: date | None) -> None:
    body = "".join(
        f'<li><a href="{href.replace("N", str(n))}">第{n}条测试标题文字</a>{row}</li>'
        for n in (3, 4, 5)
    )
    page = parse_list_page(f"<html><body><ul>{body}</ul></body></html>", "https://x.gov.cn/l/")

    assert len(page.items) == 3
    assert page.items[0].date == expected


def test_query_page_links_and_next_link() -> None:
    body = """<html><body><ul class="list">
    <li><a href="show.php?id=101">某局2023年法治政府建设年度报告</a><span>2024-03-01</span></li>
    <li><a href="show.php?id=100">某局召开法治建设会议的新闻稿件</a><span>2024-02-01</span></li>
    </ul><div class="pages"><a href="list.php?cat=7&amp;page=1">上一页</a>
    <a href="list.php?cat=7&amp;page=3">下一页</a><a href="/other.php?page=9">9</a></div></body></html>"""
    page = parse_list_page(body, "https://www.x.gov.cn/kjj/list.php?cat=7&page=2")

    assert [item.url for item in page.items] == [
        "https://www.x.gov.cn/kjj/show.php?id=101",
        "https://www.x.gov.cn/kjj/show.php?id=100",
    ]
    # another path's ?page=9 is not this list; page 1 is the list's own address
    assert page.further_pages == (PageRequest("https://www.x.gov.cn/kjj/list.php?cat=7&page=3"),)


# --- report titles and attachments -----------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "蒙自市科学技术局2023年法治政府建设工作报告",
        "2023年度常德市科学技术局法治政府建设情况工作报告",
        "市科技局关于2024年法治政府建设工作情况的报告",
        "中共XX区委 XX区人民政府关于2024年法治政府建设情况的报告",
        "XX市科技局2023年政府信息公开工作年度报告",
        "市科技局局长2013年度履职报告",
        "XX局局长述职报告",
        "XX县2023年度政府信息公开年报",
        "XX局2024年法治政府建设工作要点",  # on topic: kept, the extractor decides
    ],
)
def test_report_titles_are_candidates(title: str) -> None:
    assert looks_like_report(title)


@pytest.mark.parametrize(
    "title",
    [
        "XX市科学技术局2024年公开招聘编外工作人员公告",
        "关于2024年劳动节放假安排的通知",
        "XX局2023年第四季度政府采购意向公开",
        "《XX市科技创新券管理办法》政策解读",
        "关于组织申报2024年度科技计划项目的通知",
        "XX市科技局法治政府建设服务项目采购公告",  # procurement, despite the topic word
    ],
)
def test_other_titles_are_not_candidates(title: str) -> None:
    assert not looks_like_report(title)


def test_find_attachments_keeps_same_site_report_files() -> None:
    url = "https://www.mx.gov.cn/kjj/202403/t20240329_123.html"
    found = find_attachments(read("detail_with_attachments.html"), url)

    assert [(item.url, item.title) for item in found] == [
        (
            "https://www.mx.gov.cn/kjj/202403/W020240329512345678901.pdf",
            "某县科技局2023年法治政府建设年度报告.pdf",
        ),
        ("https://www.mx.gov.cn/uploadfiles/2024/03/附表.XLSX", "附表.xlsx"),
        ("https://files.mx.gov.cn/att/2024/report.docx", "报告全文(Word版)"),
        ("https://www.mx.gov.cn/att/scan.ofd", "扫描件"),
        ("https://www.mx.gov.cn/att/old.WPS", "WPS版"),
        ("https://www.mx.gov.cn/att/table.xls", "统计表"),
        ("https://www.mx.gov.cn/att/plain.doc", "DOC版"),
    ]
    assert all(item.date is None for item in found)


# --- Guangdong gkmlpt JSON API ---------------------------------------------------------------

GKMLPT_URL = "http://www.foshan.gov.cn/gkmlpt/api/all/2?page=1&sid=757001"


def test_gkmlpt_api_articles_become_items_with_china_dates() -> None:
    page = parse_list_page(read("gkmlpt_api.json"), GKMLPT_URL)
    assert page.items == (
        ListItem(
            "http://www.foshan.gov.cn/gkmlpt/content/5/5123/post_5123456.html",
            "佛山市科学技术局2023年法治政府建设年度报告",
            date(2024, 3, 30),  # 1711764000 is 2024-03-30 10:00 in China (02:00 UTC)
        ),
        ListItem(  # milliseconds, and markup in the title
            "http://www.foshan.gov.cn/gkmlpt/content/5/5098/post_5098765.html",
            "佛山市科学技术局2023年度政府信息公开工作年度报告",
            date(2024, 2, 1),
        ),
        ListItem(
            "http://www.foshan.gov.cn/gkmlpt/content/5/5087/post_5087000.html",
            "关于2024年元旦春节期间值班安排的通知",
            date(2024, 1, 15),
        ),
    )


def test_gkmlpt_first_page_names_the_others_up_to_max_pages() -> None:
    page = parse_list_page(read("gkmlpt_api.json"), GKMLPT_URL, max_pages=4)
    # 45 articles at 6 a page: 8 pages, capped at 4.
    assert [p.url for p in page.further_pages] == [
        f"http://www.foshan.gov.cn/gkmlpt/api/all/2?sid=757001&page={n}" for n in (2, 3, 4)
    ]
    later = parse_list_page(read("gkmlpt_api.json"), GKMLPT_URL.replace("page=1", "page=3"))
    assert later.further_pages == ()
    assert len(later.items) == 3


def test_gkmlpt_html_page_leads_to_its_api() -> None:
    body = (
        "<html><body><div id='app'></div><script>var api = "
        "'/gkmlpt/api/all/2?sid=757001&amp;page=1';</script></body></html>"
    )
    page = parse_list_page(body, "http://www.foshan.gov.cn/gkmlpt/index")
    assert page.further_pages == (
        PageRequest("http://www.foshan.gov.cn/gkmlpt/api/all/2?sid=757001&page=1"),
    )


def test_json_that_is_not_a_gkmlpt_answer_is_an_empty_page() -> None:
    assert parse_list_page('{"data": []}', GKMLPT_URL).items == ()
    assert parse_list_page("[]", GKMLPT_URL).items == ()


# --- Operator-given pagination ---------------------------------------------------------------


def test_page_pattern_spells_out_pages_two_to_max() -> None:
    trs = pattern_pages("https://a.gov.cn/xxgk/nb/index.html", "index_{i}.html", 4)
    assert [p.url for p in trs] == [f"https://a.gov.cn/xxgk/nb/index_{i}.html" for i in (1, 2, 3)]
    query = pattern_pages("https://a.gov.cn/list.jsp?cat=5", "list.jsp?cat=5&pn={n}", 3)
    assert [p.url for p in query] == [f"https://a.gov.cn/list.jsp?cat=5&pn={n}" for n in (2, 3)]
    with pytest.raises(ValueError, match="neither"):
        pattern_pages("https://a.gov.cn/", "index_2.html", 3)
