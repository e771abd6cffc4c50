"""Fixture portals for source discovery, in the markup of three platforms seen on real sites.

- TRS WCM (a city): home page with a top navigation and a 政府信息公开 entry; the 公开 page has a
  left column tree; the 政府信息公开年报 column carries ColumnName/ColumnType metadata and a
  `createPageHTML` pager. A robots.txt forbids `/admin/`, where a tempting column link points.
- Hanweb JCMS (a city's 法治政府建设 专栏): items in `<script type="text/xml"><datastore>` records,
  mixing the city, its districts, a department and news: a multi-agency column.
- A home-grown template (a county): no column metadata at all; a 年度报告 link whose page lists
  report titles, next to a 工作动态 column of news that must not be proposed.
"""

from __future__ import annotations

TRS = "http://www.demo-city.gov.cn"
HANWEB = "http://www.hw-city.gov.cn"
PLAIN = "http://www.plain-county.gov.cn"
ADDRESSES = {
    "www.demo-city.gov.cn": ["202.96.128.86"],
    "www.hw-city.gov.cn": ["202.96.128.87"],
    "www.plain-county.gov.cn": ["202.96.128.88"],
    "www.elsewhere.gov.cn": ["202.96.128.89"],
}


def _head(title: str, meta: str = "") -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{title}</title>{meta}</head><body>"
    )


def _site_meta(name: str, code: str, column: str = "", kind: str = "") -> str:
    meta = (
        f'<meta name="SiteName" content="{name}">'
        f'<meta name="SiteDomain" content="www.example.gov.cn">'
        f'<meta name="SiteIDCode" content="{code}">'
    )
    if column:
        meta += f'<meta name="ColumnName" content="{column}">'
    if kind:
        meta += f'<meta name="ColumnType" content="{kind}">'
    return meta


def trs_portal() -> dict[str, str]:
    """A TRS city portal (昆明市, SiteIDCode 5301000001)."""
    nav = (
        '<div class="header"><ul class="nav">'
        '<li><a href="/">首页</a></li><li><a href="/zwdt/">政务动态</a></li>'
        '<li><a href="/zfxxgk/">政府信息公开</a></li><li><a href="/hdjl/">互动交流</a></li>'
        '<li><a href="http://www.elsewhere.gov.cn/nb/">年度报告</a></li>'
        "</ul></div>"
    )
    home = (
        _head("昆明市人民政府", _site_meta("昆明市人民政府", "5301000001"))
        + nav
        + '<div class="main"><ul><li><a href="/zwdt/202501/t20250101_1.html">'
        "市政府召开常务会议</a></li></ul></div></body></html>"
    )
    gk = (
        _head(
            "政府信息公开_昆明市人民政府",
            _site_meta("昆明市人民政府", "5301000001", "政府信息公开"),
        )
        + nav
        + '<div class="left"><ul class="tree">'
        '<li><a href="/zfxxgk/zcwj/">政策文件</a></li>'
        '<li><a href="./ndbg/">政府信息公开年报</a></li>'
        '<li><a href="/admin/ndbg/">年度报告（内部）</a></li>'
        "</ul></div></body></html>"
    )
    rows = [
        ("./202503/t20250328_9.html", "昆明市人民政府2024年政府信息公开工作年度报告", "2025-03-28"),
        ("./202403/t20240329_8.html", "昆明市人民政府2023年政府信息公开工作年度报告", "2024-03-29"),
        ("./202303/t20230330_7.html", "昆明市人民政府2022年政府信息公开工作年度报告", "2023-03-30"),
    ]
    items = "".join(
        f'<li><a href="{href}" title="{title}">{title}</a><span>{day}</span></li>'
        for href, title, day in rows
    )
    ndbg = (
        _head(
            "政府信息公开年报_昆明市人民政府",
            _site_meta("昆明市人民政府", "5301000001", "政府信息公开年报", "信息公开年报"),
        )
        + nav
        + f'<div class="list"><ul class="list-ul">{items}</ul></div>'
        '<script>createPageHTML(2, 0, "index", "html");</script></body></html>'
    )
    return {
        f"{TRS}/robots.txt": "User-agent: *\nDisallow: /admin/\n",
        f"{TRS}/": home,
        f"{TRS}/zfxxgk/": gk,
        f"{TRS}/zfxxgk/ndbg/": ndbg,
        f"{TRS}/admin/ndbg/": ndbg,
        f"{TRS}/zwdt/": _head("政务动态") + nav + "</body></html>",
        f"{TRS}/hdjl/": _head("互动交流") + nav + "</body></html>",
    }


