"""Hostile documents through the extraction core and list-page discovery: no crash, bounded time
and memory, and every answer a valid one (a rejection with its reason, or a sound extraction).

The corpus (tests/hostile/corpus.py, >1,000 cases) runs in-process twice: once timed, once under
tracemalloc (every fifth case and the 10 largest, since tracing slows Python sevenfold). The huge
cases (a 20 MB body, markup nested 100,000 deep) each run in a child process with a hard kill,
so a regression cannot hang the suite, and their peak resident memory is measured as well
(tracemalloc cannot see lexbor's C allocations).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from services.extract.core import Document, extract_document
from services.ingest.discovery.links import same_site
from services.ingest.discovery.list_page import find_attachments, looks_like_report, parse_list_page
from shared.decoding import decode_bytes
from shared.events import REPORT_KINDS, Extraction
from tests.hostile.corpus import (
    ABSURD_DATE_HINTS,
    NON_TEXT_CODEC_LABELS,
    Case,
    build_corpus,
    report_page,
)

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
MAX_PAGES = 20
# Budgets per input. The extract consumer's ack wait is 120 s (shared/bus.py): an extraction that
# comes near it is redelivered and done again, forever. A corpus input gets 2 s plus 10 s per MB,
# generous for slow CI machines (the slowest takes ~0.2 s on the development machine).
SMALL_INPUT_SECONDS = 2.0
SECONDS_PER_MB = 10.0
HUGE_INPUT_SECONDS = 30.0
SMALL_INPUT_PEAK_BYTES = 64 * 1024 * 1024  # Python heap (tracemalloc) for inputs up to ~200 KB
HUGE_INPUT_RSS_BYTES = 1024 * 1024 * 1024  # whole process, for a 20 MB body at the size cap


@dataclass
class Outcome:
    case: Case
    extraction: Extraction | None
    error: str | None
    seconds: float
    peak_bytes: int


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def check_extraction(result: object) -> list[str]:
    """What is wrong with an extraction (empty when it is sound)."""
    problems: list[str] = []
    if not isinstance(result, Extraction):
        return [f"not an Extraction: {type(result).__name__}"]
    if not result.is_annual_report:
        if result.kind != "other" or not result.reasons:
            problems.append(f"a rejection without kind=other and a reason: {result.reasons}")
    else:
        if result.kind not in REPORT_KINDS:
            problems.append(f"report of kind {result.kind!r}")
        if result.report_year is not None and not 1949 <= result.report_year <= 2100:
            problems.append(f"absurd report year {result.report_year}")
    dumped = result.model_dump_json()  # what the service publishes; lone surrogates would raise
    if Extraction.model_validate_json(dumped) != result:
        problems.append("does not survive a JSON round trip")
    if any("\x00" in text for text in _strings(result.model_dump())):
        problems.append("holds a NUL character (PostgreSQL text cannot store it)")
    return problems


def check_list_page(body: str, url: str) -> list[str]:
    problems: list[str] = []
    page = parse_list_page(body, url, max_pages=MAX_PAGES)
    urls = [item.url for item in page.items]
    if len(urls) != len(set(urls)):
        problems.append("duplicate items")
    for item_url in urls:
        if urlsplit(item_url).scheme not in ("http", "https") or not same_site(item_url, url):
            problems.append(f"item {item_url!r} is not a same-site http(s) URL")
    further = [request.url for request in page.further_pages]
    if len(further) > MAX_PAGES:
        problems.append(f"{len(further)} further pages, over max_pages={MAX_PAGES}")
    if url in further:
        problems.append("the page lists itself as a further page")
    for item in find_attachments(body, url):
        if not same_site(item.url, url):
            problems.append(f"attachment {item.url!r} is off-site")
    for item in page.items:
        looks_like_report(item.title)
    return problems


def run_case(case: Case, traced: bool = False) -> Outcome:
    document = Document(
        content=case.content,
        content_type=case.content_type,
        url=case.url,
        declared_charset=case.declared_charset,
        encoding_override=case.encoding_override,
        title_hint=case.title_hint,
        date_hint=case.date_hint,
        agency_name=case.agency_name,
        region_code=case.region_code,
    )
    tracemalloc.reset_peak()
    started = time.perf_counter()
    extraction: Extraction | None = None
    error: str | None = None
    try:
        extraction = extract_document(document)
        problems = check_extraction(extraction)
        text, _ = decode_bytes(case.content, case.declared_charset, case.encoding_override)
        problems += check_list_page(text, case.url)
        if case.title_hint is not None:
            looks_like_report(case.title_hint)
        if problems:
            error = "; ".join(problems)
    except Exception as exc:  # the point of the test: report every escape, do not stop at one
        error = f"{type(exc).__name__}: {exc}"[:500]
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    return Outcome(case, extraction, error, seconds, peak)


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    # Load jieba and the division table once, outside the measurements.
    extract_document(Document(content=report_page("昆明市科学技术局", "2023年").encode()))
    corpus = build_corpus()
    timed = [run_case(case) for case in corpus]
    largest = sorted(range(len(corpus)), key=lambda i: -len(corpus[i].content))[:10]
    sample = sorted(set(range(0, len(corpus), 5)) | set(largest))
    tracemalloc.start()
    try:
        for i in sample:
            timed[i].peak_bytes = run_case(corpus[i], traced=True).peak_bytes
    finally:
        tracemalloc.stop()
    return timed


def test_the_corpus_is_big_and_varied(outcomes: list[Outcome]) -> None:
    assert len(outcomes) >= 1000
    families = {outcome.case.name.split("-")[0] for outcome in outcomes}
    assert len(families) >= 12
    # Some hostile pages still hold a real report: the corpus must not be all rejections.
    assert sum(1 for o in outcomes if o.extraction and o.extraction.is_annual_report) >= 100


def test_no_input_crashes_or_yields_an_invalid_answer(outcomes: list[Outcome]) -> None:
    failures = [f"{o.case.name}: {o.error}" for o in outcomes if o.error]
    assert failures == []


def budget(outcome: Outcome) -> float:
    return SMALL_INPUT_SECONDS + SECONDS_PER_MB * len(outcome.case.content) / 1e6


def test_every_input_is_handled_in_bounded_time_and_memory(outcomes: list[Outcome]) -> None:
    slowest = max(outcomes, key=lambda o: o.seconds)
    over = [f"{o.case.name}: {o.seconds:.2f} s" for o in outcomes if o.seconds > budget(o)]
    hungriest = max(outcomes, key=lambda o: o.peak_bytes)
    assert sum(1 for o in outcomes if o.peak_bytes) >= len(outcomes) // 5
    print(
        f"\n{len(outcomes)} hostile inputs: slowest {slowest.case.name} {slowest.seconds:.3f} s, "
        f"total {sum(o.seconds for o in outcomes):.1f} s; "
        f"peak Python heap {hungriest.peak_bytes / 2**20:.1f} MiB ({hungriest.case.name})"
    )
    assert over == []
    assert hungriest.peak_bytes < SMALL_INPUT_PEAK_BYTES, hungriest.case.name


def test_planted_absurd_years_are_never_taken_as_report_years(outcomes: list[Outcome]) -> None:
    dated = [o for o in outcomes if o.case.name.startswith("dates-") and o.extraction]
    assert len(dated) == 100
    years = {
        o.extraction.report_year for o in dated if o.extraction and o.extraction.is_annual_report
    }
    assert all(year is None or 1949 <= year <= 2100 for year in years), years


# ---- known bugs, each with its minimal reproducer (see the report) ----------------------------


def test_a_charset_naming_a_non_text_codec_is_ignored_not_fatal() -> None:
    body = "<html><body><h1>昆明市科学技术局2023年法治政府建设年度报告</h1><p>正文</p>"
    failures: list[str] = []
    for label in NON_TEXT_CODEC_LABELS:
        for where in ("meta", "declared", "override"):
            content = (f'<meta charset="{label}">{body}' if where == "meta" else body).encode()
            hints = {} if where == "meta" else {where: label}
            try:
                decode_bytes(content, **hints)
                extract_document(
                    Document(
                        content=content,
                        declared_charset=hints.get("declared"),
                        encoding_override=hints.get("override"),
                    )
                )
            except Exception as exc:
                failures.append(f"{label!r} as {where}: {type(exc).__name__}: {exc}")
    assert failures == []


@pytest.mark.parametrize("hint", ABSURD_DATE_HINTS, ids=str)
def test_an_absurd_date_never_becomes_a_report_year(hint: object) -> None:
    result = extract_document(
        Document(
            content="<h1>云南省人民政府法治政府建设年度报告</h1><p>正文</p>".encode(),
            date_hint=hint,  # type: ignore[arg-type]
        )
    )
    assert check_extraction(result) == []


def test_a_50k_character_link_title_is_classified_quickly() -> None:
    extract_document(Document(content=b"x", title_hint="warm up"))
    started = time.perf_counter()
    extract_document(Document(content=b"x", title_hint="法治政府建设年度报告" * 5000))
    assert time.perf_counter() - started < 0.5


def test_a_lone_surrogate_in_a_hint_does_not_poison_the_extraction() -> None:
    result = extract_document(
        Document(
            content="<p>正文</p>".encode(), title_hint="昆明市2023年法治政府建设年度报告\ud800"
        )
    )
    assert check_extraction(result) == []


# ---- the huge cases, each in a child process with a hard time limit ----------------------------

_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from services.extract.core import Document, extract_document
    from services.ingest.discovery.list_page import parse_list_page
    extract_document(Document(content={warm_up!r}))
    parse_list_page("<a href='/x'>x</a>", "http://www.example.gov.cn/")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    body = {body}
    started = time.perf_counter()
    if {target!r} == "extract":
        result = extract_document(Document(content=body, content_type="text/html"))
        answer = [result.is_annual_report, result.kind, list(result.reasons)]
    else:
        page = parse_list_page(body.decode("utf-8", "replace"), "http://www.example.gov.cn/l/index.html")
        answer = [len(page.items), len(page.further_pages)]
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({{"seconds": seconds, "rss": rss, "rss_before": before * 1024, "answer": answer}}))
    """
)

