"""Filings: a report's filing, its versions and URLs, and the `filing.recorded` event of a change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from services.store import core, search, text
from services.store.db.models import (
    Agency,
    Filing,
    FilingUrl,
    FilingVersion,
    Obligation,
    OutboxEntry,
)
from shared.db import insert_row, insert_unless_present
from shared.events import FILING_RECORDED, FilingRecorded, ReportExtracted, stable_id
from shared.outbox import enqueue

MAX_TEXT_IN_DB = 400_000


def url_key(url: str) -> str:
    """A fixed-size key for a URL, for unique indexes (URLs can be longer than an index allows)."""
    return stable_id("url", url)


def record_filing(
    session: Session,
    event: ReportExtracted,
    agency: Agency,
    rules: Sequence[core.DeadlineRule],
    now: datetime,
) -> Filing:
    """The filing a report belongs to: created, found again (a repost) or given a new version.

    A new filing or a new version emits `filing.recorded` (through the outbox); the same text
    again, or a near duplicate of a known version (a re-rendered page), changes nothing but the
    filing's URLs and last-seen time.
    """
    extraction = event.extraction
    assert extraction.report_year is not None
    filing_id = stable_id("filing", agency.id, extraction.kind, extraction.report_year)
    text_hash = core.content_hash(extraction.text or extraction.title or event.sha256)
    filing = session.get(Filing, filing_id)
    rule = core.deadline_for(
        extraction.kind,
        extraction.report_year,
        rules,
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
    words = version_words(extraction.title, agency.name, body, extraction.words)
    facts = text.facts_hash(
        [s.title for s in extraction.sections], [f.text for f in extraction.figures]
    )
    if filing is None:
        row = {
            "id": filing_id,
            "agency_id": agency.id,
            "agency_name": agency.name,
            "region_code": agency.region_code,
            "kind": extraction.kind,
            "report_year": extraction.report_year,
            "title": extraction.title,
            "url": event.url,
            "published": extraction.published,
            "signed": extraction.signed,
            "first_seen": event.fetched_at,
            "last_seen": event.fetched_at,
            "deadline": deadline,
            "on_time": core.is_on_time(extraction.published, event.fetched_at, deadline),
            "version": 1,
            "content_hash": text_hash,
            "backfill": event.backfill,
            "summary": summary,
        }
        # The rows of a new filing are written past the ORM (the hot path of a new report);
        # the Filing returned is what they say, for the caller and the event, not in the session.
        insert_row(session, Filing, row)
        filing = Filing(**row)
        # simhash: computed from the text if a later version is ever compared
        _insert_version(session, filing, event, text_hash, None, facts, body)
        insert_row(session, FilingUrl, _url_row(filing_id, event.url, event.fetched_at))
        search.index_filing(session, filing_id, content, words, new=True)
        _emit_recorded(session, filing, "new", event, now)
        return filing
    filing.last_seen = max(filing.last_seen, event.fetched_at)
    if filing.published is None and extraction.published is not None:
        filing.published = extraction.published
        filing.on_time = core.is_on_time(filing.published, filing.first_seen, filing.deadline)
    add_url(session, filing_id, event.url, event.fetched_at)
    versions = session.execute(
        select(
            FilingVersion.id,
            FilingVersion.content_hash,
            FilingVersion.simhash,
            FilingVersion.facts_hash,
        ).where(FilingVersion.filing_id == filing_id)
    ).all()
    simhash: str | None = None
    same = any(known_hash == text_hash for _, known_hash, _, _ in versions)
    if not same:
        same, simhash = _near_duplicate_of_a_version(
            session, versions, words, facts, filing.title, agency.name
        )
    if not same:
        filing.version += 1
        filing.content_hash = text_hash
        filing.title = extraction.title or filing.title
        filing.summary = summary
        _insert_version(session, filing, event, text_hash, simhash, facts, body)
        search.index_filing(session, filing_id, content, words)
        _emit_recorded(session, filing, "changed", event, now)
    return filing


def version_words(
    title: str | None, agency_name: str | None, body: str, body_words: Sequence[str] = ()
) -> list[str]:
    """The tokens a version's fingerprint is computed over: its title's, its agency's, its text's.

    `body_words` are the extractor's segmentation of `body` when the event carries them (the
    same tokens as segmenting `body` again, without the cost).
    """
    head = text.tokens(search.document_text(title, agency_name, ""))
    return head + (text.words_only(body_words) if body_words else text.tokens(body))


def _near_duplicate_of_a_version(
    session: Session,
    versions: Sequence[Row[int, str, str | None, str | None]],
    words: Sequence[str],
    facts: str,
    title: str | None,
    agency_name: str,
) -> tuple[bool, str | None]:
    """Whether a text is a near duplicate of one of a filing's versions, and its fingerprint.

    Fingerprints are computed only when a comparison needs them: a version with the same facts
    and no stored fingerprint gets one from its stored text, kept for the next comparison.
    Most filings never have a second text, so a new filing costs no fingerprint at all.
    """
    candidates = [v for v in versions if v.facts_hash == facts]
    if not candidates:
        return False, None
    mine = text.fingerprint(words)
    if mine is None:
        return False, None
    for version_id, _, known, known_facts in candidates:
        if known is None:
            known = _stored_fingerprint(session, version_id, title, agency_name)
        if text.is_near_duplicate(known, known_facts, mine, facts):
            return True, mine
    return False, mine


def _stored_fingerprint(
    session: Session, version_id: int, title: str | None, agency_name: str
) -> str | None:
    """The fingerprint of a stored version computed from its text (and stored with it)."""
    body = session.scalar(select(FilingVersion.text).where(FilingVersion.id == version_id))
    if body is None:  # stored before texts were kept: nothing to compare with
        return None
    fingerprint = text.fingerprint(version_words(title, agency_name, body))
    if fingerprint is not None:
        session.execute(
            update(FilingVersion).where(FilingVersion.id == version_id).values(simhash=fingerprint)
        )
    return fingerprint


def _emit_recorded(
    session: Session, filing: Filing, change: str, event: ReportExtracted, now: datetime
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
    enqueue(session, OutboxEntry, FILING_RECORDED, recorded, now)


def add_url(session: Session, filing_id: str, url: str, seen: datetime) -> None:
    """Add `url` to a filing's URLs unless it is one already."""
    insert_unless_present(
        session, FilingUrl, _url_row(filing_id, url, seen), key=("filing_id", "url_hash")
    )


def _url_row(filing_id: str, url: str, seen: datetime) -> dict[str, object]:
    return {"filing_id": filing_id, "url": url, "url_hash": url_key(url), "first_seen": seen}


def _insert_version(
    session: Session,
    filing: Filing,
    event: ReportExtracted,
    content_hash: str,
    simhash: str | None,
    facts: str,
    body: str,
) -> None:
    """Write the row of the filing's current version (`filing.version`), with its text."""
    insert_row(
        session,
        FilingVersion,
        {
            "filing_id": filing.id,
            "version": filing.version,
            "content_hash": content_hash,
            "url": event.url,
            "seen_at": event.fetched_at,
            "simhash": simhash,
            "facts_hash": facts,
            "text": body[:MAX_TEXT_IN_DB],
        },
    )
