"""`nianbao up` and `nianbao service`: run the services until stopped, or once through.

Both start with one full round: crawl every source, wait until every consumer has drained (and
the store's outbox is empty), run the deadline check, wait again so notify has handled its alerts,
send due mail and print a summary. `--once` then exits; otherwise the services keep running and
each source is crawled again on its interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from services.health import SERVICE_PORT, extra_routes, start_http
from services.runtime import (
    SERVICES,
    AppSettings,
    Components,
    build,
    dead_letter_counts,
    install_signal_handlers,
    migrate_database,
    read_sources,
    shutdown,
    start_background,
    wait_until_idle,
)
from services.store.queries import list_filings, obligation_counts, source_health
from shared.connect import nats_url
from shared.logs import configure_logging
from shared.sources import SourcesFile, parse_sources
from shared.table import table

log = logging.getLogger("nianbao.up")
DEMO_PORT = 8731  # fixed when free, so a second demo run recognises the pages it has seen
UP_FILE = "up.json"  # in the data dir while `nianbao up` runs: its pid, NATS and HTTP URLs


def running_up(data_dir: Path) -> dict[str, Any] | None:
    """What a `nianbao up` running on this data dir wrote about itself, if one is running."""
    path = data_dir / UP_FILE
    try:
        info: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        os.kill(int(info["pid"]), 0)  # signal 0: is the process there?
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return info


@contextlib.contextmanager
def up_file(data_dir: Path, nats: str, http: str | None) -> Iterator[None]:
    """Announce this `nianbao up` to other commands (replay) for as long as it runs."""
    path = data_dir / UP_FILE
    payload = {"pid": os.getpid(), "nats_url": nats, "http_url": http}
    path.write_text(json.dumps(payload), encoding="utf-8")
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


async def serve_http(parts: Components, service: str, default_host: str, default_port: int) -> None:
    """Start the probes/metrics server unless NIANBAO_HTTP_PORT is -1."""
    settings = parts.settings
    port = settings.http_port if settings.http_port is not None else default_port
    if port < 0:
        return
    await start_http(parts, service, settings.http_host or default_host, port, extra_routes(parts))


def api_banner(http: str) -> str:
    """Where this process's HTTP API, probes and metrics answer."""
    return (
        f"dashboard at {http}/; HTTP API at {http}/api (reports, reports/ID, search?q=, "
        f"compliance?year=, export.csv, POST subscriptions); health and metrics at "
        f"{http}/readyz and {http}/metrics"
    )


@contextlib.contextmanager
def demo_portal(settings: AppSettings) -> Iterator[SourcesFile]:
    """Serve the bundled demo portal on loopback and write the sources file that points at it."""
    from services.demo_portal.server import DemoPortal
    from services.demo_portal.sources import demo_sources_yaml

    portal = DemoPortal(preferred_port=DEMO_PORT)
    base_url = portal.start()
    try:
        text = demo_sources_yaml(base_url)
        path = settings.data_dir / "demo-sources.yaml"
        path.write_text(text, encoding="utf-8")
        click.echo(f"demo portal serving at {base_url} (sources file: {path})")
        yield parse_sources(text, str(path))
    finally:
        portal.stop()


async def run_up(settings: AppSettings, *, demo: bool, once: bool) -> int:
    """Run all four services in this process; returns the exit status."""
    # The first round prints its own summary; routine INFO lines would bury it.
    quiet_first_round = settings.log_level.upper() == "INFO"
    configure_logging("WARNING" if quiet_first_round else settings.log_level, settings.log_json)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if demo:
        settings.allow_private_networks = True  # the demo portal is on loopback
    with contextlib.ExitStack() as stack:
        sources = stack.enter_context(demo_portal(settings)) if demo else read_sources(settings)
        await asyncio.to_thread(migrate_database, settings.resolved_database_url())
        async with nats_url(settings) as url:
            parts = await build(settings, url, SERVICES, sources)
            try:
                await serve_http(parts, "all", "127.0.0.1", 0)
                http = parts.http.url if parts.http else None
                if http:
                    click.echo(api_banner(http))
                stack.enter_context(up_file(settings.data_dir, url, http))
                status = await _once(parts, sources)
                if once:
                    return status
                # Keep watching: every source again on its interval (jittered), until Ctrl-C.
                configure_logging(settings.log_level, settings.log_json)
                stop = asyncio.Event()
                install_signal_handlers(stop)
                start_background(parts, stop)
                click.echo(
                    f"nianbao keeps watching {len(sources.agencies)} agencies (NATS {url}, data in "
                    f"{settings.data_dir}); Ctrl-C stops. In another terminal: nianbao reports list"
                    + (f"; {api_banner(http)}" if http else "")
                )
                await stop.wait()
                return 0
            finally:
                await shutdown(parts)
    return 0


