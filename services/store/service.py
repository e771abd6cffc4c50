"""The store's use cases: one function per input event, plus the deadline checker.

Each use case runs in one database transaction that also writes the inbox row of the event it
handles and the outbox rows of the events it causes. After the commit the outbox is relayed to
NATS; a crash in between leaves the rows for the next relay, and the deterministic event ids make
a second publish harmless. That is what makes "at least once, effect once" hold for the store.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from services.store import core, search, text
from services.store.attribution import attribute
from services.store.db.models import (
    Agency,
    AgencyAlias,
    Document,
    Filing,
    FilingUrl,
    FilingVersion,
    InboxEntry,
    Obligation,
    OutboxEntry,
    Source,
)
from services.store.disclosure import save_tables
from services.store.health import NO_SOURCES, covering_health, crawl_health, health_of
from services.store.registry import registry
from services.store.registry_sync import keep_for_review, resolve_review, sync_registry
from shared.clock import Clock
from shared.db import GroupCommit, run_sync, unit_of_work
from shared.events import (
    FILING_OVERDUE,
    FILING_RECORDED,
    REPORT_KINDS,
    Event,
    FilingOverdue,
    FilingRecorded,
    ReportExtracted,
    SourceChecked,
    stable_id,
)
from shared.logs import log_fields
from shared.sources import CoversSpec, SourcesFile

log = logging.getLogger("nianbao.store")

RawPublisher = Callable[[str, str, str], Awaitable[None]]  # subject, event_id, payload
FIRST_OBLIGATION_YEAR = 2019  # the current national rules; earlier years are history only
MAX_TEXT_IN_DB = 400_000
RELAY_BATCH = 500  # outbox rows published per relay; the rest wait for the next one


def url_key(url: str) -> str:
    """A fixed-size key for a URL, for unique indexes (URLs can be longer than an index allows)."""
    return stable_id("url", url)


@dataclass
class StoreService:
    """The store's use cases, bound to a database and a way to publish events."""

    sessions: sessionmaker[Session]
    publish: RawPublisher
    clock: Clock
    grace_days: int = 3
    rules: tuple[core.DeadlineRule, ...] = field(default=core.NATIONAL_RULES)

    def __post_init__(self) -> None:
        self._relay_lock = asyncio.Lock()
        self._next_relay: asyncio.Future[int] | None = None
        # Events handled concurrently (the consumer runs several at once) share commits.
        self._group = GroupCommit(self.sessions)

    # ---- sources file -------------------------------------------------------------------------
    def sync_agencies(self, sources: SourcesFile) -> None:
        """Upsert the agencies and sources of the sources file; new ones are watched from now."""
        now = self.clock()
        with unit_of_work(self.sessions) as session:
            for spec in sources.agencies:
                agency = session.get(Agency, spec.id)
                if agency is None:
                    agency = Agency(id=spec.id, origin="sources", watched_since=now, aliases=[])
                    session.add(agency)
                agency.name = spec.name
                agency.region_code = spec.region_code
                agency.level = spec.level
                agency.expects = list(spec.expects)
                agency.origin = "sources"
                if agency.watched_since is None:
                    agency.watched_since = now
                _set_aliases(session, agency, getattr(spec, "aliases", ()) or ())
                for index, source_spec in enumerate(spec.sources):
                    source_id = spec.source_id(index)
                    source = session.get(Source, source_id)
                    if source is None:
                        source = Source(
                            id=source_id,
                            agency_id=spec.id,
                            consecutive_failures=0,
                            last_counts={},
                        )
                        session.add(source)
                    source.list_url = source_spec.list_url
                    covers = source_spec.covers
                    source.covers = _covers_row(covers, spec.expects) if covers else None
            session.flush()
            # Every county-level-and-up government is a known agency, watched or not.
            sync_registry(session, registry(), now)

    # ---- report.extracted ---------------------------------------------------------------------
    async def record_extraction(self, event: ReportExtracted) -> None:
        """Record a fetched document and, if it is a report, its filing (new, reposted or changed)."""
        await self._group.run(lambda session: self._record_extraction(session, event))
        await self._relay_after_commit()

    def _record_extraction(self, session: Session, event: ReportExtracted) -> None:
        if not _claim(session, event, "report.extracted", self.clock()):
            return
        extraction = event.extraction
        document = session.scalar(select(Document).where(Document.url_hash == url_key(event.url)))
        if document is None:
            document = Document(
                url=event.url, url_hash=url_key(event.url), first_seen=event.fetched_at
            )
            session.add(document)
        document.sha256 = event.sha256
        document.source_id = event.source_id
        document.agency_id = event.agency_id
        document.last_seen = event.fetched_at
        document.is_report = extraction.is_annual_report
        document.kind = extraction.kind
        document.report_year = extraction.report_year
        document.title = extraction.title
        document.extractor_version = extraction.extractor_version
        # The words are the search index's and the fingerprint's input, kept there, not here.
        payload = extraction.model_dump(mode="json", exclude={"words"})
        payload["text"] = payload["text"][:MAX_TEXT_IN_DB]
        document.extraction = payload
        if not (
            extraction.is_annual_report and extraction.kind != "other" and extraction.report_year
        ):
            document.filing_id = None
            return
        source = session.get(Source, event.source_id)
        if source is not None and source.covers:
            found = attribute(session, extraction.agency, extraction.region.code, source.covers)
            if found.agency is None:
                document.filing_id = None
                keep_for_review(session, event, found.reason)
                return
            agency = found.agency
            resolve_review(session, event)
        else:
            agency = _agency_for(session, event, self.clock())
        filing = self._upsert_filing(session, event, agency)
        document.filing_id = filing.id
        if extraction.disclosure is not None:
            save_tables(session, filing.id, event.url, extraction.disclosure, self.clock())

    def _upsert_filing(self, session: Session, event: ReportExtracted, agency: Agency) -> Filing:
        extraction = event.extraction
        assert extraction.report_year is not None
        filing_id = stable_id("filing", agency.id, extraction.kind, extraction.report_year)
        text_hash = core.content_hash(extraction.text or extraction.title or event.sha256)
        filing = session.get(Filing, filing_id)
        rule = core.deadline_for(
            extraction.kind,
            extraction.report_year,
            self.rules,
            role=core.agency_role(agency.name, agency.level),
            region_code=agency.region_code,
        )
        deadline = core.deadline_date(rule, extraction.report_year) if rule else None
        summary = {
            "sections": [s.title for s in extraction.sections if s.level == 1][:12],
            "figures": [f.text for f in extraction.figures][:8],
            "missing_elements": list(extraction.missing_elements),
        }
        body = extraction.text or ""
        content = search.document_text(extraction.title, agency.name, body)
        # The extractor's segmentation of the body is reused: segmenting it again here cost
        # more than everything else the store does with a report.
        words = (
            text.tokens(search.document_text(extraction.title, agency.name, ""))
            + text.words_only(extraction.words)
            if extraction.words
            else text.tokens(content)
        )
        simhash = text.fingerprint(words)
        facts = text.facts_hash(
            [s.title for s in extraction.sections], [f.text for f in extraction.figures]
        )
        if filing is None:
            filing = Filing(
                id=filing_id,
                agency_id=agency.id,
                agency_name=agency.name,
                region_code=agency.region_code,
                kind=extraction.kind,
                report_year=extraction.report_year,
                title=extraction.title,
                url=event.url,
                published=extraction.published,
                signed=extraction.signed,
                first_seen=event.fetched_at,
                last_seen=event.fetched_at,
                deadline=deadline,
                on_time=core.is_on_time(extraction.published, event.fetched_at, deadline),
                version=1,
                content_hash=text_hash,
                backfill=event.backfill,
                summary=summary,
            )
            session.add(filing)
            session.add(
                FilingVersion(
                    filing_id=filing_id,
                    version=1,
                    content_hash=text_hash,
                    url=event.url,
                    seen_at=event.fetched_at,
                    simhash=simhash,
                    facts_hash=facts,
                    text=body[:MAX_TEXT_IN_DB],
                )
            )
            _add_url(session, filing_id, event.url, event.fetched_at)
            session.flush()
            search.index_filing(session, filing_id, content, words, new=True)
            self._emit_recorded(session, filing, "new", event)
            return filing
        filing.last_seen = max(filing.last_seen, event.fetched_at)
        if filing.published is None and extraction.published is not None:
            filing.published = extraction.published
            filing.on_time = core.is_on_time(filing.published, filing.first_seen, filing.deadline)
        _add_url(session, filing_id, event.url, event.fetched_at)
        versions = session.execute(
            select(
                FilingVersion.content_hash, FilingVersion.simhash, FilingVersion.facts_hash
            ).where(FilingVersion.filing_id == filing_id)
        ).all()
        same = any(
            known_hash == text_hash
            or text.is_near_duplicate(known_sim, known_facts, simhash, facts)
            for known_hash, known_sim, known_facts in versions
        )
        if not same:
            filing.version += 1
            filing.content_hash = text_hash
            filing.title = extraction.title or filing.title
            filing.summary = summary
            session.add(
                FilingVersion(
                    filing_id=filing_id,
                    version=filing.version,
                    content_hash=text_hash,
                    url=event.url,
                    seen_at=event.fetched_at,
                    simhash=simhash,
                    facts_hash=facts,
                    text=body[:MAX_TEXT_IN_DB],
                )
            )
            search.index_filing(session, filing_id, content, words)
            self._emit_recorded(session, filing, "changed", event)
        return filing

    def _emit_recorded(
        self, session: Session, filing: Filing, change: str, event: ReportExtracted
    ) -> None:
        obligation = session.get(
            Obligation, stable_id("obligation", filing.agency_id, filing.kind, filing.report_year)
        )
        recorded = FilingRecorded(
            event_id=stable_id("filing.recorded", filing.id, filing.version),
            occurred_at=event.fetched_at,
            correlation_id=event.correlation_id or event.event_id,
            filing_id=filing.id,
            version=filing.version,
            change=change,
            agency_id=filing.agency_id,
            agency=filing.agency_name,
            region_code=filing.region_code,
            kind=filing.kind,
            report_year=filing.report_year,
            title=filing.title,
            url=event.url,
            published=filing.published,
            first_seen=filing.first_seen,
            deadline=filing.deadline,
            on_time=filing.on_time,
            backfill=event.backfill,
            was_overdue=bool(obligation and obligation.overdue_alerted_at),
            sections=tuple(filing.summary.get("sections", [])),
            figures=tuple(filing.summary.get("figures", [])),
        )
        _enqueue(session, FILING_RECORDED, recorded, self.clock())

    # ---- source.checked -----------------------------------------------------------------------
    async def record_source_check(self, event: SourceChecked) -> None:
        """Record the outcome of one crawl of one source: its health decides unknown vs missing."""
        await self._group.run(lambda session: self._record_source_check(session, event))

    def _record_source_check(self, session: Session, event: SourceChecked) -> None:
        if not _claim(session, event, "source.checked", self.clock()):
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
        now = self.clock()
        alerts = 0
        with unit_of_work(self.sessions) as session:
            agencies = session.scalars(
                select(Agency).where(Agency.origin.in_(("sources", "registry")))
            ).all()
            health = crawl_health(session)
            covering = covering_health(session)
            for agency in agencies:
                specs = core.obligations_of(
                    agency.expects or [],
                    range(FIRST_OBLIGATION_YEAR, now.year),
                    self.rules,
                    role=core.agency_role(agency.name, agency.level),
                    region_code=agency.region_code,
                )
                for spec in specs:
                    if spec.deadline > now.date() + timedelta(days=366):
                        continue
                    agency_health = health_of(
                        agency.id, agency.name, agency.region_code, health, covering, spec.kind
                    )
                    if agency.origin == "registry" and agency_health is NO_SOURCES:
                        continue  # never crawled: `unknown` without a row (compliance says so)
                    if self._judge(session, agency, agency_health, spec, now):
                        alerts += 1
        return alerts

    def _judge(
        self,
        session: Session,
        agency: Agency,
        health: core.CrawlHealth,
        spec: core.ObligationSpec,
        now: datetime,
    ) -> bool:
        kind, year, rule, deadline = spec.kind, spec.report_year, spec.rule, spec.deadline
        obligation_id = stable_id("obligation", agency.id, kind, year)
        obligation = session.get(Obligation, obligation_id)
        if obligation is None:
            obligation = Obligation(
                id=obligation_id,
                agency_id=agency.id,
                kind=kind,
                report_year=year,
                deadline=deadline,
                legal_basis=rule.legal_basis,
                status="pending",
            )
            session.add(obligation)
        # The deadlines file may have changed since the obligation was first judged.
        obligation.deadline = deadline
        obligation.legal_basis = rule.legal_basis
        filing = session.get(Filing, stable_id("filing", agency.id, kind, year))
        verdict = core.judge_obligation(
            deadline=deadline,
            now=now,
            grace_days=self.grace_days,
            filed_published=filing.published if filing else None,
            filed_first_seen=filing.first_seen if filing else None,
            last_crawl_ok_after_deadline=health.ok_after(deadline),
        )
        obligation.status = verdict
        obligation.checked_at = now
        watched_since = agency.watched_since if agency.watched_since else now
        # Only a deadline that passes while the agency is watched may raise an alert.
        if (
            verdict != "missing"
            or obligation.overdue_alerted_at is not None
            or deadline < watched_since.date()
        ):
            return False
        last_ok = health.newest_success
        overdue = FilingOverdue(
            event_id=stable_id("filing.overdue", obligation_id),
            occurred_at=now,
            obligation_id=obligation_id,
            agency_id=agency.id,
            agency=agency.name,
            region_code=agency.region_code,
            kind=kind,
            report_year=year,
            deadline=deadline,
            legal_basis=rule.legal_basis,
            checked_at=now,
            last_crawled_ok=last_ok,
        )
        _enqueue(session, FILING_OVERDUE, overdue, now)
        obligation.overdue_alerted_at = now
        log.info("overdue", extra=log_fields(agency=agency.id, kind=kind, year=year))
        return True

    # ---- outbox relay -------------------------------------------------------------------------
    async def relay_outbox(self, limit: int = RELAY_BATCH) -> int:
        """Publish outbox rows not yet published; safe to run concurrently and repeatedly.

        Rows are marked in one transaction after their publishes, also when a publish fails
        midway (those before it are marked, the rest wait for the next relay).
        """
        async with self._relay_lock:
            return await self._relay(limit)

    async def _relay_after_commit(self) -> None:
        """Relay what this caller committed, sharing one relay with the callers alongside it.

        Callers join the next relay that has not read the outbox yet: its read comes after
        their commits, so it publishes their events; its failure is theirs (they are retried).
        """
        if self._next_relay is None:
            self._next_relay = asyncio.ensure_future(self._relay_next())
        await asyncio.shield(self._next_relay)

    async def _relay_next(self) -> int:
        async with self._relay_lock:
            self._next_relay = None  # callers from now on committed after the read below
            return await self._relay(RELAY_BATCH)

    async def _relay(self, limit: int) -> int:
        rows = await run_sync(self._pending_outbox, limit)
        published: list[str] = []
        try:
            for event_id, subject, payload in rows:
                await self.publish(subject, event_id, payload)
                published.append(event_id)
        finally:
            if published:
                await run_sync(self._mark_published, published)
        return len(rows)

    def _pending_outbox(self, limit: int) -> list[tuple[str, str, str]]:
        with unit_of_work(self.sessions) as session:
            rows = session.execute(
                select(OutboxEntry.event_id, OutboxEntry.subject, OutboxEntry.payload)
                .where(OutboxEntry.published_at.is_(None))
                .order_by(OutboxEntry.created_at)
                .limit(limit)
            ).all()
            return [(event_id, subject, payload) for event_id, subject, payload in rows]

    def _mark_published(self, event_ids: list[str]) -> None:
        with unit_of_work(self.sessions) as session:
            session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.event_id.in_(event_ids))
                .values(published_at=self.clock())
            )

    def pending_outbox_count(self) -> int:
        """How many events wait in the outbox (for `--once` and readiness)."""
        with unit_of_work(self.sessions) as session:
            count = session.scalar(
                select(func.count())
                .select_from(OutboxEntry)
                .where(OutboxEntry.published_at.is_(None))
            )
            return int(count or 0)


