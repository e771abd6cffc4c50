"""HTML of the demo pages: the chrome every government page carries, and the detail pages.

The chrome is what makes discovery and extraction honest: navigation, breadcrumb, footer links,
the 信息公开 info table and the standard `<meta>` tags (国办发〔2017〕47号) all surround the text
that matters, as on real portals.
"""

from __future__ import annotations

from html import escape

from services.demo_portal.articles import Article
from services.demo_portal.catalogue import AgencySite

_BODY_CONTAINERS = {
    "trs": '<div class="view TRS_UEDITOR trs_paper_default"><div class="TRS_Editor">{}</div></div>',
    "hanweb": '<div id="zoom">{}</div>',
    "generic": '<div class="article-content">{}</div>',
    "asp": '<div class="article-content">{}</div>',
}


def charset_label(site: AgencySite) -> str:
    """The charset a site declares: old templates say gb2312 and are decoded as GB18030."""
    return "gb2312" if site.encoding == "gb18030" else "utf-8"


def list_url_path(site: AgencySite) -> str:
    """Path (with query) of the first page of the site's report column."""
    if site.style == "asp":
        return f"{site.prefix}/List.asp?ClassID=56"
    if site.style == "generic":
        return f"{site.prefix}/{site.column_path}/list.html"
    return f"{site.prefix}/{site.column_path}/index.html"


def _meta(name: str, content: str) -> str:
    return f'<meta name="{name}" content="{escape(content)}">'


def page_head(site: AgencySite, title: str, column: str | None, extra_meta: str = "") -> str:
    """`<head>` with the site and column level meta tags every page of the site carries."""
    charset = charset_label(site)
    declared = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        if charset != "utf-8"
        else '<meta charset="utf-8">'
    )
    column_meta = ""
    if column:
        column_meta = "\n".join(
            (
                _meta("ColumnName", column),
                _meta("ColumnDescription", f"{site.name}{column}栏目"),
                _meta("ColumnKeywords", f"{column},{site.short_name}"),
                _meta("ColumnType", column),
            )
        )
    return f"""<head>
{declared}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
{_meta("SiteName", site.name)}
{_meta("SiteDomain", site.domain)}
{_meta("SiteIDCode", site.site_code)}
{column_meta}
{extra_meta}
<link rel="stylesheet" href="{site.prefix}/images/style.css">
</head>"""


def page_top(site: AgencySite, trail: str) -> str:
    """Header, navigation and breadcrumb (`trail` is the HTML after 首页)."""
    p = site.prefix
    list_path = escape(list_url_path(site))
    return f"""<div class="top-bar"><div class="w1200"><span>欢迎访问{escape(site.name)}网站</span>
<a href="{p}/wza/">无障碍浏览</a> <a href="{p}/login/">登录</a> |
<a href="{p}/reg/">注册</a></div></div>
<div class="header"><div class="logo"><a href="{p}/"><h1>{escape(site.name)}</h1></a></div>
<form class="search" action="{p}/search/" method="get"><input name="q" type="text">
<button type="submit">搜索</button></form></div>
<div class="nav"><ul>
<li><a href="{p}/">首页</a></li><li><a href="{p}/jggk/">机构概况</a></li>
<li><a href="{p}/zwgk/">政务公开</a></li>
<li><a href="{list_path}">{escape(site.column_name)}</a></li>
<li><a href="{p}/hdjl/">互动交流</a></li><li><a href="{p}/bsfw/">办事服务</a></li>
</ul></div>
<div class="position">当前位置:<a href="{p}/">首页</a> &gt; {trail}</div>"""


