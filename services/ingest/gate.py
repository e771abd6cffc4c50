"""Per-host politeness: at most `max_in_flight` requests at once, and `min_delay` seconds before
the next request to a host both after the last one started and after it ended, whichever process
sends them. Counting from the end too means the portal sees the spacing even when a connection
was slow to open, and a portal that answers slowly is asked less often.

    HostGate            the role: `async with gate.slot(host, min_delay, max_in_flight): ...`
    ├── LocalHostGate   one process (tests, `nianbao up` with one ingest)
    └── NatsHostGate    every replica sharing one NATS: a JetStream key-value bucket

The NATS gate keeps one key per host holding when the next request may start and the leases of
the requests in flight, each with its own expiry. A replica takes a slot by rewriting that key
with optimistic concurrency (`create`, or `update(last=revision)`): of two replicas racing for
the same host exactly one write lands, the other re-reads and waits its turn. A replica that dies
holding a lease blocks nobody for longer than `lease_seconds`; a host idle for longer than the
bucket's TTL drops out of the bucket, so ten thousand hosts do not accumulate.

A replica remembers the record and revision it last wrote for a host and writes the next change
against them without reading first: the optimistic write lands only if nobody wrote since, in
which case the remembered record is the stored one. So a host crawled by one replica costs two
key-value writes per request (take, release) rather than two reads and two writes; when another
request wrote in between, the write fails and the replica reads and tries again as before.

The times are wall-clock seconds (`time.time()`): replicas must run NTP-synchronised clocks, and
a skew between them shortens or lengthens the spacing by that skew.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.errors import (
    BucketNotFoundError,
    KeyWrongLastSequenceError,
    NotFoundError,
)

from shared.errors import DependencyUnavailable
from shared.events import stable_id

GATE_BUCKET = "nianbao-hosts"
GATE_TTL_SECONDS = 15 * 60.0  # an idle host's key leaves the bucket after this
LEASE_SECONDS = 120.0  # a slot held longer than this (a dead replica) is free again
MAX_POLL_SECONDS = 0.25  # re-read a full host this often (a release may come from elsewhere)
MAX_REMEMBERED_HOSTS = 100_000  # hosts whose last write a replica keeps (one entry ~0.3 KB)


class HostGate(Protocol):
    """Grants per-host request slots: spacing between request starts and a concurrency cap."""

    def slot(
        self, host: str, min_delay: float, max_in_flight: int
    ) -> contextlib.AbstractAsyncContextManager[None]:
        """Wait until a request to `host` may start; the slot is held for the block."""
        ...


@dataclass
class _LocalHost:
    semaphore: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_allowed: float = 0.0


class LocalHostGate:
    """A HostGate for one process: a semaphore and a start time per host."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._hosts: dict[str, _LocalHost] = {}
        self._clock = clock

    @contextlib.asynccontextmanager
    async def slot(self, host: str, min_delay: float, max_in_flight: int) -> AsyncIterator[None]:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _LocalHost(asyncio.Semaphore(max_in_flight))
        async with state.semaphore:
            async with state.lock:
                wait = state.next_allowed - self._clock()
                if wait > 0:
                    await asyncio.sleep(wait)
                state.next_allowed = self._clock() + min_delay
            try:
                yield
            finally:
                state.next_allowed = max(state.next_allowed, self._clock() + min_delay)


@dataclass(frozen=True)
class HostLeases:
    """The shared record of one host: when the next request may start, and who is in flight."""

    next_at: float = 0.0
    leases: dict[str, float] = field(default_factory=dict)  # token -> expiry

    @classmethod
    def decode(cls, data: bytes | None) -> HostLeases:
        """Read a stored record; an unreadable one counts as empty (it only ever holds times)."""
        try:
            raw = json.loads(data or b"{}")
            leases = {str(k): float(v) for k, v in dict(raw.get("leases") or {}).items()}
            return cls(next_at=float(raw.get("next_at") or 0.0), leases=leases)
        except (ValueError, TypeError, AttributeError):
            return cls()

    def encode(self) -> bytes:
        return json.dumps({"next_at": self.next_at, "leases": self.leases}).encode("ascii")


def admit(
    record: HostLeases,
    token: str,
    now: float,
    min_delay: float,
    max_in_flight: int,
    lease_seconds: float = LEASE_SECONDS,
) -> tuple[HostLeases | None, float]:
    """Decide one attempt to take a slot: (the record to write, 0) or (None, seconds to wait).

    Expired leases are dropped first, so a dead holder frees its slot at its expiry.
    """
    live = {t: expiry for t, expiry in record.leases.items() if expiry > now}
    if len(live) >= max_in_flight:
        soonest = min(live.values()) - now
        return None, max(0.005, min(soonest, MAX_POLL_SECONDS))
    if record.next_at > now:
        return None, record.next_at - now
    live[token] = now + lease_seconds
    return HostLeases(next_at=now + min_delay, leases=live), 0.0


