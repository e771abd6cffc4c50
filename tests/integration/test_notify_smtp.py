"""Notify against a real SMTP server on loopback (aiosmtpd): delivery, refusal, timeouts, outage,
a crash between send and record, replay, digests and header injection."""

from __future__ import annotations

import asyncio
import email
import email.header
import email.policy
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from services.notify import outbox
from services.notify.db.models import Delivery, DigestItem
from services.notify.mailer import SmtpMailer
from services.notify.service import NotifyService
from shared.events import FilingOverdue
from tests.conftest import FakeClock
from tests.smtp import Inbox, SmtpServer
from tests.unit.test_notify_core import recorded

pytestmark = pytest.mark.integration

SECRET = "s" * 40


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpServer]]:
    server = SmtpServer()
    server.start()
    yield server.inbox, server
    server.stop()


def make_service(sessions: Any, port: int, clock: FakeClock, timeout: float = 5) -> NotifyService:
    return NotifyService(
        sessions=sessions,
        mailer=SmtpMailer("127.0.0.1", port, timeout=timeout),
        clock=clock,
        sender="alerts@nianbao.test",
        public_url="https://nianbao.test",
        secret_key=SECRET,
    )


@pytest.fixture
def notify(migrated_sessions, smtp, clock: FakeClock) -> NotifyService:  # type: ignore[no-untyped-def]
    _, server = smtp
    clock.now = datetime(2025, 1, 1, tzinfo=UTC)
    service = make_service(migrated_sessions, server.port, clock)
    service.subscribe("reader@example.org", regions=["云南省"])
    service.subscribe("other@example.org", regions=["110000"])
    clock.now = datetime(2025, 3, 7, 9, tzinfo=UTC)
    return service


def subject_of(message: email.message.EmailMessage) -> str:
    return str(message["Subject"])


def overdue(**overrides: Any) -> FilingOverdue:
    values: dict[str, Any] = {
        "event_id": "o" * 32,
        "occurred_at": datetime(2025, 4, 5, tzinfo=UTC),
        "obligation_id": "b" * 32,
        "agency_id": "km-kjj",
        "agency": "昆明市科学技术局",
        "region_code": "530100",
        "kind": "法治政府建设年度报告",
        "report_year": 2024,
        "deadline": date(2025, 4, 1),
        "legal_basis": "《法治政府建设与责任落实督察工作规定》第二十四条",
        "checked_at": datetime(2025, 3, 7, 10, tzinfo=UTC),
        "last_crawled_ok": datetime(2025, 3, 7, 8, tzinfo=UTC),
    }
    values.update(overrides)
    return FilingOverdue(**values)


async def test_a_new_filing_is_mailed_once_to_matching_subscribers(
    notify: NotifyService, smtp: tuple[Inbox, SmtpServer]
) -> None:
    inbox, _ = smtp
    event = recorded()
    await notify.handle_filing_recorded(event)
    await notify.handle_filing_recorded(event)  # redelivery / replay
    assert [str(m["To"]) for m in inbox.messages] == ["reader@example.org"]
    assert inbox.envelopes == [["reader@example.org"]]
    message = inbox.messages[0]
    assert subject_of(message) == (
        "[年报监测] 新发布: 玉溪市科学技术局 2024年度法治政府建设年度报告"
    )
    raw_subject = message.get("Subject").defects  # type: ignore[union-attr]
    assert list(raw_subject) == []
    assert message["Message-ID"].endswith("@nianbao.test>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<https://nianbao.test/unsubscribe?token=")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "是否按时: 按时" in text
    assert notify.counts() == {"sent": 1}


async def test_replay_of_alert_events_sends_nothing_new(
    notify: NotifyService, smtp: tuple[Inbox, SmtpServer]
) -> None:
    inbox, _ = smtp
    await notify.handle_filing_recorded(recorded())
    await notify.handle_filing_overdue(overdue())
    assert len(inbox.messages) == 2
    # Replay: the same events again, and the same alerts under new event ids (a rebuilt store).
    await notify.handle_filing_recorded(recorded())
    await notify.handle_filing_overdue(overdue())
    await notify.handle_filing_recorded(recorded(event_id="r" * 32))
    await notify.handle_filing_overdue(overdue(event_id="q" * 32))
    assert len(inbox.messages) == 2
    assert notify.counts() == {"sent": 2}