HUGE = {
    "report-20MB": (
        "('<html><body><h1>昆明市科学技术局2023年法治政府建设年度报告</h1><div class=TRS_Editor>'"
        " + '<p>一、主要举措和成效。开展学法12次，培训干部300人次。</p>' * 260_000).encode()[:20_000_000]"
    ),
    "junk-20MB": "__import__('random').Random(7).randbytes(20_000_000)",
    "one-line-20MB": "b'<p>' + '法' .encode() * 6_600_000",
    "nested-100k": (
        "b'<html><body>' + b'<div>' * 100_000"
        " + '<h1>2023年法治政府建设年度报告</h1>'.encode() + b'</div>' * 100_000"
    ),
    "anchors-4000": "b''.join(b'<div><a href=/a/t2023_%d.html>x</a>' % i for i in range(4000))"
    " + b'<a href=/x.html>x'",
}


def run_child(name: str, target: str, budget: float) -> dict[str, object]:
    warm_up = report_page("昆明市科学技术局", "2023年").encode()  # loads jieba before the clock
    script = _CHILD.format(body=HUGE[name], target=target, warm_up=warm_up)
    try:
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=budget + 8,  # start-up: imports, jieba, the division table, the body itself
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{target} of {name} did not finish within {budget + 8:.0f} s")
    assert done.returncode == 0, done.stderr[-2000:]
    figures: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"\n{target} {name}: {figures}")
    return figures


