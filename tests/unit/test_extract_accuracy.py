"""The extractor on the labelled evaluation set of real pages, split once by portal host: the
development part (the pages the rules were tuned on) must meet issue 13's targets; the test
part (portals the rules were never tuned on) must hold its measured figures. Every miss is
printed when a figure falls short.

The set (tests/fixtures/eval, labels.jsonl) holds real report pages of both kinds and real
look-alikes; benchmarks/extract_accuracy.py prints the same figures with the error classes.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from services.extract.evaluate import (
    PARTS,
    TARGETS,
    TEST_FLOORS,
    Label,
    Scores,
    assign_parts,
    evaluate,
    load_labels,
)

pytestmark = pytest.mark.unit

EVAL_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "eval"


@pytest.fixture(scope="module")
def labels() -> list[Label]:
    return load_labels(EVAL_DIR)


def test_the_set_is_as_large_and_varied_as_promised(labels: list[Label]) -> None:
    kinds = Counter(label.kind for label in labels)
    assert len(labels) >= 300
    assert kinds["other"] >= 80
    assert kinds["法治政府建设年度报告"] >= 60
    assert kinds["政府信息公开工作年度报告"] >= 60
    assert len({label.province for label in labels if label.province}) >= 28
    traits = Counter(trait for label in labels for trait in label.traits)
    for trait in ("traditional", "no_title", "town", "ministry", "province_level"):
        assert traits[trait] >= 8, trait
    for label in labels:
        assert (EVAL_DIR / label.file).is_file(), label.file
        assert label.is_annual_report == (label.kind != "other"), label.file
        assert label.part in PARTS, label.file
        assert label.source_url or label.file.startswith("seed_"), label.file


def test_the_parts_are_split_by_host(labels: list[Label]) -> None:
    parts: dict[str, set[str]] = {}
    for label in labels:
        if label.host:
            parts.setdefault(label.host, set()).add(label.part)
    assert all(len(sides) == 1 for sides in parts.values())
    test = [label for label in labels if label.part == "test"]
    assert len(test) >= 100
    assert sum(label.is_annual_report for label in test) >= 60


def _misses(scores: Scores) -> str:
    return "\n".join(f"{e.file} {e.field}: {e.expected!r} != {e.got!r}" for e in scores.errors)


def _scored_enough(scores: Scores) -> None:
    # Every report field was scored on most reports: a silent zero must not pass.
    assert scores.scored["kind"] == scores.scored["year"] == scores.scored["published"] >= 150
    assert scores.scored["agency"] >= 150
    assert scores.scored["province"] >= 140


def test_the_development_part_meets_the_targets(labels: list[Label]) -> None:
    chosen = [label for label in labels if label.part == "dev"]
    scores = evaluate(EVAL_DIR, chosen)
    assert scores.pages == len(chosen)
    _scored_enough(scores)
    assert scores.misses() == {}, _misses(scores)
    assert set(scores.figures()) == set(TARGETS)


def test_the_test_part_holds_its_measured_figures(labels: list[Label]) -> None:
    # The part the rules were never tuned on. Its figures are below TARGETS (see README): CI
    # holds them where they were measured, so a change that loses accuracy on unseen pages fails.
    chosen = [label for label in labels if label.part == "test"]
    scores = evaluate(EVAL_DIR, chosen)
    _scored_enough(scores)
    figures = scores.figures()
    below = {name: value for name, value in figures.items() if value < TEST_FLOORS[name]}
    assert below == {}, f"test part below its floors: {below}\n" + _misses(scores)


def test_the_split_keeps_each_host_on_one_side() -> None:
    rows = [
        {"file": "a.txt", "source_url": "https://www.km.gov.cn/a", "part": "dev"},
        {"file": "b.txt", "source_url": "https://www.km.gov.cn/b"},
        *(
            {"file": f"n{i}.txt", "source_url": f"https://h{i}.example.gov.cn/x"}
            for i in range(200)
        ),
    ]
    parts = {row["file"]: row["part"] for row in assign_parts(rows)}
    assert parts["b.txt"] == "dev"  # its host is already in the development part
    same_site = [{"file": "c.txt", "source_url": "https://km.gov.cn/c"}, *rows]
    assert assign_parts(same_site)[0]["part"] == "dev"  # km.gov.cn is www.km.gov.cn's portal
    drawn = [parts[f"n{i}.txt"] for i in range(200)]
    assert 0.45 < drawn.count("test") / 200 < 0.75
    assert assign_parts(rows) == assign_parts(rows)  # the draw is stable, not random
