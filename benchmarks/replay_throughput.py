"""Replay throughput: re-extracting every stored document, with no side effects.

Run from the repository root:
PYTHONPATH=. python benchmarks/replay_throughput.py [--pages 10000] [--database sqlite|postgresql]

The pipeline is first run once over a generated portal (as benchmarks/pipeline_throughput.py does,
every service in one process); then `replay --service extract` re-delivers every stored
`document.fetched` to extract through a consumer of its own, with the same extractor version, so
its results are deduplicated downstream. The script prints events per second and checks that the
replay changed nothing (same filings, no filing.recorded).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select

from benchmarks.pipeline_throughput import YEARS, database_for, drop_schema, pipeline
from services.ops.replay import ReplayRequest
from services.ops.runner import run_replay
from services.runtime import AppSettings
from services.store.db.models import Filing
from shared.db import normalise_url
from shared.logs import configure_logging
from tests.faults.portal import GeneratedPortal


def filings(database_url: str) -> int:
    engine = create_engine(normalise_url(database_url))
    with engine.connect() as conn:
        count = int(conn.execute(select(func.count()).select_from(Filing)).scalar() or 0)
    engine.dispose()
    return count


async def replay(database_url: str, workdir: Path) -> tuple[float, int, int, int]:
    """Seconds, events replayed, new and changed filings.

    Embedded mode on the data dir the pipeline left behind: replay starts nats-server on that
    store and runs the services downstream of extract (store, notify) for the duration, so what
    the replayed extractions would change is recorded before it returns.
    """
    settings = AppSettings(data_dir=workdir, database_url=database_url)
    started = time.perf_counter()
    result = await run_replay(settings, ReplayRequest("extract", from_seq=1))
    return (
        time.perf_counter() - started,
        result.replayed,
        result.new_filings,
        result.changed_filings,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--report-length", type=int, default=4000, help="characters per page")
    args = parser.parse_args()
    configure_logging("WARNING")
    portal = GeneratedPortal.build(max(1, args.pages // len(YEARS)), YEARS, args.report_length)
    print(f"database {args.database}, report pages of ~{args.report_length} characters")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        url, schema = database_for(args.database, work)
        elapsed, stored = asyncio.run(pipeline(portal, url, work))
        print(f"first run: {len(portal.all_reports())} pages, {stored} filings in {elapsed:.1f} s")
        seconds, replayed, new, changed = asyncio.run(replay(url, work))
        print(
            f"replay of extract: {replayed} events in {seconds:.1f} s, {replayed / seconds:.1f} events/s"
        )
        print(f"side effects: {new} new and {changed} changed filings; filings now {filings(url)}")
        if schema:
            drop_schema(url, schema)


if __name__ == "__main__":
    main()
