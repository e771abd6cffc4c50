"""Connecting to NATS: the configured server with its credentials, or an embedded one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from faststream.nats import NatsBroker

from shared.bus import DRAIN_SECONDS
from shared.embedded_nats import EmbeddedNats
from shared.settings import CommonSettings

log = logging.getLogger("nianbao.connect")


def broker_for(settings: CommonSettings, url: str) -> NatsBroker:
    """A broker with the configured credentials, reconnecting forever on its own."""
    options: dict[str, Any] = {
        "max_reconnect_attempts": -1,
        "reconnect_time_wait": 1.0,
        "connect_timeout": 5.0,
    }
    if settings.nats_user:
        options["user"] = settings.nats_user
        options["password"] = (
            settings.nats_password.get_secret_value() if settings.nats_password else None
        )
    if settings.nats_token:
        options["token"] = settings.nats_token.get_secret_value()
    # FastStream logs every message at `log_level`; keep that at DEBUG, through our formatter.
    # `graceful_timeout`: on stop, FastStream stops fetching and waits this long for the messages
    # in flight to be settled before it cancels them (a cancelled one is redelivered later).
    return NatsBroker(
        url,
        logger=logging.getLogger("nianbao.faststream"),
        log_level=logging.DEBUG,
        graceful_timeout=DRAIN_SECONDS,
        **options,
    )


@contextlib.asynccontextmanager
async def nats_url(settings: CommonSettings) -> AsyncIterator[str]:
    """The configured NATS URL, or an embedded server's for the duration of the block."""
    if settings.nats_url:
        yield settings.nats_url
        return
    server = EmbeddedNats(settings.data_dir / "nats")
    url = await asyncio.to_thread(server.start)
    log.info("embedded nats-server started at %s (store %s)", url, server.store_dir)
    try:
        yield url
    finally:
        await asyncio.to_thread(server.stop)
