"""End-to-end throughput: N report pages through all four services on a real nats-server.

Run from the repository root:

    python benchmarks/pipeline_throughput.py [--pages 10000] [--database sqlite|postgresql]

A generated portal (tests/faults/portal.py) serves N report pages on loopback with politeness
lifted (no delay, several requests in flight). Two ways to run nianbao:

- `--mode process` (default): as `nianbao up --once` does, every service in one process;
- `--mode processes`: as a cluster does, `nianbao service extract|store|notify` as separate
  processes and `nianbao crawl` publishing the crawl, so the services use both cores.

The script prints reports per second end to end, the extract-only throughput over the same pages
in one process, and their ratio; `--mode processes` also prints each component's CPU per report.
To profile services there, set NIANBAO_BENCH_PROFILE to their names (`store,extract,crawl`): py-spy
is attached to each (the crawl runs under it) and writes collapsed stacks to
NIANBAO_BENCH_PROFILE_DIR/<name>.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from services.extract.core import Document, extract_document
from services.runtime import (
    SERVICES,
    AppSettings,
    build,
    migrate_database,
    shutdown,
    wait_until_idle,
)
from services.store.db.models import Filing
from shared.db import normalise_url
from shared.embedded_nats import EmbeddedNats
from shared.logs import configure_logging
from shared.sources import parse_sources
from tests.faults.portal import GeneratedPortal, PortalServer

YEARS = range(2014, 2024)  # ten reports per agency


def extract_only(portal: GeneratedPortal) -> float:
    """Pages per second of the bare extraction core over the same pages, after a warm-up."""
    reports = portal.all_reports()
    pages = [(portal.page(r.path) or b"", r) for r in reports]
    extract_document(Document(content=pages[0][0], content_type="text/html"))  # warm-up
    started = time.perf_counter()
    for body, report in pages:
        extract_document(
            Document(
                content=body,
                content_type="text/html; charset=utf-8",
                agency_name=report.agency,
                region_code=report.region_code,
            )
        )
    return len(pages) / (time.perf_counter() - started)


async def pipeline(portal: GeneratedPortal, database_url: str, workdir: Path) -> tuple[float, int]:
    """Seconds from the start of the crawl until every event is processed, and filings stored."""
    server = PortalServer(portal)
    base_url = server.start()
    nats_server = EmbeddedNats(workdir / "nats")
    nats_server.start()
    try:
        migrate_database(database_url)
        sources_text = portal.sources_yaml(base_url, interval_hours=6)
        sources = parse_sources(sources_text)
        settings = AppSettings(
            data_dir=workdir,
            nats_url=nats_server.url,
            database_url=database_url,
            allow_private_networks=True,
            crawl_concurrency=8,
        )
        parts = await build(settings, nats_server.url, SERVICES, sources)
        try:
            assert parts.ingest is not None
            started = time.perf_counter()
            await parts.ingest.crawl_all(sources)
            await wait_until_idle(parts, limit_seconds=3600)
            elapsed = time.perf_counter() - started
        finally:
            await shutdown(parts)
        engine = create_engine(normalise_url(database_url))
        with engine.connect() as conn:
            filings = int(conn.execute(select(func.count()).select_from(Filing)).scalar() or 0)
        engine.dispose()
        return elapsed, filings
    finally:
        nats_server.stop()
        server.stop()


async def pipeline_processes(
    portal: GeneratedPortal, database_url: str, workdir: Path
) -> tuple[float, int]:
    """The same run with each service in a process of its own and `nianbao crawl` publishing."""
    import sys

    import nats

    server = PortalServer(portal)
    base_url = server.start()
    nats_server = EmbeddedNats(workdir / "nats")
    nats_server.start()
    sources = workdir / "sources.yaml"
    sources.write_text(portal.sources_yaml(base_url, interval_hours=6), encoding="utf-8")
    command = [str(Path(sys.executable).parent / "nianbao")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    env |= {
        "NIANBAO_NATS_URL": nats_server.url,
        "NIANBAO_DATABASE_URL": database_url,
        "NIANBAO_SOURCES": str(sources),
        "NIANBAO_ALLOW_PRIVATE_NETWORKS": "1",
        "NIANBAO_DATA_DIR": str(workdir),
        "NIANBAO_HTTP_PORT": "-1",
        "NIANBAO_LOG_LEVEL": "WARNING",
    }
    processes = []
    try:

        def run(*args: str, under: tuple[str, ...] = ()) -> None:
            subprocess.run([*under, *command, *args], env=env, check=True, capture_output=True)

        await asyncio.to_thread(run, "db", "upgrade")
        await asyncio.to_thread(run, "nats", "provision")
        for name in ("extract", "store", "notify"):
            processes.append(subprocess.Popen([*command, "service", name], env=env))  # noqa: ASYNC220
        await asyncio.sleep(3)  # consumers bound
        assert nats_server.process is not None
        watched = {
            name: p.pid for name, p in zip(("extract", "store", "notify"), processes, strict=True)
        }
        watched["nats-server"] = nats_server.process.pid
        profilers = start_profilers(watched, workdir)
        cpu_before = {name: cpu_seconds(pid) for name, pid in watched.items()}
        database_before = database_server_cpu(database_url)
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        self_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        await asyncio.to_thread(run, "crawl", under=crawl_profiler(workdir))
        crawl_cpu = used_since(children_before, resource.RUSAGE_CHILDREN)
        print(f"  crawl published in {time.perf_counter() - started:.1f} s")
        client = await nats.connect(nats_server.url)
        js = client.jetstream()
        engine = create_engine(normalise_url(database_url))
        filings = 0
        while True:
            with engine.connect() as conn:
                filings = int(conn.execute(select(func.count()).select_from(Filing)).scalar() or 0)
            consumers = await js.consumers_info("NIANBAO")
            if filings >= len(portal.all_reports()) and all(
                (c.num_pending or 0) == 0 and (c.num_ack_pending or 0) == 0 for c in consumers
            ):
                break
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - started
        portal_cpu = used_since(self_before, resource.RUSAGE_SELF)
        engine.dispose()
        await client.close()
        pages = len(portal.all_reports())
        spent = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in watched.items()}
        spent |= {"crawl": crawl_cpu, "portal+bench": portal_cpu}
        if database_before is not None:  # a local PostgreSQL server works for the store too
            spent["postgresql"] = (database_server_cpu(database_url) or 0.0) - database_before
        stop_profilers(profilers)
        print(f"  CPU per report ({pages} reports): ms, and reports/s one core would sustain")
        for name, seconds in spent.items():
            per_report = 1000 * seconds / pages
            print(f"    {name:12s} {per_report:6.2f} ms  {1000 / per_report:7.0f}/s")
        total = 1000 * sum(spent.values()) / pages
        print(
            f"    {'all':12s} {total:6.2f} ms  ({os.cpu_count()} cores: at most {os.cpu_count() * 1000 / total:.0f} reports/s)"
        )
        return elapsed, filings
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=60)
        nats_server.stop()
        server.stop()


def profiled(workdir: Path) -> dict[str, Path]:
    """The components NIANBAO_BENCH_PROFILE names (comma-separated), each with the file its
    collapsed stacks go to: NIANBAO_BENCH_PROFILE_DIR/<name>.txt."""
    out = Path(os.environ.get("NIANBAO_BENCH_PROFILE_DIR", str(workdir)))
    names = [n.strip() for n in os.environ.get("NIANBAO_BENCH_PROFILE", "").split(",")]
    return {name: out / f"{name}.txt" for name in names if name}


def start_profilers(watched: dict[str, int], workdir: Path) -> list[subprocess.Popen[bytes]]:
    """py-spy attached to each service process `profiled` names (extract, store, notify;
    nats-server excluded), sampling 50 times a second (raw collapsed stacks). Attaching, rather
    than running the service under the profiler, keeps the CPU figures those of the service
    itself."""
    profilers = []
    for name, target in profiled(workdir).items():
        if name == "crawl":  # run under py-spy (`crawl_profiler`)
            continue
        argv = ["py-spy", "record", "-r", "50", "-f", "raw", "-o", str(target)]
        argv += ["--pid", str(watched[name])]
        profilers.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL))
        print(f"  profiling {name} into {target}")
    return profilers


def crawl_profiler(workdir: Path) -> tuple[str, ...]:
    """The py-spy command line to run the crawl under when NIANBAO_BENCH_PROFILE names `crawl`
    (the crawl's CPU figure then includes py-spy's own), else nothing."""
    target = profiled(workdir).get("crawl")
    if target is None:
        return ()
    print(f"  profiling crawl into {target}")
    return ("py-spy", "record", "-r", "50", "-f", "raw", "-o", str(target), "--")


def stop_profilers(profilers: list[subprocess.Popen[bytes]]) -> None:
    """Stop the profilers as Ctrl-C would: py-spy writes its file on SIGINT."""
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)
    for profiler in profilers:
        profiler.wait(timeout=60)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a live process has used so far (Linux /proc)."""
    return _stat_cpu_seconds(Path(f"/proc/{pid}/stat").read_text())


