"""Which pages of a portal are columns of annual reports, and which links lead towards them.

Pure functions over decoded page text, no I/O (the crawl is `portal.py`). A page is a
report column on three kinds of evidence, each kept for the person who reads the proposal:

- its column metadata: `<meta name="ColumnName">` / `ColumnType` (《政府网站发展指引》 asks every
  page for them; `ColumnType` has the value 信息公开年报) naming 法治政府建设, 年度报告, 年报;
- the link text it was reached by (法治政府建设年度报告, 政府信息公开年报, 年度报告);
- its items: at least two list items whose titles are report-like (a year and 年度报告 / 年报 /
  情况报告 on one of the report topics), and more of them than of anything else but news.

A column whose report titles start with several different place names is a multi-agency column
(a city's 专栏 with its districts): the proposal then carries `covers: {region: ...}` with the
region of the portal's SiteIDCode, when it has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from services.ingest.discovery.links import resolve, same_site
from services.ingest.discovery.list_page import parse_list_page
from services.ingest.discovery.tree import parse_tree
from shared.regions import regions

KINDS = {"法治": "法治政府建设年度报告", "信息公开": "政府信息公开工作年度报告"}
COLUMN_WORDS = ("法治政府建设", "法治政府", "依法行政", "信息公开年报", "年度报告", "年报")
# Links worth following from a home page towards the columns (one level of navigation).
NAVIGATION_WORDS = (
    *COLUMN_WORDS,
    "政府信息公开",
    "信息公开",
    "法治",
    "专题",
    "专栏",
    "公开目录",
)
_REPORT_TITLE = re.compile(
    r"(?:19|20)\d{2}\s*年度?.{0,30}?(?:法治政府建设|法治建设|依法行政|政府信息公开|信息公开)"
    r".{0,20}?(?:年度报告|年报|情况报告|情况的报告|工作报告)"
    r"|(?:法治政府建设|政府信息公开|信息公开).{0,12}?(?:19|20)\d{2}\s*年.{0,20}?(?:报告|年报)"
    r"|关于(?:19|20)\d{2}\s*年度?(?:法治政府建设|政府信息公开).{0,20}?报告"
)
_META = re.compile(
    r"<meta\s+[^>]*?name\s*=\s*[\"']?(ColumnName|ColumnType|SiteName|SiteIDCode)[\"']?"
    r"[^>]*?content\s*=\s*[\"']([^\"']*)[\"']",
    re.IGNORECASE,
)
_META_REVERSED = re.compile(
    r"<meta\s+[^>]*?content\s*=\s*[\"']([^\"']*)[\"'][^>]*?name\s*=\s*[\"']?"
    r"(ColumnName|ColumnType|SiteName|SiteIDCode)[\"']?",
    re.IGNORECASE,
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_PLACE_HEAD = re.compile(r"^[\u4e00-\u9fff]{2,12}?(?:省|市|区|县|州|旗|盟)")


@dataclass(frozen=True)
class Link:
    """A same-site link of a page and the text it is shown with."""

    url: str
    text: str


@dataclass
class ColumnEvidence:
    """Why a page looks like a column of annual reports."""

    url: str
    name: str  # ColumnName, else the link text, else the page title
    kind: str | None  # the report kind the column seems to hold, when one is clear
    reasons: list[str] = field(default_factory=list)
    sample_titles: list[str] = field(default_factory=list)
    report_items: int = 0
    items: int = 0
    places: list[str] = field(default_factory=list)  # distinct places its titles start with

    @property
    def multi_agency(self) -> bool:
        """Whether its reports come from several places (a 专栏 of a city and its districts)."""
        return len(self.places) >= 2


def page_meta(body: str) -> dict[str, str]:
    """The page's site and column metadata (SiteName, SiteIDCode, ColumnName, ColumnType)."""
    found: dict[str, str] = {}
    for name, content in _META.findall(body):
        found.setdefault(_meta_key(name), content.strip())
    for content, name in _META_REVERSED.findall(body):
        found.setdefault(_meta_key(name), content.strip())
    title = _TITLE.search(body)
    if title:
        found.setdefault("title", re.sub(r"\s+", " ", title.group(1)).strip())
    return found


