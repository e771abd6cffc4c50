"""Each service process serves /healthz, /readyz and /metrics, and says why it is not ready."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.health import start_http
from services.runtime import AppSettings, Components, build, migrate_database, shutdown
from shared.bus import publish_event
from shared.embedded_nats import EmbeddedNats
from shared.errors import ConfigurationError
from shared.events import SOURCE_CHECKED
from shared.http import HttpServer, create_app
from tests.factories import source_checked, sources

pytestmark = pytest.mark.integration


@pytest.fixture
async def store_process(
    nats_server: EmbeddedNats, database_url: str, tmp_path: Path
) -> AsyncIterator[Components]:
    migrate_database(database_url)
    settings = AppSettings(data_dir=tmp_path, nats_url=nats_server.url, database_url=database_url)
    parts = await build(settings, nats_server.url, ("store",), sources())
    await start_http(parts, "store", "127.0.0.1", 0, [])
    yield parts
    await shutdown(parts)


async def test_a_running_store_is_alive_ready_and_counts_what_it_processes(
    store_process: Components, nats_server: EmbeddedNats
) -> None:
    assert store_process.http is not None
    base = store_process.http.url
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        alive = await client.get("/healthz")
        assert (alive.status_code, alive.json()) == (200, {"status": "alive", "service": "store"})
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {
            "nats": "ok",
            "jetstream": "ok",
            "database": "ok",
            "consumer:store": "ok",
        }

        def processed(text: str) -> float:
            wanted = (
                'nianbao_events_processed_total{service="store",'
                'subject="nianbao.source.checked.v1"} '
            )
            lines = [line for line in text.splitlines() if line.startswith(wanted)]
            return float(lines[0].split()[-1]) if lines else 0.0

        before = processed((await client.get("/metrics")).text)
        await publish_event(store_process.broker, SOURCE_CHECKED, source_checked())
        for _ in range(100):
            metrics = await client.get("/metrics")
            if processed(metrics.text) == before + 1:
                break
            await asyncio.sleep(0.1)
        assert processed(metrics.text) == before + 1
        assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
        assert "nianbao_event_processing_seconds_bucket" in metrics.text

        # NATS goes away: still alive, no longer ready, and the answer says why.
        nats_server.stop()
        not_ready = await client.get("/readyz")
        assert not_ready.status_code == 503
        checks = not_ready.json()["checks"]
        assert checks["database"] == "ok"
        assert checks["nats"] == "ConnectionError: not connected to NATS"
        assert (await client.get("/healthz")).status_code == 200


async def test_extra_routes_are_served_beside_the_probes() -> None:
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    routes = [
        Route("/api/filings", lambda _: PlainTextResponse("api")),
        Route("/api/subscriptions", lambda _: PlainTextResponse("web"), methods=["POST"]),
    ]
    server = HttpServer(create_app("all", {}, routes), "127.0.0.1", 0)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            assert (await client.get("/api/filings")).text == "api"
            assert (await client.post("/api/subscriptions")).text == "web"
            assert (await client.get("/healthz")).json()["status"] == "alive"
            assert (await client.get("/readyz")).json() == {
                "status": "ready",
                "service": "all",
                "checks": {},
            }
    finally:
        await server.stop()


async def test_a_port_in_use_is_a_clear_configuration_error() -> None:
    first = HttpServer(create_app("a", {}), "127.0.0.1", 0)
    await first.start()
    try:
        assert first.port is not None
        second = HttpServer(create_app("b", {}), "127.0.0.1", first.port)
        with pytest.raises(
            ConfigurationError, match=f"cannot serve HTTP on 127.0.0.1:{first.port}"
        ):
            await second.start()
    finally:
        await first.stop()