@pytest.mark.parametrize("name", ["report-20MB", "junk-20MB", "one-line-20MB"])
def test_a_body_at_the_size_cap_is_extracted_in_bounded_time_and_memory(name: str) -> None:
    figures = run_child(name, "extract", HUGE_INPUT_SECONDS)
    assert float(str(figures["seconds"])) < HUGE_INPUT_SECONDS
    assert int(str(figures["rss"])) < HUGE_INPUT_RSS_BYTES
    is_report, kind, reasons = figures["answer"]  # type: ignore[misc]
    assert reasons, "an answer without a reason"
    assert (kind != "other") == is_report


@pytest.mark.parametrize("target", ["extract", "discover"])
def test_markup_nested_100k_deep_is_handled_in_bounded_time(target: str) -> None:
    figures = run_child("nested-100k", target, SMALL_INPUT_SECONDS)
    assert float(str(figures["seconds"])) < SMALL_INPUT_SECONDS


def test_a_list_page_of_4000_nested_links_is_discovered_in_bounded_time() -> None:
    figures = run_child("anchors-4000", "discover", SMALL_INPUT_SECONDS)
    assert float(str(figures["seconds"])) < SMALL_INPUT_SECONDS


def test_a_list_page_at_the_size_cap_is_discovered_in_bounded_time() -> None:
    figures = run_child("report-20MB", "discover", HUGE_INPUT_SECONDS)
    assert float(str(figures["seconds"])) < HUGE_INPUT_SECONDS
