"""The composition root: builds the services from settings and runs them, together or alone.

This is the only module that knows all four services; the services themselves never import each
other. `nianbao up` runs all of them in one process (embedded NATS and SQLite unless configured
otherwise); `nianbao service NAME` runs one, as each Kubernetes Deployment does.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from pydantic import field_validator
from sqlalchemy.orm import Session, sessionmaker

from services.extract import app as extract_app
from services.extract.service import ExtractService
from services.ingest.fetcher import PoliteFetcher
from services.ingest.gate import NatsHostGate
from services.ingest.service import IngestService
from services.ingest.settings import IngestSettings
from services.ingest.state import NatsCrawlState
from services.notify import app as notify_app
from services.notify import migrate as notify_migrate
from services.notify.mailer import SmtpMailer
from services.notify.service import NotifyService
from services.notify.settings import NotifySettings
from services.store import app as store_app
from services.store import migrate as store_migrate
from services.store.deadlines import load_deadlines
from services.store.service import StoreService
from services.store.settings import StoreSettings
from shared.blobs import NatsBlobStore
from shared.bus import (
    BLOB_BUCKET,
    STREAM_NAME,
    ensure_stream,
    publish_event,
    publish_raw,
    update_consumer_gauges,
)
from shared.clock import Clock, make_clock
from shared.connect import connect_broker
from shared.consume import Route
from shared.db import make_engine, session_factory
from shared.errors import ConfigurationError
from shared.events import Event
from shared.http import HttpServer
from shared.sources import SourcesFile, load_sources

log = logging.getLogger("nianbao.runtime")
SERVICES = ("ingest", "extract", "store", "notify")


CONSUMING = ("extract", "store", "notify")  # the services with a durable consumer


class AppSettings(IngestSettings, NotifySettings, StoreSettings):
    """Every setting of every service: what `nianbao up` needs to run them all."""

    # `nianbao service`: unset means 8080 on every interface (the probes' port in Kubernetes).
    # `nianbao up`: unset means a free port on 127.0.0.1, written to $NIANBAO_DATA_DIR/up.json.
    # 0 asks for a free port; -1 serves no HTTP at all.
    http_port: int | None = None
    http_host: str | None = None

    @field_validator("http_port")
    @classmethod
    def _check_port(cls, value: int | None) -> int | None:
        if value is not None and not -1 <= value <= 65535:
            raise ValueError(
                f"must be a port 0-65535 (0: any free port) or -1 (no HTTP), got {value}"
            )
        return value


@dataclass
class Components:
    """The built services of one process, with what they run on."""

    settings: AppSettings
    clock: Clock
    broker: NatsBroker
    js: JetStreamContext
    sources: SourcesFile | None
    ingest: IngestService | None = None
    extract: ExtractService | None = None
    store: StoreService | None = None
    notify: NotifyService | None = None
    sessions: sessionmaker[Session] | None = None
    routes: dict[str, Mapping[str, Route]] = field(default_factory=dict)
    durables: tuple[str, ...] = ()
    http: HttpServer | None = None
    background: list[asyncio.Task[Any]] = field(default_factory=list)


def migrate_database(database_url: str) -> dict[str, list[str]]:
    """Create or upgrade every service's tables (`nianbao db upgrade`); what each applied."""
    return {
        "store": store_migrate.upgrade(database_url),
        "notify": notify_migrate.upgrade(database_url),
    }


def read_sources(settings: AppSettings) -> SourcesFile:
    """The sources file named by NIANBAO_SOURCES."""
    if settings.sources is None:
        raise ConfigurationError(
            "no sources file: set NIANBAO_SOURCES=path/to/sources.yaml (or run `nianbao up --demo`)"
        )
    return load_sources(Path(settings.sources))


