"""FastStream wiring of extract: its durable consumer and the route to its use case."""

from __future__ import annotations

from faststream.nats import NatsBroker

from services.extract.service import ExtractService, warm_up
from shared.bus import ACK_WAIT_SECONDS, Route, subscribe_service
from shared.clock import Clock
from shared.events import DOCUMENT_FETCHED, DocumentFetched

SERVICE = "extract"


def register(
    broker: NatsBroker,
    service: ExtractService,
    clock: Clock,
    batch_size: int = 8,
    ack_wait: float = ACK_WAIT_SECONDS,
) -> None:
    """Subscribe extract to `document.fetched`, and warm the extraction core up meanwhile."""

    async def on_document_fetched(event: DocumentFetched) -> None:
        await service.extract(event)

    routes = {DOCUMENT_FETCHED: Route(DocumentFetched, on_document_fetched)}
    subscribe_service(broker, SERVICE, routes, clock, batch_size=batch_size, ack_wait=ack_wait)
    warm_up()  # on the extraction thread: the first documents queue behind it there
