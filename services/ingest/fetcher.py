"""Fetching pages politely and safely.

    FetchError              the page could not be had; `kind` says why and `url` which page
    ├── Blocked             an anti-bot or WAF answer: the source is marked blocked, never retried hot
    └── Refused             robots.txt, a private address, or a redirect we will not follow

Per host, requests are spaced by the source's `min_delay_seconds` and limited to its
`max_in_flight` through a `HostGate` (`gate.py`): process-local by default, shared through NATS
when several ingest replicas run. Every hop of a redirect is checked again (resolved address, robots.txt). Bodies
are read as a stream and cut off at the size cap, after decompression, so a gzip bomb stops there
(`body_decoding.py` inflates only as much as the cap leaves room for). Each request must end
within a total deadline, body included, so a server trickling bytes cannot hold a host slot.

robots.txt follows RFC 9309: the most specific rule wins (allow on a tie), `*` and `$` patterns,
4xx means "no rules", 5xx or no answer means "fetch nothing" (retried after a few minutes, not
remembered for the day as a good robots.txt is).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import socket
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from services.ingest.body_decoding import ACCEPT_ENCODING, BodyDecoder, BodyDecodingError
from services.ingest.core import address_refusal, blocked_reason
from services.ingest.gate import HostGate, LocalHostGate
from services.ingest.robots import RobotsRules
from services.ingest.settings import IngestSettings
from shared.backoff import backoff_delay
from shared.metrics import CRAWL_ERRORS, CRAWL_REQUESTS

log = logging.getLogger("nianbao.ingest.fetch")
RETRY_STATUSES = {500, 502, 503, 504, 520, 522, 524}
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
ROBOTS_TTL_SECONDS = 24 * 3600.0  # RFC 9309: a cached robots.txt SHOULD NOT be used for longer
ROBOTS_RETRY_SECONDS = 300.0  # an unreachable robots.txt is asked again after this
CLIENT_SHARDS = 32  # connection pools, hosts spread over them by a hash of host:port
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)  # seconds between attempts at one request

_BAD_LOCATION = "Invalid URL in location header"

Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolve(host: str, port: int) -> list[str]:
    """The addresses the operating system's resolver gives for `host`."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class FetchError(Exception):
    """A page could not be fetched; `kind` is failed | not_found | blocked | refused."""

    kind = "failed"

    def __init__(self, message: str, *, url: str):
        super().__init__(message)
        self.url = url


class Blocked(FetchError):
    """The portal answered with an anti-bot challenge or a WAF ban."""

    kind = "blocked"


class Refused(FetchError):
    """nianbao will not fetch this URL (robots.txt, private address, too many redirects)."""

    kind = "refused"


class NotFound(FetchError):
    """The page does not exist (404/410)."""

    kind = "not_found"


