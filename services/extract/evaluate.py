"""Scoring the extractor against a labelled evaluation set (tests/fixtures/eval).

The set is a directory of saved pages and one `labels.jsonl`, a line per page with the fields a
correct extractor returns (`null` where the page does not state them). This module runs the
extractor over the set and counts, per field, how often it is right, keeping every error with a
class name so a regression says what broke, not just that a number fell.

Agencies are compared exactly: labels give the canonical, fully qualified name a national
database needs (天津市静海区人民政府, 鄂州市财政局, 杭州市西湖区留下街道办事处).

The set is split once, by portal host, into a development part (`dev`, the pages the rules
may be tuned on) and a test part (`test`, never tuned against); `assign_parts` makes the split
for new pages, keeping every host on one side.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from services.extract.core import Document, extract_document
from shared.events import Extraction

# Targets of issue 13, on either part: classification F1, then per-field accuracy on reports.
TARGETS: Mapping[str, float] = {
    "classification_f1": 0.98,
    "kind": 0.98,
    "year": 0.98,
    "agency": 0.95,
    "province": 0.95,
    "city": 0.95,
    "published": 0.97,
}
# The test part's figures as last measured (2026-12-08, 1,281 pages), less a margin for label
# corrections: CI fails when the test part falls below them. They are below TARGETS: the rules
# meet the targets on the pages they were tuned on, not yet on pages they never saw.
TEST_FLOORS: Mapping[str, float] = {
    "classification_f1": 0.95,
    "kind": 0.94,
    "year": 0.93,
    "agency": 0.80,
    "province": 0.88,
    "city": 0.90,
    "published": 0.92,
}
PARTS = ("dev", "test")
TEST_SHARE = 0.6  # of new hosts, the share that goes to the test part


@dataclass(frozen=True)
class Label:
    """One line of labels.jsonl."""

    file: str
    source_url: str | None
    is_annual_report: bool
    kind: str
    title: str | None
    agency: str | None
    province: str | None
    city: str | None
    code: str | None
    report_year: int | None
    published: date | None
    part: str = "dev"
    traits: tuple[str, ...] = ()

    @property
    def host(self) -> str | None:
        """The portal host the page came from (the split keeps a host on one side)."""
        return portal_host(self.source_url)

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> Label:
        """Read one labels.jsonl object; unknown or missing keys are errors, not defaults."""
        region = row["region"] or {}
        published = row.get("published")
        return cls(
            file=row["file"],
            source_url=row.get("source_url"),
            is_annual_report=bool(row["is_annual_report"]),
            kind=row["kind"],
            title=row.get("title"),
            agency=row.get("agency"),
            province=region.get("province"),
            city=region.get("city"),
            code=region.get("code"),
            report_year=row.get("report_year"),
            published=date.fromisoformat(published) if published else None,
            part=row.get("part", "dev"),
            traits=tuple(row.get("traits") or ()),
        )


@dataclass(frozen=True)
class FieldError:
    """One wrong field of one page, with its error class."""

    file: str
    field: str
    error_class: str
    expected: object
    got: object


@dataclass
class Scores:
    """Counts per field and every error."""

    pages: int = 0
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    right: dict[str, int] = field(default_factory=dict)
    scored: dict[str, int] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Of the pages taken for reports, the share that are."""
        taken = self.true_positive + self.false_positive
        return self.true_positive / taken if taken else 1.0

    @property
    def recall(self) -> float:
        """Of the reports, the share taken for reports."""
        reports = self.true_positive + self.false_negative
        return self.true_positive / reports if reports else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def accuracy(self, name: str) -> float:
        """Share of the scored pages where the field is right (1.0 when none were scored)."""
        scored = self.scored.get(name, 0)
        return self.right.get(name, 0) / scored if scored else 1.0

    def figures(self) -> dict[str, float]:
        """Every target figure by name."""
        return {"classification_f1": self.f1} | {
            name: self.accuracy(name) for name in TARGETS if name != "classification_f1"
        }

    def misses(self) -> dict[str, float]:
        """The figures below their targets."""
        return {name: value for name, value in self.figures().items() if value < TARGETS[name]}

    def _count(self, name: str, ok: bool, error: FieldError | None) -> None:
        self.scored[name] = self.scored.get(name, 0) + 1
        if ok:
            self.right[name] = self.right.get(name, 0) + 1
        elif error is not None:
            self.errors.append(error)


