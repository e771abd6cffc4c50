"""Where fetched bytes live: the JetStream Object Store, keyed by their sha256.

Events stay small and carry the key; the same bytes fetched twice are stored once.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import secrets
from datetime import UTC, datetime
from typing import Protocol

from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import Header, ObjectInfo, ObjectMetaOptions
from nats.js.errors import APIError, BucketNotFoundError, NotFoundError, ObjectNotFoundError
from nats.js.object_store import OBJ_DEFAULT_CHUNK_SIZE, ObjectStore

from shared.errors import BlobMissing, DependencyUnavailable

CHUNK_SIZE = OBJ_DEFAULT_CHUNK_SIZE  # bytes per chunk message, as nats-py writes objects
WRONG_LAST_SEQUENCE = {10071, 10164}  # JetStream: the subject moved on since it was read


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
        """Store `data` under its sha256 (once: the same bytes are never stored twice).

        Written in nats-py's object format (its `ObjectStore.get` reads these objects), but with
        fewer round trips than its `put`: one direct get to see whether the bytes are there, the
        chunks, and the description published only if no other writer stored it meanwhile (the
        description's subject must still be at the sequence seen; the loser drops its chunks).
        """
        key = sha256_hex(data)
        try:
            await self._obs()
            seen = await self._description_seq(key)
            if seen is not None:
                await self._put_new(key, data, expected_seq=seen)
        except (NatsTimeoutError, TimeoutError, ConnectionError, NoRespondersError) as exc:
            raise DependencyUnavailable(f"object store put {key}: {exc!r}") from exc
        return key

    def _meta_subject(self, key: str) -> str:
        """Where nats-py keeps the description of object `key`."""
        return f"$O.{self.bucket}.M.{base64.urlsafe_b64encode(key.encode()).decode()}"

    def _chunks_subject(self, nuid: str) -> str:
        """Where nats-py keeps the chunks of the object described with `nuid`."""
        return f"$O.{self.bucket}.C.{nuid}"

    async def _description_seq(self, key: str) -> int | None:
        """None when `key` is stored; else the sequence its description subject is at (0: none)."""
        try:
            meta = await self.js.get_msg(
                self._stream, subject=self._meta_subject(key), direct=self._direct
            )
        except NotFoundError:
            return 0
        try:
            deleted = bool(json.loads(meta.data or b"").get("deleted"))
        except (ValueError, AttributeError):
            deleted = True  # an unreadable description: store the bytes again over it
        return int(meta.seq or 0) if deleted else None

    async def _put_new(self, key: str, data: bytes, *, expected_seq: int) -> None:
        """Write the chunks, then the description (its digest is the key: the bytes' sha256)."""
        nuid = secrets.token_hex(11)
        chunks_subject = self._chunks_subject(nuid)
        try:
            chunks = 0
            for start in range(0, len(data), CHUNK_SIZE):
                await self.js.publish(chunks_subject, data[start : start + CHUNK_SIZE])
                chunks += 1
            info = ObjectInfo(
                name=key,
                bucket=self.bucket,
                nuid=nuid,
                size=len(data),
                chunks=chunks,
                mtime=datetime.now(UTC).isoformat(),
                digest="SHA-256=" + base64.urlsafe_b64encode(bytes.fromhex(key)).decode(),
                options=ObjectMetaOptions(max_chunk_size=CHUNK_SIZE),
            )
            await self.js.publish(
                self._meta_subject(key),
                json.dumps(info.as_dict()).encode(),
                headers={
                    Header.ROLLUP: "sub",
                    Header.EXPECTED_LAST_SUBJECT_SEQUENCE: str(expected_seq),
                },
            )
        except APIError as exc:
            await self._purge_quietly(chunks_subject)
            if exc.err_code not in WRONG_LAST_SEQUENCE:
                raise DependencyUnavailable(f"object store put {key}: {exc!r}") from exc
            # another writer stored the same bytes first: theirs stay, these chunks go
        except BaseException:
            await asyncio.shield(self._purge_quietly(chunks_subject))
            raise

    async def _purge_quietly(self, subject: str) -> None:
        with contextlib.suppress(Exception):
            await self.js.purge_stream(self._stream, subject=subject)

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
        meta = await self.js.get_msg(self._stream, subject=self._meta_subject(key), direct=direct)
        try:
            info = json.loads(meta.data or b"")
            nuid, total, deleted = info["nuid"], int(info.get("size") or 0), info.get("deleted")
        except (ValueError, KeyError, TypeError) as exc:
            raise DependencyUnavailable(f"object store has a broken description of {key}") from exc
        if deleted:
            raise ObjectNotFoundError
        if not total:
            return b""
        subject = self._chunks_subject(nuid)
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
