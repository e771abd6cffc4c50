"""A fixture portal of many hosts: one HTTP server answering on many loopback addresses.

Every `127.0.0.x` is a host of its own to the crawler (its own robots.txt, its own politeness
gate), so one server bound to several addresses stands in for several portals: well-behaved ones,
and the troublesome kinds the crawler must survive (slow, looping, oversized, anti-bot). Each
reply is given by host address and request target; every request is logged with its arrival
time, so a test can assert what was fetched, what never was, and the spacing per host.

The server runs its own event loop in a daemon thread, so a test's loop (or a benchmark's) that
sleeps or is busy does not slow the portal down.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus

_MAX_HEAD = 16 * 1024
_CHUNK = 16 * 1024


@dataclass(frozen=True)
class Reply:
    """One HTTP answer. `delay` holds the answer back (a slow server); `unsized` sends no length."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    unsized: bool = False  # no Content-Length: the body ends when the connection closes


def html(text: str, *, charset: str = "utf-8", declared: str | None = None, **kw: object) -> Reply:
    """An HTML page encoded in `charset`, declared as `declared` (default: the same) in the header."""
    content_type = f"text/html; charset={declared or charset}"
    return Reply(body=text.encode(charset), content_type=content_type, **kw)  # type: ignore[arg-type]


def redirect(location: str, status: int = 302) -> Reply:
    """A redirect to `location`."""
    return Reply(status=status, content_type=None, headers=(("Location", location),))


Route = Reply | Callable[[str, str, bytes], Reply]  # (method, target, body) -> Reply


@dataclass(frozen=True)
class Hit:
    """One request the portal received: on which address, what, and when (`time.monotonic()`)."""

    host: str
    method: str
    target: str
    at: float
    user_agent: str


@dataclass
class _Host:
    routes: dict[str, Route] = field(default_factory=dict)


NOT_FOUND = Reply(status=404, body=b"<html><body><h1>404 Not Found</h1></body></html>")


async def _cancel_connections() -> None:
    """End the connections still idling in keep-alive, so the loop closes cleanly."""
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


class HostsPortal:
    """One server on many loopback addresses and one port, in a background thread.

    `add(host, target, reply)` sets what `GET http://host:port<target>` answers; targets are
    matched with their query string, exactly. Unknown targets answer 404 (robots.txt included,
    which RFC 9309 reads as "no rules").
    """

    def __init__(self, hosts: Iterable[str]) -> None:
        self.hosts = {address: _Host() for address in hosts}
        self.hits: list[Hit] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._lock = threading.Lock()

    def add(self, host: str, target: str, reply: Route) -> str:
        """Serve `reply` at `target` on `host`; returns the absolute URL."""
        self.hosts[host].routes[target] = reply
        return self.url(host, target)

    def url(self, host: str, target: str = "/") -> str:
        """The absolute URL of `target` on `host`."""
        return f"http://{host}:{self.port}{target}"

    def requests(self, host: str | None = None) -> list[Hit]:
        """The requests received so far (on one host, or all), in order of arrival."""
        with self._lock:
            return [hit for hit in self.hits if host is None or hit.host == host]

    def targets(self, host: str) -> list[str]:
        """The targets requested on `host`, in order."""
        return [hit.target for hit in self.requests(host)]

    def start(self) -> None:
        """Bind every address to one free port and serve in a daemon thread."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._server = loop.run_until_complete(self._bind())
            except BaseException as exc:  # reported to start() below
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            self._server.close()
            loop.run_until_complete(_cancel_connections())
            loop.close()

        self._thread = threading.Thread(target=run, name="hosts-portal", daemon=True)
        self._thread.start()
        ready.wait(30)
        if failure:
            raise failure[0]

    async def _bind(self) -> asyncio.Server:
        addresses = list(self.hosts)
        for _attempt in range(20):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                probe.bind((addresses[0], 0))
                port = int(probe.getsockname()[1])
            try:
                server = await asyncio.start_server(
                    self._serve, host=addresses, port=port, backlog=1024, reuse_address=True
                )
            except OSError:
                continue  # the port was taken on another address meanwhile
            self.port = port
            return server
        raise OSError("no port free on every fixture address")

    def stop(self) -> None:
        """Stop serving; safe to call twice."""
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._loop = None
        self._thread = None

    def __enter__(self) -> HostsPortal:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = str(writer.get_extra_info("sockname")[0])
        try:
            while await self._one_request(host, reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass  # the portal is stopping: the connection ends here, quietly
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _one_request(
        self, host: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > _MAX_HEAD:
            return False
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = [*lines[0].split(" "), "", ""][:3]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        body = await reader.readexactly(length) if length else b""
        with self._lock:
            self.hits.append(
                Hit(host, method, target, time.monotonic(), headers.get("user-agent", ""))
            )
        route = self.hosts[host].routes.get(target, NOT_FOUND)
        reply = route(method, target, body) if callable(route) else route
        if reply.delay:
            await asyncio.sleep(reply.delay)
        keep_alive = headers.get("connection", "").lower() != "close" and not reply.unsized
        await self._write(writer, reply, method, keep_alive)
        return keep_alive

    @staticmethod
    async def _write(
        writer: asyncio.StreamWriter, reply: Reply, method: str, keep_alive: bool
    ) -> None:
        phrase = (
            HTTPStatus(reply.status).phrase if reply.status in HTTPStatus._value2member_map_ else ""
        )
        head = [f"HTTP/1.1 {reply.status} {phrase}"]
        if reply.content_type:
            head.append(f"Content-Type: {reply.content_type}")
        head += [f"{name}: {value}" for name, value in reply.headers]
        if not reply.unsized:
            head.append(f"Content-Length: {len(reply.body)}")
        head.append("Connection: " + ("keep-alive" if keep_alive else "close"))
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        if method != "HEAD":
            for start in range(0, len(reply.body), _CHUNK):
                writer.write(reply.body[start : start + _CHUNK])
                await writer.drain()
        await writer.drain()
