"""What the crawler remembers between crawls: per page its validators and content hash, per source
when it was last crawled and whether it ever succeeded.

Kept in a NATS JetStream key-value bucket so that several ingest replicas share it and nothing
besides NATS is needed; `MemoryCrawlState` serves tests.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, NotFoundError

from shared.errors import DependencyUnavailable
from shared.events import stable_id

STATE_BUCKET = "nianbao-ingest"


@dataclass(frozen=True)
class PageState:
    """The validators and content hash of a detail page as last fetched."""

    sha256: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class SourceState:
    """When a source was last crawled, whether any crawl of it ever succeeded, and how many
    report-like items the last crawl that found any saw (to tell a redesign from a quiet list)."""

    last_started: datetime | None = None
    ever_ok: bool = False
    candidates_seen: int = 0


class CrawlState(Protocol):
    async def get_page(self, url: str) -> PageState | None: ...
    async def put_page(self, url: str, state: PageState) -> None: ...
    async def get_source(self, source_id: str) -> SourceState | None: ...
    async def put_source(self, source_id: str, state: SourceState) -> None: ...


def _page_key(url: str) -> str:
    return f"page.{stable_id('page', url)}"


def _source_key(source_id: str) -> str:
    return f"source.{stable_id('source', source_id)}"


def _source_from(data: dict[str, Any]) -> SourceState:
    last = data.get("last_started")
    return SourceState(
        last_started=datetime.fromisoformat(last) if last else None,
        ever_ok=bool(data.get("ever_ok")),
        candidates_seen=int(data.get("candidates_seen") or 0),
    )


def _source_to(state: SourceState) -> dict[str, Any]:
    return {
        "last_started": state.last_started.isoformat() if state.last_started else None,
        "ever_ok": state.ever_ok,
        "candidates_seen": state.candidates_seen,
    }


class MemoryCrawlState:
    """Crawl state in dicts (tests, and single runs that need no memory)."""

    def __init__(self) -> None:
        self.pages: dict[str, PageState] = {}
        self.sources: dict[str, SourceState] = {}

    async def get_page(self, url: str) -> PageState | None:
        return self.pages.get(url)

    async def put_page(self, url: str, state: PageState) -> None:
        self.pages[url] = state

    async def get_source(self, source_id: str) -> SourceState | None:
        return self.sources.get(source_id)

    async def put_source(self, source_id: str, state: SourceState) -> None:
        self.sources[source_id] = state


class NatsCrawlState:
    """Crawl state in a JetStream key-value bucket."""

    def __init__(self, js: JetStreamContext):
        self.js = js
        self._kv: Any = None

    async def _bucket(self) -> Any:
        if self._kv is None:
            try:
                self._kv = await self.js.key_value(STATE_BUCKET)
            except (BucketNotFoundError, NotFoundError):
                self._kv = await self.js.create_key_value(bucket=STATE_BUCKET, history=1)
        return self._kv

    async def _get(self, key: str) -> dict[str, Any] | None:
        try:
            entry = await (await self._bucket()).get(key)
        except (KeyNotFoundError, NotFoundError):
            return None
        except (TimeoutError, ConnectionError) as exc:
            raise DependencyUnavailable(f"crawl state unavailable: {exc!r}") from exc
        value: dict[str, Any] = json.loads(entry.value or b"{}")
        return value

    async def _put(self, key: str, value: dict[str, Any]) -> None:
        try:
            await (await self._bucket()).put(key, json.dumps(value).encode("utf-8"))
        except (TimeoutError, ConnectionError) as exc:
            raise DependencyUnavailable(f"crawl state unavailable: {exc!r}") from exc

    async def get_page(self, url: str) -> PageState | None:
        data = await self._get(_page_key(url))
        return PageState(**data) if data else None

    async def put_page(self, url: str, state: PageState) -> None:
        await self._put(_page_key(url), asdict(state))

    async def get_source(self, source_id: str) -> SourceState | None:
        data = await self._get(_source_key(source_id))
        return _source_from(data) if data else None

    async def put_source(self, source_id: str, state: SourceState) -> None:
        await self._put(_source_key(source_id), _source_to(state))
