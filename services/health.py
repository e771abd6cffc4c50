"""The HTTP endpoints of a service process: readiness checks and the apps mounted beside them.

`/readyz` is ready when NATS is connected, JetStream answers, the database answers (store and
notify) and every durable consumer of the process exists on the server. The routes of the read
API (`services.store.api`) and of notify's pages (`services.notify.web`) are served beside the
probes, each with its full path, for the services the process runs; the store's dashboard
(`services.store.web`) takes every other path, so it is mounted last.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from starlette.routing import BaseRoute, Mount

from services.notify.web import web_routes
from services.runtime import Components
from services.store.api import api_routes
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


def extra_routes(parts: Components) -> list[BaseRoute]:
    """The read API (store: /api/reports, ...), the subscriber pages (notify: /unsubscribe,
    /subscribe, POST /api/subscriptions, ...) and the dashboard (store) of the services this
    process runs."""
    routes: list[BaseRoute] = []
    if parts.store is not None:
        routes += api_routes(
            parts.store.sessions,
            rules=parts.store.rules,
            grace_days=parts.store.grace_days,
            clock=parts.clock,
        )
    if parts.notify is not None:
        routes += web_routes(parts.notify, parts.settings)
    if parts.store is not None:
        pages = create_pages(parts.store.sessions, rules=parts.store.rules)
        routes.append(Mount("", app=pages))  # the dashboard: /, /regions/…, /filings/…, /feeds/…
    return routes


async def start_http(
    parts: Components, service: str, host: str, port: int, routes: list[BaseRoute]
) -> HttpServer:
    """Serve the probes, the metrics and the extra routes of this process; kept in `parts.http`."""
    server = HttpServer(create_app(service, readiness_checks(parts), routes), host, port)
    await server.start()
    parts.http = server
    return server
