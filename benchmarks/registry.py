"""The registry of obligation holders at national scale, and source discovery's reading.

Run: PYTHONPATH=. python benchmarks/registry.py
SQLite always (a temporary file); PostgreSQL too when NIANBAO_BENCH_POSTGRES_URL (or
NIANBAO_TEST_POSTGRES_URL) is set, in a schema of its own that is dropped afterwards.

1. Building the registry from the division table and its history: time (best of 5) and the
   memory the built registry holds (tracemalloc).
2. Putting it in the store (`sync_agencies`): the first start inserts every government and its
   aliases; a later start only checks.
3. `compliance --year` over the whole registry (3,207 governments × 2 kinds) for each of five
   years, with filings for about 60 % of the obligations and one multi-agency column per province.
4. Discovery: pages read and columns found per fixture portal (three platforms, `tests/`) and on
   the demo portal's city site over loopback.
"""

from __future__ import annotations

import asyncio
import gc
import time
import tracemalloc
import zipfile
from datetime import UTC, date, datetime

import httpx
from sqlalchemy import insert

from benchmarks.store_throughput import databases
from services.demo_portal.server import DemoPortal
from services.ingest.discovery.portal import discover
from services.ingest.fetcher import PoliteFetcher
from services.ingest.settings import IngestSettings
from services.store import registry as registry_module
from services.store.compliance import compliance
from services.store.db.models import Filing
from services.store.migrate import upgrade
from services.store.service import StoreService
from shared.db import make_engine, session_factory
from shared.events import stable_id
from shared.sources import parse_sources
from tests import portal_fixtures

YEARS = (2020, 2021, 2022, 2023, 2024)
KINDS = registry_module.OBLIGATIONS


def build_figures() -> None:
    folder = registry_module._dictionary()
    with zipfile.ZipFile(folder / "china_location.zip") as archive:
        data = archive.read("china_location.txt")
    changes = (folder / "china_location_change.txt").read_text("utf-8")
    best = min(_timed(lambda: registry_module.build_registry(data, changes)) for _ in range(5))
    gc.collect()
    tracemalloc.start()
    built = registry_module.build_registry(data, changes)
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    start = time.perf_counter()
    registry_module.registry.cache_clear()
    registry_module.registry()
    cold = time.perf_counter() - start
    print(
        f"registry: {len(built.governments)} governments {built.counts()}; build {best * 1000:.0f} ms "
        f"(with reading the zip: {cold * 1000:.0f} ms); holds {held / 2**20:.1f} MiB, "
        f"peak {peak / 2**20:.1f} MiB while building"
    )


def _timed(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - start


def store_figures(name: str, url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)

    async def nothing(subject: str, event_id: str, payload: str) -> None:
        return None

    store = StoreService(
        sessions=sessions, publish=nothing, clock=lambda: datetime(2025, 1, 1, tzinfo=UTC)
    )
    provinces = [g for g in registry_module.registry().governments if g.level == "province"]
    columns = "".join(
        f"  - id: col-{g.region_code}\n    name: {g.name}法治专栏\n    region_code: "
        f'"{g.region_code}"\n    sources:\n      - list_url: https://{g.region_code}.gov.cn/\n'
        f'        covers: {{region: "{g.region_code}", complete: true}}\n'
        for g in provinces
    )
    sources = parse_sources("agencies:\n" + columns)
    first = _timed(lambda: store.sync_agencies(sources))
    again = _timed(lambda: store.sync_agencies(sources))
    governments = registry_module.registry().governments
    rows = []
    for i, government in enumerate(governments):
        for year in YEARS:
            for k, kind in enumerate(KINDS):
                if (i * 7 + year * 3 + k) % 10 >= 6:
                    continue  # about 40 % not filed
                published = date(year + 1, 3, 1 + (i + year) % 28)
                rows.append(
                    {
                        "id": stable_id("filing", government.id, kind, year),
                        "agency_id": government.id,
                        "agency_name": government.name,
                        "region_code": government.region_code,
                        "kind": kind,
                        "report_year": year,
                        "title": f"{government.name}{year}年{kind}",
                        "url": f"https://{government.region_code}.gov.cn/{year}/{k}.html",
                        "published": published,
                        "first_seen": datetime(year + 1, 4, 2, tzinfo=UTC),
                        "last_seen": datetime(year + 1, 4, 2, tzinfo=UTC),
                        "deadline": None,
                        "on_time": None,
                        "version": 1,
                        "content_hash": "h",
                        "backfill": True,
                        "summary": {},
                    }
                )
    with sessions.begin() as session:
        for offset in range(0, len(rows), 5000):
            session.execute(insert(Filing), rows[offset : offset + 5000])
    now = datetime(2025, 6, 1, tzinfo=UTC)
    total = 0
    start = time.perf_counter()
    for year in YEARS:
        total += len(compliance(sessions, year=year, now=now))
    elapsed = time.perf_counter() - start
    print(
        f"{name}: registry into the store {first:.2f} s first start, {again * 1000:.0f} ms later "
        f"starts; compliance over the registry × {len(YEARS)} years: {total:,} rows in "
        f"{elapsed:.2f} s ({elapsed / len(YEARS):.2f} s a year, {len(rows):,} filings stored)"
    )
    engine.dispose()


async def discovery_figures() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return portal_fixtures.ADDRESSES[host]

    portals = {
        "TRS city (metadata)": (portal_fixtures.trs_portal(), portal_fixtures.TRS + "/"),
        "Hanweb 专栏 (multi-agency)": (
            portal_fixtures.hanweb_portal(),
            portal_fixtures.HANWEB + "/",
        ),
        "home-grown county (titles only)": (
            portal_fixtures.plain_portal(),
            portal_fixtures.PLAIN + "/",
        ),
    }
    for label, (pages, home) in portals.items():

        async def answer(request: httpx.Request, pages: dict[str, str] = pages) -> httpx.Response:
            body = pages.get(str(request.url))
            if body is None:
                return httpx.Response(404)
            kind = "text/plain" if str(request.url).endswith(".txt") else "text/html"
            return httpx.Response(200, text=body, headers={"Content-Type": kind})

        fetcher = PoliteFetcher(
            IngestSettings(), transport=httpx.MockTransport(answer), resolve=resolve
        )
        found = await discover(fetcher, home, min_delay=0.0)
        await fetcher.close()
        print(f"discovery, {label}: {found.pages_read} pages read, {len(found.columns)} column(s)")
    with DemoPortal() as base:
        fetcher = PoliteFetcher(IngestSettings(allow_private_networks=True))
        start = time.perf_counter()
        found = await discover(fetcher, base + "/km-gov/", min_delay=1.0)
        elapsed = time.perf_counter() - start
        await fetcher.close()
    print(
        f"discovery, demo city site over loopback at 1 request/s: {found.pages_read} pages read, "
        f"{len(found.columns)} column(s), {elapsed:.1f} s"
    )


def main() -> None:
    build_figures()
    for name, url in databases():
        store_figures(name, url)
    asyncio.run(discovery_figures())


if __name__ == "__main__":
    main()
