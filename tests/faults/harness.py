"""Running nianbao as separate service processes and breaking what they depend on.

`Cluster` starts the four `nianbao service` processes against a real nats-server, a database
reached through a `TcpProxy` (so a test can cut it), an aiosmtpd server and a generated portal;
it can kill -9 and restart any of them, and read what the system has recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
from sqlalchemy import create_engine, func, select, text

from services.store.db.models import Filing
from shared.db import normalise_url
from shared.embedded_nats import EmbeddedNats, free_port
from tests.e2e.command import nianbao_command, run
from tests.smtp import SmtpServer

SERVICES = ("ingest", "extract", "store", "notify")
SOAK = float(os.environ.get("NIANBAO_SOAK", "1"))  # >1 for longer soak runs
STOP_GRACE_SECONDS = 45.0  # what the pods give a stopping service (deploy/, > DRAIN_SECONDS)


class TcpProxy:
    """A loopback TCP proxy that can be cut (connections dropped, new ones refused) and restored.

    It forwards on an event loop of its own thread: the harness blocks the test's loop at times
    (`Cluster.stop_all` waits for the processes), and a proxy on that loop would then freeze the
    database for the very services being asked to finish their work and stop.
    """

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.server: asyncio.base_events.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="tcp-proxy", daemon=True
        )
        self._thread.start()

    async def start(self) -> None:
        await self._on_proxy_loop(self._start())

    async def cut(self) -> None:
        await self._on_proxy_loop(self._cut())

    def close(self) -> None:
        """Stop the proxy's thread (after `cut`)."""
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    async def _on_proxy_loop(self, work: Coroutine[Any, Any, None]) -> None:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, self._loop))

    async def _start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def _cut(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
        for writer in list(self.writers):
            writer.close()
        self.writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers.discard(writer)
        self.writers.discard(up_writer)


@dataclass
class Cluster:
    """Four service processes and the knobs to break them."""

    workdir: Path
    nats: EmbeddedNats
    database_url: str  # as the services reach it (through the proxy)
    direct_database_url: str  # as the test reads it
    sources: Path
    smtp: SmtpServer
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    kills: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SERVICES, 0))
    stuck: dict[str, str] = field(default_factory=dict)  # services killed after not stopping

    def __post_init__(self) -> None:
        base = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
        self.env = {
            **base,
            "NIANBAO_DATA_DIR": str(self.workdir / "var"),
            "NIANBAO_NATS_URL": self.nats.url,
            "NIANBAO_DATABASE_URL": self.database_url,
            "NIANBAO_SOURCES": str(self.sources),
            "NIANBAO_ALLOW_PRIVATE_NETWORKS": "1",
            "NIANBAO_SMTP_HOST": "127.0.0.1",
            "NIANBAO_SMTP_PORT": str(self.smtp.port),
            "NIANBAO_SMTP_FROM": "alerts@nianbao.test",
            "NIANBAO_NOW": "2025-06-01",
            "NIANBAO_ACK_WAIT_SECONDS": "5",
            "NIANBAO_DEADLINE_CHECK_MINUTES": "0.1",
            "NIANBAO_DELIVERY_INTERVAL_SECONDS": "2",
            "NIANBAO_LOG_JSON": "1",
        }

    def cli(self, *args: str, now: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {**self.env, "NIANBAO_DATABASE_URL": self.direct_database_url}
        if now:
            env["NIANBAO_NOW"] = now
        result = run(list(args), env, self.workdir)
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def start(self, name: str) -> None:
        log = (self.workdir / f"{name}.log").open("ab")
        env = {**self.env, "NIANBAO_HTTP_PORT": str(free_port())}
        self.processes[name] = subprocess.Popen(
            [*nianbao_command(), "service", name],
            env=env,
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def start_all(self) -> None:
        for name in SERVICES:
            self.start(name)

    def kill(self, name: str) -> None:
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        self.kills[name] += 1

    def stop_all(self, timeout: float = STOP_GRACE_SECONDS) -> dict[str, int | None]:
        """SIGTERM every service; the exit codes (None: still running after `timeout`, killed).

        A service that does not stop in time is asked (SIGUSR1) to log what it is doing before it
        is killed; `stuck` then holds the tail of its log.
        """
        began = time.monotonic()
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes: dict[str, int | None] = {}
        for name, process in self.processes.items():
            try:
                codes[name] = process.wait(timeout=max(0.1, began + timeout - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGUSR1)
                time.sleep(2)
                process.kill()
                process.wait()
                codes[name] = None
                self.stuck[name] = (self.workdir / f"{name}.log").read_text(errors="replace")[
                    -6000:
                ]
        return codes

    def crashed(self) -> dict[str, str]:
        """Services that exited on their own, with the tail of their log."""
        return {
            name: (self.workdir / f"{name}.log").read_text(errors="replace")[-3000:]
            for name, process in self.processes.items()
            if process.poll() is not None
        }

    # ---- what the system recorded ----------------------------------------------------------------
    def filings(self) -> int:
        engine = create_engine(normalise_url(self.direct_database_url))
        try:
            with engine.connect() as conn:
                return int(conn.execute(select(func.count()).select_from(Filing)).scalar() or 0)
        except Exception:
            return -1
        finally:
            engine.dispose()

    def sources_checked_ok(self) -> int:
        engine = create_engine(normalise_url(self.direct_database_url))
        try:
            with engine.connect() as conn:
                return int(
                    conn.execute(
                        text("SELECT count(*) FROM sources WHERE last_success_at IS NOT NULL")
                    ).scalar()
                    or 0
                )
        except Exception:
            return -1
        finally:
            engine.dispose()

    async def bus_state(self) -> dict[str, Any]:
        """Pending and unacknowledged messages per consumer, and dead letters per service."""
        client = await nats.connect(self.nats.url, connect_timeout=3, max_reconnect_attempts=0)
        try:
            js = client.jetstream()
            consumers = {
                c.name: (c.num_pending or 0, c.num_ack_pending or 0)
                for c in await js.consumers_info("NIANBAO")
            }
            info = await js.stream_info("NIANBAO", subjects_filter="nianbao.dlq.>")
            return {"consumers": consumers, "dead_letters": dict(info.state.subjects or {})}
        finally:
            await client.close()


async def wait_for(condition: Any, within: float, interval: float = 1.0) -> bool:
    """Poll `condition()` (sync or async) until it is true or `within` seconds pass."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return True
        await asyncio.sleep(interval)
    return False
