"""Connecting to NATS: the configured server with its credentials, or an embedded one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from faststream.nats import NatsBroker
from faststream.nats.security import (
    NatsCredentials,
    NatsNKey,
    NatsSecurity,
    NatsToken,
    NatsUserPassword,
)
from nats.errors import Error as NatsError

from shared.bus import DRAIN_SECONDS
from shared.embedded_nats import EmbeddedNats
from shared.errors import DependencyUnavailable
from shared.settings import CommonSettings

log = logging.getLogger("nianbao.connect")
CONNECT_SECONDS = 5.0  # the first connection: an unreachable server is an error, not a wait


def redact_url(url: str) -> str:
    """The URL(s) without a user or password, fit for a message."""
    return ",".join(
        urlsplit(one.strip())
        ._replace(netloc=urlsplit(one.strip()).netloc.rpartition("@")[2])
        .geturl()
        for one in url.split(",")
    )


def nats_security(settings: CommonSettings) -> NatsSecurity | None:
    """How to authenticate to NATS, and over TLS when a CA or client certificate is given.

    One method at a time, the strongest given first: a credentials file (JWT + NKEY, as NGS and
    operator-mode servers issue), an NKEY seed file, a user and password, a token.
    """
    context: ssl.SSLContext | None = None
    if settings.nats_tls_ca or settings.nats_tls_cert:
        context = ssl.create_default_context(
            cafile=str(settings.nats_tls_ca) if settings.nats_tls_ca else None
        )
        if settings.nats_tls_cert:
            context.load_cert_chain(
                str(settings.nats_tls_cert),
                str(settings.nats_tls_key) if settings.nats_tls_key else None,
            )
    if settings.nats_credentials:
        return NatsCredentials.from_file(settings.nats_credentials, ssl_context=context)
    if settings.nats_nkey_seed:
        return NatsNKey(settings.nats_nkey_seed, ssl_context=context)
    if settings.nats_user:
        password = settings.nats_password.get_secret_value() if settings.nats_password else ""
        return NatsUserPassword(settings.nats_user, password, ssl_context=context)
    if settings.nats_token:
        return NatsToken(settings.nats_token.get_secret_value(), ssl_context=context)
    if context is not None:
        return NatsSecurity(ssl_context=context)
    return None


async def log_tls_failure(error: Exception) -> None:
    """Say why TLS to NATS fails: nats-py retries a bad certificate forever, FastStream silently."""
    if isinstance(error, ssl.SSLError):
        log.warning("TLS to NATS failed: %s", error)


def broker_for(settings: CommonSettings, url: str) -> NatsBroker:
    """A broker with the configured credentials and TLS, reconnecting forever on its own."""
    options: dict[str, Any] = {
        "max_reconnect_attempts": -1,
        "reconnect_time_wait": 1.0,
        "connect_timeout": 5.0,
        "security": nats_security(settings),
        "error_cb": log_tls_failure,
    }
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


async def connect_broker(
    settings: CommonSettings, url: str, limit_seconds: float = CONNECT_SECONDS
) -> NatsBroker:
    """A connected broker, or DependencyUnavailable naming the URL within `limit_seconds`.

    Once connected the broker reconnects forever (a NATS restart is waited out), but nats-py
    would also retry the first connection forever: a wrong or unreachable URL would hang the
    command without a word.
    """
    broker = broker_for(settings, url)
    try:
        await asyncio.wait_for(broker.connect(), limit_seconds)
    except (TimeoutError, OSError, NatsError) as exc:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(broker.stop(), 2.0)
        reason = (
            f"no answer within {limit_seconds:g} s" if isinstance(exc, TimeoutError) else str(exc)
        )
        raise DependencyUnavailable(
            f"cannot connect to NATS at {redact_url(url)} ({reason}); check NIANBAO_NATS_URL"
        ) from None
    return broker


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
