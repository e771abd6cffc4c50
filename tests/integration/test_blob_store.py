"""Fetched bytes in the JetStream Object Store: whole, verified, and read without consumers."""

from __future__ import annotations

import os

import nats
import pytest

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