async def test_overdue_and_correction_mails_say_what_happened(
    notify: NotifyService, smtp: tuple[Inbox, SmtpServer]
) -> None:
    inbox, _ = smtp
    await notify.handle_filing_overdue(overdue())
    await notify.handle_filing_recorded(
        recorded(
            agency_id="km-kjj", agency="昆明市科学技术局", region_code="530100", was_overdue=True
        )
    )
    assert [subject_of(m) for m in inbox.messages] == [
        "[年报监测] 逾期未发布: 昆明市科学技术局 2024年度法治政府建设年度报告",
        "[年报监测] 更正: 已找到: 昆明市科学技术局 2024年度法治政府建设年度报告",
    ]
    text = inbox.messages[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "法定期限: 2025-04-01" in text
    assert "依据: 《法治政府建设与责任落实督察工作规定》第二十四条" in text
    assert "最近一次成功抓取: 2025-03-07 16:00" in text  # China time


async def test_a_filing_first_seen_before_subscribing_is_not_mailed(
    notify: NotifyService, smtp: tuple[Inbox, SmtpServer], clock: FakeClock
) -> None:
    inbox, _ = smtp
    clock.now = datetime(2025, 3, 10, tzinfo=UTC)
    notify.subscribe("late@example.org")
    await notify.handle_filing_recorded(recorded(first_seen=datetime(2025, 3, 9, tzinfo=UTC)))
    assert [str(m["To"]) for m in inbox.messages] == ["reader@example.org"]


async def test_backfill_sends_nothing(
    notify: NotifyService, smtp: tuple[Inbox, SmtpServer]
) -> None:
    inbox, _ = smtp
    await notify.handle_filing_recorded(recorded(backfill=True))
    assert inbox.messages == []
    assert notify.counts() == {}


async def test_a_permanent_refusal_fails_the_delivery_for_good(
    notify: NotifyService, smtp: tuple[Inbox, SmtpServer], clock: FakeClock
) -> None:
    inbox, _ = smtp
    inbox.rcpt_reply = "550 5.1.1 no such user"
    await notify.handle_filing_recorded(recorded())
    assert notify.counts() == {"failed": 1}
    inbox.rcpt_reply = None
    clock.advance(hours=1)
    assert await notify.send_due() == 0
    assert inbox.messages == []
    with notify.sessions() as session:
        delivery = session.scalars(select(Delivery)).one()
        assert delivery.attempts == 1
        assert "550" in (delivery.last_error or "")


@pytest.mark.parametrize("where", ["rcpt", "data"])
async def test_a_transient_refusal_is_retried_with_backoff(
    notify: NotifyService, smtp: tuple[Inbox, SmtpServer], clock: FakeClock, where: str
) -> None:
    inbox, _ = smtp
    setattr(inbox, f"{where}_reply", "451 4.3.0 try again later")
    await notify.handle_filing_recorded(recorded())
    assert notify.counts() == {"pending": 1}
    setattr(inbox, f"{where}_reply", None)
    clock.advance(seconds=29)
    assert await notify.send_due() == 0  # backing off: first retry after 30 s
    clock.advance(seconds=1)
    assert await notify.send_due() == 1
    assert len(inbox.messages) == 1
    assert notify.counts() == {"sent": 1}


async def test_a_server_that_never_answers_times_out_and_mail_waits(
    migrated_sessions: Any, clock: FakeClock, smtp: tuple[Inbox, SmtpServer]
) -> None:
    inbox, server = smtp
    accepted: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # never sends the 220 greeting

    hanging = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = hanging.sockets[0].getsockname()[1]
    clock.now = datetime(2025, 1, 1, tzinfo=UTC)
    stuck = make_service(migrated_sessions, port, clock, timeout=0.5)
    stuck.subscribe("reader@example.org")
    clock.now = datetime(2025, 3, 7, 9, tzinfo=UTC)
    started = asyncio.get_running_loop().time()
    await stuck.handle_filing_recorded(recorded())
    assert asyncio.get_running_loop().time() - started < 5
    assert accepted  # it did connect
    assert stuck.counts() == {"pending": 1}
    hanging.close()
    for writer in accepted:
        writer.close()
    # The server comes back (another host, same outbox): the mail goes out once.
    back = make_service(migrated_sessions, server.port, clock)
    clock.advance(seconds=30)
    assert await back.send_due() == 1
    assert len(inbox.messages) == 1


async def test_an_hour_long_outage_delays_mail_and_loses_none(
    notify: NotifyService, smtp: tuple[Inbox, SmtpServer], clock: FakeClock
) -> None:
    inbox, server = smtp
    server.stop()
    await notify.handle_filing_recorded(recorded())
    await notify.handle_filing_overdue(overdue())
    for _ in range(60):  # the delivery loop, once a minute, for an hour
        clock.advance(minutes=1)
        assert await notify.send_due() == 0
    assert notify.counts() == {"pending": 2}
    server.start()
    clock.advance(minutes=15)
    assert await notify.send_due() == 2
    assert sorted(subject_of(m)[:12] for m in inbox.messages) == [
        "[年报监测] 新发布: ",
        "[年报监测] 逾期未发布",
    ]
    clock.advance(hours=1)
    assert await notify.send_due() == 0
    assert len(inbox.messages) == 2


async def test_a_crash_between_send_and_record_resends_once_after_the_lease(
    notify: NotifyService,
    smtp: tuple[Inbox, SmtpServer],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The documented window: accepted by the server, "sent" not committed, process gone."""
    inbox, server = smtp
    notify.mailer = None  # queue only
    await notify.handle_filing_recorded(recorded())
    notify.mailer = SmtpMailer("127.0.0.1", server.port, timeout=5)

    def crash(*args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("process killed after the server accepted the message")

    monkeypatch.setattr(outbox, "mark_sent", crash)
    with pytest.raises(RuntimeError):
        await notify.send_due()
    monkeypatch.undo()
    assert len(inbox.messages) == 1
    assert notify.counts() == {"sending": 1}

    restarted = make_service(notify.sessions, server.port, clock)
    assert await restarted.send_due() == 0  # the lease of the dead sender still holds
    clock.advance(minutes=4)
    assert await restarted.send_due() == 0
    clock.advance(minutes=1, seconds=1)  # lease (5 min) expired: resolved by sending again
    assert await restarted.send_due() == 1
    assert len(inbox.messages) == 2
    assert inbox.messages[0]["Message-ID"] == inbox.messages[1]["Message-ID"]
    assert restarted.counts() == {"sent": 1}
    clock.advance(hours=1)
    assert await restarted.send_due() == 0
    assert len(inbox.messages) == 2


async def test_a_crash_before_the_server_accepted_loses_nothing_and_duplicates_nothing(
    notify: NotifyService,
    smtp: tuple[Inbox, SmtpServer],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, server = smtp
    notify.mailer = None
    await notify.handle_filing_recorded(recorded())
    notify.mailer = SmtpMailer("127.0.0.1", server.port, timeout=5)

    async def crash(mailer: Any, outgoing: Any) -> None:
        raise RuntimeError("process killed after claiming, before DATA")

    monkeypatch.setattr(notify.outgoing, "_send", crash)
    with pytest.raises(RuntimeError):
        await notify.send_due()
    assert notify.counts() == {"sending": 1}
    restarted = make_service(notify.sessions, server.port, clock)
    clock.advance(minutes=6)
    assert await restarted.send_due() == 1
    assert len(inbox.messages) == 1


async def test_two_senders_never_send_the_same_delivery(
    notify: NotifyService, smtp: tuple[Inbox, SmtpServer], clock: FakeClock
) -> None:
    inbox, server = smtp
    notify.mailer = None
    for n in range(5):
        await notify.handle_filing_recorded(
            recorded(event_id=f"{n}" * 32, filing_id=f"{n}" * 32, title=f"报告{n}")
        )
    replicas = [make_service(notify.sessions, server.port, clock) for _ in range(3)]
    results = await asyncio.gather(*(r.send_due() for r in replicas))
    assert sum(results) == 5
    assert len(inbox.messages) == 5
    assert len({m["Message-ID"] for m in inbox.messages}) == 5


async def test_unsubscribing_cancels_mail_still_waiting(
    notify: NotifyService, smtp: tuple[Inbox, SmtpServer], clock: FakeClock
) -> None:
    inbox, server = smtp
    server.stop()
    await notify.handle_filing_recorded(recorded())
    assert notify.unsubscribe("reader@example.org") is True
    server.start()
    clock.advance(hours=1)
    assert await notify.send_due() == 0
    assert inbox.messages == []
    assert notify.counts() == {"cancelled": 1}


async def test_header_injection_through_page_values_adds_no_header_or_recipient(
    notify: NotifyService, smtp: tuple[Inbox, SmtpServer]
) -> None:
    inbox, _ = smtp
    await notify.handle_filing_recorded(
        recorded(
            title="报告\r\nBcc: evil@example.net\r\n\r\n<b>x</b>",
            agency="玉溪市科学技术局\nX-Evil: 1\r\nBcc: evil@example.net",
        )
    )
    assert inbox.envelopes == [["reader@example.org"]]
    message = inbox.messages[0]
    assert message["Bcc"] is None
    assert message["X-Evil"] is None
    assert "\n" not in subject_of(message)
    html_body = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<b>x</b>" not in html_body
    assert "&lt;b&gt;x&lt;/b&gt;" in html_body
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "\nBcc:" not in text


async def test_daily_digest_is_one_mail_a_day_grouped_by_region(
    notify: NotifyService, smtp: tuple[Inbox, SmtpServer], clock: FakeClock
) -> None:
    inbox, _ = smtp
    clock.now = datetime(2025, 1, 1, tzinfo=UTC)
    notify.subscribe("digest@example.org", regions=["530000"], mode="daily")
    notify.unsubscribe("reader@example.org")
    clock.now = datetime(2025, 3, 7, 9, tzinfo=UTC)  # 17:00 in China
    await notify.handle_filing_recorded(recorded())  # 玉溪市
    await notify.handle_filing_recorded(
        recorded(
            event_id="k" * 32,
            filing_id="k" * 32,
            agency_id="km-kjj",
            agency="昆明市科学技术局",
            region_code="530100",
            title="昆明市科学技术局2024年法治政府建设年度报告",
        )
    )
    await notify.handle_filing_overdue(overdue())  # 昆明市
    assert inbox.messages == []
    assert notify.build_digests() == 0  # the day is not over
    clock.now = datetime(2025, 3, 7, 23, tzinfo=UTC)  # 07:00 on 3-8 in China: not yet
    assert notify.build_digests() == 0
    clock.now = datetime(2025, 3, 8, 1, tzinfo=UTC)  # 09:00 on 3-8 in China
    await notify.handle_filing_recorded(
        recorded(event_id="n" * 32, filing_id="n" * 32, title="次日的报告")
    )  # queued on 3-8: tomorrow's digest
    assert notify.build_digests() == 1
    assert notify.build_digests() == 0
    assert await notify.send_due() == 1
    [digest] = inbox.messages
    assert str(digest["To"]) == "digest@example.org"
    assert subject_of(digest) == "[年报监测] 2025-03-07 每日汇总: 3 条提醒"
    text = digest.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    headings = [line for line in text.splitlines() if line.startswith("==")]
    assert headings == ["== 云南省昆明市 (2) ==", "== 云南省玉溪市 (1) =="]
    assert "次日的报告" not in text
    assert digest["List-Unsubscribe"].startswith("<https://nianbao.test/unsubscribe?token=")
    # Replay of everything: no new item, no new mail.
    await notify.handle_filing_recorded(recorded())
    await notify.handle_filing_overdue(overdue(event_id="z" * 32))
    with notify.sessions() as session:
        items = session.scalars(select(DigestItem).order_by(DigestItem.id)).all()
        assert [i.delivery_id is None for i in items] == [False, False, False, True]
    clock.now = datetime(2025, 3, 9, 1, tzinfo=UTC)
    assert notify.build_digests() == 1
    assert await notify.send_due() == 1
    assert subject_of(inbox.messages[1]) == "[年报监测] 2025-03-08 每日汇总: 1 条提醒"
    assert notify.counts() == {"sent": 2}
