"""Picking the article links out of a list page.

Portal templates differ, but the list a crawler wants is nearly always the densest run of links
that carry a date; navigation, header, footer and breadcrumb links carry none, and live inside
containers whose class or id says what they are. Links are grouped by the tag path of their list
container, so a list split over several sibling `<ul>`s (common in TRS templates) stays one list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.ingest.discovery.dates import find_date
from services.ingest.discovery.links import resolve, same_site
from services.ingest.discovery.model import ListItem
from services.ingest.discovery.tree import parse_tree

_ROW_TAGS = {"li", "tr", "dd", "dt"}
_CHROME_TAGS = {"nav", "header", "footer"}
_CHROME_TOKENS = {
    "nav", "navbar", "menu", "submenu", "header", "head", "footer", "foot", "crumb", "crumbs",
    "breadcrumb", "position", "location", "dqwz", "weizhi", "daohang", "dh", "top", "topbar",
    "bottom", "copyright", "banner", "toolbar", "sitemap", "yqlj", "links", "friendlink",
    "share", "fenxiang",
}  # fmt: skip
_CHROME_SUBSTRINGS = ("nav", "menu", "footer", "crumb", "copyright")
_TOKEN_SPLIT = re.compile(r"[\s_\-]+")
_PAGE_NUMBER = re.compile(r"\d+|第\s*\d+\s*页")
_ARTICLE_URL = re.compile(
    r"t\d{8}_\d+|/art/\d{4}/|art_\d+_\d+|post_\d+|content_\d+|[0-9a-f]{32}|showarticle|"
    r"articleid=|detail|[?&](?:info)?id=\d+|/\d{6}/|/[^/?]*\d{4,}[^/?]*\.s?html?$",
    re.IGNORECASE,
)
_NOT_TITLES = {"更多", "更多>>", "more", "more>>", "详细", "详情", "查看", "阅读全文", "[更多]"}
_PAGER_WORDS = {
    "下一页", "下页", "上一页", "上页", "首页", "尾页", "末页", "最后一页", "第一页", "next",
    "prev", "previous", "last", "first", ">", ">>", "»", "<", "<<", "«", "›", "‹",
}  # fmt: skip
_MAX_ROW_DEPTH = 4
_SIGNATURE_DEPTH = 6
_MIN_FALLBACK_TITLE = 8
# A row's date sits next to its title: reading further only costs time (quadratic, when rows
# nest inside each other as a broken page's do).
_ROW_TEXT_CHARS = 300
_ROW_TEXT_NODES = 200


def normalise_space(text: str) -> str:
    """Collapse all whitespace (including full-width spaces) to single spaces."""
    return " ".join(text.split())


def is_pager_text(text: str) -> bool:
    """Whether a link's text marks it as pagination rather than an article."""
    bare = text.strip("[]【】 ").lower()
    return bare in _PAGER_WORDS or bool(_PAGE_NUMBER.fullmatch(bare))


@dataclass
class _Candidate:
    url: str
    title: str
    date: date | None
    group: str
    article_like: bool


def _classes(node: Any) -> list[str]:
    attrs = node.attributes
    words = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()
    return [token for token in _TOKEN_SPLIT.split(words) if token]


def _is_chrome(node: Any) -> bool:
    if node.tag in _CHROME_TAGS:
        return True
    tokens = _classes(node)
    return any(t in _CHROME_TOKENS or any(s in t for s in _CHROME_SUBSTRINGS) for t in tokens)


def in_chrome(anchor: Any, memo: dict[int, bool] | None = None) -> bool:
    """Whether a link sits in navigation, header, footer, breadcrumb or share chrome.

    `memo` (one per tree) remembers the answer for every element walked through, so the links
    of a page cost one look at each element rather than one walk to the root per link.
    """
    memo = {} if memo is None else memo
    walked: list[int] = []
    verdict = False
    node = anchor.parent
    while node is not None and node.tag not in ("body", "html", "-undef"):
        known = memo.get(node.mem_id)
        if known is not None:
            verdict = known
            break
        walked.append(node.mem_id)
        if _is_chrome(node):
            verdict = True
            break
        node = node.parent
    for element in walked:
        memo[element] = verdict  # "this element or one of its ancestors is chrome"
    return verdict


def _row_of(anchor: Any) -> Any:
    node = anchor.parent
    for _ in range(_MAX_ROW_DEPTH):
        if node is None:
            break
        if node.tag in _ROW_TAGS:
            return node
        node = node.parent
    return anchor.parent if anchor.parent is not None else anchor


def _signature(node: Any) -> str:
    parts: list[str] = []
    for _ in range(_SIGNATURE_DEPTH):
        if node is None or node.tag in ("html", "-undef"):
            break
        parts.append(f"{node.tag}.{'.'.join(_classes(node))}")
        node = node.parent
    return "/".join(parts)


