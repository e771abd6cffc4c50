"""Extraction speed on one core, against bare jieba segmentation of the same texts.

Run: python benchmarks/extract_speed.py [rounds]. The pages are the five real seed reports
(8-19 KB of text each) wrapped in a realistic portal page (metas, navigation, info table,
footer). Each side runs in a fresh process pinned to one core, start-up included; each is timed by the
CPU time of its process (the wall clock of a shared machine also counts its neighbours), and
the median of three pairs is reported:

- extract: import nianbao's extractor and extract every page `rounds` times;
- bare: import jieba, `jieba.initialize()`, and `jieba.lcut` every page's text `rounds` times.

It prints both wall times and their ratio (issue 4's target: at most 1.5), the steady-state
pages per second after warm-up, and the extract process's resident memory after warm-up (jieba's
dictionary is most of it: it must be loaded once).
"""

from __future__ import annotations

import html
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "services" / "demo_portal" / "seeds"
# Where such pages live: department hosts under their government's domain, as crawled.
URLS = (
    "https://kjj.hh.gov.cn/zfxxgk/fdzdgknr/fzzfjs/202403/t20240330_1.html",
    "http://kjj.changde.gov.cn/zwgk/public/6615494/7133361.html",
    "https://kjj.luohe.gov.cn/xxgk/fzzfjs/content_12345.html",
    "http://www.tjjh.gov.cn/zwgk/zfxxgk/fdzdgknr/ndbg/202401/t20240125_1.html",
    "https://kjj.bazhong.gov.cn/xxgk/fdzdgk/t_1.html",
)


def texts() -> list[str]:
    """The seed reports' texts."""
    return [path.read_text("utf-8") for path in sorted(SEEDS.glob("*.txt"))]


def titles() -> list[str]:
    """The seed reports' titles (labels.json), in file order."""
    labels = json.loads((SEEDS / "labels.json").read_text("utf-8"))
    return [labels[path.name]["title"] for path in sorted(SEEDS.glob("*.txt"))]


def as_page(text: str, title: str) -> bytes:
    """A seed as a TRS-style detail page: metas, navigation, info table, body, footer."""
    lines = text.splitlines()
    title = html.escape(title)
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<meta name='ArticleTitle' content='{title}'><meta name='SiteName' content='人民政府'>"
        "<meta name='PubDate' content='2024-03-30 10:00'><meta name='SiteIDCode' "
        f"content='5301000001'><title>{title}_人民政府门户网站</title>"
        "<script>var a = 1;</script></head><body>"
        "<div class='top'><a>登录</a> | <a>注册</a></div><div class='nav'><ul>"
        + "".join(f"<li><a href='/c{i}'>栏目{i}</a></li>" for i in range(30))
        + "</ul></div><div class='crumb'>首页 &gt; 信息公开 &gt; 法治政府建设年度报告</div>"
        "<table class='xxgk'><tr><td>索引号</td><td>000014348/2024-01025</td></tr>"
        "<tr><td>发布机构</td><td>市科技局</td></tr><tr><td>发布日期</td><td>2024-03-30</td>"
        f"</tr></table><h1>{title}</h1><div class='info'>字体【大 中 小】 打印本页</div>"
        f"<div class='TRS_Editor'>{paragraphs}</div><div class='footer'>网站标识码：5301000001"
        " 主办单位：人民政府办公室 滇ICP备05001234号</div></body></html>"
    )
    return page.encode("utf-8")


def _pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker_extract(rounds: int) -> dict[str, float]:
    """Extract every page `rounds` times; the first round is the warm-up."""
    from services.extract.core import Document, extract_document

    docs = [
        Document(content=as_page(text, title), content_type="text/html", url=url)
        for text, title, url in zip(texts(), titles(), URLS, strict=True)
    ]
    started = time.perf_counter()
    for doc in docs:
        extract_document(doc)
    warm = time.perf_counter() - started
    rss = _rss_mb()
    started = time.perf_counter()
    for _ in range(rounds - 1):
        for doc in docs:
            extract_document(doc)
    steady = (time.perf_counter() - started) / max(1, (rounds - 1) * len(docs))
    return {"warm_up_s": warm, "steady_ms": 1000 * steady, "rss_mb": rss}


def worker_bare(rounds: int) -> dict[str, float]:
    """jieba.lcut every text `rounds` times, after jieba's own initialisation."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    page_texts = texts()
    started = time.perf_counter()
    for _ in range(rounds):
        for text in page_texts:
            jieba.lcut(text)
    steady = (time.perf_counter() - started) / (rounds * len(page_texts))
    return {"steady_ms": 1000 * steady, "rss_mb": _rss_mb()}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(kind: str, rounds: int) -> tuple[float, dict[str, float]]:
    """(CPU seconds of the worker process, start-up included; its figures). CPU time, not
    wall time: on a shared machine the wall clock measures the neighbours too."""
    cpu_before = _children_cpu()
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, str(rounds)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return _children_cpu() - cpu_before, json.loads(out.stdout.strip().splitlines()[-1])


def main(rounds: int) -> None:
    """Run both workers in fresh processes and print the figures."""
    sizes = [len(t.encode("utf-8")) // 1024 for t in texts()]
    pages = rounds * len(sizes)
    print(f"{len(sizes)} pages of {min(sizes)}-{max(sizes)} KB text, {rounds} rounds = {pages}")
    # Pairs run back to back so both sides of a ratio see the same load on the machine; the
    # median pair is reported.
    pairs = sorted(
        ((_run("bare", rounds), _run("extract", rounds)) for _ in range(3)),
        key=lambda pair: pair[1][0] / pair[0][0],
    )
    (bare_wall, bare), (extract_wall, extract) = pairs[1]
    ratios = ", ".join(f"{e[0] / b[0]:.2f}" for b, e in pairs)
    print(
        f"bare jieba.lcut : {bare_wall:6.2f} s CPU, start-up included ({bare['steady_ms']:.1f} ms/page)"
    )
    print(
        f"extract         : {extract_wall:6.2f} s CPU, start-up included "
        f"({extract['steady_ms']:.1f} ms/page steady, {1000 / extract['steady_ms']:.0f} pages/s "
        f"on one core; first round {extract['warm_up_s']:.2f} s)"
    )
    print(
        f"ratio extract / bare segmentation: {extract_wall / bare_wall:.2f} (target <= 1.5;"
        f" the three pairs: {ratios})"
    )
    print(f"steady-state ratio per page      : {extract['steady_ms'] / bare['steady_ms']:.2f}")
    print(
        f"RSS after warm-up: extract {extract['rss_mb']:.0f} MB, bare jieba {bare['rss_mb']:.0f} MB"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _pin_to_one_core()
        work = worker_extract if sys.argv[2] == "extract" else worker_bare
        print(json.dumps(work(int(sys.argv[3]))))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
