"""Extract's use case with fakes: results published, unreadable documents dead-lettered."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.extract import service as service_module
from services.extract.core import EXTRACTOR_VERSION, extract_document
from services.extract.formats import UndecodableDocument, UnsupportedFormat
from services.extract.service import ExtractService, extracted_event_id
from shared.blobs import MemoryBlobStore
from shared.errors import PermanentError
from shared.events import REPORT_EXTRACTED, DocumentFetched, Event, ReportExtracted
from tests.conftest import FakeClock

pytestmark = pytest.mark.unit

SEED = Path(__file__).resolve().parents[2] / "services" / "demo_portal" / "seeds"


class Published:
    def __init__(self) -> None:
        self.events: list[tuple[str, Event]] = []

    async def __call__(self, subject: str, event: Event) -> None:
        self.events.append((subject, event))


async def fetched(
    blobs: MemoryBlobStore, content: bytes, content_type: str | None
) -> DocumentFetched:
    key = await blobs.put(content)
    return DocumentFetched(
        event_id="document-1",
        occurred_at=datetime(2025, 4, 10, tzinfo=UTC),
        source_id="km-kjj-1",
        agency_id="km-kjj",
        agency_name="昆明市科学技术局",
        region_code="530100",
        url="https://kjj.km.gov.cn/a/W020250306.doc",
        list_url=None,
        content_type=content_type,
        declared_charset=None,
        blob_key=key,
        sha256=key,
        size=len(content),
        fetched_at=datetime(2025, 4, 10, tzinfo=UTC),
    )


async def test_a_report_is_extracted_off_the_event_loop_and_published(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blobs, publish = MemoryBlobStore(), Published()
    threads: list[threading.Thread] = []
    real = extract_document

    def spy(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service_module, "extract_document", spy)
    event = await fetched(blobs, (SEED / "003_270951ed5cca0aaf.txt").read_bytes(), "text/plain")
    result = await ExtractService(blobs, publish, FakeClock()).extract(event)
    assert threads
    assert threads[0] is not threading.main_thread()
    assert publish.events == [(REPORT_EXTRACTED, result)]
    assert isinstance(result, ReportExtracted)
    assert result.event_id == extracted_event_id("document-1")
    assert result.extraction.extractor_version == EXTRACTOR_VERSION
    assert (result.extraction.is_annual_report, result.extraction.agency) == (
        True,
        "昆明市科学技术局",
    )


@pytest.mark.parametrize(
    ("content", "content_type", "error", "reason"),
    [
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
            "application/msword",
            UnsupportedFormat,
            "DOC",
        ),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "application/pdf", UndecodableDocument, "PDF"),
    ],
    ids=["doc", "broken pdf"],
)
async def test_unreadable_documents_raise_a_permanent_error_with_context(
    content: bytes, content_type: str, error: type[PermanentError], reason: str
) -> None:
    blobs, publish = MemoryBlobStore(), Published()
    event = await fetched(blobs, content, content_type)
    with pytest.raises(error) as caught:
        await ExtractService(blobs, publish, FakeClock()).extract(event)
    assert isinstance(caught.value, PermanentError)
    assert reason in str(caught.value)
    assert (caught.value.event_id, caught.value.url) == ("document-1", event.url)
    assert publish.events == []


async def test_documents_are_extracted_one_at_a_time_on_the_one_extraction_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A fetched batch is handled concurrently; its extractions share one thread rather than
    # contending for the GIL from several.
    blobs, publish = MemoryBlobStore(), Published()
    threads: set[threading.Thread] = set()
    running, overlapped = [0], [False]
    real = extract_document

    def spy(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        threads.add(threading.current_thread())
        running[0] += 1
        overlapped[0] |= running[0] > 1
        try:
            return real(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            running[0] -= 1

    monkeypatch.setattr(service_module, "extract_document", spy)
    content = (SEED / "003_270951ed5cca0aaf.txt").read_bytes()
    service = ExtractService(blobs, publish, FakeClock())
    events = []
    for number in range(4):
        event = await fetched(blobs, content + b"\n" * number, "text/plain")
        events.append(event.model_copy(update={"event_id": f"document-{number}"}))
    results = await asyncio.gather(*(service.extract(event) for event in events))
    assert [r.document_event_id for r in results] == [e.event_id for e in events]
    assert len(publish.events) == 4
    assert len(threads) == 1
    (thread,) = threads
    assert thread is not threading.main_thread()
    assert thread.name.startswith("nianbao-extract")
    assert not overlapped[0]


def test_the_warm_up_extracts_with_the_core_on_the_extraction_thread_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def replaced(*args: object, **kwargs: object) -> None:
        raise AssertionError("the warm-up must not go through the name tests replace")

    monkeypatch.setattr(service_module, "extract_document", replaced)
    warm = service_module.warm_up()
    assert warm.result(timeout=60) is None
    assert service_module.warm_up() is warm  # once per process
