"""Hostile HTTP answers through the crawler's fetcher, served by a real server on loopback.

Every case ends as a FetchError subclass that says why (or, for junk served as HTML, as a body
the extractor rejects), never as another exception, and within a bounded time. The portal's host
names go through a fake resolver that says "public"; a transport pins every connection to the
loopback server, so redirects to 127.0.0.1, 169.254.169.254 and [::1] are judged by the
fetcher's own address checks while nothing ever leaves the machine.
"""

from __future__ import annotations

import asyncio
import gzip
import random
import socket
import threading
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from services.extract.core import Document, extract_document
from services.ingest.fetch_types import Blocked, FetchError, Refused
from services.ingest.fetcher import PoliteFetcher
from services.ingest.settings import IngestSettings

pytestmark = pytest.mark.integration

PORTAL = "portal.example.gov.cn"
RESOLVER = {PORTAL: ["202.96.128.86"], "intranet.example.gov.cn": ["10.1.2.3"],
            "metadata.example.gov.cn": ["169.254.169.254"], "v6.example.gov.cn": ["::1"],
            "mapped.example.gov.cn": ["::ffff:127.0.0.1"]}  # fmt: skip
CAP = 256 * 1024
INFLATED = 64 * 1024 * 1024  # the gzip bomb's inflated size: 256 times the cap
SECRET = b"ami-id: i-0123456789 (metadata service)"


def _gzip_bomb() -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    zeros = bytes(1024 * 1024)
    parts = [compressor.compress(zeros) for _ in range(INFLATED // len(zeros))]
    return b"".join(parts) + compressor.flush()


BOMB = _gzip_bomb()


class Handler(BaseHTTPRequestHandler):
    """The hostile portal; the path picks the misbehaviour."""

    protocol_version = "HTTP/1.1"
    seen: list[str]

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if "Content-Length" not in (headers or {}) and "Transfer-Encoding" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        host = self.headers.get("Host", "")
        self.server.seen.append(f"{host}{self.path}")  # type: ignore[attr-defined]
        path = self.path
        port = self.server.server_address[1]
        if path == "/robots.txt":
            self._send(404, b"no robots")
        elif path == "/junk":
            self._send(200, random.Random(1).randbytes(200_000), {"Content-Type": "text/html"})
        elif path == "/huge-declared":
            self._send(200, b"x" * (CAP + 1), {"Content-Type": "text/html"})
        elif path == "/huge-chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"<p>" + b"x" * 65_536
            try:
                for _ in range(64):  # 4 MB, far over the cap; the client hangs up early
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif path == "/huge-no-length":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(64):
                    self.wfile.write(b"x" * 65_536)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
        elif path == "/bomb":
            self._send(200, BOMB, {"Content-Type": "text/html", "Content-Encoding": "gzip"})
        elif path == "/double-bomb":
            self._send(200, gzip.compress(BOMB[:4096]), {"Content-Encoding": "gzip, gzip"})
        elif path.startswith("/loop/"):
            n = int(path.rsplit("/", 1)[1])
            self._send(302, b"", {"Location": f"/loop/{n + 1}"})
        elif path.startswith("/to?"):
            self._send(302, b"", {"Location": path[4:].replace("PORT", str(port))})
        elif path == "/latest/meta-data/" or path == "/secret":
            self._send(200, SECRET, {"Content-Type": "text/plain"})
        elif path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "40")
            self.end_headers()
            try:
                for _ in range(40):  # one byte every 0.25 s: 10 s in all, no read ever idle long
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.25)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif path == "/ts412":
            body = b"<html><head><script>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=1;</script></head></html>"
            self._send(
                412, body, {"Content-Type": "text/html", "Set-Cookie": "FSSBBIl1UgzbN7N80S=x"}
            )
        elif path == "/truncated":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"<html>" * 10)
            self.close_connection = True
        elif path == "/not-http":
            self.wfile.write(b"\x00\xff garbage, not HTTP at all\r\n\r\n")
            self.close_connection = True
        elif path == "/bad-headers":
            self.wfile.write(
                b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\nContent-Length: 7\r\n\r\nabc"
            )
            self.close_connection = True
        else:
            self._send(404, b"not found")


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