def hanweb_portal() -> dict[str, str]:
    """A Hanweb city portal (北京市海淀区-style districts under 110000) with one 专栏 for all."""
    home = (
        _head("北京市人民政府门户网站", _site_meta("北京市人民政府", "1100000088"))
        + '<div class="nav"><a href="/">首页</a><a href="/col/col100/index.html">专题专栏</a>'
        '<a href="/col/col200/index.html">新闻中心</a></div></body></html>'
    )
    topics = (
        _head("专题专栏", _site_meta("北京市人民政府", "1100000088", "专题专栏"))
        + '<div class="zt"><a href="/col/col123/index.html">法治政府建设</a>'
        '<a href="/col/col124/index.html">优化营商环境</a></div></body></html>'
    )
    records = [
        ("/art/2025/3/30/art_123_9.html", "北京市人民政府关于2024年法治政府建设情况的报告"),
        ("/art/2025/3/28/art_123_8.html", "海淀区人民政府2024年法治政府建设年度报告"),
        ("/art/2025/3/27/art_123_7.html", "朝阳区2024年度法治政府建设情况报告"),
        ("/art/2025/3/26/art_123_6.html", "北京市司法局2024年法治政府建设年度报告"),
        ("/art/2025/3/20/art_123_5.html", "市政府召开法治政府建设工作推进会"),
    ]
    datastore = "".join(
        f'<record><![CDATA[<li><a href="{href}" title="{title}">{title}</a>'
        f"<span>2025-03-30</span></li>]]></record>"
        for href, title in records
    )
    column = (
        _head("法治政府建设", _site_meta("北京市人民政府", "1100000088", "法治政府建设"))
        + '<div id="5000"><script type="text/xml"><datastore><nextgroup><![CDATA[]]></nextgroup>'
        f"<recordset>{datastore}</recordset></datastore></script></div></body></html>"
    )
    news = (
        _head("新闻中心", _site_meta("北京市人民政府", "1100000088", "新闻中心"))
        + "<ul>"
        + "".join(
            f'<li><a href="/art/2025/1/{i}/art_200_{i}.html">市领导调研第{i}项工作</a>'
            f"<span>2025-01-0{i}</span></li>"
            for i in range(1, 6)
        )
        + "</ul></body></html>"
    )
    return {
        f"{HANWEB}/": home,
        f"{HANWEB}/col/col100/index.html": topics,
        f"{HANWEB}/col/col123/index.html": column,
        f"{HANWEB}/col/col124/index.html": _head("优化营商环境") + "</body></html>",
        f"{HANWEB}/col/col200/index.html": news,
    }


def plain_portal() -> dict[str, str]:
    """A home-grown county site (宜良县), no metadata, GBK-free but table-based like old ASP."""
    home = (
        _head("宜良县人民政府网") + '<table><tr><td><a href="/list.asp?id=7">年度报告</a></td>'
        '<td><a href="/list.asp?id=3">政府信息公开动态</a></td></tr></table></body></html>'
    )
    reports = [
        ("宜良县2024年法治政府建设年度报告", 41),
        ("宜良县2024年政府信息公开工作年度报告", 40),
        ("宜良县2023年法治政府建设年度报告", 30),
    ]
    report_rows = "".join(
        f'<tr><td><a href="/show.asp?id={n}">{t}</a></td><td>2025-03-2{i}</td></tr>'
        for i, (t, n) in enumerate(reports)
    )
    news_rows = "".join(
        f'<tr><td><a href="/show.asp?id={n}">宜良县召开第{n}次常务会议</a></td><td>2025-02-1{n % 9}</td></tr>'
        for n in range(50, 55)
    )
    return {
        f"{PLAIN}/": home,
        f"{PLAIN}/list.asp?id=7": _head("年度报告") + f"<table>{report_rows}</table></body></html>",
        f"{PLAIN}/list.asp?id=3": _head("工作动态") + f"<table>{news_rows}</table></body></html>",
    }
