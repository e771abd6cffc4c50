"""Fetched bytes in the JetStream Object Store: whole, verified, and read without consumers."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

import nats
import pytest
from nats.js.errors import NotFoundError

from shared.blobs import NatsBlobStore
from shared.embedded_nats import EmbeddedNats
from shared.errors import BlobMissing

pytestmark = pytest.mark.integration


async def test_blobs_of_every_size_come_back_whole_and_reads_leave_no_consumers(
    nats_server: EmbeddedNats,
) -> None:
    client = await nats.connect(nats_server.url)
    try:
        store = NatsBlobStore(client.jetstream(), "test-blobs")
        for size in (0, 1, 128 * 1024, 128 * 1024 + 1, 2_500_000):  # chunk edges, many chunks
            data = os.urandom(size)
            key = await store.put(data)
            assert await store.put(data) == key  # content-addressed: stored once
            assert await store.get(key) == data
        for _ in range(200):  # a replay reads fast; each read used to leave a consumer behind
            await store.get(key)
        info = await client.jetstream().stream_info("OBJ_test-blobs")
        assert info.state.consumer_count == 0
        with pytest.raises(BlobMissing):
            await store.get("0" * 64)
    finally:
        await client.close()


async def test_blobs_are_read_with_direct_gets_and_confirmed_missing_through_the_leader(
    nats_server: EmbeddedNats, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await nats.connect(nats_server.url)
    try:
        js = client.jetstream()
        store = NatsBlobStore(js, "test-direct")
        data = os.urandom(300 * 1024)  # three chunks
        key = await store.put(data)
        calls: list[bool] = []
        real = js.get_msg

        async def counted(*args: Any, **kwargs: Any) -> Any:
            calls.append(bool(kwargs.get("direct")))
            return await real(*args, **kwargs)

        monkeypatch.setattr(js, "get_msg", counted)
        assert await store.get(key) == data
        assert calls == [True] * 4  # the description, then each chunk: one get each

        # A replica that does not have the object yet answers "not found": the leader decides.
        async def behind(*args: Any, **kwargs: Any) -> Any:
            calls.append(bool(kwargs.get("direct")))
            if kwargs.get("direct"):
                raise NotFoundError
            return await real(*args, **kwargs)

        calls.clear()
        monkeypatch.setattr(js, "get_msg", behind)
        assert await store.get(key) == data
        assert calls == [True, False, False, False, False]
        with pytest.raises(BlobMissing):
            await store.get("0" * 64)
    finally:
        await client.close()


async def test_a_bucket_without_direct_gets_is_read_through_the_stream_api(
    nats_server: EmbeddedNats, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await nats.connect(nats_server.url)
    try:
        js = client.jetstream()
        await NatsBlobStore(js, "test-nodirect").put(b"created")
        info = await js.stream_info("OBJ_test-nodirect")
        await js.update_stream(replace(info.config, allow_direct=False))
        store = NatsBlobStore(js, "test-nodirect")
        data = os.urandom(200 * 1024)
        key = await store.put(data)
        calls: list[bool] = []
        real = js.get_msg

        async def counted(*args: Any, **kwargs: Any) -> Any:
            calls.append(bool(kwargs.get("direct")))
            return await real(*args, **kwargs)

        monkeypatch.setattr(js, "get_msg", counted)
        assert await store.get(key) == data
        assert calls == [False, False, False]
        assert await store.get(await store.put(b"")) == b""
        with pytest.raises(BlobMissing):
            await store.get("0" * 64)
    finally:
        await client.close()
