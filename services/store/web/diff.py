"""A readable difference between two versions of a report's text, sentence by sentence.

Reports are long Chinese prose with few line breaks, so a line diff would mark whole paragraphs;
the text is cut after 。！？；and at line breaks, and only the changed passages are shown, each
with the sentence before and after it for context. Pure: no I/O.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_SENTENCE = re.compile(r"[^。！？；!?;\n]*[。！？；!?;\n]?")
MAX_SENTENCES = 20_000  # beyond this a report is compared by its first sentences only


@dataclass(frozen=True)
class Piece:
    """A run of text: kept as it was, removed from the older version, or added in the newer."""

    op: str  # same | del | ins
    text: str


def sentences(text: str) -> list[str]:
    """The text cut into sentences, whitespace-trimmed, empty ones dropped."""
    found = (s.strip() for s in _SENTENCE.findall(text))
    return [s for s in found if s][:MAX_SENTENCES]


def changes(old: str, new: str, context: int = 1) -> list[list[Piece]]:
    """The changed passages between `old` and `new`: one list of pieces per passage."""
    a, b = sentences(old), sentences(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    hunks: list[list[Piece]] = []
    for group in matcher.get_grouped_opcodes(context):
        pieces: list[Piece] = []
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                pieces.append(Piece("same", "".join(a[i1:i2])))
                continue
            if i2 > i1:
                pieces.append(Piece("del", "".join(a[i1:i2])))
            if j2 > j1:
                pieces.append(Piece("ins", "".join(b[j1:j2])))
        hunks.append(pieces)
    return hunks
