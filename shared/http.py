"""The HTTP side of a service process: `/healthz`, `/readyz`, `/metrics`, and mounted extra apps.

A small Starlette app served by uvicorn inside the process's own asyncio loop (no thread, no
second process), so readiness checks look at the very connections the consumers use.

    /healthz   200 while the event loop answers: the process is alive (liveness probe)
    /readyz    200 when every readiness check passes within its timeout, else 503 with the
               failing checks and why (readiness probe: NATS and JetStream reachable, database
               reachable where used, consumer bound)
    /metrics   Prometheus text format (`shared.metrics`)

Other routes (the read API, the unsubscribe page) are served beside these through `extra_routes`,
each with its full path: mounting apps at prefixes let one (`/api`) hide another's routes
(`POST /api/subscriptions`).
The socket is bound before serving so that a port in use is a clear ConfigurationError, not
uvicorn's `sys.exit`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from shared.errors import ConfigurationError
from shared.metrics import exposition

log = logging.getLogger("nianbao.http")

ReadinessCheck = Callable[[], Awaitable[None]]  # raises (any exception) when not ready
CHECK_TIMEOUT_SECONDS = 3.0
METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


async def run_checks(checks: Mapping[str, ReadinessCheck]) -> dict[str, str]:
    """Run the checks concurrently; maps each name to "ok" or the reason it failed."""

    async def one(check: ReadinessCheck) -> str:
        try:
            await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
        except TimeoutError:
            return f"no answer within {CHECK_TIMEOUT_SECONDS:g}s"
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"[:300] or type(exc).__name__
        return "ok"

    names = list(checks)
    results = await asyncio.gather(*(one(checks[name]) for name in names))
    return dict(zip(names, results, strict=True))


def create_app(
    service: str,
    checks: Mapping[str, ReadinessCheck],
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The service's HTTP app: probes and metrics, plus the extra routes (full paths)."""

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "alive", "service": service})

    async def readyz(_: Request) -> Response:
        results = await run_checks(checks)
        ready = all(result == "ok" for result in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "service": service, "checks": results},
            status_code=200 if ready else 503,
        )

    async def metrics(_: Request) -> Response:
        return PlainTextResponse(exposition(), media_type=METRICS_CONTENT_TYPE)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/readyz", readyz, methods=["GET", "HEAD"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    return Starlette(routes=[*routes, *extra_routes])


class _LoopServer(uvicorn.Server):
    """uvicorn without its own signal handling: the process's SIGTERM handler decides."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class HttpServer:
    """Serves an ASGI app on host:port inside the running loop until `stop()`."""

    def __init__(self, app: ASGIApp, host: str, port: int):
        self.app = app
        self.host = host
        self.requested_port = port
        self.port: int | None = None
        self._server: _LoopServer | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """The base URL (with the bound port, also when port 0 asked for a free one)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Bind the port (ConfigurationError if it is taken) and start serving."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.requested_port))
        except OSError as exc:
            sock.close()
            raise ConfigurationError(
                f"cannot serve HTTP on {self.host}:{self.requested_port}: {exc.strerror}; "
                "set NIANBAO_HTTP_PORT to a free port"
            ) from exc
        sock.listen(128)
        sock.setblocking(False)
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self.app, log_config=None, access_log=False, lifespan="off", log_level="warning"
        )
        self._server = _LoopServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        # uvicorn only exposes a `started` flag, no event to wait on.
        while not self._server.started and not self._task.done():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        if self._task.done():
            self._task.result()  # raises what stopped it
        log.info("serving /healthz /readyz /metrics at %s", self.url)

    async def stop(self, grace_seconds: float = 5.0) -> None:
        """Stop accepting, let open requests finish (briefly), close the socket."""
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace_seconds)
        except TimeoutError:
            self._server.force_exit = True
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self._task, 2.0)
        self._server = None
        self._task = None