class PinnedTransport(httpx.AsyncBaseTransport):
    """Connects every request to the loopback server, keeping the URL's host in the Host header."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def fake_resolve(host: str, port: int) -> list[str]:
    if host in RESOLVER:
        return RESOLVER[host]
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.fixture
async def make_fetcher(server: ThreadingHTTPServer) -> AsyncIterator[Callable[..., PoliteFetcher]]:
    made: list[PoliteFetcher] = []

    def make(**overrides: object) -> PoliteFetcher:
        values: dict[str, object] = {
            "allow_private_networks": False,
            "request_timeout_seconds": 2.0,
            "max_body_bytes": CAP,
            "max_redirects": 5,
            "max_retries": 0,
        }
        values.update(overrides)
        fetcher = PoliteFetcher(
            IngestSettings(**values),  # type: ignore[arg-type]
            transport=PinnedTransport(server.server_address[1]),
            resolve=fake_resolve,
        )
        made.append(fetcher)
        return fetcher

    yield make
    for fetcher in made:
        await fetcher.close()


async def fetch_error(fetcher: PoliteFetcher, url: str, limit: float = 15.0) -> FetchError:
    """The FetchError a fetch ends in (anything else, a success or a hang fails the test)."""
    error: FetchError | None = None
    try:
        result = await asyncio.wait_for(fetcher.fetch(url, min_delay=0.0), timeout=limit)
    except FetchError as exc:
        error = exc
    except TimeoutError:
        pytest.fail(f"{url} was still being fetched after {limit} s")
    if error is None:
        pytest.fail(f"{url} was fetched ({result.status}, {len(result.body)} bytes), not refused")
    assert str(error), "a FetchError without a reason"
    assert error.url
    return error


def url(path: str, host: str = PORTAL) -> str:
    return f"http://{host}{path}"


async def test_binary_junk_served_as_html_is_fetched_and_rejected_by_the_extractor(
    make_fetcher: Callable[..., PoliteFetcher],
) -> None:
    result = await make_fetcher().fetch(url("/junk"), min_delay=0.0)
    extraction = extract_document(
        Document(content=result.body, content_type=result.content_type, url=result.url)
    )
    assert extraction.is_annual_report is False
    assert extraction.reasons


@pytest.mark.parametrize("path", ["/huge-declared", "/huge-chunked", "/huge-no-length"])
async def test_a_body_over_the_cap_is_a_fetch_error(
    make_fetcher: Callable[..., PoliteFetcher], path: str
) -> None:
    error = await fetch_error(make_fetcher(), url(path))
    assert type(error) is FetchError
    assert "cap" in str(error)


async def test_a_gzip_bomb_is_a_fetch_error_at_the_cap(
    make_fetcher: Callable[..., PoliteFetcher],
) -> None:
    error = await fetch_error(make_fetcher(), url("/bomb"))
    assert type(error) is FetchError
    assert "cap" in str(error)


async def test_a_gzip_bomb_is_cut_off_with_memory_bounded_by_the_cap(
    make_fetcher: Callable[..., PoliteFetcher],
) -> None:
    import tracemalloc

    tracemalloc.start()
    try:
        await fetch_error(make_fetcher(), url("/bomb"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"\ngzip bomb ({len(BOMB)} bytes → {INFLATED} bytes): peak {peak / 2**20:.1f} MiB")
    assert peak < 8 * CAP + 4 * 1024 * 1024


async def test_a_doubly_encoded_corrupt_body_is_a_fetch_error(
    make_fetcher: Callable[..., PoliteFetcher],
) -> None:
    error = await fetch_error(make_fetcher(), url("/double-bomb"))
    assert type(error) is FetchError


async def test_an_endless_redirect_chain_is_refused(
    make_fetcher: Callable[..., PoliteFetcher], server: ThreadingHTTPServer
) -> None:
    error = await fetch_error(make_fetcher(max_redirects=5), url("/loop/0"))
    assert isinstance(error, Refused)
    assert "redirects" in str(error)
    assert sum(1 for seen in server.seen if "/loop/" in seen) == 6  # a bounded number of hops


PRIVATE_TARGETS = [
    "http://127.0.0.1:PORT/secret",
    "http://localhost.:PORT/secret",  # not resolvable by the fake resolver: a clear FetchError
    # httpx itself rejects a Location of 0177.0.0.1 ("Invalid IPv4 address"): a FetchError
    # (kind "failed", not "refused"), and nothing is requested: good enough.
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:PORT/secret",
    "http://[::ffff:127.0.0.1]:PORT/secret",
    "http://[::ffff:169.254.169.254]/latest/meta-data/",
    "http://2130706433:PORT/secret",  # 127.0.0.1 in decimal
    "http://0177.0.0.1:PORT/secret",  # in octal
    "http://0x7f.1:PORT/secret",  # in hex, short form
    "http://127.1:PORT/secret",
    "http://0:PORT/secret",
    "http://2852039166/latest/meta-data/",  # 169.254.169.254 in decimal
    "http://intranet.example.gov.cn/secret",  # a name that resolves to 10.1.2.3
    "http://metadata.example.gov.cn/latest/meta-data/",
    "http://v6.example.gov.cn:PORT/secret",
    "http://mapped.example.gov.cn:PORT/secret",
]


@pytest.mark.parametrize("target", PRIVATE_TARGETS)
async def test_redirects_to_private_targets_are_refused_when_private_networks_are_not_allowed(
    make_fetcher: Callable[..., PoliteFetcher], server: ThreadingHTTPServer, target: str
) -> None:
    before = len(server.seen)
    error = await fetch_error(make_fetcher(), url(f"/to?{target}"))
    assert isinstance(error, FetchError)
    if "localhost." not in target and "0177." not in target:
        assert isinstance(error, Refused), error
    after = server.seen[before:]
    reached = [seen for seen in after if seen.partition("/")[2].startswith(("secret", "latest"))]
    assert reached == []


@pytest.mark.parametrize("target", ["http://127.0.0.1:PORT/secret", "http://[::1]:PORT/secret"])
async def test_loopback_is_reachable_when_private_networks_are_allowed(
    make_fetcher: Callable[..., PoliteFetcher], target: str
) -> None:
    result = await make_fetcher(allow_private_networks=True).fetch(
        url(f"/to?{target}"), min_delay=0.0
    )
    assert result.body == SECRET


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://metadata.example.gov.cn/latest/meta-data/",
    ],
)
async def test_the_metadata_service_is_refused_even_when_private_networks_are_allowed(
    make_fetcher: Callable[..., PoliteFetcher], target: str
) -> None:
    error = await fetch_error(make_fetcher(allow_private_networks=True), url(f"/to?{target}"))
    assert isinstance(error, Refused)


async def test_a_trickling_server_times_out_within_the_request_timeout(
    make_fetcher: Callable[..., PoliteFetcher],
) -> None:
    started = time.monotonic()
    error = await fetch_error(make_fetcher(request_timeout_seconds=1.0), url("/trickle"), 6.0)
    assert time.monotonic() - started < 3.0
    assert type(error) is FetchError


async def test_a_412_ts_challenge_is_blocked(make_fetcher: Callable[..., PoliteFetcher]) -> None:
    error = await fetch_error(make_fetcher(), url("/ts412"))
    assert isinstance(error, Blocked)
    assert "412" in str(error)


@pytest.mark.parametrize("path", ["/truncated", "/not-http", "/bad-headers"])
async def test_broken_http_is_a_fetch_error(
    make_fetcher: Callable[..., PoliteFetcher], path: str
) -> None:
    error = await fetch_error(make_fetcher(), url(path))
    assert type(error) is FetchError
