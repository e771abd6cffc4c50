"""List pages of the demo sites, one renderer per platform, and the Hanweb proxy answer.

Each renderer writes what its platform writes on real portals: TRS a `createPageHTML` script and
no pager links; Hanweb an XML data island plus a jpage script (further pages only by POST to
`/module/web/jpage/dataproxy.jsp`); the generic and old ASP templates real pager links.
"""

from __future__ import annotations

import posixpath
from html import escape
from urllib.parse import quote

from services.demo_portal.articles import Article
from services.demo_portal.catalogue import AgencySite
from services.demo_portal.templates import list_url_path, page_footer, page_head, page_top

HANWEB_WEBID = "7"
HANWEB_UNITID = "41234"


def page_count(site: AgencySite, articles: tuple[Article, ...]) -> int:
    """How many list pages the site's column has."""
    return -(-len(articles) // site.per_page)


def _shown_date(site: AgencySite, article: Article) -> str:
    if article.published is None:
        return ""
    when = article.published
    if site.date_style == "slash":
        return f"{when:%Y/%m/%d}"
    if site.date_style == "chinese":
        return f"{when.year}年{when.month}月{when.day}日"
    if site.date_style == "short":
        return f"[{when:%m-%d}]"
    return f"{when:%Y-%m-%d}"


def _href(site: AgencySite, article: Article, list_path: str) -> str:
    if site.style == "hanweb":
        return article.path
    if site.style == "asp":
        return article.path.rsplit("/", 1)[-1]
    relative = posixpath.relpath(article.path, posixpath.dirname(list_path))
    return relative if site.style == "generic" else f"./{relative}"


def _li(site: AgencySite, article: Article, list_path: str) -> str:
    title = escape(article.title)
    shown = escape(_shown_date(site, article))
    span = f"<span>{shown}</span>" if shown else ""
    href = escape(_href(site, article, list_path))
    return f'<li><a href="{href}" target="_blank" title="{title}">{title}</a>{span}</li>'


def _pager_links(site: AgencySite, page: int, pages: int) -> str:
    """Generic/ASP pager: numbered links plus 首页/上一页/下一页/尾页 (page is 1-based)."""

    def href(n: int) -> str:
        if site.style == "asp":
            return "List.asp?ClassID=56" + (f"&amp;page={n}" if n > 1 else "")
        return "list.html" + (f"?page={n}" if n > 1 else "")

    parts = [f"<span>共{pages}页</span>", f'<a href="{href(1)}">首页</a>']
    if page > 1:
        parts.append(f'<a href="{href(page - 1)}">上一页</a>')
    for n in range(1, pages + 1):
        parts.append(f"<b>{n}</b>" if n == page else f'<a href="{href(n)}">{n}</a>')
    if page < pages:
        parts.append(f'<a href="{href(page + 1)}">下一页</a>')
    parts.append(f'<a href="{href(pages)}">尾页</a>')
    return '<div class="pagination">' + " ".join(parts) + "</div>"


def _asp_rows(site: AgencySite, shown: tuple[Article, ...], list_path: str) -> str:
    rows = []
    for article in shown:
        href = escape(_href(site, article, list_path))
        rows.append(
            f'<tr><td class="listtitle"><img src="images/arrow.gif" alt=""> <a href="{href}" '
            f'target="_blank">{escape(article.title)}</a></td>'
            f'<td class="listdate">{escape(_shown_date(site, article))}</td></tr>'
        )
    return '<table class="listtable" width="100%"><tbody>' + "".join(rows) + "</tbody></table>"


def hanweb_records(site: AgencySite, articles: tuple[Article, ...]) -> str:
    """`<record>` elements for `articles`, as in the page's data island and the proxy answer."""
    return "\n".join(
        f"<record><![CDATA[\n{_li(site, article, '')}\n]]></record>" for article in articles
    )


def _hanweb_island(site: AgencySite, articles: tuple[Article, ...]) -> str:
    column = site.column_path.rsplit("col", 1)[-1]
    total, pages = len(articles), page_count(site, articles)
    webname = quote(site.name)
    nextgroup = (
        f"/module/web/jpage/dataproxy.jsp?page=1&webid={HANWEB_WEBID}&path=/&columnid={column}"
        f"&unitid={HANWEB_UNITID}&webname={webname}&permissiontype=0"
    )
    return f"""<div id="{HANWEB_UNITID}"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="{nextgroup}"></a>]]></nextgroup>
<totalrecord>{total}</totalrecord><totalpage>{pages}</totalpage>
<recordset>
{hanweb_records(site, articles[: site.per_page])}
</recordset></datastore></script></div>
<script type="text/javascript" src="/module/jslib/jquery/jpage/jquery.jpage.js"></script>
<script type="text/javascript">
$(document).ready(function() {{
  $("#{HANWEB_UNITID}").jpage({{dataStore: dataStore, perPage: {site.per_page}, groupSize: 1,
    totalRecord: {total}, proxyUrl: "/module/web/jpage/dataproxy.jsp", barPosition: "bottom",
    showMode: "full", webid: "{HANWEB_WEBID}", columnid: "{column}"}});
}});
</script>"""


def list_page(site: AgencySite, articles: tuple[Article, ...], page: int) -> str:
    """Page `page` (1-based) of the site's report column; Hanweb has only page 1 as a file."""
    list_path = list_url_path(site)
    pages = page_count(site, articles)
    shown = articles[(page - 1) * site.per_page : page * site.per_page]
    if site.style == "hanweb":
        body = _hanweb_island(site, articles)
    elif site.style == "asp":
        body = _asp_rows(site, shown, list_path) + _pager_links(site, page, pages)
    else:
        items = "\n".join(_li(site, article, list_path) for article in shown)
        body = f'<ul class="news-list">\n{items}\n</ul>'
        if site.style == "trs":
            body += (
                '\n<div class="page-box"><script type="text/javascript">'
                f'createPageHTML({pages}, {page - 1}, "index", "html");</script></div>'
            )
        else:
            body += _pager_links(site, page, pages)
    trail = f'<a href="{site.prefix}/zwgk/">政务公开</a> &gt; {escape(site.column_name)}'
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
{page_head(site, f"{site.column_name}_{site.name}", site.column_name)}
<body>
{page_top(site, trail)}
<div class="main w1200"><div class="column-title"><h2>{escape(site.column_name)}</h2></div>
<div class="list-box">
{body}
</div></div>
{page_footer(site)}
</body></html>
"""


def hanweb_answer(site: AgencySite, articles: tuple[Article, ...]) -> str:
    """The XML dataproxy.jsp answers with: the requested records in a `<datastore>`."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n<nextgroup><![CDATA[]]></nextgroup>\n'
        f"<recordset>\n{hanweb_records(site, articles)}\n</recordset>\n</datastore>\n"
    )
