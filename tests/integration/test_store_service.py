"""The store's use cases against real databases (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, func, select

from services.store.db.models import Document, Filing, FilingUrl, Obligation, OutboxEntry, Source
from services.store.service import StoreService
from shared.events import FILING_OVERDUE, FILING_RECORDED
from tests import factories
from tests.conftest import FakeClock

pytestmark = pytest.mark.integration

BUDGET = 13  # statements of a new report, recording and relaying it


class Published:
    """Records what the store publishes."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict]] = []
        self.fail = False

    async def __call__(self, subject: str, event_id: str, payload: str) -> None:
        if self.fail:
            from shared.errors import TransientError

            raise TransientError("nats down")
        self.events.append((subject, event_id, json.loads(payload)))

    def subjects(self) -> list[str]:
        return [s for s, _, _ in self.events]


@pytest.fixture
def published() -> Published:
    return Published()


@pytest.fixture
def store(migrated_sessions, published: Published, clock: FakeClock) -> StoreService:  # type: ignore[no-untyped-def]
    clock.now = datetime(2025, 1, 1, tzinfo=UTC)  # the agency is watched from here on
    service = StoreService(sessions=migrated_sessions, publish=published, clock=clock)
    service.sync_agencies(factories.sources())
    clock.now = datetime(2025, 3, 7, 9, tzinfo=UTC)
    return service


def _count(store: StoreService, model: type) -> int:
    with store.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_new_report_becomes_one_filing_and_one_event(
    store: StoreService, published: Published
) -> None:
    await store.record_extraction(factories.report_extracted())
    with store.sessions() as session:
        filing = session.scalars(select(Filing)).one()
    assert (filing.agency_id, filing.kind, filing.report_year) == (
        "km-kjj",
        "法治政府建设年度报告",
        2024,
    )
    assert filing.published == date(2025, 3, 6)
    assert filing.deadline == date(2025, 4, 1)
    assert filing.on_time is True
    assert published.subjects() == [FILING_RECORDED]
    assert published.events[0][2]["change"] == "new"
    assert published.events[0][2]["agency"] == "昆明市科学技术局"


async def test_a_new_report_writes_its_document_once_and_looks_up_no_urls(
    store: StoreService,
) -> None:
    """The statements of the hot path: a new filing has no URLs to look up, and its document is
    written once, by one upsert (no lookup first, no insert by an autoflush then an update)."""
    engine = store.sessions.kw["bind"]
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        await store.record_extraction(factories.report_extracted())
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    documents = [
        s for s in statements if " documents " in f"{s} " or s.startswith("UPDATE documents")
    ]
    assert [s.split(" ")[0] for s in documents] == ["INSERT"], documents
    assert not [s for s in statements if s.startswith("SELECT") and "FROM filing_urls" in s]
    with store.sessions() as session:
        document = session.scalars(select(Document)).one()
        assert document.filing_id == session.scalars(select(Filing)).one().id


async def test_a_new_report_costs_at_most_its_budget_of_statements(store: StoreService) -> None:
    """Every statement of the hot path costs CPU: a new report of a known agency is claimed,
    attributed, filed (filing, version, URL, search row), announced and relayed in 13 (15
    through the ORM's unit of work before issue 15). More fails: look for a lookup added."""
    engine = store.sessions.kw["bind"]
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split())[:80])

    event.listen(engine, "before_cursor_execute", seen)
    try:
        await store.record_extraction(factories.report_extracted())
        first = len(statements)
        await store.record_extraction(factories.report_extracted())
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert first <= BUDGET, statements[:first]
    # A replay: its claim and the relay's look, nothing else. On PostgreSQL the inbox took every
    # redelivery for new until its claim asked RETURNING instead of rowcount (-1 there).
    assert len(statements) - first <= 2, statements[first:]


async def test_a_page_fetched_again_updates_its_document_and_keeps_when_it_was_first_seen(
    store: StoreService,
) -> None:
    first = factories.report_extracted()
    edited = factories.report_extracted(
        fetched_at=datetime(2025, 3, 9, 8, tzinfo=UTC), text="一、工作落实情况 开展学法15次"
    )
    await store.record_extraction(first)
    await store.record_extraction(edited)
    with store.sessions() as session:
        document = session.scalars(select(Document)).one()
        filing = session.scalars(select(Filing)).one()
    assert document.first_seen == first.fetched_at
    assert document.last_seen == edited.fetched_at
    assert document.sha256 == edited.sha256
    assert document.extraction["text"] == "一、工作落实情况 开展学法15次"
    assert (document.filing_id, filing.version) == (filing.id, 2)


async def test_the_same_event_twice_changes_nothing(
    store: StoreService, published: Published
) -> None:
    event = factories.report_extracted()
    await store.record_extraction(event)
    await store.record_extraction(event)
    assert _count(store, Filing) == 1
    assert len(published.events) == 1


async def test_a_repost_elsewhere_is_the_same_filing_with_two_urls(
    store: StoreService, published: Published
) -> None:
    await store.record_extraction(factories.report_extracted())
    await store.record_extraction(
        factories.report_extracted(url="https://www.km.gov.cn/zfxxgk/fzzf/1.html")
    )
    assert _count(store, Filing) == 1
    assert _count(store, FilingUrl) == 2
    assert len(published.events) == 1


async def test_a_silent_edit_is_a_new_version_and_an_event(
    store: StoreService, published: Published
) -> None:
    await store.record_extraction(factories.report_extracted())
    await store.record_extraction(factories.report_extracted(text="一、工作落实情况 开展学法15次"))
    with store.sessions() as session:
        assert session.scalars(select(Filing)).one().version == 2
    assert [e[2]["change"] for e in published.events] == ["new", "changed"]


