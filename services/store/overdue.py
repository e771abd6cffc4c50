"""The deadline checker: judge every obligation now, and raise `filing.overdue` once per miss.

It writes each obligation's verdict (what source health and the API show) and, for an
obligation that became `missing` while its agency was watched, an outbox row of the alert. The
verdict comes from `core.judge`, the same function the compliance view uses.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.store import core
from services.store.db.models import Agency, Filing, Obligation, OutboxEntry
from services.store.health import NO_SOURCES, covering_health, crawl_health, health_of
from shared.events import FILING_OVERDUE, FilingOverdue, stable_id
from shared.logs import log_fields
from shared.outbox import enqueue

log = logging.getLogger("nianbao.store")

FIRST_OBLIGATION_YEAR = 2019  # the current national rules; earlier years are history only
HORIZON = timedelta(days=366)  # obligations due further ahead are not written yet


def check_deadlines(
    session: Session, rules: Sequence[core.DeadlineRule], grace_days: int, now: datetime
) -> int:
    """Judge the obligations of every watched agency at `now`; returns the alerts raised."""
    agencies = session.scalars(
        select(Agency).where(Agency.origin.in_(("sources", "registry")))
    ).all()
    health = crawl_health(session)
    covering = covering_health(session)
    alerts = 0
    for agency in agencies:
        specs = core.obligations_of(
            agency.expects or [],
            range(FIRST_OBLIGATION_YEAR, now.year),
            rules,
            role=core.agency_role(agency.name, agency.level),
            region_code=agency.region_code,
        )
        for spec in specs:
            if spec.deadline > now.date() + HORIZON:
                continue
            agency_health = health_of(
                agency.id, agency.name, agency.region_code, health, covering, spec.kind
            )
            if agency.origin == "registry" and agency_health is NO_SOURCES:
                continue  # never crawled: `unknown` without a row (compliance says so)
            if _judge(session, agency, agency_health, spec, grace_days, now):
                alerts += 1
    return alerts


def _judge(
    session: Session,
    agency: Agency,
    health: core.CrawlHealth,
    spec: core.ObligationSpec,
    grace_days: int,
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
    filed = core.Filed(filing.published, filing.first_seen) if filing else None
    verdict = core.judge(spec, now=now, grace_days=grace_days, health=health, filed=filed).verdict
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
        last_crawled_ok=health.newest_success,
    )
    enqueue(session, OutboxEntry, FILING_OVERDUE, overdue, now)
    obligation.overdue_alerted_at = now
    log.info("overdue", extra=log_fields(agency=agency.id, kind=kind, year=year))
    return True
