"""Server time of the dashboard's pages over a national-scale record (issue 16: under 200 ms).

Run: python benchmarks/web_pages.py [agencies] [repeats]   (defaults 100,000 agencies, 7 repeats)

SQLite in a temporary file; PostgreSQL too when NIANBAO_BENCH_POSTGRES_URL (or
NIANBAO_TEST_POSTGRES_URL) is set, in a schema of its own dropped afterwards. The record is
bulk-inserted: `agencies` agencies on the real 行政区划 (spread over every county, with a share at
city and province level), one source each (2 % blocked), obligations of two kinds for 2019–2024
with stored verdicts (filed, late, missing, unknown), filings for the published ones of 2022–2024
with their URLs, versions and search index rows. Each page is requested `repeats` times in
process through Starlette's test client (so no network, only the app: routing, queries,
templates); the median and the slowest are printed, after one warm-up request.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.store_throughput import databases
from services.store.db.models import Agency, Filing, FilingUrl, FilingVersion, Obligation, Source
from services.store.migrate import upgrade
from services.store.search import index_filing
from services.store.web import create_pages
from services.store.web.overview import read_snapshot
from shared.db import make_engine, session_factory
from shared.events import stable_id
from shared.regions import regions

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

KINDS = ("法治政府建设年度报告", "政府信息公开工作年度报告")
YEARS = range(2019, 2025)
FILED_YEARS = (2022, 2023, 2024)
BUDGET_MS = 200.0
TOPICS = (
    "行政复议",
    "执法监督",
    "法治宣传",
    "依法决策",
    "行政应诉",
    "规范性文件",
    "公平竞争审查",
    "行政执法公示",
    "政务诚信",
    "矛盾纠纷化解",
    "合法性审核",
    "法律顾问",
    "普法责任制",
    "信息公开",
    "证明事项",
    "营商环境",
    "行政许可",
    "行政处罚",
    "权责清单",
    "法治督察",
)  # each report mentions one, so a search for one matches a twentieth of the filings


def region_codes() -> list[str]:
    """Every county of the table, then every city and province (their own-level agencies)."""
    codes = sorted(regions().names)
    counties = [c for c in codes if not c.endswith("00")]
    upper = [c for c in codes if c.endswith("00")]
    return counties + upper


def verdict(i: int, year: int, k: int) -> str:
    """A spread of verdicts that varies by region and year, so the heat map has texture."""
    if i % 50 == 0:
        return "unknown"  # the blocked sources
    roll = (i * 7 + year * 13 + k * 5) % 20
    if roll < 12 + (year - 2019):
        return "filed"
    if roll < 16:
        return "late"
    return "missing"


def generate(sessions: sessionmaker[Session], agencies: int) -> float:
    """Bulk-insert the record; seconds taken."""
    began = time.perf_counter()
    codes = region_codes()
    watched = datetime(2019, 1, 1, tzinfo=UTC)
    crawled = datetime(2025, 6, 1, tzinfo=UTC)
    checked = datetime(2025, 6, 2, 8, tzinfo=UTC)
    batch = 5_000
    with sessions() as session, session.begin():
        for low in range(0, agencies, batch):
            ids = range(low, min(low + batch, agencies))
            agency_rows, source_rows, obligation_rows = [], [], []
            filing_rows, url_rows, version_rows, search_rows = [], [], [], []
            for i in ids:
                code = codes[i % len(codes)]
                name = f"{regions().name_of(code)}第{i}局"
                agency_rows.append(
                    {
                        "id": f"a{i}",
                        "name": name,
                        "region_code": code,
                        "level": None,
                        "aliases": [],
                        "expects": list(KINDS),
                        "origin": "sources",
                        "watched_since": watched,
                    }
                )
                source_rows.append(
                    {
                        "id": f"a{i}#0",
                        "agency_id": f"a{i}",
                        "list_url": f"https://a{i}.gov.cn/list/",
                        "last_checked_at": crawled,
                        "last_status": "blocked" if i % 50 == 0 else "ok",
                        "last_success_at": None if i % 50 == 0 else crawled,
                        "blocked_since": crawled if i % 50 == 0 else None,
                        "consecutive_failures": 0,
                        "last_counts": {"list_pages": 2, "candidates": 3, "fetched": 1},
                    }
                )
                for k, kind in enumerate(KINDS):
                    for year in YEARS:
                        status = verdict(i, year, k)
                        deadline = date(year + 1, 4 if k == 0 else 1, 1 if k == 0 else 31)
                        obligation_rows.append(
                            {
                                "id": stable_id("obligation", f"a{i}", kind, year),
                                "agency_id": f"a{i}",
                                "kind": kind,
                                "report_year": year,
                                "deadline": deadline,
                                "legal_basis": "国家规定",
                                "status": status,
                                "checked_at": checked,
                                "overdue_alerted_at": checked
                                if status == "missing" and year == 2024
                                else None,
                            }
                        )
                        if status not in ("filed", "late") or year not in FILED_YEARS:
                            continue
                        filing_id = stable_id("filing", f"a{i}", kind, year)
                        published = deadline - timedelta(days=10 if status == "filed" else -20)
                        seen = datetime.combine(published, datetime.min.time(), UTC)
                        url = f"https://a{i}.gov.cn/{year}/{k}.html"
                        title = f"{name}{year}年{kind}"
                        filing_rows.append(
                            {
                                "id": filing_id,
                                "agency_id": f"a{i}",
                                "agency_name": name,
                                "region_code": code,
                                "kind": kind,
                                "report_year": year,
                                "title": title,
                                "url": url,
                                "published": published,
                                "first_seen": seen,
                                "last_seen": crawled,
                                "deadline": deadline,
                                "on_time": status == "filed",
                                "version": 1,
                                "content_hash": "x" * 64,
                                "backfill": False,
                                "summary": {"sections": ["一、总体情况"], "figures": []},
                            }
                        )
                        url_rows.append(
                            {
                                "filing_id": filing_id,
                                "url": url,
                                "url_hash": filing_id,
                                "first_seen": seen,
                            }
                        )
                        version_rows.append(
                            {
                                "filing_id": filing_id,
                                "version": 1,
                                "content_hash": "x" * 64,
                                "url": url,
                                "seen_at": seen,
                                "text": title + "。一、总体情况。开展学法活动。",
                            }
                        )
                        topic = TOPICS[(i + year + k) % len(TOPICS)]
                        search_rows.append((filing_id, f"{title} 开展 学法 活动 {topic}"))
            session.execute(insert(Agency), agency_rows)
            session.execute(insert(Source), source_rows)
            session.execute(insert(Obligation), obligation_rows)
            session.execute(insert(Filing), filing_rows)
            session.execute(insert(FilingUrl), url_rows)
            session.execute(insert(FilingVersion), version_rows)
            for filing_id, content in search_rows:
                index_filing(session, filing_id, content, content.split(), new=True)
    if sessions.kw["bind"].dialect.name == "postgresql":
        with sessions() as session, session.begin():
            session.execute(text("ANALYZE"))
    return time.perf_counter() - began


def pages(agencies: int, some_filing: str) -> list[tuple[str, str]]:
    """(label, path) of the pages measured."""
    codes = region_codes()
    county = codes[0]
    return [
        ("overview (country)", "/"),
        ("overview, other kind", f"/?kind={KINDS[1]}"),
        ("province", f"/regions/{county[:2]}0000"),
        ("city", f"/regions/{county[:4]}00"),
        ("county", f"/regions/{county}"),
        ("agency", f"/agencies/a{agencies // 2}"),
        ("filing", f"/filings/{some_filing}"),
        ("filings list", "/filings"),
        ("filings, filtered", f"/filings?region={county[:2]}0000&year=2023&status=late"),
        ("search: one topic", "/filings?q=行政复议"),
        ("search: two words", f"/filings?q=行政复议 {regions().name_of(county)}"),
        ("feed: new filings", f"/feeds/filings.atom?region={county[:2]}0000"),
        ("feed: overdue", "/feeds/overdue.atom"),
    ]


def measure(client: TestClient, path: str, repeats: int) -> tuple[float, float]:
    """(median, slowest) milliseconds of `repeats` requests after one warm-up."""
    assert client.get(path).status_code == 200, path
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, path
    return statistics.median(times), max(times)


def main(agencies: int = 100_000, repeats: int = 7) -> int:
    """Print the figures; exit status 1 when a median is over the budget."""
    over = 0
    for name, url in databases():
        upgrade(url)
        engine = make_engine(url)
        sessions = session_factory(engine)
        seconds = generate(sessions, agencies)
        with sessions() as session:
            counts = {
                table: session.scalar(text(f"SELECT count(*) FROM {table}"))
                for table in ("agencies", "obligations", "filings")
            }
        print(f"{name}: generated {counts} in {seconds:.0f} s")
        with sessions() as session:
            some_filing = session.scalar(select(Filing.id).order_by(Filing.id).limit(1))
            began = time.perf_counter()
            read_snapshot(session, KINDS[0])
            snapshot_ms = (time.perf_counter() - began) * 1000
        print(
            f"{name}: compliance snapshot of one kind read in {snapshot_ms:.0f} ms (the first "
            "overview after start waits for it; later reads run in the background)"
        )
        client = TestClient(create_pages(sessions))
        for label, path in pages(agencies, str(some_filing)):
            median, slowest = measure(client, path, repeats)
            over += median > BUDGET_MS
            flag = "" if median <= BUDGET_MS else f"  OVER {BUDGET_MS:.0f} ms"
            print(f"{name}: {label:<22} median {median:7.1f} ms, slowest {slowest:7.1f} ms{flag}")
        engine.dispose()
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(*(int(arg) for arg in sys.argv[1:3])))
