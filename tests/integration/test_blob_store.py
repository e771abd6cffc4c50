"""Fetched bytes in the JetStream Object Store: whole, verified, and read without consumers."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import nats
import pytest
from nats.js.errors import NotFoundError

from shared.blobs import NatsBlobStore
from shared.embedded_nats import EmbeddedNats
from shared.errors import BlobMissing

pytestmark = pytest.mark.integration


def record_calls(
    monkeypatch: pytest.MonkeyPatch,
    js: Any,
    method: str,
    calls: list[Any],
    label: Callable[[dict[str, Any]], Any],
) -> None:
    """Make every call of `js.<method>` append `label(its keyword arguments)` to `calls`."""
    real = getattr(js, method)

    async def recorded(*args: Any, **kwargs: Any) -> Any:
        calls.append(label(kwargs))
        return await real(*args, **kwargs)

    monkeypatch.setattr(js, method, recorded)


def direct(kwargs: dict[str, Any]) -> bool:
    """Whether a get was asked as a direct get."""
    return bool(kwargs.get("direct"))


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
        record_calls(monkeypatch, js, "get_msg", calls, direct)
        assert await store.get(key) == data
        assert calls == [True] * 4  # the description, then each chunk: one get each

        # A replica that does not have the object yet answers "not found": the leader decides.
        async def behind(*args: Any, **kwargs: Any) -> Any:
            calls.append(direct(kwargs))
            if direct(kwargs):
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
        record_calls(monkeypatch, js, "get_msg", calls, direct)
        assert await store.get(key) == data
        assert calls == [False, False, False]
        assert await store.get(await store.put(b"")) == b""
        with pytest.raises(BlobMissing):
            await store.get("0" * 64)
    finally:
        await client.close()


async def test_blobs_are_written_in_nats_pys_object_format_with_few_round_trips(
    nats_server: EmbeddedNats, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await nats.connect(nats_server.url)
    try:
        js = client.jetstream()
        store = NatsBlobStore(js, "test-format")
        await store.put(b"warm-up")  # the bucket exists from here on
        calls: list[str] = []
        record_calls(monkeypatch, js, "get_msg", calls, lambda _: "get")
        record_calls(monkeypatch, js, "publish", calls, lambda _: "publish")
        data = os.urandom(200 * 1024)
        key = await store.put(data)
        assert calls == ["get", "publish", "publish", "publish"]  # is it there? 2 chunks, meta
        calls.clear()
        assert await store.put(data) == key
        assert calls == ["get"]  # already stored: nothing written

        # nats-py reads what the store wrote, digest and all
        monkeypatch.undo()
        obs = await js.object_store("test-format")
        assert (await obs.get(key)).data == data
        # and an object deleted through nats-py can be stored again
        await obs.delete(key)
        with pytest.raises(BlobMissing):
            await store.get(key)
        assert await store.put(data) == key
        assert await store.get(key) == data
    finally:
        await client.close()


async def test_two_writers_of_the_same_bytes_leave_one_object_and_no_stray_chunks(
    nats_server: EmbeddedNats,
) -> None:
    clients = [await nats.connect(nats_server.url) for _ in range(4)]
    try:
        stores = [NatsBlobStore(c.jetstream(), "test-race") for c in clients]
        for store in stores:  # the first creates the bucket
            await store.put(b"warm-up")
        data = os.urandom(300 * 1024)  # three chunks each
        keys = await asyncio.gather(*(store.put(data) for store in stores))
        assert len(set(keys)) == 1
        assert await stores[0].get(keys[0]) == data
        info = await clients[0].jetstream().stream_info("OBJ_test-race", subjects_filter=">")
        subjects = info.state.subjects or {}
        chunk_subjects = [s for s in subjects if ".C." in s]
        # warm-up's one chunk, and one set of chunks for the data: the losers purged theirs
        assert len(chunk_subjects) == 2, subjects
        assert sum(subjects[s] for s in chunk_subjects) == 1 + 3
    finally:
        for c in clients:
            await c.close()
