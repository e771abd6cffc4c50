"""The demo portal's content, built in memory: every page by path, and the Hanweb data proxy.

One host serves five agency sites under path prefixes, on four platform styles (TRS, Hanweb, a
generic `?page=N` template and an old GBK ASP template), so the crawler meets the variety of real
portals without network access. `Page.last_modified` is one site-wide publishing time, not the
article date: HTTP headers must not leak a publication date that a page itself withholds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from urllib.parse import parse_qsl, urlencode

from services.demo_portal.articles import Article, site_articles
from services.demo_portal.catalogue import SITES, AgencySite
from services.demo_portal.column import KM_GOV, column_articles, column_pages
from services.demo_portal.listing import HANWEB_UNITID, hanweb_answer, list_page, page_count
from services.demo_portal.templates import (
    charset_label,
    detail_page,
    list_url_path,
    stub_page,
)

PUBLISHED_AT = datetime(2025, 6, 3, 8, 0, tzinfo=UTC)
DATAPROXY_PATH = "/module/web/jpage/dataproxy.jsp"
ROBOTS_TXT = "User-agent: *\nAllow: /\nDisallow: /admin/\n"


@dataclass(frozen=True)
class Page:
    """One response body with the headers that depend on it."""

    body: bytes
    content_type: str
    last_modified: datetime = PUBLISHED_AT
    etag: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "etag", '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"')


def page_key(path: str, query: str = "") -> str:
    """The lookup key for a request target: query parameters sorted, so order does not matter."""
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    return path + ("?" + urlencode(pairs) if pairs else "")


def _html(site: AgencySite, text: str) -> Page:
    return Page(text.encode(site.encoding), f"text/html; charset={charset_label(site)}")


def _list_page_paths(site: AgencySite, pages: int) -> list[str]:
    first = list_url_path(site)
    if site.style == "hanweb":
        return [first]  # Hanweb has no static index_1.html: further pages come by POST
    if site.style == "trs":
        return [first] + [first.replace("index.html", f"index_{n}.html") for n in range(1, pages)]
    return [first] + [f"{first}{'&' if '?' in first else '?'}page={n}" for n in range(2, pages + 1)]


def _site_pages(site: AgencySite, articles: tuple[Article, ...]) -> dict[str, Page]:
    pages: dict[str, Page] = {}
    for number, path in enumerate(_list_page_paths(site, page_count(site, articles)), start=1):
        pages[page_key(*path.partition("?")[::2])] = _html(site, list_page(site, articles, number))
    for article in articles:
        pages[page_key(*article.path.partition("?")[::2])] = _html(site, detail_page(article))
    p, column = site.prefix, list_url_path(site)
    sections = {
        f"{p}/": ("首页", [(column, site.column_name), (f"{p}/zwgk/", "政务公开")]),
        f"{p}/zwgk/": ("政务公开", [(column, site.column_name)]),
        f"{p}/jggk/": ("机构概况", [(f"{p}/", "返回首页")]),
        f"{p}/hdjl/": ("互动交流", [(f"{p}/", "返回首页")]),
        f"{p}/bsfw/": ("办事服务", [(f"{p}/", "返回首页")]),
        f"{p}/wzdt/": ("网站地图", [(f"{p}/", "首页"), (column, site.column_name)]),
        f"{p}/lxwm/": ("联系我们", [(f"{p}/", "返回首页")]),
    }
    for path, (title, links) in sections.items():
        pages[path] = _html(site, stub_page(site, title, links))
    pages[f"{p}/index.html"] = pages[f"{p}/"]
    return pages


def _portal_index() -> Page:
    links = "".join(
        f'<li><a href="{escape(list_url_path(site))}">{escape(site.name)}</a></li>'
        for site in SITES
    )
    links += f'<li><a href="{KM_GOV.prefix}/">{escape(KM_GOV.name)}门户网站</a></li>'
    text = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>nianbao 演示门户'
        f"</title></head><body><h1>nianbao 演示门户</h1><ul>{links}</ul></body></html>"
    )
    return Page(text.encode("utf-8"), "text/html; charset=utf-8")


@dataclass(frozen=True)
class DemoSite:
    """All pages of the demo portal, plus the articles behind them (the test's ground truth)."""

    pages: Mapping[str, Page]
    articles: Mapping[str, tuple[Article, ...]]  # by site slug, newest first

    def get(self, path: str, query: str = "") -> Page | None:
        """The page served for a GET of `path?query`, or None (404)."""
        return self.pages.get(page_key(path, query))

    def dataproxy(self, query: str, form: Mapping[str, str]) -> Page | None:
        """Answer a Hanweb jpage proxy POST: records startrecord..endrecord of the column.

        None (404) when the form names no known column or unit, as a real proxy errs then.
        """
        params = dict(parse_qsl(query))
        for site in SITES:
            if site.style != "hanweb" or form.get("columnid") != site.column_path[len("col/col") :]:
                continue
            if form.get("unitid", HANWEB_UNITID) != HANWEB_UNITID:
                return None
            try:
                start = max(int(params.get("startrecord", "1")), 1)
                end = int(params.get("endrecord", str(start + site.per_page - 1)))
            except ValueError:
                return None
            records = self.articles[site.slug][start - 1 : end]
            return Page(hanweb_answer(site, records).encode("utf-8"), "text/xml; charset=UTF-8")
        return None


def build_site() -> DemoSite:
    """Build the whole demo portal in memory (a few hundred KB)."""
    pages: dict[str, Page] = {"/": _portal_index()}
    pages["/robots.txt"] = Page(ROBOTS_TXT.encode("ascii"), "text/plain; charset=utf-8")
    articles: dict[str, tuple[Article, ...]] = {}
    for site in SITES:
        articles[site.slug] = site_articles(site)
        pages.update(_site_pages(site, articles[site.slug]))
    for path, text in column_pages().items():
        pages[page_key(path)] = _html(KM_GOV, text)
    articles[KM_GOV.slug] = column_articles()
    return DemoSite(pages=pages, articles=articles)


def site_by_slug(slug: str) -> AgencySite:
    """The demo site with this slug (KeyError if there is none)."""
    for site in SITES:
        if site.slug == slug:
            return site
    raise KeyError(slug)


def list_url(base_url: str, site: AgencySite) -> str:
    """Absolute URL of the first page of the site's report list."""
    return base_url.rstrip("/") + list_url_path(site)
