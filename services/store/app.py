"""FastStream wiring of store: its durable consumer and the routes to its use cases."""

from __future__ import annotations

from faststream.nats import NatsBroker

from services.store.service import StoreService
from shared.bus import ACK_WAIT_SECONDS
from shared.clock import Clock
from shared.consume import Route, subscribe_service
from shared.events import REPORT_EXTRACTED, SOURCE_CHECKED, ReportExtracted, SourceChecked

SERVICE = "store"


def routes(service: StoreService) -> dict[str, Route]:
    """The subjects store consumes and the use case each one calls (a replay uses them too)."""

    async def on_report_extracted(event: ReportExtracted) -> None:
        await service.record_extraction(event)

    async def on_source_checked(event: SourceChecked) -> None:
        await service.record_source_check(event)

    return {
        REPORT_EXTRACTED: Route(ReportExtracted, on_report_extracted),
        SOURCE_CHECKED: Route(SourceChecked, on_source_checked),
    }


def register(
    broker: NatsBroker,
    service: StoreService,
    clock: Clock,
    batch_size: int = 16,
    ack_wait: float = ACK_WAIT_SECONDS,
    max_workers: int = 32,
) -> None:
    """Subscribe store to `report.extracted` and `source.checked`.

    Up to `max_workers` events are handled at once so that their transactions are committed
    together (StoreService's group commit); each message is still acked after its own commit.
    """
    subscribe_service(
        broker,
        SERVICE,
        routes(service),
        clock,
        batch_size=batch_size,
        ack_wait=ack_wait,
        max_workers=max_workers,
    )
