"""The table reader on hand-checked real 信息公开 reports must meet issue 17's targets.

The set (tests/fixtures/disclosure, labels.jsonl, FORMAT.md) holds stored copies of real pages;
benchmarks/disclosure_accuracy.py prints the same figures per field with every error.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

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
