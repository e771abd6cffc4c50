"""The HTTP endpoints of a service process: readiness checks and the apps mounted beside them.

`/readyz` is ready when NATS is connected, JetStream answers, the database answers (store and
notify) and every durable consumer of the process exists on the server. Extra apps are mounted
when their modules exist (`services.store.api`, the dashboard `services.store.web`,
`services.notify.web`): a process serves the ones of the services it runs.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from starlette.types import ASGIApp

from services.notify.web import create_web
from services.runtime import Components
from services.store.api import create_api
from services.store.web import create_pages
from shared.bus import STREAM_NAME
from shared.db import run_sync
from shared.http import HttpServer, ReadinessCheck, create_app

log = logging.getLogger("nianbao.health")
SERVICE_PORT = 8080


def readiness_checks(parts: Components) -> dict[str, ReadinessCheck]:
    """What must answer for this process to take work."""

    async def nats() -> None:
        connection = parts.broker.connection
        if connection is None or not connection.is_connected:
            raise ConnectionError("not connected to NATS")

    async def jetstream() -> None:
        await parts.js.stream_info(STREAM_NAME)

    checks: dict[str, ReadinessCheck] = {"nats": nats, "jetstream": jetstream}
    if parts.sessions is not None:
        sessions = parts.sessions

        def select_one() -> None:
            with sessions() as session:
                session.execute(text("SELECT 1"))

        async def database() -> None:
            await run_sync(select_one)

        checks["database"] = database
    for name in parts.durables:

        async def consumer(durable: str = name) -> None:
            await parts.js.consumer_info(STREAM_NAME, durable)

        checks[f"consumer:{name}"] = consumer
    return checks


def extra_apps(parts: Components) -> list[tuple[str, ASGIApp]]:
    """The read API under /api (store) and, at the root, the dashboard (store) and the
    subscriber pages (notify); a path the dashboard does not know goes on to notify's pages."""
    apps: list[tuple[str, ASGIApp]] = []
    notify_web = create_web(parts.notify, parts.settings) if parts.notify is not None else None
    if parts.store is not None:
        pages = create_pages(parts.store.sessions, rules=parts.store.rules)
        if notify_web is not None:
            pages.router.default = notify_web
        notify_web = None
        apps.append(("", pages))
        api = create_api(
            parts.store.sessions,
            rules=parts.store.rules,
            grace_days=parts.store.grace_days,
            clock=parts.clock,
        )
        apps.append(("/api", api))
    if notify_web is not None:
        apps.append(("", notify_web))
    return apps


async def start_http(
    parts: Components, service: str, host: str, port: int, apps: list[tuple[str, ASGIApp]]
) -> HttpServer:
    """Serve the probes, the metrics and the extra apps of this process; kept in `parts.http`."""
    server = HttpServer(create_app(service, readiness_checks(parts), apps), host, port)
    await server.start()
    parts.http = server
    return server
