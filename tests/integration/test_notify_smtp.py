"""Notify against a real SMTP server on loopback (aiosmtpd): delivery, outage, replay."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller

from services.notify.mailer import SmtpMailer
from services.notify.service import NotifyService
from shared.embedded_nats import free_port
from tests.conftest import FakeClock
from tests.unit.test_notify_core import recorded

pytestmark = pytest.mark.integration


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


class SmtpServer:
    """An aiosmtpd server on a fixed loopback port that can go down and come back."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpServer]]:
    server = SmtpServer()
    server.start()
    yield server.inbox, server
    server.stop()


@pytest.fixture
def notify(migrated_sessions, smtp, clock: FakeClock) -> NotifyService:  # type: ignore[no-untyped-def]
    _, controller = smtp
    clock.now = datetime(2025, 1, 1, tzinfo=UTC)
    service = NotifyService(
        sessions=migrated_sessions,
        mailer=SmtpMailer("127.0.0.1", controller.port, timeout=5),
        clock=clock,
        sender="alerts@nianbao.test",
        public_url="https://nianbao.test",
    )
    service.subscribe("reader@example.org", regions=["530000"])
    service.subscribe("other@example.org", regions=["110000"])
    clock.now = datetime(2025, 3, 7, 9, tzinfo=UTC)
    return service


async def test_a_new_filing_is_mailed_once_to_matching_subscribers(
    notify: NotifyService, smtp
) -> None:  # type: ignore[no-untyped-def]
    inbox, _ = smtp
    event = recorded()
    await notify.handle_filing_recorded(event)
    await notify.handle_filing_recorded(event)  # redelivery / replay
    assert [m["To"] for m in inbox.messages] == ["reader@example.org"]
    message = inbox.messages[0]
    assert "玉溪市科学技术局" in str(
        email.header.make_header(email.header.decode_header(message["Subject"]))
    )
    assert message["Message-ID"].endswith("@nianbao.local>")
    assert notify.counts() == {"sent": 1}


async def test_an_smtp_outage_delays_mail_and_loses_none(
    notify: NotifyService, smtp, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    inbox, controller = smtp
    controller.stop()
    await notify.handle_filing_recorded(recorded())
    assert notify.counts() == {"pending": 1}
    controller.start()
    assert await notify.send_due() == 0  # not due yet: backing off
    clock.advance(minutes=1)
    assert await notify.send_due() == 1
    assert len(inbox.messages) == 1
    assert await notify.send_due() == 0
    assert len(inbox.messages) == 1


async def test_backfill_sends_nothing(notify: NotifyService, smtp) -> None:  # type: ignore[no-untyped-def]
    inbox, _ = smtp
    await notify.handle_filing_recorded(recorded(backfill=True))
    assert inbox.messages == []
    assert notify.counts() == {}
