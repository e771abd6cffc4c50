"""Where fetched bytes live: the JetStream Object Store, keyed by their sha256.

Events stay small and carry the key; the same bytes fetched twice are stored once.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, NotFoundError, ObjectNotFoundError
from nats.js.object_store import ObjectStore

from shared.errors import BlobMissing, DependencyUnavailable


def sha256_hex(data: bytes) -> str:
    """The key of a blob."""
    return hashlib.sha256(data).hexdigest()


class BlobStore(Protocol):
    """Stores and returns raw bytes by sha256 key."""

    async def put(self, data: bytes) -> str: ...

    async def get(self, key: str) -> bytes: ...


class MemoryBlobStore:
    """A BlobStore in a dict, for tests of code that needs one."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    async def put(self, data: bytes) -> str:
        key = sha256_hex(data)
        self.blobs[key] = data
        return key

    async def get(self, key: str) -> bytes:
        try:
            return self.blobs[key]
        except KeyError:
            raise BlobMissing(f"no blob {key}") from None


class NatsBlobStore:
    """A BlobStore on a JetStream Object Store bucket (file storage)."""

    def __init__(self, js: JetStreamContext, bucket: str):
        self.js = js
        self.bucket = bucket
        self._store: ObjectStore | None = None

    async def _obs(self) -> ObjectStore:
        if self._store is None:
            try:
                self._store = await self.js.object_store(self.bucket)
            except (BucketNotFoundError, NotFoundError):
                self._store = await self.js.create_object_store(self.bucket)
        return self._store

    async def put(self, data: bytes) -> str:
        key = sha256_hex(data)
        try:
            obs = await self._obs()
            if not await self._exists(obs, key):  # content-addressed: same bytes, same key
                await obs.put(key, data)
        except (NatsTimeoutError, TimeoutError, ConnectionError) as exc:
            raise DependencyUnavailable(f"object store put {key}: {exc!r}") from exc
        return key

    @staticmethod
    async def _exists(obs: ObjectStore, key: str) -> bool:
        try:
            await obs.get_info(key)
        except (ObjectNotFoundError, NotFoundError):
            return False
        return True

    async def get(self, key: str) -> bytes:
        try:
            obs = await self._obs()
            result = await obs.get(key)
        except (ObjectNotFoundError, NotFoundError):
            raise BlobMissing(f"object store has no blob {key}") from None
        except (NatsTimeoutError, TimeoutError, ConnectionError) as exc:
            raise DependencyUnavailable(f"object store get {key}: {exc!r}") from exc
        data: bytes = result.data or b""
        return data