def _title_of(anchor: Any) -> str:
    text = normalise_space(anchor.text(deep=True, separator=" "))
    attr = normalise_space(anchor.attributes.get("title") or "")
    stem = text.rstrip(".…")
    if attr and (not text or text != stem or (len(attr) > len(text) and attr.startswith(stem))):
        return attr  # the visible text was cut short by the template
    return text or attr


def _text_head(node: Any, chars: int) -> str:
    """About the first `chars` characters of the text under `node`, whatever lies below."""
    parts: list[str] = []
    size = 0
    for seen, child in enumerate(node.traverse(include_text=True)):
        if seen >= _ROW_TEXT_NODES:
            break
        if child.is_text_node:
            text = child.text_content or ""
            parts.append(text)
            size += len(text)
            if size >= chars:
                break
    return normalise_space(" ".join(parts))


def _row_date(row: Any, title: str, url: str) -> date | None:
    text = _text_head(row, _ROW_TEXT_CHARS + len(title)).replace(title, " ", 1)
    found = find_date(text, url)
    if found is None and row.next is not None and row.tag in ("dt", "td"):
        found = find_date(_text_head(row.next, _ROW_TEXT_CHARS), url)
    return found


def _candidates(anchors: list[Any], page_url: str, excluded: set[str]) -> list[_Candidate]:
    found: list[_Candidate] = []
    for anchor in anchors:
        url = resolve(anchor.attributes.get("href"), page_url)
        if url is None or url in excluded or not same_site(url, page_url):
            continue
        title = _title_of(anchor)
        if not title or title.lower() in _NOT_TITLES or is_pager_text(title):
            continue
        row = _row_of(anchor)
        found.append(
            _Candidate(
                url=url,
                title=title,
                date=_row_date(row, title, url),
                group=_signature(row.parent) if row.parent is not None else "",
                article_like=bool(_ARTICLE_URL.search(url)),
            )
        )
    return found


def _best_group(candidates: list[_Candidate]) -> list[_Candidate]:
    groups: dict[str, list[_Candidate]] = {}
    for candidate in candidates:
        groups.setdefault(candidate.group, []).append(candidate)

    def score(members: list[_Candidate]) -> tuple[int, int, int]:
        dated = sum(1 for m in members if m.date is not None)
        article = sum(1 for m in members if m.article_like)
        long_titles = sum(1 for m in members if len(m.title) >= _MIN_FALLBACK_TITLE)
        return dated, article, long_titles

    if not groups:
        return []
    best = max(groups.values(), key=score)
    dated, article, long_titles = score(best)
    if dated == 0 and article == 0 and long_titles < 3:
        return []  # nothing here looks like a list of articles: better none than nav links
    return best


def _to_items(candidates: list[_Candidate]) -> tuple[ListItem, ...]:
    seen: set[str] = set()
    items: list[ListItem] = []
    for candidate in candidates:
        if candidate.url in seen:
            continue
        seen.add(candidate.url)
        items.append(ListItem(url=candidate.url, title=candidate.title, date=candidate.date))
    return tuple(items)


def list_items(
    tree: Any, page_url: str, excluded: set[str], link_selector: str | None = None
) -> tuple[ListItem, ...]:
    """The article links of a list page (its `parse_tree`), in page order, without duplicates.

    `link_selector` names the list (or its links) for sites where the heuristic picks wrong;
    it then bypasses the chrome and density checks entirely.
    """
    if link_selector:
        anchors: list[Any] = []
        for node in tree.css(link_selector):
            anchors.extend([node] if node.tag == "a" else node.css("a[href]"))
        return _to_items(_candidates(anchors, page_url, excluded))
    chrome: dict[int, bool] = {}
    anchors = [a for a in tree.css("a[href]") if not in_chrome(a, chrome)]
    return _to_items(_best_group(_candidates(anchors, page_url, excluded)))


def attachment_links(html: str, page_url: str, pattern: re.Pattern[str]) -> tuple[ListItem, ...]:
    """Same-site links whose URL path (or link text) matches `pattern`, as undated items."""
    tree = parse_tree(html)
    found: list[_Candidate] = []
    for anchor in tree.css("a[href]"):
        url = resolve(anchor.attributes.get("href"), page_url)
        if url is None or not same_site(url, page_url):
            continue
        title = _title_of(anchor) or url.rsplit("/", 1)[-1]
        if pattern.search(url.split("?", 1)[0]) or pattern.search(url) or pattern.search(title):
            found.append(_Candidate(url, title, None, "", True))
    return _to_items(found)
