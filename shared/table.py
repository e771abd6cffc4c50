"""Plain-text tables for the terminal, aligned by display width (a CJK character takes two cells)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def display_width(text: str) -> int:
    """How many terminal cells `text` takes: wide and full-width characters count two."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def pad(text: str, width: int) -> str:
    """`text` followed by spaces up to `width` cells."""
    return text + " " * max(0, width - display_width(text))


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], gap: int = 2) -> list[str]:
    """Lines of a table: a header, then the rows; None is shown as "-", the last column unpadded."""
    cells = [[("-" if v is None else str(v)) for v in row] for row in rows]
    widths = [display_width(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], display_width(value))
    spacer = " " * gap

    def line(values: Sequence[str]) -> str:
        padded = [pad(v, widths[i]) for i, v in enumerate(values[:-1])]
        return spacer.join([*padded, values[-1]]).rstrip()

    return [line(list(headers)), *(line(row) for row in cells)]