async def run_service(settings: AppSettings, name: str) -> int:
    """Run one service alone until SIGTERM; the database must already be migrated."""
    configure_logging(settings.log_level, settings.log_json)
    sources = read_sources(settings) if name in ("ingest", "store") else None
    assert settings.nats_url
    parts = await build(settings, settings.nats_url, (name,), sources)
    try:
        await serve_http(parts, name, "0.0.0.0", SERVICE_PORT)  # noqa: S104 (the pod's probes)
        stop = asyncio.Event()
        install_signal_handlers(stop)
        start_background(parts, stop)
        log.info("service %s running", name)
        await stop.wait()
        log.info("service %s stopping: draining messages in flight", name)
    finally:
        await shutdown(parts)
    return 0


async def _once(parts: Components, sources: SourcesFile) -> int:
    assert parts.ingest is not None
    assert parts.store is not None
    assert parts.notify is not None
    notify = parts.notify
    # Instant mail goes out as notify handles each alert, so count what the round sent in all.
    sent_before = (await asyncio.to_thread(notify.counts)).get("sent", 0)
    checks = await parts.ingest.crawl_all(sources)
    drained = await wait_until_idle(parts)
    alerts = await parts.store.check_deadlines()
    drained = await wait_until_idle(parts) and drained
    await asyncio.to_thread(notify.build_digests)
    await notify.send_due()
    sent = (await asyncio.to_thread(notify.counts)).get("sent", 0) - sent_before
    dead = await dead_letter_counts(parts.js)
    _print_summary(parts, checks, alerts, sent, dead)
    await _explain_played_clock(parts)
    if not drained:
        click.echo(
            "nianbao: some events were still being processed when the time ran out", err=True
        )
        return 1
    failed = [c for c in checks if c.status != "ok"]
    if checks and len(failed) == len(checks):
        click.echo(
            f"nianbao: no source was crawled successfully ({len(failed)} blocked, failed or empty)",
            err=True,
        )
        return 1
    return 0


async def _explain_played_clock(parts: Components) -> None:
    """Say why subscribers made after the played time (`--now`) hear nothing of this run."""
    assert parts.notify is not None
    if parts.settings.now is None:
        return
    now = parts.clock()
    later = await asyncio.to_thread(parts.notify.subscribed_after, now)
    if later:
        first = min((s.confirmed_at or s.created_at) for s in later)
        click.echo(
            f"note: {len(later)} subscription(s) were made after the played time "
            f"{now:%Y-%m-%d %H:%M} UTC (from {first:%Y-%m-%d}); a subscriber hears only of "
            "filings first seen after subscribing, so they get no mail from this run. "
            "Subscribe with the same NIANBAO_NOW to play a scenario."
        )


def _print_summary(
    parts: Components, checks: list[Any], alerts: int, sent: int, dead: dict[str, int]
) -> None:
    assert parts.store is not None
    assert parts.notify is not None
    sessions = parts.store.sessions
    statuses = ("ok", "blocked", "failed", "empty")
    by_status = {s: sum(1 for c in checks if c.status == s) for s in statuses}
    click.echo(
        f"crawled {len(checks)} sources ({by_status['ok']} ok, {by_status['blocked']} blocked, "
        f"{by_status['failed']} failed, {by_status['empty']} empty): {sum(c.list_pages for c in checks)} list pages, "
        f"{sum(c.candidates for c in checks)} report-like links, {sum(c.fetched for c in checks)} new or changed "
        f"documents, {sum(c.unchanged for c in checks)} unchanged"
    )
    for health in source_health(sessions):
        if health["status"] != "ok":
            click.echo(f"  source {health['id']}: {health['status']}: {health['last_error']}")
    filings = list_filings(sessions)
    click.echo(f"filings stored: {len(filings)}")
    if filings:
        for line in table(
            ("AGENCY", "YEAR", "KIND", "PUBLISHED", "TITLE"),
            [
                (r["agency"], r["report_year"], r["kind"], r["published"] or "unknown", r["title"])
                for r in filings
            ],
        ):
            click.echo(f"  {line}")
    verdicts = obligation_counts(sessions)
    if verdicts:
        click.echo(
            "obligations: "
            + ", ".join(f"{n} {status}" for status, n in sorted(verdicts.items()))
            + " (an alert goes out only for a deadline that passes while an agency is watched;"
            " see `nianbao compliance --year Y`)"
        )
    from services.store.coverage import registry_summary

    for line in registry_summary(
        sessions,
        now=parts.store.clock(),
        rules=parts.store.rules,
        grace_days=parts.store.grace_days,
    ):
        click.echo(line)
    mail = parts.notify.counts()
    click.echo(
        f"overdue alerts raised: {alerts}; emails sent: {sent}"
        + (f"; waiting: {mail.get('pending', 0)}" if mail.get("pending") else "")
    )
    click.echo(
        "dead letters: " + (", ".join(f"{svc} {n}" for svc, n in dead.items()) if dead else "none")
    )
    click.echo(f"data in {parts.settings.data_dir}; see them with `nianbao reports list`")