def used_since(before: resource.struct_rusage, who: int) -> float:
    """User + system CPU seconds used by `who` (RUSAGE_SELF or RUSAGE_CHILDREN) since `before`."""
    after = resource.getrusage(who)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def _stat_cpu_seconds(stat: str) -> float:
    """User + system CPU seconds in the text of a /proc/PID/stat file."""
    fields = stat.rsplit(")", 1)[1].split()  # after "(command)", which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _process_name(stat: str) -> str:
    """The command name in the text of a /proc/PID/stat file."""
    return stat[stat.index("(") + 1 : stat.rindex(")")]


def database_server_cpu(database_url: str) -> float | None:
    """CPU seconds of every local `postgres` process so far (None for SQLite or if unreadable).

    Counts whatever else the server does meanwhile too: run the benchmark on an idle server.
    """
    if not database_url.startswith("postgresql"):
        return None
    total, found = 0.0, False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        if _process_name(raw) == "postgres":
            total += _stat_cpu_seconds(raw)
            found = True
    return total if found else None


def database_for(kind: str, workdir: Path) -> tuple[str, str | None]:
    """A fresh database URL (and a PostgreSQL schema to drop afterwards)."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}", None
    base = os.environ.get("NIANBAO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}", schema


def drop_schema(url: str, schema: str) -> None:
    """Remove a benchmark's PostgreSQL schema."""
    engine = create_engine(normalise_url(url.split("?")[0]), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--mode", choices=["process", "processes"], default="process")
    parser.add_argument(
        "--report-length",
        type=int,
        default=4000,
        help="characters per report page (the seed reports: 3,000-6,900, median ~4,000; 0: short)",
    )
    args = parser.parse_args()
    configure_logging("WARNING")
    portal = GeneratedPortal.build(max(1, args.pages // len(YEARS)), YEARS, args.report_length)
    pages = len(portal.all_reports())
    print(
        f"{pages} report pages on {len(portal.agencies)} agencies' list pages, database {args.database}"
    )
    bare = extract_only(portal)
    print(f"extract only (one process, one core): {bare:.1f} pages/s")
    with tempfile.TemporaryDirectory() as tmp:
        url, schema = database_for(args.database, Path(tmp))
        run = pipeline if args.mode == "process" else pipeline_processes
        elapsed, filings = asyncio.run(run(portal, url, Path(tmp)))
        if schema:
            drop_schema(url, schema)
    rate = pages / elapsed
    where = "all services in one process" if args.mode == "process" else "one process per service"
    print(
        f"end to end (crawl → extract → store, {where}): {elapsed:.1f} s, "
        f"{rate:.1f} reports/s, {filings} filings stored"
    )
    print(f"ratio end-to-end / extract-only: {rate / bare:.2f}")
    print(
        f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
