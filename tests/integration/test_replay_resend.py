"""`replay --service notify`: nothing is mailed again, unless `--resend` asks for it explicitly.

Played at dates: watched from March (backfill, no mail), checked in April (three overdue
emails). A plain notify replay sends nothing; a replay with resend sends each email once more,
under a new Message-ID so mail clients show it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from services.demo_portal.server import DemoPortal
from services.demo_portal.sources import demo_sources_yaml
from services.notify.service import NotifyService
from services.ops.replay import ReplayRequest
from services.ops.runner import run_replay
from services.runtime import (
    SERVICES,
    AppSettings,
    build,
    migrate_database,
    shutdown,
    wait_until_idle,
)
from shared.clock import make_clock
from shared.db import make_engine, session_factory
from shared.embedded_nats import EmbeddedNats
from shared.sources import parse_sources
from tests.smtp import SmtpServer

pytestmark = pytest.mark.integration


async def round_at(
    day: str, url: str, database_url: str, tmp_path: Path, port: int, base_url: str
) -> None:
    settings = AppSettings(
        data_dir=tmp_path,
        nats_url=url,
        database_url=database_url,
        allow_private_networks=True,
        now=day,
        smtp_host="127.0.0.1",
        smtp_port=port,
    )
    sources = parse_sources(demo_sources_yaml(base_url))
    parts = await build(settings, url, SERVICES, sources)
    try:
        assert parts.ingest is not None
        assert parts.store is not None
        assert parts.notify is not None
        await parts.ingest.crawl_all(sources)
        assert await wait_until_idle(parts, limit_seconds=60)
        await parts.store.check_deadlines()
        assert await wait_until_idle(parts, limit_seconds=60)
        await parts.notify.send_due()
    finally:
        await shutdown(parts)


async def test_notify_replay_sends_nothing_and_resend_sends_each_once_more(
    nats_server: EmbeddedNats, database_url: str, tmp_path: Path
) -> None:
    migrate_database(database_url)
    sessions = session_factory(make_engine(database_url))
    NotifyService(
        sessions=sessions, mailer=None, clock=make_clock(AppSettings(now="2025-02-01").now)
    ).subscribe("watcher@example.org")
    smtp = SmtpServer()
    smtp.start()
    try:
        with DemoPortal() as base_url:
            await round_at(
                "2025-03-01", nats_server.url, database_url, tmp_path, smtp.port, base_url
            )
            assert smtp.inbox.messages == []
            await round_at(
                "2025-04-10", nats_server.url, database_url, tmp_path, smtp.port, base_url
            )
        first = [m["Message-ID"] for m in smtp.inbox.messages]
        assert len(first) == 3  # the three agencies without a 2024 report

        settings = AppSettings(
            data_dir=tmp_path,
            nats_url=nats_server.url,
            database_url=database_url,
            now="2025-04-11",
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
        )
        plain = await run_replay(settings, ReplayRequest("notify", from_seq=1))
        assert plain.replayed > 0
        assert len(smtp.inbox.messages) == 3  # replay is safe: nothing mailed again

        resent = await run_replay(settings, ReplayRequest("notify", from_seq=1, resend=True))
        assert resent.replayed == plain.replayed
        again = [m["Message-ID"] for m in smtp.inbox.messages[3:]]
        assert len(again) == 3
        assert not set(again) & set(first)  # new ids, so mail clients show the copies
        assert sorted(m["Subject"] for m in smtp.inbox.messages[3:]) == sorted(
            m["Subject"] for m in smtp.inbox.messages[:3]
        )
    finally:
        smtp.stop()