async def build(
    settings: AppSettings,
    url: str,
    which: tuple[str, ...],
    sources: SourcesFile | None,
    *,
    durables: tuple[str, ...] | None = None,
) -> Components:
    """Connect to NATS, provision the stream, build the named services and register their consumers.

    `durables` names the services that consume through their durable consumer (default: all of
    `which`); the others are built with their routes only, for a replay to drive them.
    """
    consuming = tuple(which if durables is None else durables)
    clock = make_clock(settings.now)
    broker = await connect_broker(settings, url)
    js = broker.connection.jetstream()
    await ensure_stream(js)
    blobs = NatsBlobStore(js, BLOB_BUCKET)

    async def publish(subject: str, event: Event) -> None:
        await publish_event(broker, subject, event)

    async def publish_serialised(subject: str, event_id: str, payload: str) -> None:
        await publish_raw(broker, subject, event_id, payload)

    parts = Components(settings=settings, clock=clock, broker=broker, js=js, sources=sources)
    parts.durables = tuple(name for name in CONSUMING if name in which and name in consuming)
    needs_db = {"store", "notify"} & set(which)
    sessions = session_factory(make_engine(settings.resolved_database_url())) if needs_db else None
    parts.sessions = sessions

    def register(name: str, routes: Mapping[str, Route], wire: Callable[[], None]) -> None:
        # Every service built here has its routes (a replay settles with them); only the
        # consuming ones subscribe.
        parts.routes[name] = routes
        if name in parts.durables:
            wire()

    if "ingest" in which:
        parts.ingest = IngestService(
            # Alone (`nianbao service ingest`), replicas may share hosts: politeness goes
            # through NATS. In one process (`nianbao up`) the local gate is exact and cheaper.
            fetcher=PoliteFetcher(
                settings, gate=NatsHostGate(js) if which == ("ingest",) else None
            ),
            blobs=blobs,
            state=NatsCrawlState(js),
            publish=publish,
            clock=clock,
            concurrency=settings.crawl_concurrency,
        )
    if "extract" in which:
        parts.extract = ExtractService(blobs=blobs, publish=publish, clock=clock)
        extract_service = parts.extract
        register(
            "extract",
            extract_app.routes(extract_service),
            lambda: extract_app.register(
                broker, extract_service, clock, ack_wait=settings.ack_wait_seconds
            ),
        )
    if "store" in which:
        assert sessions is not None
        parts.store = StoreService(
            sessions=sessions,
            publish=publish_serialised,
            clock=clock,
            grace_days=settings.grace_days,
            rules=load_deadlines(settings.deadlines),
            commit_linger=settings.store_commit_linger_ms / 1000,
        )
        if sources is not None:
            await asyncio.to_thread(parts.store.sync_agencies, sources)
        store_service = parts.store
        register(
            "store",
            store_app.routes(store_service),
            lambda: store_app.register(
                broker, store_service, clock, ack_wait=settings.ack_wait_seconds
            ),
        )
    if "notify" in which:
        assert sessions is not None
        mailer = None
        if settings.smtp_host:
            mailer = SmtpMailer(
                settings.smtp_host,
                settings.smtp_port,
                username=settings.smtp_user,
                password=settings.smtp_password.get_secret_value()
                if settings.smtp_password
                else None,
                starttls=settings.smtp_starttls,
                use_tls=settings.smtp_tls,
            )
        parts.notify = NotifyService(
            sessions=sessions,
            mailer=mailer,
            clock=clock,
            sender=settings.smtp_from,
            public_url=settings.public_url,
            secret_key=settings.secret_key.get_secret_value() if settings.secret_key else None,
        )
        notify_service = parts.notify
        register(
            "notify",
            notify_app.routes(notify_service),
            lambda: notify_app.register(
                broker, notify_service, clock, ack_wait=settings.ack_wait_seconds
            ),
        )
    await broker.start()
    return parts


async def consumers_idle(js: JetStreamContext, durables: list[str]) -> bool:
    """True when no consumer has a message waiting or unacknowledged."""
    for name in durables:
        try:
            info = await js.consumer_info(STREAM_NAME, name)
        except NotFoundError:
            continue
        if (info.num_pending or 0) > 0 or (info.num_ack_pending or 0) > 0:
            return False
    return True


async def wait_until_idle(parts: Components, limit_seconds: float = 600.0) -> bool:
    """Wait until every consumer is drained and the store's outbox is empty, twice in a row."""
    durables = list(parts.durables)
    deadline = asyncio.get_running_loop().time() + limit_seconds
    quiet = 0
    while asyncio.get_running_loop().time() < deadline:
        idle = await consumers_idle(parts.js, durables)
        if idle and parts.store is not None:
            idle = await asyncio.to_thread(parts.store.pending_outbox_count) == 0
        quiet = quiet + 1 if idle else 0
        if quiet >= 3:
            return True
        await asyncio.sleep(0.3)
    return False


