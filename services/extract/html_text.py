"""From a page (HTML or plain text) to lines: the whole page for metadata, the main text apart.

Portal pages wrap a report in navigation, breadcrumbs, font-size switches, share widgets and
footers. Metadata (the header table, 来源 lines) often sits outside the article container, so we
keep two views: every line of the page, and the main text with the chrome removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from services.extract.bounds import MAX_HINT_CHARS
from services.extract.metadata import fold, info_fields, is_info_label
from services.extract.nesting import flatten_deep

_CONTAINERS = (
    ".TRS_Editor",
    "#zoom",
    ".article-content",
    "#UCAP-CONTENT",
    ".bt_content",
    "#content",
    ".content",
    "article",
    ".article",
    ".detail",
)
_TITLE_SELECTORS = ("h1", ".title", ".article-title", "#title", ".tit", "h2")
_SKIP_TAGS = frozenset({"script", "style", "noscript", "iframe", "template", "svg", "select"})
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "br", "li", "ul", "ol", "tr", "td", "th", "table", "h1", "h2", "h3", "h4",
        "h5", "h6", "section", "article", "header", "footer", "nav", "dl", "dt", "dd", "form",
        "blockquote", "pre", "center", "hr", "aside", "main", "tbody", "thead",
    }
)  # fmt: skip
_MIN_CONTAINER_CHARS = 50

_CHROME = re.compile(
    r"^(?:登录\s*[|｜]\s*注册|(?:您的|您现在的|当前)?位置\s*[:：]|首页\s*[>›»＞]|"
    r"(?:上一篇|下一篇)|分享到|扫一扫|返回顶部|版权所有|Copyright|主办单位|承办单位|"
    r"技术支持|网站地图|联系我们|(?:浏览|阅读|访问)(?:次数|量)|【?(?:打印|关闭|收藏)】?$)"
    r"|字体\s*[:：]?\s*【|【\s*大\s*中\s*小\s*】|打印本页|关闭窗口|留言与评论|网站标识码"
    r"|ICP\s*备|公网安备|^\s*[|｜]\s*$",
    re.IGNORECASE,
)
_STATUTORY_TABLE = re.compile(
    r"本年新收|第二十[条條]|[结結]果[维維]持|本年[制製][发發]|本年新[制製]作|上年[结結][转轉]"
)
_META_LINE = re.compile(r"^\s*(?:来源|发布时间|发布日期|发布于)\s*[:：]")


@dataclass(frozen=True)
class Page:
    """A page reduced to lines: `all_lines` for metadata, `body_lines` for the main text."""

    is_html: bool
    all_lines: tuple[str, ...]
    body_lines: tuple[str, ...]
    meta: dict[str, str] = field(default_factory=dict)  # <meta name> lower-cased -> content
    title_candidates: tuple[str, ...] = ()  # from h1 / .title / <title>, best first
    from_traditional: bool = False  # converted from traditional characters (script.py)
    tables: tuple[tuple[tuple[str, ...], ...], ...] = ()  # innermost <table>s: rows of cell texts


def looks_like_html(text: str) -> bool:
    """Whether undeclared content is markup: an opening html/body/div/p/meta tag near the start."""
    return (
        re.search(r"<(?:!doctype|html|head|body|div|p|meta|table)\b", text[:2000], re.I) is not None
    )


_BLANKS = re.compile(r"[ \t]+")


def _lines(raw: Iterable[str]) -> list[str]:
    out: list[str] = []
    for line in raw:
        if not line or line.isspace():  # most of them: every block boundary starts one
            continue
        cleaned = _BLANKS.sub(" ", fold(line)).strip()
        if cleaned:
            out.append(cleaned)
    return out


def is_chrome(line: str) -> bool:
    """Whether a line is portal furniture rather than content."""
    return _CHROME.search(line) is not None


def main_lines(lines: Sequence[str]) -> tuple[str, ...]:
    """The content lines: chrome, the header table and 来源/发布时间 lines removed."""
    header_keys = info_fields(lines)
    values = set(header_keys.values())
    out: list[str] = []
    skip_next = False
    for line in lines:
        if skip_next:
            skip_next = False
            if line in values:
                continue
        if is_chrome(line) or _META_LINE.match(line):
            continue
        if len(line) < 120 and info_fields([line]):
            continue
        if is_info_label(line):
            skip_next = True
            continue
        out.append(line)
    return tuple(out)


def text_page(text: str) -> Page:
    """A plain-text page (as copied from a portal): lines, with chrome lines dropped."""
    lines = _lines(text.splitlines())
    return Page(is_html=False, all_lines=tuple(lines), body_lines=main_lines(lines))


def _walk(node: LexborNode, out: list[str]) -> None:
    """Append the text under `node` to `out`, a new list item at each block boundary.

    An explicit stack instead of recursion: broken pages nest thousands of unclosed tags.
    """
    stack: list[LexborNode | None] = [node]
    while stack:
        current = stack.pop()
        if current is None:  # end of a block element
            out.append("")
            continue
        tag = current.tag
        if tag == "-text":
            out[-1] += current.text_content or ""
            continue
        if tag in _SKIP_TAGS or tag == "-comment":
            continue
        if tag in _BLOCK_TAGS:
            out.append("")
            stack.append(None)
        children = list(current.iter(include_text=True))
        stack.extend(reversed(children))


def _node_lines(node: LexborNode) -> list[str]:
    out = [""]
    _walk(node, out)
    return _lines(out)


def _densest(tree: LexborHTMLParser) -> LexborNode | None:
    """The element holding the most paragraph text: the article when no known container exists."""
    scores: dict[int, tuple[int, LexborNode]] = {}
    for para in tree.css("p, br"):
        parent = para.parent
        if parent is None:
            continue
        text = para.text(strip=True) if para.tag == "p" else ""
        weight = len(text) + 1
        key = parent.mem_id
        old = scores.get(key, (0, parent))[0]
        scores[key] = (old + weight, parent)
    if not scores:
        return None
    return max(scores.values(), key=lambda item: item[0])[1]


def _tables(tree: LexborHTMLParser) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Every innermost <table> as rows of cell texts (blank cells kept as "", spans not expanded:
    the statutory tables span their label columns only, and the numbers are read from the right)."""
    found = []
    for table in tree.css("table"):
        if len(table.css("table")) > 1:  # a layout table around the real one (css() counts itself)
            continue
        rows = []
        for tr in table.css("tr"):
            cells = tuple(
                re.sub(r"\s+", "", fold(cell.text(separator="", strip=True)))
                for cell in tr.iter()
                if cell.tag in ("td", "th")
            )
            if cells:
                rows.append(cells)
        if rows:
            found.append(tuple(rows))
    return tuple(found)