def release(record: HostLeases, token: str, now: float, min_delay: float) -> HostLeases:
    """The record without `token`'s lease (nor expired ones), the next start `min_delay` away."""
    live = {t: e for t, e in record.leases.items() if t != token and e > now}
    return HostLeases(next_at=max(record.next_at, now + min_delay), leases=live)


class NatsHostGate:
    """A HostGate shared by every replica through a JetStream key-value bucket."""

    def __init__(
        self,
        js: JetStreamContext,
        *,
        bucket: str = GATE_BUCKET,
        lease_seconds: float = LEASE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.js = js
        self.bucket = bucket
        self.lease_seconds = lease_seconds
        self._clock = clock
        self._kv: Any = None
        self._kv_lock = asyncio.Lock()
        self.conflicts = 0  # lost races (optimistic writes that another replica beat)
        self._written: dict[str, tuple[HostLeases, int]] = {}  # key -> what this replica wrote

    async def _bucket(self) -> Any:
        async with self._kv_lock:
            if self._kv is None:
                try:
                    self._kv = await self.js.key_value(self.bucket)
                except (BucketNotFoundError, NotFoundError):
                    self._kv = await self.js.create_key_value(
                        bucket=self.bucket, history=1, ttl=GATE_TTL_SECONDS
                    )
        return self._kv

    @staticmethod
    def key(host: str) -> str:
        """The bucket key of a host (hashed: hosts hold characters keys may not)."""
        return f"host.{stable_id('host', host.lower())}"

    async def _read(self, kv: Any, key: str) -> tuple[HostLeases, int | None]:
        try:
            entry = await kv.get(key)
        except NotFoundError:  # KeyNotFoundError and KeyDeletedError are NotFoundErrors
            return HostLeases(), None
        return HostLeases.decode(entry.value), int(entry.revision)

    async def _write(
        self, kv: Any, key: str, record: HostLeases, revision: int | None, *, remembered: bool
    ) -> bool:
        """Write if nobody wrote since `revision`; False when somebody did.

        A failed write against a remembered revision only means the memory was stale (another
        request wrote since); a failed write against a fresh read is a lost race.
        """
        try:
            if revision is None:
                written = await kv.create(key, record.encode())
            else:
                written = await kv.update(key, record.encode(), last=revision)
        except KeyWrongLastSequenceError:
            self._written.pop(key, None)
            if not remembered:
                self.conflicts += 1
            return False
        if len(self._written) >= MAX_REMEMBERED_HOSTS:
            self._written.clear()  # only a shortcut: forgetting costs one read per host
        self._written[key] = (record, int(written))
        return True

    async def _latest(self, kv: Any, key: str) -> tuple[HostLeases, int | None, bool]:
        """The record to decide on: what this replica last wrote if it remembers, else a read."""
        if (known := self._written.get(key)) is not None:
            return known[0], known[1], True
        record, revision = await self._read(kv, key)
        return record, revision, False

    @contextlib.asynccontextmanager
    async def slot(self, host: str, min_delay: float, max_in_flight: int) -> AsyncIterator[None]:
        token = secrets.token_hex(8)
        key = self.key(host)
        try:
            kv = await self._bucket()
            while True:
                record, revision, remembered = await self._latest(kv, key)
                granted, wait = admit(
                    record, token, self._clock(), min_delay, max_in_flight, self.lease_seconds
                )
                if granted is None:
                    if remembered:  # the host may have been released since: ask the bucket
                        self._written.pop(key, None)
                    else:
                        await asyncio.sleep(wait)
                elif await self._write(kv, key, granted, revision, remembered=remembered):
                    break
        except (NatsTimeoutError, TimeoutError, ConnectionError) as exc:
            raise DependencyUnavailable(f"host gate unavailable: {exc!r}") from exc
        try:
            yield
        finally:
            await self._release(kv, key, token, min_delay)

    async def _release(self, kv: Any, key: str, token: str, min_delay: float) -> None:
        # Best effort: a release that cannot be written leaves a lease that expires on its own.
        with contextlib.suppress(NatsTimeoutError, TimeoutError, ConnectionError):
            for _attempt in range(20):
                record, revision, remembered = await self._latest(kv, key)
                if token not in record.leases:
                    if not remembered:
                        return
                    self._written.pop(key, None)  # stale memory: read what is stored
                    continue
                released = release(record, token, self._clock(), min_delay)
                if await self._write(kv, key, released, revision, remembered=remembered):
                    return
