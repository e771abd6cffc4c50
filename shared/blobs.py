"""Where fetched bytes live: the JetStream Object Store, keyed by their sha256.

Events stay small and carry the key; the same bytes fetched twice are stored once.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.errors import APIError, BucketNotFoundError, NotFoundError, ObjectNotFoundError
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
        """The bytes stored under `key`, read chunk by chunk with stream message gets.

        nats-py's `ObjectStore.get` creates an ordered consumer for every read; at a hundred
        reads a second (a replay) the server refused new consumers ("maximum consumers limit
        reached"). Reading each chunk by subject needs no consumer at all.
        """
        try:
            obs = await self._obs()
            info = await obs.get_info(key)
            if not info.size:
                return b""
            subject = f"$O.{self.bucket}.C.{info.nuid}"
            stream = f"OBJ_{self.bucket}"
            chunks: list[bytes] = []
            size, seq = 0, 1
            while size < info.size:
                message = await self.js.get_msg(stream, seq=seq, subject=subject, next=True)
                data = message.data or b""
                chunks.append(data)
                size += len(data)
                seq = (message.seq or seq) + 1
        except (ObjectNotFoundError, NotFoundError):
            raise BlobMissing(f"object store has no blob {key}") from None
        except (NatsTimeoutError, TimeoutError, ConnectionError, APIError) as exc:
            raise DependencyUnavailable(f"object store get {key}: {exc!r}") from exc
        content = b"".join(chunks)
        if sha256_hex(content) != key:  # content-addressed: the key is the digest
            raise DependencyUnavailable(f"object store returned bytes that do not match {key}")
        return content
