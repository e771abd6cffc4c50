"""`nianbao nats provision`: streams and every bucket, idempotent, also after services made some."""

from __future__ import annotations

from pathlib import Path

import nats
import pytest

from shared.blobs import NatsBlobStore
from shared.bus import BLOB_BUCKET
from shared.embedded_nats import EmbeddedNats
from tests.e2e.command import run

pytestmark = pytest.mark.integration

EXPECTED = {
    "NIANBAO",
    "NIANBAO_ADVISORIES",
    "KV_nianbao-ingest",
    "KV_nianbao-hosts",
    "KV_nianbao-dlq",
    f"OBJ_{BLOB_BUCKET}",
}


async def stream_names(url: str) -> set[str]:
    client = await nats.connect(url)
    try:
        return {info.config.name for info in await client.jetstream().streams_info()}
    finally:
        await client.close()


async def test_provision_creates_streams_and_buckets_and_can_run_again(
    nats_server: EmbeddedNats, tmp_path: Path, env: dict[str, str]
) -> None:
    client = await nats.connect(nats_server.url)
    await NatsBlobStore(client.jetstream(), BLOB_BUCKET).put(b"made by a service first")
    await client.close()
    env = {**env, "NIANBAO_NATS_URL": nats_server.url}
    for _ in range(2):
        result = run(["nats", "provision", "--replicas", "1"], env, tmp_path)
        assert result.returncode == 0, result.stderr
        assert "nianbao-documents" in result.stdout
    assert await stream_names(nats_server.url) == EXPECTED
