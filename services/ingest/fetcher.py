"""Fetching pages politely and safely: `PoliteFetcher`, the one HTTP client of a crawl.

Its errors and results are in `fetch_types.py` (the error tree is drawn there). Per host,
requests are spaced by the source's `min_delay_seconds` and limited to its `max_in_flight`
through a `HostGate` (`gate.py`): process-local by default, shared through NATS when several
ingest replicas run. Every hop of a redirect is checked again: its target (`target_check.py`:
http(s), public addresses only) and robots.txt (`robots_cache.py`, RFC 9309). Bodies are read
as a stream and cut off at the size cap, after decompression, so a gzip bomb stops there
(`body_decoding.py` inflates only as much as the cap leaves room for). Each request must end
within a total deadline, body included, so a server trickling bytes cannot hold a host slot.
Timeouts and 5xx answers are retried after the waits of `RETRY_DELAYS`.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator
from urllib.parse import urljoin, urlsplit

import httpx

from services.ingest.body_decoding import ACCEPT_ENCODING, BodyDecoder, BodyDecodingError
from services.ingest.core import blocked_reason
from services.ingest.fetch_types import Blocked, FetchError, FetchResult, NotFound, Refused
from services.ingest.gate import HostGate, LocalHostGate
from services.ingest.robots_cache import RobotsCache
from services.ingest.settings import IngestSettings
from services.ingest.target_check import Resolver, check_target, system_resolve
from shared.backoff import backoff_delay
from shared.metrics import CRAWL_ERRORS, CRAWL_REQUESTS

RETRY_STATUSES = {500, 502, 503, 504, 520, 522, 524}
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)  # seconds between attempts at one request
CLIENT_SHARDS = 32  # connection pools, hosts spread over them by a hash of host:port

_BAD_LOCATION = "Invalid URL in location header"


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
        self._robots = RobotsCache(
            settings.user_agent.split("/", 1)[0], self._get_robots_txt, self._check_target
        )
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
            if not await self._robots.allows(current, min_delay, max_in_flight):
                raise Refused("disallowed by robots.txt", url=current)
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            result = await self._request_with_retries(
                current, method, form, headers, min_delay, max_in_flight
            )
            location = result.redirect_location
            if location is not None:
                current = urljoin(current, location)
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
        await check_target(url, self.resolve, self.settings.allow_private_networks)

    async def _get_robots_txt(self, url: str, min_delay: float, max_in_flight: int) -> FetchResult:
        return await self._request(url, "GET", (), {}, min_delay, max_in_flight)


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data
