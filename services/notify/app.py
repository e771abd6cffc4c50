"""FastStream wiring of notify: its durable consumer and the routes to its use cases."""

from __future__ import annotations

from faststream.nats import NatsBroker

from services.notify.service import NotifyService
from shared.bus import ACK_WAIT_SECONDS
from shared.clock import Clock
from shared.consume import Route, subscribe_service
from shared.events import FILING_OVERDUE, FILING_RECORDED, FilingOverdue, FilingRecorded

SERVICE = "notify"


def routes(service: NotifyService) -> dict[str, Route]:
    """The subjects notify consumes and the use case each one calls (a replay uses them too)."""

    async def on_filing_recorded(event: FilingRecorded) -> None:
        await service.handle_filing_recorded(event)

    async def on_filing_overdue(event: FilingOverdue) -> None:
        await service.handle_filing_overdue(event)

    return {
        FILING_RECORDED: Route(FilingRecorded, on_filing_recorded),
        FILING_OVERDUE: Route(FilingOverdue, on_filing_overdue),
    }


def register(
    broker: NatsBroker,
    service: NotifyService,
    clock: Clock,
    batch_size: int = 16,
    ack_wait: float = ACK_WAIT_SECONDS,
) -> None:
    """Subscribe notify to `filing.recorded` and `filing.overdue`."""
    subscribe_service(
        broker, SERVICE, routes(service), clock, batch_size=batch_size, ack_wait=ack_wait
    )
