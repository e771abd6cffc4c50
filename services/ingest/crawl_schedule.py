"""Which sources a crawl takes: all of them in file order, or those due now on their intervals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from services.ingest import core
from services.ingest.state import CrawlState
from shared.sources import AgencySpec, SourcesFile

SourceRef = tuple[AgencySpec, int]  # an agency and the index of one of its sources


def source_refs(sources: SourcesFile) -> list[SourceRef]:
    """Every source of every agency, in file order."""
    return [(agency, i) for agency in sources.agencies for i in range(len(agency.sources))]


class CrawlSchedule:
    """When each source is next due (`core.next_crawl_at`), kept from one round to the next.

    A source's first due time comes from its last crawl in the crawl memory, so a restart does
    not crawl everything at once; after that the schedule remembers it.
    """

    def __init__(self, state: CrawlState):
        self._state = state
        self._due: dict[str, datetime] = {}

    async def due_now(self, sources: SourcesFile, now: datetime) -> AsyncIterator[SourceRef]:
        """The sources due at `now`, in file order, each moved on to its next due time."""
        for agency in sources.agencies:
            for index, spec in enumerate(agency.sources):
                source_id = agency.source_id(index)
                interval = timedelta(hours=spec.interval_hours)
                if source_id not in self._due:
                    state = await self._state.get_source(source_id)
                    last_started = state.last_started if state else None
                    self._due[source_id] = core.next_crawl_at(
                        source_id, last_started, interval, now
                    )
                if self._due[source_id] <= now:
                    self._due[source_id] = core.next_crawl_at(source_id, now, interval, now)
                    yield agency, index
