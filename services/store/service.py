"""The store's use cases: one function per input event, plus the deadline check and the relay.

Each use case runs in one database transaction that also claims the event in the inbox
(`shared/inbox.py`) and writes the events it causes to the outbox (`shared/outbox.py`). After the
commit the outbox is relayed to NATS; a crash in between leaves the rows for the next relay, and
the deterministic event ids make a second publish harmless. That is what makes "at least once,
effect once" hold for the store. The work itself lives beside this module: agencies in
`agencies.py`, filings in `filings.py`, the deadline checker in `overdue.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from services.store import core, overdue
from services.store.agencies import agency_for, sync_agencies
from services.store.attribution import attribute
from services.store.db.models import Agency, Document, InboxEntry, OutboxEntry, Source
from services.store.disclosure import save_tables
from services.store.filings import MAX_TEXT_IN_DB, record_filing, url_key
from services.store.registry_sync import keep_for_review, resolve_review
from shared import inbox
from shared.clock import Clock
from shared.db import GroupCommit, run_sync, unit_of_work, upsert_row
from shared.events import ReportExtracted, SourceChecked
from shared.outbox import RELAY_BATCH, RawPublisher, Relay
from shared.sources import SourcesFile


@dataclass
class StoreService:
    """The store's use cases, bound to a database and a way to publish events."""

    sessions: sessionmaker[Session]
    publish: RawPublisher
    clock: Clock
    grace_days: int = 3
    rules: tuple[core.DeadlineRule, ...] = field(default=core.NATIONAL_RULES)
    commit_linger: float = 0.0  # seconds an event waits for others to share its commit

    def __post_init__(self) -> None:
        self._relay = Relay(self.sessions, OutboxEntry, self.publish, self.clock)
        # Events handled concurrently (the consumer runs several at once) share commits.
        self._group = GroupCommit(self.sessions, linger=self.commit_linger)

    def sync_agencies(self, sources: SourcesFile) -> None:
        """Upsert the agencies and sources of the sources file; new ones are watched from now."""
        with unit_of_work(self.sessions) as session:
            sync_agencies(session, sources, self.clock())

    # ---- report.extracted ---------------------------------------------------------------------
    async def record_extraction(self, event: ReportExtracted) -> None:
        """Record a fetched document and, if it is a report, its filing (new, reposted or changed)."""
        await self._group.run(lambda session: self._record_extraction(session, event))
        await self._relay.after_commit()

    def _record_extraction(self, session: Session, event: ReportExtracted) -> None:
        if not inbox.claim(session, InboxEntry, event.event_id, "report.extracted", self.clock()):
            return
        extraction = event.extraction
        # The words are the search index's and the fingerprint's input, kept there, not here.
        payload = extraction.model_dump(mode="json", exclude={"words"})
        payload["text"] = payload["text"][:MAX_TEXT_IN_DB]
        filing_id = self._file_report(session, event)
        # One upsert, whether the URL was seen before or not: no lookup, no ORM object.
        upsert_row(
            session,
            Document,
            {
                "url": event.url,
                "url_hash": url_key(event.url),
                "first_seen": event.fetched_at,
                "sha256": event.sha256,
                "source_id": event.source_id,
                "agency_id": event.agency_id,
                "last_seen": event.fetched_at,
                "is_report": extraction.is_annual_report,
                "kind": extraction.kind,
                "report_year": extraction.report_year,
                "title": extraction.title,
                "extractor_version": extraction.extractor_version,
                "extraction": payload,
                "filing_id": filing_id,
            },
            key="url_hash",
            insert_only=("url", "first_seen"),
        )

    def _file_report(self, session: Session, event: ReportExtracted) -> str | None:
        """The filing a fetched document is (recorded now), or None if it is not one."""
        extraction = event.extraction
        if not (
            extraction.is_annual_report and extraction.kind != "other" and extraction.report_year
        ):
            return None
        source = session.get(Source, event.source_id)
        if source is not None and source.covers:
            found = attribute(session, extraction.agency, extraction.region.code, source.covers)
            if found.agency is None:
                keep_for_review(session, event, found.reason)
                return None
            agency = found.agency
            resolve_review(session, event)
        else:
            agency = agency_for(session, event, self.clock())
        filing = record_filing(session, event, agency, self.rules, self.clock())
        if extraction.disclosure is not None:
            save_tables(session, filing.id, event.url, extraction.disclosure, self.clock())
        return filing.id

    # ---- source.checked -----------------------------------------------------------------------
    async def record_source_check(self, event: SourceChecked) -> None:
        """Record the outcome of one crawl of one source: its health decides unknown vs missing."""
        await self._group.run(lambda session: self._record_source_check(session, event))

    def _record_source_check(self, session: Session, event: SourceChecked) -> None:
        if not inbox.claim(session, InboxEntry, event.event_id, "source.checked", self.clock()):
            return
        source = session.get(Source, event.source_id)
        if source is None:
            if session.get(Agency, event.agency_id) is None:
                session.add(
                    Agency(
                        id=event.agency_id,
                        name=event.agency_id,
                        origin="sources",
                        watched_since=event.started_at,
                        aliases=[],
                        expects=[],
                    )
                )
            source = Source(
                id=event.source_id,
                agency_id=event.agency_id,
                list_url=event.list_url,
                consecutive_failures=0,
                last_counts={},
            )
            session.add(source)
        if source.last_checked_at is not None and source.last_checked_at > event.finished_at:
            return  # an older crawl delivered late must not overwrite newer health
        source.first_checked_at = source.first_checked_at or event.started_at
        source.last_checked_at = event.finished_at
        source.last_status = event.status
        source.last_counts = {
            "list_pages": event.list_pages,
            "candidates": event.candidates,
            "fetched": event.fetched,
            "unchanged": event.unchanged,
            "errors": event.errors,
        }
        if event.status == "ok":
            source.last_success_at = event.finished_at
            source.blocked_since = None
            source.consecutive_failures = 0
        else:
            source.last_error = event.reason
            source.last_error_at = event.finished_at
            source.consecutive_failures = (source.consecutive_failures or 0) + 1
            if event.status == "blocked" and source.blocked_since is None:
                source.blocked_since = event.started_at

    # ---- deadlines ----------------------------------------------------------------------------
    async def check_deadlines(self) -> int:
        """Judge every obligation now; publish `filing.overdue` once per newly missing one."""
        alerts = await run_sync(self._check_deadlines)
        await self.relay_outbox()
        return alerts

    def _check_deadlines(self) -> int:
        with unit_of_work(self.sessions) as session:
            return overdue.check_deadlines(session, self.rules, self.grace_days, self.clock())

    # ---- outbox relay -------------------------------------------------------------------------
    async def relay_outbox(self, limit: int = RELAY_BATCH) -> int:
        """Publish outbox rows not yet published; safe to run concurrently and repeatedly."""
        return await self._relay.relay(limit)

    def pending_outbox_count(self) -> int:
        """How many events wait in the outbox (for `--once` and readiness)."""
        return self._relay.pending_count()


__all__ = ["StoreService", "url_key"]