def page_footer(site: AgencySite) -> str:
    """Footer chrome: links, sponsor, 网站标识码 and ICP number."""
    p = site.prefix
    return f"""<div class="footer"><div class="w1200">
<p><a href="{p}/wzdt/">网站地图</a> | <a href="{p}/lxwm/">联系我们</a> |
<a href="{p}/sybz/">使用帮助</a> | <a href="https://www.gov.cn/">中国政府网</a></p>
<p>主办单位:{escape(site.name)}　承办:{escape(site.short_name)}办公室</p>
<p>网站标识码:{site.site_code}
<a href="https://beian.miit.gov.cn/" target="_blank">{site.icp}</a></p>
<p><a href="https://bszs.conac.cn/sitename?method=show&amp;id=0"><img src="{p}/images/red.png"
alt="党政机关"></a></p>
</div></div>"""


def _when(article: Article, with_time: bool = True) -> str:
    if article.published is None:
        return ""
    return f"{article.published:%Y-%m-%d %H:%M}" if with_time else f"{article.published:%Y-%m-%d}"


def _info_table(article: Article) -> str:
    """The 信息公开 header table; rows without a value are left out, dates included."""
    rows = [
        ("索引号", article.index_number),
        ("发布机构", article.publisher),
        ("文号", ""),
        ("发布日期", _when(article, with_time=False) or None),
        ("时效性", "有效"),
    ]
    cells = "".join(
        f"<tr><th>{label}:</th><td>{escape(value)}</td></tr>"
        for label, value in rows
        if value is not None
    )
    return f'<table class="xxgk-info">{cells}</table>'


def _info_line(article: Article) -> str:
    site, when = article.site, _when(article)
    zoom = (
        '字体:【<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> '
        '<a href="javascript:doZoom(14)">小</a>】'
    )
    if site.style == "asp":  # as on the seed page: 来源:常德市科学技术局 2023-12-01 15:00 字体:【
        return f"来源:{escape(site.name)} {when} {zoom}"
    date_part = f"发布时间:{when}　" if when else ""
    return f"{date_part}来源:{escape(article.publisher)}　{zoom}"


def detail_page(article: Article) -> str:
    """A full detail page for `article` in its site's platform style."""
    site = article.site
    extra = [
        _meta("ArticleTitle", article.title),
        _meta("ContentSource", article.publisher),
        _meta("Keywords", f"{site.short_name},{site.column_name}"),
    ]
    if article.published is not None:
        extra.insert(1, _meta("PubDate", _when(article)))
    list_path = escape(list_url_path(site))
    trail = (
        f'<a href="{site.prefix}/zwgk/">政务公开</a> &gt; '
        f'<a href="{list_path}">{escape(site.column_name)}</a> &gt; 正文'
    )
    paragraphs = "\n".join(f"<p>{escape(text)}</p>" for text in article.paragraphs)
    heading = (
        f'<h1 class="article-title">{escape(article.title)}</h1>' if article.show_heading else ""
    )
    after = ""
    if site.style == "generic":  # seed 002's page ends with these, outside the text
        after = f'<div class="prev-next">下一篇:<a href="{list_path}">返回列表</a></div>'
        after += '<div class="comments">留言与评论(共有 0 条评论) |</div>'
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
{page_head(site, f"{article.title}_{site.name}", site.column_name, chr(10).join(extra))}
<body>
{page_top(site, trail)}
<div class="main w1200">
{_info_table(article)}
<div class="article">
{heading}
<div class="article-info">{_info_line(article)}</div>
{_BODY_CONTAINERS[site.style].format(paragraphs)}
<div class="article-tools"><a href="javascript:window.print()">打印本页</a>
<a href="javascript:window.close()">关闭窗口</a></div>
{after}
</div></div>
{page_footer(site)}
</body></html>
"""


def stub_page(site: AgencySite, title: str, links: list[tuple[str, str]]) -> str:
    """A plain section page (home, 政务公开, ...) so navigation links lead somewhere."""
    items = "\n".join(
        f'<li><a href="{escape(href)}">{escape(text)}</a></li>' for href, text in links
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
{page_head(site, f"{title}_{site.name}", None)}
<body>
{page_top(site, escape(title))}
<div class="main w1200"><h2>{escape(title)}</h2><ul class="section-links">{items}</ul></div>
{page_footer(site)}
</body></html>
"""
