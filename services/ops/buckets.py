"""Provisioning the key-value and object buckets with the cluster's replica count.

The services create their buckets on first use with one replica, which is right on one machine;
in a three-node NATS cluster a one-replica bucket loses its data with its node, so
`nianbao nats provision --replicas 3` creates them (or raises an existing one) to the given count.
"""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, ObjectStoreConfig, StorageType
from nats.js.errors import BadRequestError, NotFoundError

from services.ingest.gate import GATE_BUCKET, GATE_TTL_SECONDS
from services.ingest.state import STATE_BUCKET
from services.ops.dlq import REDRIVE_BUCKET
from shared.bus import BLOB_BUCKET

KEY_VALUE_BUCKETS: dict[str, float | None] = {  # name → TTL of its keys
    STATE_BUCKET: None,
    GATE_BUCKET: GATE_TTL_SECONDS,
    REDRIVE_BUCKET: None,
}


async def _replicate(js: JetStreamContext, stream: str, replicas: int) -> None:
    config = (await js.stream_info(stream)).config
    if config.num_replicas != replicas:
        config.num_replicas = replicas
        await js.update_stream(config)


async def provision_buckets(js: JetStreamContext, replicas: int) -> list[str]:
    """Create every bucket with `replicas` replicas, or bring existing ones to it."""
    done = []
    for name, ttl in KEY_VALUE_BUCKETS.items():
        try:
            await js.stream_info(f"KV_{name}")
        except NotFoundError:
            await js.create_key_value(
                KeyValueConfig(
                    bucket=name,
                    history=1,
                    ttl=ttl,
                    storage=StorageType.FILE,
                    replicas=replicas,
                )
            )
        else:
            await _replicate(js, f"KV_{name}", replicas)
        done.append(name)
    try:
        await js.stream_info(f"OBJ_{BLOB_BUCKET}")
    except NotFoundError:
        try:
            await js.create_object_store(
                BLOB_BUCKET,
                ObjectStoreConfig(
                    bucket=BLOB_BUCKET,
                    storage=StorageType.FILE,
                    replicas=replicas,
                ),
            )
        except BadRequestError:  # created meanwhile by a service starting up
            await _replicate(js, f"OBJ_{BLOB_BUCKET}", replicas)
    else:
        await _replicate(js, f"OBJ_{BLOB_BUCKET}", replicas)
    done.append(BLOB_BUCKET)
    return done
