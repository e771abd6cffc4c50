"""Fetching pages politely and safely.

    FetchError              the page could not be had; `kind` says why and `url` which page
    ├── Blocked             an anti-bot or WAF answer: the source is marked blocked, never retried hot
    └── Refused             robots.txt, a private address, or a redirect we will not follow

Per host, requests are spaced by the source's `min_delay_seconds` and limited to its
`max_in_flight`. Every hop of a redirect is checked again (resolved address, robots.txt). Bodies
are read as a stream and cut off at the size cap, after decompression, so a gzip bomb stops there.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from services.ingest.core import address_refusal, blocked_reason
from services.ingest.settings import IngestSettings

log = logging.getLogger("nianbao.ingest.fetch")
RETRY_STATUSES = {500, 502, 503, 504, 520, 522, 524}


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


@dataclass
class _HostGate:
    semaphore: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_allowed: float = 0.0


class PoliteFetcher:
    """An HTTP client that respects robots.txt and per-host limits, and refuses unsafe targets."""

    def __init__(self, settings: IngestSettings, transport: httpx.AsyncBaseTransport | None = None):
        self.settings = settings
        self.client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(settings.request_timeout_seconds, connect=10.0),
            follow_redirects=False,
            headers={"User-Agent": settings.user_agent, "Accept-Language": "zh-CN,zh;q=0.9"},
        )
        self._gates: dict[str, _HostGate] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self._robots_lock = asyncio.Lock()
        self.requests = 0

    async def close(self) -> None:
        await self.client.aclose()

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
            if result.status in (301, 302, 303, 307, 308) and "location" in result.headers:
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
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if attempt > self.settings.max_retries:
                    raise FetchError(
                        f"{type(exc).__name__}: {exc or 'no answer'}", url=url
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
            await asyncio.sleep(min(30.0, 1.0 * 2 ** (attempt - 1)))

    async def _request(
        self,
        url: str,
        method: str,
        form: tuple[tuple[str, str], ...],
        headers: dict[str, str],
        min_delay: float,
        max_in_flight: int,
    ) -> FetchResult:
        gate = self._gate(url, max_in_flight)
        async with gate.semaphore:
            async with gate.lock:
                wait = gate.next_allowed - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                gate.next_allowed = time.monotonic() + min_delay
            self.requests += 1
            request = self.client.build_request(
                method, url, headers=headers, data=dict(form) if form else None
            )
            response = await self.client.send(request, stream=True)
            try:
                body = await self._read_capped(response, url)
            finally:
                await response.aclose()
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
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise FetchError(f"body over the cap of {cap} bytes", url=url)
            chunks.append(chunk)
        return b"".join(chunks)

    def _gate(self, url: str, max_in_flight: int) -> _HostGate:
        host = urlsplit(url).netloc.lower()
        gate = self._gates.get(host)
        if gate is None:
            gate = self._gates[host] = _HostGate(asyncio.Semaphore(max_in_flight))
        return gate

    async def _check_target(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Refused(f"not an http(s) URL: {url!r}", url=url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                parts.hostname, port, type=socket.SOCK_STREAM
            )
        except socket.gaierror as exc:
            raise FetchError(f"cannot resolve {parts.hostname}: {exc.strerror}", url=url) from exc
        for info in infos:
            refusal = address_refusal(str(info[4][0]), self.settings.allow_private_networks)
            if refusal:
                raise Refused(f"{parts.hostname}: {refusal}", url=url)

    async def _robots_allow(self, url: str, min_delay: float, max_in_flight: int) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        async with self._robots_lock:
            parser = self._robots.get(origin)
            if parser is None:
                parser = await self._load_robots(origin, min_delay, max_in_flight)
                self._robots[origin] = parser
        return parser.can_fetch(self.settings.user_agent, url)

    async def _load_robots(
        self, origin: str, min_delay: float, max_in_flight: int
    ) -> urllib.robotparser.RobotFileParser:
        parser = urllib.robotparser.RobotFileParser()
        robots_url = f"{origin}/robots.txt"
        try:
            result = await self._request(robots_url, "GET", (), {}, min_delay, max_in_flight)
        except (httpx.TimeoutException, httpx.TransportError, FetchError) as exc:
            log.info("robots.txt unavailable at %s (%s): crawling as allowed", robots_url, exc)
            parser.parse([])
            return parser
        if result.status >= 500:
            # RFC 9309: an unreachable robots.txt means "assume everything is disallowed".
            parser.parse(["User-agent: *", "Disallow: /"])
        elif result.status >= 400 or result.status in (301, 302, 303, 307, 308):
            parser.parse([])  # RFC 9309: "unavailable" (4xx) allows everything
        else:
            parser.parse(result.body.decode("utf-8", errors="replace").splitlines())
        return parser
