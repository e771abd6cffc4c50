"""Extraction accuracy on the labelled evaluation set (tests/fixtures/eval), field by field.

Run: python benchmarks/extract_accuracy.py [DIR] [--part dev|test] [--errors]. For each part
of the set (the development part the rules were tuned on, the test part they never were),
prints classification precision, recall and F1, the accuracy of kind, year, agency, province,
city and publication date on the reports (each over the pages whose label states the field),
the targets of issue 13, and the remaining errors grouped into classes (with every miss when
--errors is given).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from services.extract.evaluate import PARTS, TARGETS, error_classes, evaluate, load_labels

EVAL_DIR = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "eval"


def main(argv: list[str]) -> int:
    """Print the scores of each part; exit status 1 when a figure misses its target."""
    show_errors = "--errors" in argv
    parts = list(PARTS)
    if "--part" in argv:
        parts = [argv[argv.index("--part") + 1]]
        argv = [a for a in argv if a not in ("--part", parts[0])]
    args = [a for a in argv if not a.startswith("--")]
    directory = Path(args[0]) if args else EVAL_DIR
    status = 0
    for part in parts:
        print(f"== {part} part")
        status |= report(directory, part, show_errors)
    return status


def report(directory: Path, part: str, show_errors: bool) -> int:
    """Print one part's scores; 1 when a figure misses its target."""
    labels = load_labels(directory, part)
    reports = sum(label.is_annual_report for label in labels)
    hosts = len({label.host for label in labels if label.host})
    print(
        f"{len(labels)} pages from {hosts} hosts: {reports} reports, "
        f"{len(labels) - reports} non-reports"
    )
    started = time.perf_counter()
    scores = evaluate(directory, labels)
    elapsed = time.perf_counter() - started
    print(
        f"classification: precision {scores.precision:.3f}, recall {scores.recall:.3f}, "
        f"F1 {scores.f1:.3f} (target {TARGETS['classification_f1']:.2f})"
    )
    for name in ("kind", "year", "agency", "province", "city", "published"):
        right, scored = scores.right.get(name, 0), scores.scored.get(name, 0)
        print(
            f"{name:>10}: {scores.accuracy(name):.3f} ({right}/{scored})"
            f"  target {TARGETS[name]:.2f}"
        )
    groups = error_classes(scores.errors)
    print(f"errors: {len(scores.errors)} in {len(groups)} classes")
    for error_class, errors in groups.items():
        print(f"  {len(errors):3d}  {error_class}")
        if show_errors:
            for error in errors:
                print(f"         {error.file}: expected {error.expected!r}, got {error.got!r}")
    print(f"({elapsed:.1f} s including first-use loading)")
    misses = scores.misses()
    if misses:
        print("below target: " + ", ".join(f"{k} {v:.3f}" for k, v in misses.items()))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
