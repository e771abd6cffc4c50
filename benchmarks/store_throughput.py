"""Store throughput: events recorded per second, and the compliance query at national scale.

Run: python benchmarks/store_throughput.py [events] [agencies]
(defaults 300 events, 100,000 agencies). SQLite always, in a temporary file; PostgreSQL too when
NIANBAO_BENCH_POSTGRES_URL (or NIANBAO_TEST_POSTGRES_URL) is set, in a schema of its own that is
dropped afterwards.

1. `report.extracted` events through `StoreService.record_extraction`, exactly as the consumer
   calls it: one transaction per event (inbox + effect + outbox), then the outbox relay to a
   publisher that does nothing. Texts are the five real seed reports, each made unique, so every
   event is a new filing (the search index is paid; the words come with the event, as the
   extractor's do, and a new filing computes no fingerprint). Then `source.checked` events,
   which are small. Events are awaited one after another without a linger, so each commits on
   its own: the worst case (the service shares a commit among the events that arrive within
   NIANBAO_STORE_COMMIT_LINGER_MS).
2. The compliance query (`nianbao compliance --year`) over N agencies (each expecting two kinds,
   one source) with filings for five years, generated with bulk inserts.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session, sessionmaker

from services.extract.sections import segment
from services.store.compliance import compliance
from services.store.db.models import Agency, Filing, Source
from services.store.migrate import upgrade
from services.store.service import StoreService
from shared.db import make_engine, normalise_url, session_factory
from shared.events import Extraction, Region, ReportExtracted, SourceChecked, stable_id

SEEDS = sorted(
    (Path(__file__).resolve().parents[1] / "services" / "demo_portal" / "seeds").glob("*.txt")
)
YEARS = (2020, 2021, 2022, 2023, 2024)
KINDS = ("法治政府建设年度报告", "政府信息公开工作年度报告")


def databases() -> Iterator[tuple[str, str]]:
    """(name, url) of every database to measure, each empty and removed after its turn."""
    with tempfile.TemporaryDirectory() as tmp:
        yield ("SQLite", f"sqlite:///{tmp}/bench.sqlite3")
    postgres = os.environ.get("NIANBAO_BENCH_POSTGRES_URL") or os.environ.get(
        "NIANBAO_TEST_POSTGRES_URL"
    )
    if not postgres:
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(postgres), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        separator = "&" if "?" in postgres else "?"
        yield ("PostgreSQL", f"{postgres}{separator}options=-csearch_path%3D{schema}")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _events(count: int) -> list[ReportExtracted]:
    texts = [seed.read_text("utf-8") for seed in SEEDS]
    start = datetime(2025, 3, 1, tzinfo=UTC)
    events = []
    for i in range(count):
        body = f"第{i}号 " + texts[i % len(texts)]
        url = f"https://bench{i % 50}.gov.cn/fzzf/{i}.html"
        extraction = Extraction(
            extractor_version="1",
            is_annual_report=True,
            kind="法治政府建设年度报告",
            title=f"测试局{i}2024年法治政府建设年度报告",
            agency=f"测试局{i}",
            region=Region(code="530100"),
            report_year=2024,
            published=date(2025, 3, 1),
            text=body,
            words=segment(body),  # as the extractor's events carry them
        )
        sha = stable_id("sha", url, i) * 2
        events.append(
            ReportExtracted(
                event_id=stable_id("report.extracted", url, sha),
                occurred_at=start,
                document_event_id=stable_id("document.fetched", url, sha),
                source_id=f"bench{i}#0",
                agency_id=f"bench{i}",
                url=url,
                sha256=sha,
                blob_key=sha,
                fetched_at=start + timedelta(seconds=i),
                extraction=extraction,
            )
        )
    return events


async def _no_publish(subject: str, event_id: str, payload: str) -> None:
    return None


async def measure_events(sessions: sessionmaker[Session], count: int) -> tuple[float, float]:
    """(report.extracted per second, source.checked per second)."""
    clock = lambda: datetime(2025, 4, 10, tzinfo=UTC)  # noqa: E731
    store = StoreService(sessions=sessions, publish=_no_publish, clock=clock)
    events = _events(count)
    await store.record_extraction(_events(1)[0])  # warm-up: jieba's dictionary, connections
    began = time.perf_counter()
    for event in events[1:]:
        await store.record_extraction(event)
    reports = (len(events) - 1) / (time.perf_counter() - began)
    checks = [
        SourceChecked(
            event_id=stable_id("source.checked", i),
            occurred_at=clock(),
            source_id=f"bench{i}#0",
            agency_id=f"bench{i}",
            list_url="https://bench.gov.cn/list/index.html",
            status="ok",
            started_at=clock() + timedelta(seconds=i),
            finished_at=clock() + timedelta(seconds=i),
        )
        for i in range(count)
    ]
    began = time.perf_counter()
    for check in checks:
        await store.record_source_check(check)
    return reports, count / (time.perf_counter() - began)


def generate_national(sessions: sessionmaker[Session], agencies: int) -> float:
    """Bulk-insert `agencies` agencies, their sources and five years of filings; seconds taken."""
    began = time.perf_counter()
    watched = datetime(2020, 1, 1, tzinfo=UTC)
    crawled = datetime(2025, 12, 1, tzinfo=UTC)
    batch = 10_000
    with sessions() as session, session.begin():
        for low in range(0, agencies, batch):
            ids = range(low, min(low + batch, agencies))
            session.execute(
                insert(Agency),
                [
                    {
                        "id": f"a{i}",
                        "name": f"测试市{i}局" if i % 30 else f"测试{i}县人民政府",
                        "region_code": f"{11 + i % 20}{(i // 20) % 90 + 1:02d}{i % 7 + 1:02d}",
                        "level": None,
                        "aliases": [],
                        "expects": list(KINDS),
                        "origin": "sources",
                        "watched_since": watched,
                    }
                    for i in ids
                ],
            )
            session.execute(
                insert(Source),
                [
                    {
                        "id": f"a{i}#0",
                        "agency_id": f"a{i}",
                        "list_url": f"https://a{i}.gov.cn/list/",
                        "last_success_at": crawled,
                        "blocked_since": crawled if i % 50 == 0 else None,
                        "consecutive_failures": 0,
                        "last_counts": {},
                    }
                    for i in ids
                ],
            )
            rows = []
            for i in ids:
                region = f"{11 + i % 20}{(i // 20) % 90 + 1:02d}{i % 7 + 1:02d}"
                for year in YEARS:
                    for k, kind in enumerate(KINDS):
                        if (i + year + k) % 5 == 0:
                            continue  # a fifth of the obligations: nothing found
                        published = date(year + 1, 3 if (i + k) % 4 else 4, 20)
                        rows.append(
                            {
                                "id": stable_id("filing", f"a{i}", kind, year),
                                "agency_id": f"a{i}",
                                "agency_name": f"测试市{i}局",
                                "region_code": region,
                                "kind": kind,
                                "report_year": year,
                                "title": f"{year}年{kind}",
                                "url": f"https://a{i}.gov.cn/{year}/{k}.html",
                                "published": published,
                                "first_seen": datetime.combine(published, datetime.min.time(), UTC),
                                "last_seen": crawled,
                                "deadline": None,
                                "on_time": None,
                                "version": 1,
                                "content_hash": "x" * 64,
                                "backfill": True,
                                "summary": {},
                            }
                        )
            session.execute(insert(Filing), rows)
    return time.perf_counter() - began


def main(events: int = 300, agencies: int = 100_000) -> None:
    """Print the figures for every configured database."""
    for name, url in databases():
        upgrade(url)
        engine = make_engine(url)
        sessions = session_factory(engine)
        reports, checks = asyncio.run(measure_events(sessions, events))
        print(f"{name}: report.extracted {reports:,.0f} events/s (new filings, real report texts)")
        print(f"{name}: source.checked {checks:,.0f} events/s")
        generated = generate_national(sessions, agencies)
        print(
            f"{name}: generated {agencies:,} agencies × {len(YEARS)} years × {len(KINDS)} kinds "
            f"in {generated:.1f} s"
        )
        now = datetime(2025, 12, 10, tzinfo=UTC)
        timings = []
        for _ in range(3):
            began = time.perf_counter()
            rows = compliance(sessions, year=2023, now=now)
            timings.append(time.perf_counter() - began)
        statuses: dict[str, int] = {}
        for row in rows:
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1
        print(
            f"{name}: compliance --year 2023 over {agencies:,} agencies: {len(rows):,} rows "
            f"in {min(timings):.2f} s (best of 3; {statuses})"
        )
        engine.dispose()


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
