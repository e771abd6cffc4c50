"""Each origin's robots.txt, fetched once and remembered: for a day when read, minutes when not.

RFC 9309: a robots.txt that answers 4xx means "no rules"; one that answers 5xx or not at all
means "fetch nothing", asked again after `ROBOTS_RETRY_SECONDS` rather than kept for the day as
a good robots.txt is. Up to five redirects are followed, each hop checked as a page hop is.
The cache is per origin, with a lock each: one load per origin, and a slow robots.txt holds up
only its own host.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from services.ingest.core import blocked_reason
from services.ingest.fetch_types import REDIRECT_STATUSES, Blocked, FetchError, FetchResult, Refused
from services.ingest.robots import RobotsRules

log = logging.getLogger("nianbao.ingest.fetch")
ROBOTS_TTL_SECONDS = 24 * 3600.0  # RFC 9309: a cached robots.txt SHOULD NOT be used for longer
ROBOTS_RETRY_SECONDS = 300.0  # an unreachable robots.txt is asked again after this
ROBOTS_MAX_HOPS = 6  # RFC 9309: follow at least five consecutive redirects

# A GET of one URL through the host gate: (url, min_delay, max_in_flight) -> the answer as is.
RobotsGet = Callable[[str, float, int], Awaitable[FetchResult]]
TargetCheck = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class _RobotsEntry:
    rules: RobotsRules
    expires: float
    failure: FetchError | None = None  # robots.txt could not be had: fetch nothing


class RobotsCache:
    """Answers whether a URL may be fetched, loading its origin's robots.txt when needed."""

    def __init__(self, product_token: str, get: RobotsGet, check_target: TargetCheck):
        self._token = product_token
        self._get = get
        self._check_target = check_target
        self._entries: dict[str, _RobotsEntry] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def allows(self, url: str, min_delay: float, max_in_flight: int) -> bool:
        """Whether robots.txt allows `url`; raises the load's error while it cannot be had."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:  # one load per origin; other hosts do not wait for a slow one
            entry = self._entries.get(origin)
            if entry is None or entry.expires <= time.monotonic():
                entry = await self._load(origin, min_delay, max_in_flight)
                self._entries[origin] = entry
        if entry.failure is not None:
            failure = entry.failure  # a fresh exception each time, with no old traceback
            raise type(failure)(str(failure), url=failure.url)
        return entry.rules.allows(url)

    async def _load(self, origin: str, min_delay: float, max_in_flight: int) -> _RobotsEntry:
        """Fetch and parse an origin's robots.txt, following up to five checked redirects."""
        robots_url = f"{origin}/robots.txt"
        current = robots_url
        for _hop in range(ROBOTS_MAX_HOPS):
            try:
                if current != robots_url:
                    await self._check_target(current)
                result = await self._get(current, min_delay, max_in_flight)
            except Refused:
                raise
            except (httpx.HTTPError, FetchError) as exc:
                log.info("robots.txt unreachable at %s (%s): fetching nothing", current, exc)
                return _failure(
                    FetchError(f"robots.txt unreachable: {type(exc).__name__}: {exc}", url=current)
                )
            reason = blocked_reason(result.status, result.headers, result.body)
            if reason:
                raise Blocked(f"{reason} on robots.txt", url=current)
            location = result.redirect_location
            if location is not None:
                current = urljoin(current, location)
                continue
            if result.status >= 500:
                # RFC 9309: an unreachable robots.txt means "assume everything is disallowed".
                return _failure(
                    Refused(
                        f"robots.txt answered HTTP {result.status}: fetching nothing", url=current
                    )
                )
            if result.status >= 400 or result.status in REDIRECT_STATUSES:
                rules = RobotsRules.allow_all()  # RFC 9309: "unavailable" (4xx) allows everything
            else:
                text = result.body.decode("utf-8-sig", errors="replace")
                rules = RobotsRules.parse(text, self._token)
            return _RobotsEntry(rules, time.monotonic() + ROBOTS_TTL_SECONDS)
        return _RobotsEntry(RobotsRules.allow_all(), time.monotonic() + ROBOTS_TTL_SECONDS)


def _failure(failure: FetchError) -> _RobotsEntry:
    return _RobotsEntry(
        RobotsRules.disallow_all(), time.monotonic() + ROBOTS_RETRY_SECONDS, failure=failure
    )