def _meta_key(name: str) -> str:
    return {"columnname": "ColumnName", "columntype": "ColumnType", "sitename": "SiteName"}.get(
        name.lower(), "SiteIDCode"
    )


def page_links(body: str, url: str) -> list[Link]:
    """Every same-site link of a page with its text, in page order, each URL once."""
    tree: Any = parse_tree(body)
    seen: set[str] = set()
    links: list[Link] = []
    for anchor in tree.css("a"):
        target = resolve(anchor.attributes.get("href"), url)
        if target is None or target in seen or not same_site(target, url):
            continue
        text = re.sub(r"\s+", "", anchor.text() or "") or (anchor.attributes.get("title") or "")
        seen.add(target)
        links.append(Link(target, text.strip()))
    return links


def worth_following(link: Link) -> int:
    """How promising a link is on the way to a report column: 2 a column, 1 navigation, 0 not."""
    if any(word in link.text for word in COLUMN_WORDS) and len(link.text) <= 20:
        return 2
    if any(word in link.text for word in NAVIGATION_WORDS) and len(link.text) <= 12:
        return 1
    return 0


def is_report_title(title: str) -> bool:
    """Whether a list item's title reads like an annual report (not news about one)."""
    return bool(_REPORT_TITLE.search("".join(title.split())))


def kind_of(text: str) -> str | None:
    """The report kind a column name or title speaks of, if exactly one."""
    found = {kind for word, kind in KINDS.items() if word in text}
    return found.pop() if len(found) == 1 else None


def column_evidence(body: str, url: str, link_text: str | None = None) -> ColumnEvidence | None:
    """The evidence that the page at `url` is a column of annual reports; None if there is none."""
    meta = page_meta(body)
    column_name = meta.get("ColumnName", "")
    column_type = meta.get("ColumnType", "")
    reasons: list[str] = []
    if any(word in column_name for word in COLUMN_WORDS):
        reasons.append(f"ColumnName {column_name}")
    if "年报" in column_type or "年度报告" in column_type:
        reasons.append(f"ColumnType {column_type}")
    if link_text and worth_following(Link(url, link_text)) == 2:
        reasons.append(f"link text {link_text}")
    items = parse_list_page(body, url).items
    titles = [item.title for item in items]
    reports = [t for t in titles if is_report_title(t)]
    if len(reports) >= 2:
        reasons.append(f"{len(reports)} of {len(titles)} items are report titles")
    elif not reports or not reasons:
        return None  # a column says so, and holds at least one report
    name = column_name or link_text or meta.get("title", "") or url
    kinds = {kind_of(t) for t in reports} - {None}
    kind = kind_of(name + column_type) or (kinds.pop() if len(kinds) == 1 else None)
    places = list(dict.fromkeys(p for p in (_place(t) for t in reports) if p))
    return ColumnEvidence(
        url=url,
        name=name,
        kind=kind,
        reasons=reasons,
        sample_titles=reports[:3],
        report_items=len(reports),
        items=len(titles),
        places=places,
    )


def _place(title: str) -> str | None:
    head = re.sub(r"^(?:中共)?", "", "".join(title.split()))
    match = _PLACE_HEAD.match(head)
    if match is None:
        return None
    place = match.group(0)
    return place if regions().codes_for(place) else None


def site_region(meta: dict[str, str]) -> str | None:
    """The owner's region code from a SiteIDCode (10 digits: the 6-digit code + a serial)."""
    code = meta.get("SiteIDCode", "")
    if re.fullmatch(r"\d{10}", code) and regions().name_of(code[:6]):
        return code[:6]
    return None
