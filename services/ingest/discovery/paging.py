"""Finding the other pages of a list: TRS page scripts and generic pager links.

TRS writes no pager links into the HTML; the page count only exists as the arguments of an inline
`createPageHTML(total, current, "index", "html")` call, and page k>0 is `index_k.html`. Other
templates write links (下一页, 尾页, page numbers); we keep only those that are pages of the same
list (same path with a different page parameter, or `name_N.ext` beside the current file) and fill
the gaps between the numbers seen, since a pager shows only a window of its pages.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from services.ingest.discovery.items import in_chrome, is_pager_text, normalise_space
from services.ingest.discovery.links import resolve
from services.ingest.discovery.tree import parse_tree

__all__ = ["generic_pages", "parse_tree", "trs_pages"]

_CREATE_PAGE = re.compile(r"createPageHTML\s*\(([^()]*)\)")
_QUOTED = re.compile(r"""^["'](.*)["']$""")
_NUMBERED_FILE = re.compile(r"^(?P<stem>[^/]*?)(?:_(?P<n>\d+))?\.(?P<ext>s?html?|jsp|php|aspx?)$")
_TOTAL_PAGES = re.compile(r"共\s*(\d+)\s*页")
_PAGE_KEYS = {
    "page", "p", "pageno", "page_no", "pageindex", "pagenum", "curpage", "currentpage", "pn",
    "pg", "paged", "pagenumber", "page_index",
}  # fmt: skip
_MAX_GAP_FILL = 500
# Links so labelled lead to another page of this list whatever their URL looks like; 首页 is not
# among them because the site's home link carries the same word.
_STEP_WORDS = {
    "下一页", "下页", "上一页", "上页", "尾页", "末页", "最后一页", "next", "last", ">", ">>", "»",
}  # fmt: skip


def trs_pages(body: str, page_url: str) -> list[str]:
    """Every page of a TRS list, from its `createPageHTML(...)` call, in order."""
    for match in _CREATE_PAGE.finditer(body):
        numbers: list[int] = []
        strings: list[str] = []
        for raw in (arg.strip() for arg in match.group(1).split(",")):
            quoted = _QUOTED.match(raw)
            if quoted:
                strings.append(quoted.group(1))
            elif raw.isdigit():
                numbers.append(int(raw))
            elif re.fullmatch(r"[A-Za-z_$][\w$]*", raw):
                # Newer templates pass variables: `var countPage = 5;createPageHTML(countPage, ...)`
                assigned = re.search(rf"\b{re.escape(raw)}\s*=\s*(\d+)", body)
                if assigned:
                    numbers.append(int(assigned.group(1)))
        if len(numbers) < 2 or len(strings) < 2:
            continue  # the function's own definition, or a call we cannot read
        total, (prefix, ext) = numbers[0], strings[-2:]
        return [
            urljoin(page_url, f"{prefix}.{ext}" if i == 0 else f"{prefix}_{i}.{ext}")
            for i in range(min(total, _MAX_GAP_FILL))
        ]
    return []


def _page_param(url: str) -> tuple[str, int] | None:
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key.lower() in _PAGE_KEYS and value.isdigit():
            return key, int(value)
    return None


def _without_page_params(url: str) -> tuple[str, list[tuple[str, str]]]:
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    return parts.path, sorted((k, v) for k, v in pairs if k.lower() not in _PAGE_KEYS)


def _with_page(url: str, key: str, number: int) -> str:
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != key]
    return urlunsplit(parts._replace(query=urlencode([*pairs, (key, str(number))])))


def _numbered_file(url: str) -> tuple[str, str, str, int] | None:
    """(directory, stem, ext, n) for `.../stem_n.ext`, n = 0 for the unnumbered first page."""
    parts = urlsplit(url)
    directory, _, name = parts.path.rpartition("/")
    match = _NUMBERED_FILE.match(name)
    if match is None or parts.query:
        return None
    number = int(match.group("n")) if match.group("n") else 0
    return directory, match.group("stem"), match.group("ext"), number


class _Families:
    """Pages found so far, by how they are numbered, to fill the gaps a pager window leaves."""

    def __init__(self, page_url: str) -> None:
        self.page_url = page_url
        self.query_numbers: dict[str, set[int]] = {}
        self.file_numbers: set[int] = set()
        self.others: list[str] = []

    def add(self, url: str, labelled: bool) -> None:
        """Keep `url` if it is a page of the same list; `labelled` links (下一页...) always are."""
        page = _page_param(url)
        if page and _without_page_params(url) == _without_page_params(self.page_url):
            self.query_numbers.setdefault(page[0], set()).add(page[1])
            return
        mine, theirs = _numbered_file(self.page_url), _numbered_file(url)
        if mine and theirs and mine[:3] == theirs[:3]:
            self.file_numbers.add(theirs[3])
        elif labelled and urlsplit(url).netloc == urlsplit(self.page_url).netloc:
            self.others.append(url)

    def all_pages(self, total_hint: int | None) -> list[str]:
        """Every page implied by the links seen, in page order (the current page included)."""
        pages: list[str] = []
        mine = _numbered_file(self.page_url)
        if mine and self.file_numbers:
            directory, stem, ext, current = mine
            if 0 in self.file_numbers:
                pages.append(urljoin(self.page_url, f"{directory}/{stem}.{ext}"))
            # `name_N` numbering starts at 1 (TRS) or 2 (others): fill only between numbered
            # pages, never invent a `name_1` the portal may not have.
            numbered = {n for n in (*self.file_numbers, current) if n > 0}
            if numbered:
                low = min(numbered)
                for n in range(low, min(max(numbered), low + _MAX_GAP_FILL) + 1):
                    pages.append(urljoin(self.page_url, f"{directory}/{stem}_{n}.{ext}"))
        own_query = _page_param(self.page_url)
        for key, numbers in self.query_numbers.items():
            current = own_query[1] if own_query and own_query[0] == key else 1
            top = max([*numbers, current, total_hint or 0])
            bottom = max(min([*numbers, current]), 2)  # page 1 is the list's own address
            for n in range(bottom, min(top, bottom + _MAX_GAP_FILL) + 1):
                pages.append(_with_page(self.page_url, key, n))
        return pages + self.others


def generic_pages(tree: Any, page_url: str) -> list[str]:
    """Pages of the same list linked from this page's pager, with gaps filled."""
    families = _Families(page_url)
    chrome: dict[int, bool] = {}
    for anchor in tree.css("a[href]"):
        url = resolve(anchor.attributes.get("href"), page_url)
        if url is None:
            continue
        text = normalise_space(anchor.text(deep=True, separator=" "))
        if (is_pager_text(text) or _page_param(url)) and not in_chrome(anchor, chrome):
            families.add(url, labelled=text.strip("[]【】 ").lower() in _STEP_WORDS)
    total = _TOTAL_PAGES.search(normalise_space(tree.body.text()) if tree.body else "")
    return families.all_pages(int(total.group(1)) if total else None)
