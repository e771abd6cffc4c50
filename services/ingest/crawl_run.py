"""One crawl of one source, as it goes: its counters, its outcome, and what is kept of it.

The crawl (`service.py`) counts into a `CrawlRun`; at the end the run judges itself (a crawl
that read pages yet found nothing is `empty`, not `ok`) and becomes the `source.checked` event
and the source's memory for the next crawl. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.ingest.fetch_types import Blocked, FetchError
from services.ingest.state import SourceState
from shared.clock import Clock
from shared.events import SourceChecked, SourceStatus, stable_id
from shared.sources import AgencySpec, SourceSpec

ERROR_SAMPLES = 3  # failed pages named in the reason; the count says how many there were


@dataclass
class CrawlRun:
    """Counters and outcome of one crawl of one source."""

    agency: AgencySpec
    source: SourceSpec
    source_id: str
    started_at: datetime
    backfill: bool
    list_pages: int = 0
    items: int = 0
    candidates: int = 0
    fetched: int = 0
    unchanged: int = 0
    errors: int = 0
    status: SourceStatus = "ok"
    reason: str | None = None
    error_samples: list[str] = field(default_factory=list)

    def note_error(self, exc: FetchError) -> None:
        """A page failed and the crawl goes on: counted, and the first few named."""
        self.errors += 1
        if len(self.error_samples) < ERROR_SAMPLES:
            self.error_samples.append(f"{exc.url}: {exc}")

    def fail(self, exc: FetchError) -> None:
        """The crawl stops here: blocked by the portal, or failed (the first list page, ...)."""
        self.status = "blocked" if isinstance(exc, Blocked) else "failed"
        self.reason = f"{exc} at {exc.url}"

    def judge(self, previous: SourceState | None) -> None:
        """Turn a silent zero into `empty`, with a reason an operator can act on.

        No items at all, or no report-like items where the last crawl found some (the column
        moved, or its markup changed), is `empty`; an `ok` run with failed pages says so.
        """
        seen_before = previous.candidates_seen if previous else 0
        if self.status == "ok" and self.items == 0:
            self.status = "empty"
            self.reason = f"the list pages ({self.list_pages} read) gave no items"
        elif self.status == "ok" and self.candidates == 0 and seen_before > 0:
            self.status = "empty"
            self.reason = (
                f"no report-like items among {self.items} where the last crawl found "
                f"{seen_before}: has the column moved or changed its markup?"
            )
        if self.status == "ok" and self.errors:
            self.reason = f"{self.errors} page(s) failed, e.g. " + "; ".join(self.error_samples)

    def source_checked(self, clock: Clock) -> SourceChecked:
        """The `source.checked` event of this run; its id is stable per source and start."""
        return SourceChecked(
            event_id=stable_id("source.checked", self.source_id, self.started_at.isoformat()),
            occurred_at=clock(),
            source_id=self.source_id,
            agency_id=self.agency.id,
            list_url=self.source.list_url,
            status=self.status,
            reason=self.reason,
            started_at=self.started_at,
            finished_at=clock(),
            list_pages=self.list_pages,
            items=self.items,
            candidates=self.candidates,
            fetched=self.fetched,
            unchanged=self.unchanged,
            errors=self.errors,
            first_crawl=self.backfill,
        )

    def source_state(self, previous: SourceState | None) -> SourceState:
        """What the next crawl of this source remembers: a failed run keeps the old counts."""
        seen_before = previous.candidates_seen if previous else 0
        return SourceState(
            last_started=self.started_at,
            ever_ok=bool(previous and previous.ever_ok) or self.status == "ok",
            candidates_seen=self.candidates if self.status == "ok" else seen_before,
        )