def html_page(markup: str) -> Page:
    """An HTML page: meta tags, title candidates, every line, and the main container's lines."""
    tree = LexborHTMLParser(flatten_deep(markup, _BLOCK_TAGS))
    meta: dict[str, str] = {}
    for tag in tree.css("meta"):
        name = tag.attributes.get("name") or tag.attributes.get("property")
        content = tag.attributes.get("content")
        if name and content and name.lower() not in meta:
            # Dates, site names and ids: a value longer than a hint is not one of them.
            meta[name.lower()] = fold(content[:MAX_HINT_CHARS]).strip()
    root = tree.body or tree.root
    all_lines = _node_lines(root) if root is not None else []
    container: LexborNode | None = None
    for selector in _CONTAINERS:
        for candidate in tree.css(selector):
            if len(candidate.text(strip=True)) >= _MIN_CONTAINER_CHARS:
                container = candidate
                break
        if container is not None:
            break
    if container is None:
        container = _densest(tree) or root
    body = main_lines(_node_lines(container)) if container is not None else ()
    titles: list[str] = []
    for selector in _TITLE_SELECTORS:
        for node in tree.css(selector):
            text = re.sub(r"\s+", " ", fold(node.text(strip=True))).strip()
            if 4 <= len(text) <= 120 and text not in titles:
                titles.append(text)
    head_title = tree.css_first("title")
    if head_title is not None:
        text = re.split(r"\s*[_|｜]\s*|\s+-\s+", fold(head_title.text(strip=True)))[0].strip()
        if len(text) >= 4 and text not in titles:
            titles.append(text)
    return Page(
        is_html=True,
        all_lines=tuple(all_lines),
        body_lines=body,
        meta=meta,
        title_candidates=tuple(titles),
        # Only the statutory tables of 信息公开 reports are read as grids: other pages skip the walk.
        tables=_tables(tree) if _STATUTORY_TABLE.search(markup) else (),
    )