@dataclass(frozen=True)
class FetchResult:
    """A fetched page. `not_modified` means the conditional GET answered 304 (no body)."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    not_modified: bool = False

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def declared_charset(self) -> str | None:
        content_type = self.content_type or ""
        for part in content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip("\"' ")
        return None


@dataclass(frozen=True)
class _RobotsEntry:
    rules: RobotsRules
    expires: float
    failure: FetchError | None = None  # robots.txt could not be had: fetch nothing


class PoliteFetcher:
    """An HTTP client that respects robots.txt and per-host limits, and refuses unsafe targets."""

    def __init__(
        self,
        settings: IngestSettings,
        transport: httpx.AsyncBaseTransport | None = None,
        resolve: Resolver | None = None,
        gate: HostGate | None = None,
    ):
        self.settings = settings
        self.resolve = resolve or system_resolve
        self.gate: HostGate = gate or LocalHostGate()
        # httpcore's pool scans every connection on every request: one pool for hundreds of
        # hosts spends its time there (measured: 300 hosts at once, 2.6 s a request). Hosts are
        # spread over small pools instead, each host always in the same one (keep-alive works).
        self._clients = [
            httpx.AsyncClient(
                transport=transport,
                timeout=httpx.Timeout(settings.request_timeout_seconds, connect=10.0),
                follow_redirects=False,
                limits=httpx.Limits(
                    max_connections=max(1, settings.max_connections // CLIENT_SHARDS),
                    max_keepalive_connections=max(1, settings.max_connections // CLIENT_SHARDS),
                ),
                headers={
                    "User-Agent": settings.user_agent,
                    "Accept-Language": "zh-CN,zh;q=0.9",
                    "Accept-Encoding": ACCEPT_ENCODING,  # the codings body_decoding reads
                },
            )
            for _ in range(CLIENT_SHARDS)
        ]
        self._robots: dict[str, _RobotsEntry] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self.requests = 0

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()

    def _client_for(self, host: str) -> httpx.AsyncClient:
        return self._clients[zlib.crc32(host.encode("utf-8")) % CLIENT_SHARDS]

    async def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        form: tuple[tuple[str, str], ...] = (),
        etag: str | None = None,
        last_modified: str | None = None,
        min_delay: float = 1.0,
        max_in_flight: int = 1,
    ) -> FetchResult:
        """Fetch `url` following safe redirects, with retries on timeouts and 5xx answers."""
        try:
            return await self._fetch(
                url, method, form, etag, last_modified, min_delay, max_in_flight
            )
        except FetchError as exc:
            CRAWL_ERRORS.labels(exc.kind).inc()
            raise

    async def _fetch(
        self,
        url: str,
        method: str,
        form: tuple[tuple[str, str], ...],
        etag: str | None,
        last_modified: str | None,
        min_delay: float,
        max_in_flight: int,
    ) -> FetchResult:
        current = url
        for _hop in range(self.settings.max_redirects + 1):
            await self._check_target(current)
            if not await self._robots_allow(current, min_delay, max_in_flight):
                raise Refused("disallowed by robots.txt", url=current)
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            result = await self._request_with_retries(
                current, method, form, headers, min_delay, max_in_flight
            )
            if result.status in REDIRECT_STATUSES and "location" in result.headers:
                current = urljoin(current, result.headers["location"])
                if result.status == 303:
                    method, form = "GET", ()
                continue
            return result
        raise Refused(f"more than {self.settings.max_redirects} redirects", url=url)

    async def _request_with_retries(
        self,
        url: str,
        method: str,
        form: tuple[tuple[str, str], ...],
        headers: dict[str, str],
        min_delay: float,
        max_in_flight: int,
    ) -> FetchResult:
        attempt = 0
        while True:
            attempt += 1
            try:
                result = await self._request(url, method, form, headers, min_delay, max_in_flight)
            except httpx.InvalidURL as exc:
                raise Refused(f"not a valid URL: {exc}", url=url) from exc
            except httpx.RemoteProtocolError as exc:
                # httpx parses a redirect's Location even when not following it, and rejects
                # forms such as the octal IP `0177.0.0.1`: a redirect we will not follow.
                if str(exc).startswith(_BAD_LOCATION):
                    raise Refused(f"redirect to an invalid URL: {exc}", url=url) from exc
                if attempt > self.settings.max_retries:
                    raise FetchError(
                        f"{type(exc).__name__}: {str(exc) or 'no answer'}", url=url
                    ) from exc
            except httpx.DecodingError as exc:
                raise FetchError(f"undecodable body: {exc}", url=url) from exc
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if attempt > self.settings.max_retries:
                    raise FetchError(
                        f"{type(exc).__name__}: {str(exc) or 'no answer'}", url=url
                    ) from exc
            else:
                reason = blocked_reason(result.status, result.headers, result.body)
                if reason:
                    raise Blocked(reason, url=url)
                if result.status in (404, 410):
                    raise NotFound(f"HTTP {result.status}", url=url)
                if result.status not in RETRY_STATUSES:
                    if result.status >= 400:
                        raise FetchError(f"HTTP {result.status}", url=url)
                    return result
                if attempt > self.settings.max_retries:
                    raise FetchError(f"HTTP {result.status} after {attempt} attempts", url=url)
            await asyncio.sleep(backoff_delay(RETRY_DELAYS, attempt))

    async def _request(
        self,
        url: str,
        method: str,
        form: tuple[tuple[str, str], ...],
        headers: dict[str, str],
        min_delay: float,
        max_in_flight: int,
    ) -> FetchResult:
        host = urlsplit(url).netloc.lower()
        deadline = self.settings.request_deadline_seconds
        async with self.gate.slot(host, min_delay, max_in_flight):
            self.requests += 1
            CRAWL_REQUESTS.labels("robots" if urlsplit(url).path == "/robots.txt" else "page").inc()
            client = self._client_for(host)
            request = client.build_request(
                method, url, headers=headers, data=dict(form) if form else None
            )
            try:
                async with asyncio.timeout(deadline):
                    response = await client.send(request, stream=True)
                    try:
                        body = await self._read_capped(response, url)
                    finally:
                        await response.aclose()
            except TimeoutError as exc:
                raise FetchError(
                    f"no complete answer within the total deadline of {deadline:g} s", url=url
                ) from exc
        return FetchResult(
            url=url,
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            body=body,
            not_modified=response.status_code == 304,
        )

    async def _read_capped(self, response: httpx.Response, url: str) -> bytes:
        cap = self.settings.max_body_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise FetchError(f"body of {declared} bytes is over the cap of {cap}", url=url)
        chunks: list[bytes] = []
        size = raw_size = 0
        try:
            if response.is_stream_consumed:
                # A response built in memory (httpx.MockTransport) arrives read and decoded.
                raws, decoder = _once(response.content), BodyDecoder(None)
            else:
                raws = response.aiter_raw()
                decoder = BodyDecoder(response.headers.get("content-encoding"))
            async for raw in raws:
                raw_size += len(raw)
                for chunk in decoder.decode(raw, cap - size):
                    size += len(chunk)
                    if size > cap:
                        raise FetchError(f"body over the cap of {cap} bytes", url=url)
                    chunks.append(chunk)
                if raw_size > cap:  # compressed, yet bigger than the cap: junk after the stream
                    raise FetchError(f"body over the cap of {cap} bytes", url=url)
        except BodyDecodingError as exc:
            raise FetchError(f"undecodable body: {exc}", url=url) from exc
        return b"".join(chunks)

    async def _check_target(self, url: str) -> None:
        parts = urlsplit(url)
        try:
            host, port = parts.hostname, parts.port
        except ValueError as exc:  # a port that is not a number, or out of range
            raise Refused(f"not a valid URL: {exc}", url=url) from exc
        if parts.scheme not in ("http", "https") or not host:
            raise Refused(f"not an http(s) URL: {url!r}", url=url)
        port = port or (443 if parts.scheme == "https" else 80)
        literal = _ip_literal(host)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                addresses = await self.resolve(host, port)
            except OSError as exc:  # socket.gaierror is one
                reason = getattr(exc, "strerror", None) or str(exc)
                raise FetchError(f"cannot resolve {host}: {reason}", url=url) from exc
            if not addresses:
                raise FetchError(f"cannot resolve {host}: no address", url=url)
        for address in addresses:
            refusal = address_refusal(address, self.settings.allow_private_networks)
            if refusal:
                raise Refused(f"{host}: {refusal}", url=url)

    async def _robots_allow(self, url: str, min_delay: float, max_in_flight: int) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:  # one load per origin; other hosts do not wait for a slow one
            entry = self._robots.get(origin)
            if entry is None or entry.expires <= time.monotonic():
                entry = await self._load_robots(origin, min_delay, max_in_flight)
                self._robots[origin] = entry
        if entry.failure is not None:
            failure = entry.failure  # a fresh exception each time, with no old traceback
            raise type(failure)(str(failure), url=failure.url)
        return entry.rules.allows(url)

    async def _load_robots(self, origin: str, min_delay: float, max_in_flight: int) -> _RobotsEntry:
        """Fetch and parse an origin's robots.txt, following up to five checked redirects."""
        robots_url = f"{origin}/robots.txt"
        current = robots_url
        token = self.settings.user_agent.split("/", 1)[0]
        for _hop in range(6):  # RFC 9309: follow at least five consecutive redirects
            try:
                if current != robots_url:
                    await self._check_target(current)
                result = await self._request(current, "GET", (), {}, min_delay, max_in_flight)
            except Refused:
                raise
            except (httpx.HTTPError, FetchError) as exc:
                log.info("robots.txt unreachable at %s (%s): fetching nothing", current, exc)
                return _robots_failure(
                    FetchError(f"robots.txt unreachable: {type(exc).__name__}: {exc}", url=current)
                )
            reason = blocked_reason(result.status, result.headers, result.body)
            if reason:
                raise Blocked(f"{reason} on robots.txt", url=current)
            if result.status in REDIRECT_STATUSES and "location" in result.headers:
                current = urljoin(current, result.headers["location"])
                continue
            if result.status >= 500:
                # RFC 9309: an unreachable robots.txt means "assume everything is disallowed".
                return _robots_failure(
                    Refused(
                        f"robots.txt answered HTTP {result.status}: fetching nothing", url=current
                    )
                )
            if result.status >= 400 or result.status in REDIRECT_STATUSES:
                rules = RobotsRules.allow_all()  # RFC 9309: "unavailable" (4xx) allows everything
            else:
                text = result.body.decode("utf-8-sig", errors="replace")
                rules = RobotsRules.parse(text, token)
            return _RobotsEntry(rules, time.monotonic() + ROBOTS_TTL_SECONDS)
        return _RobotsEntry(
            RobotsRules.allow_all(), time.monotonic() + ROBOTS_TTL_SECONDS
        )  # too many


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _robots_failure(failure: FetchError) -> _RobotsEntry:
    return _RobotsEntry(
        RobotsRules.disallow_all(), time.monotonic() + ROBOTS_RETRY_SECONDS, failure=failure
    )


def _ip_literal(host: str) -> str | None:
    """The address a host that is written as an IP means, in any form a C library accepts.

    `2130706433`, `0x7f.1` and `0177.0.0.1` are all 127.0.0.1 to the resolver that will
    connect, so they are checked as such rather than passed to a resolver that may not know.
    """
    try:
        return str(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        pass
    if not re.fullmatch(r"(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}", host.lower()):
        return None
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None
