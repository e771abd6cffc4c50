"""Markup nested thousands deep, flattened before it is parsed.

lexbor's tree builder walks its stack of open elements for most tags (the scope checks of the
HTML parsing algorithm), so its time grows with the number of tags times the nesting depth:
100,000 nested <div> took ~12 s to extract. Real pages nest a few dozen levels. A cheap scan
counts the depth; past MAX_DEPTH the deeper tags are dropped (a block tag becomes a <br>, so its
text keeps a line of its own) and every character of text is kept. The scan is approximate (it
does not know about comments or scripts), which only matters for pages thousands deep anyway.
"""

from __future__ import annotations

import re
from collections.abc import Set

MAX_DEPTH = 1_000

_TAG = re.compile(r"<(/?)([A-Za-z][^\s/<>]*)[^<>]*>")
# Elements that hold no children, or that the next sibling closes (<p>, <li>, <td>): they do not
# deepen the stack of open elements, and tag soup leaves thousands of them unclosed.
_UNCOUNTED = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup",
        "rb", "rt", "rtc", "rp", "thead", "tbody", "tfoot", "colgroup", "caption", "html", "head",
        "body",
    }
)  # fmt: skip


def _deeper_than(markup: str, max_depth: int) -> bool:
    if markup.count("<") <= max_depth:  # too few tags to nest that deep: most pages stop here
        return False
    depth = 0
    for match in _TAG.finditer(markup):
        name = match.group(2).lower()
        if name in _UNCOUNTED:
            continue
        if match.group(1):
            depth = max(depth - 1, 0)
        else:
            depth += 1
            if depth > max_depth:
                return True
    return False


def flatten_deep(markup: str, block_tags: Set[str], max_depth: int = MAX_DEPTH) -> str:
    """The markup unchanged when it nests at most `max_depth` levels deep; otherwise with the
    tags below that depth dropped (block tags become <br>), the text kept."""
    if not _deeper_than(markup, max_depth):
        return markup
    depth = 0
    break_ends_at = -1  # where the last <br> put for dropped tags ends: one is enough in a row

    def keep_or_drop(match: re.Match[str]) -> str:
        nonlocal depth, break_ends_at
        name = match.group(2).lower()
        if name in _UNCOUNTED:
            return match.group(0)
        if match.group(1):
            level, depth = depth, max(depth - 1, 0)
        else:
            depth += 1
            level = depth
        if level <= max_depth:
            return match.group(0)
        if name not in block_tags:
            return ""
        follows_a_break = match.start() == break_ends_at
        break_ends_at = match.end()
        return "" if follows_a_break else "<br>"

    return _TAG.sub(keep_or_drop, markup)
