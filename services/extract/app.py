"""FastStream wiring of extract: its durable consumer and the route to its use case."""

from __future__ import annotations

from faststream.nats import NatsBroker

from services.extract.service import ExtractService, warm_up
from shared.bus import ACK_WAIT_SECONDS
from shared.clock import Clock
from shared.consume import Route, subscribe_service
from shared.events import DOCUMENT_FETCHED, DocumentFetched

SERVICE = "extract"


def routes(service: ExtractService) -> dict[str, Route]:
    """The subject extract consumes and the use case it calls (a replay uses it too)."""

    async def on_document_fetched(event: DocumentFetched) -> None:
        await service.extract(event)

    return {DOCUMENT_FETCHED: Route(DocumentFetched, on_document_fetched)}


def register(
    broker: NatsBroker,
    service: ExtractService,
    clock: Clock,
    batch_size: int = 8,
    ack_wait: float = ACK_WAIT_SECONDS,
) -> None:
    """Subscribe extract to `document.fetched`, and warm the extraction core up meanwhile."""
    subscribe_service(
        broker, SERVICE, routes(service), clock, batch_size=batch_size, ack_wait=ack_wait
    )
    warm_up()  # on the extraction thread: the first documents queue behind it there