async def test_pages_that_are_not_reports_make_no_filing(
    store: StoreService, published: Published
) -> None:
    await store.record_extraction(factories.report_extracted(is_annual_report=False, kind="other"))
    assert _count(store, Filing) == 0
    assert published.events == []


async def test_an_unpublished_event_stays_in_the_outbox_until_nats_is_back(
    store: StoreService, published: Published
) -> None:
    from shared.errors import TransientError

    published.fail = True
    with pytest.raises(TransientError):
        await store.record_extraction(factories.report_extracted())
    assert _count(store, Filing) == 1  # the effect is committed
    published.fail = False
    assert await store.relay_outbox() == 1
    assert published.subjects() == [FILING_RECORDED]
    assert await store.relay_outbox() == 0


async def test_missing_only_after_grace_with_healthy_sources_and_alerted_once(
    store: StoreService, published: Published, clock: FakeClock
) -> None:
    await store.record_source_check(
        factories.source_checked("ok", at=datetime(2025, 4, 9, tzinfo=UTC))
    )
    clock.now = datetime(2025, 4, 3, tzinfo=UTC)
    assert await store.check_deadlines() == 0  # grace period
    clock.now = datetime(2025, 4, 10, tzinfo=UTC)
    assert await store.check_deadlines() == 1
    assert await store.check_deadlines() == 0  # once per obligation
    assert published.subjects() == [FILING_OVERDUE]
    assert published.events[0][2]["report_year"] == 2024
    with store.sessions() as session:
        statuses = {o.report_year: o.status for o in session.scalars(select(Obligation))}
    assert statuses[2024] == "missing"
    # Years before the agency was watched get a verdict but no alert.
    assert statuses[2023] == "missing"
    assert len(published.events) == 1


async def test_blocked_sources_make_unknown_not_missing(
    store: StoreService, published: Published, clock: FakeClock
) -> None:
    await store.record_source_check(factories.source_checked("blocked", reason="HTTP 412 $_ts"))
    clock.now = datetime(2025, 4, 10, tzinfo=UTC)
    assert await store.check_deadlines() == 0
    with store.sessions() as session:
        assert (
            session.scalars(select(Obligation).where(Obligation.report_year == 2024)).one().status
            == "unknown"
        )
    assert published.events == []


async def test_an_empty_crawl_after_the_deadline_makes_unknown_not_missing(
    store: StoreService, published: Published, clock: FakeClock
) -> None:
    # Crawled fine before the deadline; after it the column's links vanished (a redesign).
    await store.record_source_check(
        factories.source_checked("ok", at=datetime(2025, 3, 20, tzinfo=UTC))
    )
    await store.record_source_check(
        factories.source_checked(
            "empty", at=datetime(2025, 4, 9, tzinfo=UTC), reason="the list pages gave no items"
        )
    )
    clock.now = datetime(2025, 4, 10, tzinfo=UTC)
    assert await store.check_deadlines() == 0
    with store.sessions() as session:
        obligation = session.scalars(select(Obligation).where(Obligation.report_year == 2024)).one()
        assert obligation.status == "unknown"
        source = session.scalars(select(Source)).one()
        assert source.last_status == "empty"
        assert source.last_error == "the list pages gave no items"
    assert published.events == []


async def test_a_report_found_after_the_alert_is_a_correction(
    store: StoreService, published: Published, clock: FakeClock
) -> None:
    await store.record_source_check(factories.source_checked("ok"))
    clock.now = datetime(2025, 4, 10, tzinfo=UTC)
    await store.check_deadlines()
    await store.record_extraction(
        factories.report_extracted(
            published=date(2025, 4, 12), fetched_at=datetime(2025, 4, 12, 9, tzinfo=UTC)
        )
    )
    recorded = published.events[-1][2]
    assert recorded["was_overdue"] is True
    assert recorded["on_time"] is False
    clock.now = datetime(2025, 4, 13, tzinfo=UTC)
    await store.check_deadlines()
    with store.sessions() as session:
        assert (
            session.scalars(select(Obligation).where(Obligation.report_year == 2024)).one().status
            == "late"
        )


async def test_backfill_is_marked_on_the_event(store: StoreService, published: Published) -> None:
    await store.record_extraction(factories.report_extracted(backfill=True))
    assert published.events[0][2]["backfill"] is True
    assert _count(store, OutboxEntry) == 1


async def test_events_handled_at_once_are_each_recorded_and_published_once(
    store: StoreService, published: Published
) -> None:
    """The consumer settles many events at once; they share commits and relays, nothing else."""
    events = [
        factories.report_extracted(
            url=f"https://kjj.km.gov.cn/fzzf/{year}.html",
            report_year=year,
            title=f"昆明市科学技术局{year}年法治政府建设年度报告",
        )
        for year in range(2000, 2024)
    ]
    repeated = events + events[:5]  # redeliveries arriving alongside the first deliveries
    outcomes = await asyncio.gather(
        *(store.record_extraction(e) for e in repeated),
        store.record_source_check(factories.source_checked()),
        return_exceptions=True,
    )
    assert [o for o in outcomes if o is not None] == []
    assert _count(store, Filing) == len(events)
    recorded = [event_id for subject, event_id, _ in published.events if subject == FILING_RECORDED]
    assert len(recorded) == len(set(recorded)) == len(events)
    assert _count(store, OutboxEntry) == len(events)
    assert store.pending_outbox_count() == 0
