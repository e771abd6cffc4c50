"""Score the 信息公开 table reader on the hand-checked set and print the figures per field.

    python benchmarks/disclosure_accuracy.py [SET_DIR] [--errors]

SET_DIR defaults to tests/fixtures/disclosure (labels.jsonl, format in its FORMAT.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

from services.extract.disclosure_score import (
    TARGET_CELLS,
    error_classes,
    evaluate,
    load_labels,
)

DEFAULT_SET = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "disclosure"


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    directory = Path(args[0]) if args else DEFAULT_SET
    try:
        labels = load_labels(directory)
    except (OSError, ValueError) as exc:
        print(f"disclosure_accuracy: {exc}", file=sys.stderr)
        return 2
    score = evaluate(directory, labels)
    formats = sorted({label.format or "?" for label in labels})
    print(f"set {directory}: {score.pages} pages ({', '.join(formats)} formats)")
    print(f"classified as 信息公开 reports: {score.taken}/{score.pages}")
    print(
        f"cells right: {score.right}/{score.labelled} = {score.cell_accuracy:.4f} "
        f"(target {TARGET_CELLS})   invented: {score.invented} (target 0)"
    )
    print(
        f"cells printing a number read right: {score.printed_right}/{score.printed} = "
        f"{score.printed_accuracy:.4f}"
    )
    for name, count in sorted(error_classes(score).items()):
        print(f"  errors {name}: {count}")
    print(f"{'field':<32} {'right':>6} {'cells':>6} {'score':>7}")
    for name, (right, total) in score.field_scores().items():
        print(f"{name:<32} {right:>6} {total:>6} {right / total:>7.3f}")
    if "--errors" in argv:
        for error in score.errors:
            print(f"  {error}")
    return 0 if score.cell_accuracy >= TARGET_CELLS and score.invented == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
