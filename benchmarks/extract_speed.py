"""Extraction speed over the seed pages (plain and as HTML), after a warm-up.

Run: python benchmarks/extract_speed.py [rounds]. The warm-up pays the one-time loads (jieba's
dictionary, the 行政区划 table) so the figure is the steady per-document cost on one core.
"""

from __future__ import annotations

import html
import sys
import time
from pathlib import Path

from services.extract.core import Document, extract_document

SEEDS = Path(__file__).resolve().parents[1] / "services" / "demo_portal" / "seeds"


def _as_html(text: str) -> bytes:
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())
    page = (
        "<html><head><meta name='PubDate' content='2024-03-30 10:00'></head><body>"
        "<div class='nav'><a>首页</a><a>信息公开</a></div>"
        f"<div class='TRS_Editor'>{paragraphs}</div><div>网站标识码：5301000001</div></body></html>"
    )
    return page.encode("utf-8")


def main(rounds: int = 20) -> None:
    """Print documents per second and mean milliseconds per document."""
    docs: list[Document] = []
    for path in sorted(SEEDS.glob("*.txt")):
        raw = path.read_bytes()
        docs.append(Document(content=raw, content_type="text/plain"))
        docs.append(Document(content=_as_html(raw.decode("utf-8")), content_type="text/html"))
    started = time.perf_counter()
    for doc in docs:  # warm-up: loads jieba and the division table
        extract_document(doc)
    print(f"warm-up (first-time loading): {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    for _ in range(rounds):
        for doc in docs:
            extract_document(doc)
    elapsed = time.perf_counter() - started
    count = rounds * len(docs)
    print(f"{count} documents: {count / elapsed:.1f} docs/s, {1000 * elapsed / count:.2f} ms mean")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
