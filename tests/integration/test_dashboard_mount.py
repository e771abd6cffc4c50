"""A process running store and notify (as `nianbao up` does) serves the dashboard at the root,
notify's pages behind it, and the probes beside them."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from services.health import extra_routes, start_http
from services.runtime import AppSettings, build, migrate_database, shutdown
from shared.embedded_nats import EmbeddedNats
from tests.factories import sources

pytestmark = pytest.mark.integration


async def test_the_dashboard_and_the_subscriber_pages_share_the_root(
    nats_server: EmbeddedNats, database_url: str, tmp_path: Path
) -> None:
    migrate_database(database_url)
    settings = AppSettings(
        data_dir=tmp_path,
        nats_url=nats_server.url,
        database_url=database_url,
        public_url="http://nianbao.test",
    )
    parts = await build(settings, nats_server.url, ("store", "notify"), sources())
    try:
        await start_http(parts, "all", "127.0.0.1", 0, extra_routes(parts))
        assert parts.http is not None
        async with httpx.AsyncClient(base_url=parts.http.url, timeout=10) as client:
            overview = await client.get("/")
            assert overview.status_code == 200
            assert "合规总览" in overview.text
            assert (await client.get("/filings")).status_code == 200
            assert (await client.get("/agencies/km-kjj")).status_code == 200
            assert (await client.get("/static/nianbao.css")).status_code == 200
            subscribe = await client.get("/subscribe")  # notify's, behind the dashboard
            assert subscribe.status_code == 200
            assert 'name="csrf"' in subscribe.text
            assert (await client.get("/unsubscribe", params={"token": "x.y"})).status_code == 400
            assert (await client.get("/healthz")).status_code == 200
            # The read API keeps its documented paths beside the dashboard.
            assert (await client.get("/api/reports")).status_code == 200
            assert (await client.get("/no-such-page")).status_code == 404
    finally:
        await shutdown(parts)