async def dead_letter_counts(js: JetStreamContext) -> dict[str, int]:
    """How many dead letters each service has published."""
    info = await js.stream_info(STREAM_NAME, subjects_filter="nianbao.dlq.>")
    subjects = info.state.subjects or {}
    return {subject.split(".")[2]: int(count) for subject, count in subjects.items()}


async def periodic(interval: float, action: Any, name: str) -> None:
    """Run `action()` every `interval` seconds, logging and surviving its failures."""
    while True:
        try:
            await action()
        except Exception:
            log.exception("%s failed; will try again in %ss", name, interval)
        await asyncio.sleep(interval)


def start_background(parts: Components, stop: asyncio.Event) -> None:
    """The loops a long-running process keeps going besides its consumers."""
    from services.ops.advisories import collect_advisories

    settings = parts.settings
    if parts.durables:

        async def lag() -> None:
            await update_consumer_gauges(parts.js, parts.durables)

        async def advisories() -> None:
            await collect_advisories(parts.js, parts.broker, parts.clock)

        parts.background.append(asyncio.create_task(periodic(10.0, lag, "consumer lag")))
        parts.background.append(
            asyncio.create_task(periodic(30.0, advisories, "advisory collection"))
        )
    if parts.ingest is not None and parts.sources is not None:
        parts.background.append(asyncio.create_task(parts.ingest.run_schedule(parts.sources, stop)))
    if parts.store is not None:
        parts.background.append(
            asyncio.create_task(periodic(5.0, parts.store.relay_outbox, "outbox relay"))
        )
        parts.background.append(
            asyncio.create_task(
                periodic(
                    settings.deadline_check_minutes * 60,
                    parts.store.check_deadlines,
                    "deadline check",
                )
            )
        )
    if parts.notify is not None:
        parts.background.append(
            asyncio.create_task(parts.notify.run_delivery_loop(settings.delivery_interval_seconds))
        )


async def shutdown(parts: Components) -> None:
    """Stop fetching, let in-flight messages finish, close connections."""
    began = time.monotonic()
    for task in parts.background:
        task.cancel()
    for task in parts.background:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    background = time.monotonic()
    try:
        await parts.broker.stop()  # stops fetching, waits up to DRAIN_SECONDS for in-flight ones
    except Exception as exc:  # NATS unreachable: nothing to drain into, but we must still exit
        log.warning("NATS connection not closed cleanly: %r", exc)
    drained = time.monotonic()
    if parts.ingest is not None:
        await parts.ingest.fetcher.close()
    if parts.notify is not None and isinstance(parts.notify.mailer, SmtpMailer):
        await parts.notify.mailer.aclose()
    if parts.http is not None:  # last: /healthz keeps answering while the consumers drain
        await parts.http.stop()
        parts.http = None
    ended = time.monotonic()
    log.info(
        "stopped in %.1f s (background loops %.1f s, consumers %.1f s, connections %.1f s)",
        ended - began,
        background - began,
        drained - background,
        ended - drained,
    )


def install_signal_handlers(stop: asyncio.Event) -> None:
    """SIGTERM and SIGINT set `stop`, so the process drains instead of dying mid-message.

    SIGUSR1 logs what every task and thread is doing (`kill -USR1 PID` on a stuck service).
    """
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError):
        loop.add_signal_handler(signal.SIGUSR1, log_what_runs)


def log_what_runs() -> None:
    """Log the stack of every asyncio task and every thread (for a service that seems stuck)."""
    lines = []
    for task in asyncio.all_tasks():
        out = io.StringIO()
        task.print_stack(limit=12, file=out)
        lines.append(out.getvalue())
    frames = sys._current_frames()
    for thread in threading.enumerate():
        frame = frames.get(thread.ident or -1)
        if frame is not None:
            stack = "".join(traceback.format_stack(frame, limit=12))
            lines.append(f"Thread {thread.name}:\n{stack}")
    log.warning("what runs now (%d tasks and threads):\n%s", len(lines), "\n".join(lines))
