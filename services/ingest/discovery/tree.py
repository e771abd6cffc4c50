"""Parsing a page for discovery, with its nesting depth bounded first.

lexbor's tree builder is quadratic in nesting depth (100,000 nested `<div>`s, a 600 KB page,
take ~17 s to parse), and so is any walk from each link to its ancestors. No portal nests
anywhere near `MAX_DEPTH` deep, so a page that does is hostile or broken: it is estimated by a
cheap scan of its tags before parsing and, past the limit, reduced to a flat form that keeps
what discovery reads (the links, their text, and one `<li>` per list or table row).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from selectolax.lexbor import LexborHTMLParser

log = logging.getLogger("nianbao.ingest.discovery")

MAX_DEPTH = 2_000
# A comment, or a tag: its name and, when it ends in `/>` before the next `<`, the slash (SVG
# icons are self-closing). `[^<>]` keeps each match short, so the scan stays linear.
_TAG = re.compile(r"<!--|<(/?)([A-Za-z][\w:-]*)(?:[^<>]*?(/)?>)?")
# Elements that never hold children, or whose end tag the parser implies when the next sibling
# starts (`<li>` closes an open `<li>`), so a page that omits those end tags is not deep.
_NOT_NESTING = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "colgroup",
    "caption", "option", "optgroup", "rb", "rt", "rtc", "rp", "html", "head", "body", "a",
}  # fmt: skip
# Elements whose content is text, not markup (`if (i<n)` in a script is no tag), except inside
# SVG or MathML, where a `<style>` or `<title>` holds markup like any other element.
_RAW_TEXT_END = {
    name: re.compile(rf"</{name}\s*>", re.IGNORECASE)
    for name in ("script", "style", "textarea", "title", "xmp")
}
_FOREIGN = frozenset(("svg", "math"))
_ROW_START = frozenset(("li", "dt", "dd", "tr"))
_ROW_END = frozenset(("li", "tr"))


def nests_deeper_than(html: str, limit: int = MAX_DEPTH) -> bool:
    """Whether `html` seems to nest its elements more than `limit` deep.

    Counts start tags without a matching end tag, skipping comments and the contents of
    `<script>`-like elements; the scan stops as soon as the count passes `limit`. Where the
    parser's view is unclear (an unclosed `<script>`), it counts: a false alarm costs a page
    read flat, a missed one a page read in quadratic time.
    """
    if html.count("<") <= limit:
        return False  # cannot nest deeper than it has tags
    depth = foreign = 0
    position = 0
    while True:
        match = _TAG.search(html, position)
        if match is None:
            return False
        position = match.end()
        if match.group(0) == "<!--":
            end = html.find("-->", position)
            if end < 0:
                return False
            position = end + 3
            continue
        closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        if name in _NOT_NESTING:
            continue
        if closing:
            depth = max(0, depth - 1)
            if name in _FOREIGN:
                foreign = max(0, foreign - 1)
            continue
        if name in _RAW_TEXT_END and not foreign:
            end_tag = _RAW_TEXT_END[name].search(html, position)
            if end_tag is not None:
                position = end_tag.end()
                continue
        if name in _FOREIGN and not self_closing:
            foreign += 1
        if not self_closing:
            depth += 1
            if depth > limit:
                return True


def _flat_tag(match: re.Match[str]) -> str:
    if match.group(0) == "<!--":
        return " "
    closing, name = match.group(1), match.group(2).lower()
    if name == "a":
        return match.group(0)
    if name in _ROW_START and not closing:
        return "<li>"
    if name in _ROW_END and closing:
        return "</li>"
    return " "


def flatten(html: str) -> str:
    """`html` with every tag but the links dropped, and each list or table row as one `<li>`."""
    return _TAG.sub(_flat_tag, html)


def parse_tree(html: str) -> Any:
    """An HTML tree, nested at most `MAX_DEPTH` deep (one place for the parser choice)."""
    if nests_deeper_than(html, MAX_DEPTH):
        log.warning("page nested over %d deep: discovery reads a flattened copy of it", MAX_DEPTH)
        html = flatten(html)
    return LexborHTMLParser(html)
