"""A scenario played at chosen dates with the real command: watched from March, checked in April.

The demo agencies are first crawled on 2025-03-01 (backfill: recorded, no mail). On 2025-04-10 the
2024 法治政府建设年度报告 deadline (2025-04-01) plus grace has passed while they were watched: the
three agencies whose portal has no 2024 report get exactly one overdue email each; 昆明, which
published on 2025-03-06, gets none; a second run sends nothing new.
"""

from __future__ import annotations

import email
from collections.abc import Iterator
from email.header import decode_header, make_header
from pathlib import Path

import pytest

from tests.e2e.command import run
from tests.smtp import Inbox, SmtpServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    server = SmtpServer()
    server.start()
    yield server.inbox, server.port
    server.stop()


def subject(message: email.message.Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def test_overdue_alerts_once_for_deadlines_passed_while_watched(
    env: dict[str, str], tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    env = {
        **env,
        "NIANBAO_SMTP_HOST": "127.0.0.1",
        "NIANBAO_SMTP_PORT": str(port),
        "NIANBAO_SMTP_FROM": "alerts@nianbao.test",
    }
    for args in (["watcher@example.org"], ["daily@example.org", "--mode", "daily"]):
        subscribed = run(["subscribe", *args], {**env, "NIANBAO_NOW": "2025-02-01"}, tmp_path)
        assert subscribed.returncode == 0, subscribed.stderr
    # Subscribed at the real time, long after the dates played below: hears nothing, told why.
    late = run(["subscribe", "late@example.org"], env, tmp_path)
    assert late.returncode == 0, late.stderr
    assert "a run played earlier with --now sends none" in late.stdout

    march = run(["up", "--demo", "--once", "--now", "2025-03-01"], env, tmp_path)
    assert march.returncode == 0, march.stdout + march.stderr
    assert "overdue alerts raised: 0; emails sent: 0" in march.stdout
    assert inbox.messages == []  # the first crawl is history, not news
    assert "note: 1 subscription(s) were made after the played time 2025-03-01" in march.stdout

    april = run(["up", "--demo", "--once", "--now", "2025-04-10"], env, tmp_path)
    assert april.returncode == 0, april.stdout + april.stderr
    assert "overdue alerts raised: 3; emails sent: 3" in april.stdout  # sent as handled
    subjects = sorted(subject(m) for m in inbox.messages)
    assert len(subjects) == 3, subjects
    for agency in ("常德市科学技术局", "漯河市科学技术局", "蒙自市科学技术局"):
        assert any(agency in s and "2024年度法治政府建设年度报告" in s for s in subjects), subjects
    assert not any("昆明" in s for s in subjects)
    assert {m["To"] for m in inbox.messages} == {"watcher@example.org"}
    assert "late@example.org" not in april.stdout  # counted, not named
    assert "note: 1 subscription(s) were made after the played time" in april.stdout

    # The next morning at 09:00 China time the daily subscriber gets one digest of the three.
    again = run(["up", "--demo", "--once", "--now", "2025-04-11T09:00:00+08:00"], env, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "overdue alerts raised: 0; emails sent: 1" in again.stdout
    assert len(inbox.messages) == 4  # nothing twice, one digest
    digest = inbox.messages[-1]
    assert digest["To"] == "daily@example.org"
    assert "2025" in subject(digest)
