"""Malformed and oversized events on `document.fetched`: each ends as a dead letter on
`nianbao.dlq.extract.v1` with its reason and the original payload, never as a crash or a loop.

Runs extract alone on FastStream's in-memory broker. NATS refuses messages over its
`max_payload` (1 MiB by default), so dead letters and results must stay under it.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from faststream.nats import JStream, NatsBroker, NatsMessage, TestNatsBroker

from services.extract import app as extract_app
from services.extract.service import ExtractService
from shared.blobs import MemoryBlobStore
from shared.bus import STREAM_NAME, publish_event
from shared.consume import decode_event
from shared.errors import InvalidEvent
from shared.events import DOCUMENT_FETCHED, REPORT_EXTRACTED, DocumentFetched, Event, stable_id
from tests.conftest import FakeClock
from tests.hostile.corpus import report_page

pytestmark = pytest.mark.broker

DLQ = "nianbao.dlq.extract.v1"
NATS_MAX_PAYLOAD = 1024 * 1024


def valid_event(blob_key: str = "0" * 64, **overrides: Any) -> dict[str, Any]:
    event = DocumentFetched(
        event_id=stable_id("document.fetched", blob_key),
        occurred_at=datetime(2025, 3, 7, tzinfo=UTC),
        source_id="km-kjj#0",
        agency_id="km-kjj",
        agency_name="昆明市科学技术局",
        region_code="530100",
        url="https://kjj.km.gov.cn/xxgk/fzzf/202503/t20250306_1.html",
        list_url=None,
        content_type="text/html",
        declared_charset=None,
        blob_key=blob_key,
        sha256=blob_key,
        size=1,
        fetched_at=datetime(2025, 3, 7, tzinfo=UTC),
    )
    return {**event.model_dump(mode="json"), **overrides}


_VALID = json.dumps(valid_event())
BAD_PAYLOADS: dict[str, bytes] = {
    "empty": b"",
    "junk bytes": random.Random(3).randbytes(4096),
    "invalid JSON": b'{"event_id": "abc", ',
    "JSON null": b"null",
    "JSON array": b"[1, 2, 3]",
    "JSON string": b'"document"',
    "nested JSON": b"[" * 900 + b"]" * 900,  # deeper: see the test below
    "wrong types": json.dumps(valid_event(size="big", backfill="maybe", occurred_at=5)).encode(),
    "missing fields": b'{"event_id": "0123456789abcdef"}',
    "lone surrogate": _VALID.replace('"km-kjj#0"', '"km\\ud800"').encode(),
    "NUL in JSON": _VALID.replace('"km-kjj#0"', '"km\\u0000"').encode(),
    "event id too long": json.dumps(valid_event(event_id="x" * 10_000)).encode(),
    "900 KB of junk": random.Random(9).randbytes(900 * 1024),
    "900 KB valid event, no blob": json.dumps(valid_event(title_hint="法" * 300_000)).encode(),
    "UTF-16 JSON": _VALID.encode("utf-16"),
}


def build(clock: FakeClock) -> tuple[NatsBroker, MemoryBlobStore, list[NatsMessage], list[Any]]:
    broker = NatsBroker()
    blobs = MemoryBlobStore()
    letters: list[NatsMessage] = []
    results: list[Any] = []

    async def publish(subject: str, event: Event) -> None:
        await publish_event(broker, subject, event)

    extract_app.register(broker, ExtractService(blobs=blobs, publish=publish, clock=clock), clock)

    @broker.subscriber(DLQ, stream=JStream(STREAM_NAME, declare=False))
    async def on_dead_letter(msg: NatsMessage) -> None:
        letters.append(msg)

    @broker.subscriber(REPORT_EXTRACTED, stream=JStream(STREAM_NAME, declare=False))
    async def on_result(msg: NatsMessage) -> None:
        results.append(msg)

    return broker, blobs, letters, results


@pytest.mark.parametrize("name", list(BAD_PAYLOADS))
async def test_a_bad_event_ends_as_one_dead_letter_with_its_reason(
    clock: FakeClock, name: str
) -> None:
    payload = BAD_PAYLOADS[name]
    broker, _, letters, results = build(clock)
    async with TestNatsBroker(broker) as test_broker:
        await test_broker.publish(payload, DOCUMENT_FETCHED)
    assert results == []
    assert len(letters) == 1, f"{len(letters)} dead letters"
    letter = json.loads(letters[0].body)
    assert letter["error_type"] in ("InvalidEvent", "BlobMissing"), letter["error_type"]
    assert letter["reason"]
    assert letter["original_subject"] == DOCUMENT_FETCHED
    assert letter["service"] == "extract"
    full = payload.decode("utf-8", "replace")
    assert letter["original_size"] == len(payload)
    if letter["original_truncated"]:  # cut so the letter fits in one NATS message
        assert 0 < len(letter["original_data"]) < len(full)
        assert full.startswith(letter["original_data"].rstrip("\ufffd"))
    else:
        assert letter["original_data"] == full


async def test_a_dead_letter_fits_in_one_nats_message(clock: FakeClock) -> None:
    name = "900 KB of junk"
    broker, _, letters, _ = build(clock)
    async with TestNatsBroker(broker) as test_broker:
        await test_broker.publish(BAD_PAYLOADS[name], DOCUMENT_FETCHED)
    sizes = [len(letter.body) for letter in letters]
    print(f"\n{name}: dead letter of {sizes} bytes")
    assert sizes
    assert max(sizes) <= NATS_MAX_PAYLOAD


def test_json_nested_100k_deep_is_an_invalid_event_not_a_recursion_error() -> None:
    """FastStream's test broker itself decodes every body with the stdlib json module, which
    overflows the stack on this payload before extract sees it, so the contract is checked at
    the one place the real consumer decodes (settle → decode_event)."""
    with pytest.raises(InvalidEvent):
        decode_event(DocumentFetched, b"[" * 100_000 + b"]" * 100_000, DOCUMENT_FETCHED)
    with pytest.raises(InvalidEvent):
        decode_event(DocumentFetched, b'{"a":' * 100_000 + b"1" + b"}" * 100_000, DOCUMENT_FETCHED)


async def test_the_result_of_a_large_report_page_fits_in_one_nats_message(
    clock: FakeClock,
) -> None:
    broker, blobs, letters, results = build(clock)
    page = report_page("昆明市科学技术局", "2023年").replace(
        "<p>二、存在的不足和原因</p>",
        "<p>开展学法12次。</p>" * 150_000 + "<p>二、存在的不足和原因</p>",
    )
    key = await blobs.put(page.encode())
    async with TestNatsBroker(broker) as test_broker:
        await test_broker.publish(json.dumps(valid_event(key)).encode(), DOCUMENT_FETCHED)
    assert letters == []
    assert len(results) == 1
    print(
        f"\nreport.extracted of a {len(page.encode()) / 1e6:.1f} MB page: {len(results[0].body)} bytes"
    )
    assert len(results[0].body) <= NATS_MAX_PAYLOAD
