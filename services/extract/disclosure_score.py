"""Scoring the table reader against hand-checked 信息公开 reports (tests/fixtures/disclosure).

The set is a directory of saved pages and one `labels.jsonl` (format: FORMAT.md beside it): per
page, every cell of the statutory tables the page prints, `null` for a cell printed blank, as a
dash or unreadable; keys left out for cells the page does not hold (a stored copy cut short).

Per page and per field (the cell key without its table prefix's row: `t3.*.natural`), a labelled
cell is right when the reader returns the same value (null for null). A value the reader returns
where the label has null or no key is *invented*: the one error the target allows none of.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.extract import core
from services.extract.core import Document, extract_document
from services.extract.disclosure_tables import read_tables

TARGET_CELLS = 0.97  # of labelled cells right
TARGET_INVENTED = 0  # values where the page prints none

Value = int | float | None


@dataclass(frozen=True)
class TableLabel:
    """One line of labels.jsonl: the page and its hand-checked cells."""

    file: str
    report_year: int | None
    format: str | None
    sections: tuple[str, ...]
    cells: Mapping[str, Value]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TableLabel:
        return cls(
            file=str(data["file"]),
            report_year=data.get("report_year"),
            format=data.get("format"),
            sections=tuple(data.get("sections") or ()),
            cells=dict(data.get("cells") or {}),
        )


@dataclass
class Score:
    """Counts over the set, overall and per field, with every error kept."""

    pages: int = 0
    taken: int = (
        0  # pages the extractor classifies as 信息公开 reports (it reads tables only there)
    )
    labelled: int = 0
    right: int = 0
    printed: int = 0  # labelled cells holding a number (the rest are labelled null)
    printed_right: int = 0
    invented: int = 0
    per_field: Counter[str] = field(default_factory=Counter)  # labelled cells per field
    per_field_right: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @property
    def cell_accuracy(self) -> float:
        return self.right / self.labelled if self.labelled else 0.0

    @property
    def printed_accuracy(self) -> float:
        """Of the cells that print a number, the share read right (nulls are easy to get)."""
        return self.printed_right / self.printed if self.printed else 0.0

    def field_scores(self) -> dict[str, tuple[int, int]]:
        """Per field: (right, labelled)."""
        return {name: (self.per_field_right[name], n) for name, n in sorted(self.per_field.items())}


def load_labels(directory: Path) -> list[TableLabel]:
    """The labels of a set; raises ValueError naming the line that is not valid JSON."""
    labels = []
    path = directory / "labels.jsonl"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            labels.append(TableLabel.from_json(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a label: {exc}") from exc
    return labels


def field_of(key: str) -> str:
    """The field a cell key scores under: its table and column (t3.deny.secret.legal → t3.legal);
    table 二 keeps its row (t2.rules.made), table 四 its group (t4.review.total)."""
    parts = key.split(".")
    if parts[0] == "t3":
        return f"t3.{parts[-1]}"
    return key


def _same(got: Value, want: Value) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return abs(float(got) - float(want)) < 1e-9


def read_page(path: Path) -> tuple[bool, dict[str, Value]]:
    """Whether the extractor takes the saved page (HTML or text, by its suffix) for a 信息公开
    report, and the cells the table reader reads from it either way: the classifier is scored
    on its own set (evaluate.py), the reader here."""
    kind = "text/html; charset=utf-8" if path.suffix in (".html", ".htm") else "text/plain"
    doc = Document(content=path.read_bytes(), content_type=kind)
    result = extract_document(doc)
    page = core.read_page(doc)
    found = read_tables(page.body_lines, page.tables, result.report_year)
    taken = result.kind == "政府信息公开工作年度报告"
    return taken, ({cell.key: cell.value for cell in found.cells} if found else {})


def score_page(label: TableLabel, got: Mapping[str, Value], score: Score) -> None:
    """Add one page's cells to the score."""
    score.pages += 1
    for key, want in label.cells.items():
        name = field_of(key)
        score.labelled += 1
        score.per_field[name] += 1
        value = got.get(key)
        score.printed += want is not None
        if _same(value, want):
            score.right += 1
            score.printed_right += want is not None
            score.per_field_right[name] += 1
        else:
            score.errors.append(f"{label.file}: {key} read {value!r}, label {want!r}")
        if want is None and value is not None:
            score.invented += 1
    for key, value in got.items():
        if key not in label.cells and value is not None:
            score.invented += 1
            score.errors.append(f"{label.file}: {key} read {value!r}, not on the page")


def evaluate(directory: Path, labels: Iterable[TableLabel] | None = None) -> Score:
    """Run the reader over the set and score it."""
    score = Score()
    for label in labels if labels is not None else load_labels(directory):
        taken, cells = read_page(directory / label.file)
        score.taken += taken
        score_page(label, cells, score)
    return score


def error_classes(score: Score) -> Counter[str]:
    """Errors by kind: missed (read null, a value printed), wrong value, invented."""
    classes: Counter[str] = Counter()
    for error in score.errors:
        if "not on the page" in error or re.search(r"label None$", error):
            classes["invented"] += 1
        elif "read None" in error:
            classes["missed"] += 1
        else:
            classes["wrong value"] += 1
    return classes
