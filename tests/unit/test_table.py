"""Terminal tables line up by display width: a CJK character takes two cells."""

from __future__ import annotations

import pytest

from shared.table import display_width, table

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "width"),
    [("", 0), ("abc", 3), ("昆明市", 6), ("2024年", 6), ("ＡＢ", 4), ("e\u0301", 1)],
)
def test_display_width(text: str, width: int) -> None:
    assert display_width(text) == width


def test_columns_start_at_the_same_cell_on_every_line() -> None:
    lines = table(
        ("ID", "AGENCY", "TITLE"), [("a1", "昆明市科学技术局", "报告"), ("b22", "x", None)]
    )
    assert lines == [
        "ID   AGENCY            TITLE",
        "a1   昆明市科学技术局  报告",
        "b22  x                 -",
    ]