def load_labels(directory: Path, part: str | None = None) -> list[Label]:
    """The labels of an evaluation directory, in file order; only one part's when given."""
    lines = (directory / "labels.jsonl").read_text("utf-8").splitlines()
    labels = [Label.from_json(json.loads(line)) for line in lines if line.strip()]
    return [label for label in labels if part is None or label.part == part]


def part_for_new_host(host: str | None) -> str:
    """The part a host not seen before goes to: a stable draw from its name, so the split does
    not depend on the order pages were added in."""
    digest = hashlib.sha256((host or "").encode()).digest()
    return "test" if digest[0] / 256 < TEST_SHARE else "dev"


def assign_parts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give every row without a part one: its host's part if the host already has one, else a
    draw for the new host. A row with a part keeps it."""
    parts: dict[str | None, str] = {}
    for row in rows:
        if "part" in row:
            parts.setdefault(_host(row), row["part"])
    out = []
    for row in rows:
        if "part" not in row:
            host = _host(row)
            part = parts.setdefault(host, part_for_new_host(host))
            row = {**row, "part": part}
        out.append(row)
    return out


def _host(row: Mapping[str, Any]) -> str | None:
    return portal_host(row.get("source_url"))


def portal_host(url: str | None) -> str | None:
    """The portal a URL is on: its host name without `www.` (www.hbdaye.gov.cn and
    hbdaye.gov.cn are one site, so they must fall on one side of the split)."""
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


def _document(directory: Path, label: Label) -> Document:
    path = directory / label.file
    content_type = "text/plain" if path.suffix == ".txt" else None
    return Document(content=path.read_bytes(), content_type=content_type, url=label.source_url)


def _agency_error(expected: str | None, got: str | None) -> str:
    if got is None:
        return "agency: none found"
    if expected and expected.endswith(got):
        return "agency: place missing or not qualified"
    if expected and got.endswith(expected[-4:]):
        return "agency: wrong place"
    return "agency: wrong department or name"


def score_one(scores: Scores, label: Label, result: Extraction) -> None:
    """Add one page's extraction to the scores."""
    scores.pages += 1
    file = label.file
    predicted = result.is_annual_report
    if label.is_annual_report and predicted:
        scores.true_positive += 1
    elif predicted:
        scores.false_positive += 1
        why = result.reasons[0] if result.reasons else ""
        scores.errors.append(FieldError(file, "classification", "false report", False, why))
    elif label.is_annual_report:
        scores.false_negative += 1
        why = result.reasons[0] if result.reasons else ""
        scores.errors.append(FieldError(file, "classification", "missed report", True, why))
    if not label.is_annual_report:
        return

    kind_ok = predicted and result.kind == label.kind
    scores._count(
        "kind", kind_ok, FieldError(file, "kind", "kind: wrong kind", label.kind, result.kind)
    )
    year_ok = result.report_year == label.report_year
    year_class = "year: none found" if result.report_year is None else "year: wrong year"
    scores._count(
        "year",
        year_ok,
        FieldError(file, "year", year_class, label.report_year, result.report_year),
    )
    if label.agency is not None:
        expected, got = label.agency, result.agency
        scores._count(
            "agency",
            got == expected,
            FieldError(file, "agency", _agency_error(expected, got), expected, got),
        )
    if label.province is not None:
        for name, want, have in (
            ("province", label.province, result.region.province),
            ("city", label.city, result.region.city),
        ):
            error_class = f"{name}: none found" if have is None else f"{name}: wrong place"
            scores._count(name, want == have, FieldError(file, name, error_class, want, have))
    published_ok = result.published == label.published
    if label.published is None:
        published_class = "published: invented"
    elif result.published is None:
        published_class = "published: none found"
    else:
        published_class = "published: wrong date"
    scores._count(
        "published",
        published_ok,
        FieldError(file, "published", published_class, label.published, result.published),
    )


def evaluate(directory: Path, labels: Iterable[Label] | None = None) -> Scores:
    """Run the extractor over every labelled page of `directory` and score it."""
    scores = Scores()
    for label in labels if labels is not None else load_labels(directory):
        score_one(scores, label, extract_document(_document(directory, label)))
    return scores


def error_classes(errors: Iterable[FieldError]) -> dict[str, list[FieldError]]:
    """Errors grouped by class, the most frequent class first."""
    groups: dict[str, list[FieldError]] = {}
    for error in errors:
        groups.setdefault(error.error_class, []).append(error)
    return dict(sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])))
