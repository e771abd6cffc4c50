"""The table reader on hand-checked real 信息公开 reports must meet issue 17's targets.

The set (tests/fixtures/disclosure, labels.jsonl, FORMAT.md) holds stored copies of real pages;
benchmarks/disclosure_accuracy.py prints the same figures per field with every error.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from services.extract.core import Document, extract_document
from services.extract.disclosure_score import (
    TARGET_CELLS,
    TARGET_INVENTED,
    Score,
    TableLabel,
    evaluate,
    field_of,
    load_labels,
    score_page,
)

pytestmark = pytest.mark.unit

SET = Path(__file__).resolve().parents[1] / "fixtures" / "disclosure"


@pytest.fixture(scope="module")
def labels() -> list[TableLabel]:
    return load_labels(SET)


@pytest.fixture(scope="module")
def score(labels: list[TableLabel]) -> Score:
    return evaluate(SET, labels)


def test_the_set_is_as_large_and_varied_as_promised(labels: list[TableLabel]) -> None:
    assert len(labels) >= 30
    formats = Counter(label.format for label in labels)
    assert formats["2021"] >= 10
    assert formats["2019"] >= 10
    provinces = {
        json.loads(line)["region"]["province"]
        for line in (SET / "labels.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    assert len(provinces) >= 10
    assert sum(len(label.cells) for label in labels) >= 1000
    assert all((SET / label.file).is_file() for label in labels)


def test_cells_are_read_right_and_none_is_invented(score: Score) -> None:
    assert score.labelled >= 1000
    assert score.invented <= TARGET_INVENTED, score.errors
    assert score.cell_accuracy >= TARGET_CELLS, score.errors
    assert score.printed_accuracy >= TARGET_CELLS, score.errors


def test_every_table_scores_on_its_own(score: Score) -> None:
    for prefix in ("t2.", "t3.", "t4."):
        right = sum(r for name, (r, _) in score.field_scores().items() if name.startswith(prefix))
        total = sum(n for name, (_, n) in score.field_scores().items() if name.startswith(prefix))
        assert total > 0
        assert right / total >= 0.95, (prefix, right, total)


def test_the_score_counts_an_invented_value_and_a_wrong_one() -> None:
    label = TableLabel(
        file="x.txt",
        report_year=2023,
        format="2021",
        sections=("三",),
        cells={"t3.new.natural": 3, "t3.new.business": None},
    )
    score = Score()
    score_page(label, {"t3.new.natural": 4, "t3.new.business": 0, "t4.review.total": 1}, score)
    assert (score.labelled, score.right, score.invented) == (2, 0, 2)
    assert field_of("t3.deny.secret.legal") == "t3.legal"
    assert field_of("t2.fee.amount") == "t2.fee.amount"


def test_a_complete_real_html_report_reads_whole_and_passes_every_check() -> None:
    page = (SET / "t-sh-szfbgt-xxgk-2019.html").read_bytes()
    result = extract_document(Document(content=page, content_type="text/html; charset=utf-8"))
    assert result.disclosure is not None
    assert result.disclosure.tables == ("二", "三", "四")
    assert result.disclosure.findings == ()
    cells = {cell.key: cell.value for cell in result.disclosure.cells}
    assert cells["t3.open.total"] is None  # printed blank on the page
    assert cells["t2.procurement.amount"] == 251000
    units = {cell.key: cell.unit for cell in result.disclosure.cells}
    assert units["t2.procurement.amount"] == "元"

    # The same page with one number changed: the checks name what no longer adds up.
    broken = page.replace(b">805<", b">806<")
    assert broken != page
    found = extract_document(Document(content=broken, content_type="text/html")).disclosure
    assert found is not None
    # (its row sum is not checked: two of its cells are printed blank)
    assert found.findings == (
        "table 三 does not balance (总计): 本年新收 859 + 上年结转 18 = 877, "
        "but 总计 806 + 结转下年度 72 = 878",
    )