def _covers_row(covers: CoversSpec, expects: Sequence[str]) -> dict[str, object]:
    """A column's coverage as stored: what it covers and the kinds of report it carries."""
    row: dict[str, object] = covers.model_dump(exclude_defaults=True)
    row["kinds"] = list(covers.kinds or expects)
    return row


def _set_aliases(session: Session, agency: Agency, aliases: Sequence[str]) -> None:
    """Make `aliases` the other names of `agency` (an alias names one agency only)."""
    wanted = [a for a in dict.fromkeys(aliases) if a and a != agency.name]
    existing = session.scalars(select(AgencyAlias).where(AgencyAlias.agency_id == agency.id)).all()
    for row in existing:
        if row.alias not in wanted:
            session.delete(row)
    session.flush()
    for alias in wanted:
        taken = session.get(AgencyAlias, alias)
        if taken is None:
            session.add(AgencyAlias(alias=alias, agency_id=agency.id))
        else:
            taken.agency_id = agency.id
    agency.aliases = wanted


def _claim(session: Session, event: Event, subject: str, now: datetime) -> bool:
    """Write the inbox row of an event; False if it was processed before (a redelivery or replay)."""
    if session.get(InboxEntry, event.event_id) is not None:
        return False
    session.add(InboxEntry(event_id=event.event_id, subject=subject, processed_at=now))
    session.flush()
    return True


