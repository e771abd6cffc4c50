"""Properties of the 信息公开 table reader, checked by hypothesis over generated table text.

- any mix of labels, numbers, blanks, dashes and bars gives tables or None, never an exception;
- no value is invented: every number read is one the text prints, and never a 0 it does not print;
- every check holds on tables that add up, in every layout.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.extract.disclosure_layout import as_value, text_tokens
from services.extract.disclosure_tables import read_tables
from tests.disclosure_pages import render, sample_cells

pytestmark = pytest.mark.unit

BOUNDED = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
LABELS = st.sampled_from(
    [
        "三、收到和处理政府信息公开申请情况", "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量",
        "（一）予以公开", "（二）部分公开", "1.属于国家秘密", "（七）总计", "四、结转下年度继续办理", "规章",
        "行政规范性文件", "行政许可", "第二十条第（一）项", "本年制发件数", "结果维持", "总计", "自然人",
        "四、政府信息公开行政复议、行政诉讼情况", "二、主动公开政府信息情况", "行政事业性收费", "3.其他",
    ]
)  # fmt: skip
CELLS = st.one_of(
    LABELS,
    st.integers(min_value=-50, max_value=100_000).map(str),
    st.sampled_from(["", "—", "/", "无", "_", "|", "||", "- 3 -", "减2", "0.5万元", "9" * 40]),
    st.text(max_size=8),
)
LINES = st.lists(
    st.lists(CELLS, max_size=9).map(lambda cells: st_join(cells)), min_size=1, max_size=80
)


def st_join(cells: list[str]) -> str:
    return " | ".join(cells) if len(cells) % 2 else " ".join(cells)


def _printed(lines: list[str]) -> set[float]:
    values = (as_value(token) for token in text_tokens(lines))
    return {float(value) for is_value, value in values if is_value and value is not None}


@BOUNDED
@given(LINES, st.one_of(st.none(), st.integers(min_value=2015, max_value=2026)))
def test_never_raises_and_never_invents_a_value(lines: list[str], year: int | None) -> None:
    found = read_tables(lines, (), year)
    if found is None:
        return
    printed = _printed(lines)
    for cell in found.cells:
        assert cell.value is None or float(cell.value) in printed, cell


@BOUNDED
@given(st.integers(min_value=0, max_value=50), st.sampled_from(["cells", "rows", "pipes"]))
def test_tables_that_add_up_raise_no_finding(seed: int, layout: str) -> None:
    cells = sample_cells("2021", seed=seed)
    found = read_tables(render(cells, "2021", layout).splitlines(), (), 2023)  # type: ignore[arg-type]
    assert found is not None
    assert found.findings == ()
    assert {cell.key: cell.value for cell in found.cells} == cells
