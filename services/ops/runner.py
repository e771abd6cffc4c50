"""Running operators' commands against the right NATS: configured, `nianbao up`'s, or embedded.

With NIANBAO_NATS_URL, commands use it. Without it, a `nianbao up` running on the same data dir
is used through the URL it announced (two nats-servers must never share one store directory);
with nothing running, an embedded server is started for the duration of the command, and a
replay then also runs the services downstream of the replayed one, so its effects land before
it returns (as `nianbao up` would process them).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

from services.ops.replay import (
    Progress,
    ReplayRequest,
    ReplayResult,
    filings_recorded_since,
    replay,
    wait_for_consumer,
)
from services.runtime import AppSettings, build, migrate_database, shutdown, wait_until_idle
from services.up import running_up
from shared.connect import nats_url
from shared.errors import ConfigurationError

DOWNSTREAM = {"extract": ("store", "notify"), "store": ("notify",), "notify": ()}


@contextlib.asynccontextmanager
async def ops_nats(settings: AppSettings) -> AsyncIterator[tuple[str, bool]]:
    """The NATS URL to use, and whether this command is alone (it started the server itself)."""
    if settings.nats_url:
        yield settings.nats_url, False
        return
    running = running_up(settings.data_dir)
    if running is not None:
        yield str(running["nats_url"]), False
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with nats_url(settings) as url:
        yield url, True


async def run_replay(
    settings: AppSettings, request: ReplayRequest, progress: Progress | None = None
) -> ReplayResult:
    """Replay as asked, wait for the effects downstream, and gather what changed."""
    if request.resend and request.service != "notify":
        raise ConfigurationError("--resend only applies to --service notify")
    async with ops_nats(settings) as (url, alone):
        if alone:
            await asyncio.to_thread(migrate_database, settings.resolved_database_url())
        downstream = DOWNSTREAM[request.service] if alone and not request.dry_run else ()
        which = (request.service, *downstream)
        parts = await build(settings, url, which, None, durables=downstream)
        try:
            routes = parts.routes[request.service]
            resent = [0]
            if request.resend and not request.dry_run:
                from services.ops.resend import resending_routes

                assert parts.notify is not None
                routes = resending_routes(
                    routes,
                    parts.notify.sessions,
                    parts.notify.send_due,
                    parts.clock,
                    uuid.uuid4().hex[:12],
                    resent,
                )
            result = await replay(parts.js, parts.broker, routes, request, parts.clock, progress)
            result.resent = resent[0]
            if request.dry_run:
                return result
            if alone:
                await wait_until_idle(parts)
            elif request.service == "extract":
                with contextlib.suppress(Exception):  # no store consumer yet: nothing to wait for
                    await wait_for_consumer(parts.js, "store")
            if request.service in ("extract", "store"):
                result.recorded = await filings_recorded_since(parts.js, result.end_seq)
            return result
        finally:
            await shutdown(parts)
