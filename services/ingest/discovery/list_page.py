"""List-page discovery: which links on a portal's list page are articles, and which other
pages belong to the same list. Pure functions over the decoded page text; no I/O.

The portals run on a handful of platforms (domain.md, "Portal software"): TRS WCM, Hanweb JCMS,
the Guangdong platform and assorted home-grown templates. Each is handled by what it writes into
the page, never by per-site code:

- items: the densest list of dated same-site links (`items`), Hanweb's XML records, or
  the Guangdong gkmlpt JSON API's articles (`gkmlpt`);
- further pages: TRS `createPageHTML(...)`, Hanweb dataproxy POSTs (`hanweb`), the
  gkmlpt API's `page=N`, pager links (`paging`), or a source's own `page_pattern`.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from services.ingest.discovery.gkmlpt import gkmlpt_api_requests, gkmlpt_page
from services.ingest.discovery.hanweb import hanweb_records, hanweb_requests
from services.ingest.discovery.items import attachment_links, list_items
from services.ingest.discovery.model import ListItem, ListPage, PageRequest
from services.ingest.discovery.paging import generic_pages, trs_pages
from services.ingest.discovery.tree import parse_tree

__all__ = [
    "find_attachments",
    "looks_like_report",
    "parse_list_page",
    "pattern_pages",
]

_ATTACHMENT = re.compile(r"\.(?:pdf|docx?|wps|xlsx?|ofd)$", re.IGNORECASE)

# Words that make a title a report candidate on their own, and weaker topic words: a title on the
# topic is kept too (high recall), the extractor reads the page and decides.
_REPORT_WORDS = (
    "年度报告", "年报", "工作报告", "情况报告", "情况的报告", "建设报告", "履职报告", "述职报告",
    "述法报告", "工作总结",
)  # fmt: skip
_TOPIC_WORDS = ("法治政府", "法治建设", "依法行政", "政府信息公开", "信息公开工作", "履职情况")
_NOT_REPORT_WORDS = (
    "招聘", "招考", "采购", "招标", "中标", "成交", "询价", "比选", "放假", "拍卖", "出让",
)  # fmt: skip
_YEAR_AND_REPORT = re.compile(r"(?:19|20)\d{2}\s*年.*报告")


def looks_like_report(title: str) -> bool:
    """Whether a link title may be an annual report (法治政府建设 / 信息公开 / 履职).

    Deliberately generous: a missed report is a false "missing" alert, while a false candidate
    only costs one page fetch and an extractor decision. Only titles about other business
    (recruitment, procurement, holidays) are dropped, unless they name a report outright.
    """
    text = "".join(title.split())
    names_report = any(word in text for word in _REPORT_WORDS)
    if any(word in text for word in _NOT_REPORT_WORDS) and not names_report:
        return False
    return (
        names_report
        or any(word in text for word in _TOPIC_WORDS)
        or bool(_YEAR_AND_REPORT.search(text))
    )


def _unique_requests(
    requests: list[PageRequest], page_url: str, max_pages: int
) -> tuple[PageRequest, ...]:
    seen: set[tuple[str, str]] = {(page_url, "GET")}
    kept: list[PageRequest] = []
    for request in requests:
        key = (request.url, request.method)
        if key in seen:
            continue
        seen.add(key)
        kept.append(request)
    return tuple(kept[:max_pages])


def parse_list_page(
    body: str, url: str, *, max_pages: int = 50, link_selector: str | None = None
) -> ListPage:
    """Items and further pages of one list page (also a Hanweb dataproxy XML answer).

    `url` is the address the body was fetched from; relative links resolve against it and it is
    never returned among the further pages. `max_pages` caps the further pages a single page can
    add, so a broken pager cannot schedule thousands of fetches. `link_selector` (CSS) names the
    list for a site where the density heuristic picks the wrong one.
    """
    api_page = gkmlpt_page(body, url, max_pages)
    if api_page is not None:
        return api_page
    records = hanweb_records(body)
    requests = gkmlpt_api_requests(body, url)
    requests += [PageRequest(page) for page in trs_pages(body, url)]
    requests += hanweb_requests(body, url, len(records or ()))
    tree = parse_tree(body) if records is None or link_selector else None
    if records is None:
        requests += [PageRequest(page) for page in generic_pages(tree, url)]
    further = _unique_requests(requests, url, max_pages)
    if tree is None:
        tree = parse_tree("<ul>" + "".join(records or ()) + "</ul>")
    excluded = {url} | {request.url for request in further}
    items = list_items(tree, url, excluded, link_selector)
    return ListPage(items=items, further_pages=further)


def find_attachments(body: str, url: str) -> tuple[ListItem, ...]:
    """Same-site links to report files (.pdf/.doc/.docx/.wps/.xls/.xlsx/.ofd) on a detail page.

    Some agencies publish the report only as an attachment, with a one-line HTML body; the
    crawler must fetch these files to see the report at all.
    """
    return attachment_links(body, url, _ATTACHMENT)


def pattern_pages(list_url: str, pattern: str, max_pages: int) -> tuple[PageRequest, ...]:
    """Pages 2..max_pages of a list whose pagination an operator spelled out.

    `pattern` is resolved against the list URL; `{n}` is the page number counting the list URL
    as page 1 (`?page={n}` gives 2, 3, ...) and `{i}` the same minus one (TRS `index_{i}.html`
    gives index_1, index_2, ...). For portals whose pager discovery cannot read.
    """
    if "{n}" not in pattern and "{i}" not in pattern:
        raise ValueError(f"page pattern {pattern!r} has neither {{n}} nor {{i}}")
    return tuple(
        PageRequest(urljoin(list_url, pattern.replace("{n}", str(n)).replace("{i}", str(n - 1))))
        for n in range(2, max_pages + 1)
    )
