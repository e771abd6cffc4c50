"""Where fetched bytes live: the JetStream Object Store, keyed by their sha256.

Events stay small and carry the key; the same bytes fetched twice are stored once.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Protocol

from nats.errors import NoRespondersError
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
        self._stream = f"OBJ_{bucket}"  # the stream nats-py keeps an object store in
        self._direct = False

    async def _obs(self) -> ObjectStore:
        if self._store is None:
            try:
                self._store = await self.js.object_store(self.bucket)
            except (BucketNotFoundError, NotFoundError):
                self._store = await self.js.create_object_store(self.bucket)
            info = await self.js.stream_info(self._stream)
            self._direct = bool(info.config.allow_direct)
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

        When the bucket's stream allows direct gets (nats-py creates object stores so), the
        description and the chunks are read with them: the raw message comes back, without the
        JSON and base64 wrapping of the stream API (less work for the client and the server). A
        replica may answer a direct get before it has the object: "not found" is confirmed
        through the stream leader before the blob is called missing.
        """
        try:
            await self._obs()  # and whether the bucket allows direct gets
            if self._direct:
                try:
                    content = await self._read(key, direct=True)
                except (NotFoundError, NoRespondersError):
                    content = await self._read(key, direct=False)
            else:
                content = await self._read(key, direct=False)
        except (ObjectNotFoundError, NotFoundError):
            raise BlobMissing(f"object store has no blob {key}") from None
        except (
            NatsTimeoutError,
            TimeoutError,
            ConnectionError,
            APIError,
            NoRespondersError,
        ) as exc:
            raise DependencyUnavailable(f"object store get {key}: {exc!r}") from exc
        if sha256_hex(content) != key:  # content-addressed: the key is the digest
            raise DependencyUnavailable(f"object store returned bytes that do not match {key}")
        return content

    async def _read(self, key: str, *, direct: bool) -> bytes:
        """The object's description (its chunks' subject, its size), then its chunks in order."""
        name = base64.urlsafe_b64encode(key.encode()).decode()
        meta = await self.js.get_msg(
            self._stream, subject=f"$O.{self.bucket}.M.{name}", direct=direct
        )
        try:
            info = json.loads(meta.data or b"")
            nuid, total, deleted = info["nuid"], int(info.get("size") or 0), info.get("deleted")
        except (ValueError, KeyError, TypeError) as exc:
            raise DependencyUnavailable(f"object store has a broken description of {key}") from exc
        if deleted:
            raise ObjectNotFoundError
        if not total:
            return b""
        subject = f"$O.{self.bucket}.C.{nuid}"
        chunks: list[bytes] = []
        size, seq = 0, 1
        while size < total:
            message = await self.js.get_msg(
                self._stream, seq=seq, subject=subject, next=True, direct=direct
            )
            data = message.data or b""
            chunks.append(data)
            size += len(data)
            seq = (message.seq or seq) + 1
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