def _enqueue(session: Session, subject: str, event: Event, now: datetime) -> None:
    if session.get(OutboxEntry, event.event_id) is None:
        session.add(
            OutboxEntry(
                event_id=event.event_id,
                subject=subject,
                payload=event.model_dump_json(),
                created_at=now,
                published_at=None,
            )
        )


def _add_url(session: Session, filing_id: str, url: str, seen: datetime) -> None:
    key = url_key(url)
    exists = session.scalar(
        select(FilingUrl.id).where(FilingUrl.filing_id == filing_id, FilingUrl.url_hash == key)
    )
    if exists is None:
        session.add(FilingUrl(filing_id=filing_id, url=url, url_hash=key, first_seen=seen))


def _agency_for(session: Session, event: ReportExtracted, now: datetime) -> Agency:
    """The agency a report belongs to: the source's agency unless extraction names another one.

    A portal column normally carries its own agency's reports; an extracted name that differs
    (a government portal listing its departments' reports) gets an agency of its own, found again
    by name next time.
    """
    source_agency = session.get(Agency, event.agency_id)
    name = event.extraction.agency
    if source_agency is not None and (
        not name or name == source_agency.name or name in (source_agency.aliases or [])
    ):
        return source_agency
    if source_agency is None and not name:
        source_agency = Agency(
            id=event.agency_id,
            name=event.agency_id,
            origin="extraction",
            watched_since=now,
            aliases=[],
            expects=[],
        )
        session.add(source_agency)
        return source_agency
    assert name is not None
    found = session.scalar(select(Agency).where(Agency.name == name))
    if found is not None:
        return found
    alias = session.get(AgencyAlias, name)
    if alias is not None:
        aliased = session.get(Agency, alias.agency_id)
        if aliased is not None:
            return aliased
    agency = Agency(
        id=f"auto-{stable_id('agency', name)[:12]}",
        name=name,
        region_code=event.extraction.region.code,
        origin="extraction",
        watched_since=now,
        aliases=[],
        expects=[],
    )
    session.add(agency)
    session.flush()
    return agency


__all__ = ["REPORT_KINDS", "StoreService"]
