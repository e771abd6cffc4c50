"""Notify's HTTP side: one-click unsubscribe (RFC 8058), double opt-in, see-more pages, forgery."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from services.notify import tokens
from services.notify.db.models import Delivery, Subscription
from services.notify.service import NotifyService
from services.notify.settings import NotifySettings
from services.notify.web import create_web
from tests.conftest import FakeClock
from tests.unit.test_notify_core import recorded

pytestmark = pytest.mark.integration

SECRET = "w" * 40


@pytest.fixture
def notify(migrated_sessions: Any, clock: FakeClock) -> NotifyService:
    clock.now = datetime(2025, 1, 1, tzinfo=UTC)
    service = NotifyService(
        sessions=migrated_sessions,
        mailer=None,  # mail stays in the outbox, where the test reads it
        clock=clock,
        sender="alerts@nianbao.test",
        public_url="https://nianbao.test/n",
        secret_key=SECRET,
    )
    service.subscribe("reader@example.org")
    service.subscribe("victim@example.org")
    clock.now = datetime(2025, 3, 7, 9, tzinfo=UTC)
    return service


@pytest.fixture
def web(notify: NotifyService) -> TestClient:
    return TestClient(create_web(notify, NotifySettings(public_url="https://nianbao.test/n")))


def outbox(notify: NotifyService, recipient: str) -> list[Delivery]:
    with notify.sessions() as session:
        return list(
            session.scalars(
                select(Delivery).where(Delivery.recipient == recipient).order_by(Delivery.id)
            )
        )


def path_of(url: str) -> str:
    parts = urlsplit(url)
    assert parts.netloc == "nianbao.test"
    return parts.path.removeprefix("/n") + "?" + parts.query


def active(notify: NotifyService) -> list[str]:
    return [s.email for s in notify.subscriptions() if s.confirmed]


async def test_one_click_unsubscribe_from_the_list_unsubscribe_header(
    notify: NotifyService, web: TestClient
) -> None:
    await notify.handle_filing_recorded(recorded())
    [delivery] = outbox(notify, "reader@example.org")
    url = (delivery.headers or {})["List-Unsubscribe"].strip("<>")
    page = web.get(path_of(url))
    assert page.status_code == 200
    assert "reader@example.org" in page.text
    assert active(notify) == ["reader@example.org", "victim@example.org"]  # GET does nothing
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    done = web.post(
        path_of(url),
        content="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200
    assert "已退订" in done.text
    assert active(notify) == ["victim@example.org"]
    again = web.post(path_of(url), content="List-Unsubscribe=One-Click")
    assert again.status_code == 200  # idempotent


def test_the_page_form_unsubscribes_with_the_token_as_a_field(
    notify: NotifyService, web: TestClient
) -> None:
    token = tokens.sign(SECRET.encode(), "unsubscribe", "reader@example.org", 1)
    done = web.post("/unsubscribe", data={"token": token})
    assert done.status_code == 200
    assert active(notify) == ["victim@example.org"]


@pytest.mark.parametrize(
    "make",
    [
        lambda: tokens.sign(b"another key" * 4, "unsubscribe", "victim@example.org", 2),
        lambda: tokens.sign(SECRET.encode(), "confirm", "victim@example.org", 2),
        # A valid token of reader's, with victim's subscription id: refused.
        lambda: tokens.sign(SECRET.encode(), "unsubscribe", "reader@example.org", 2),
        lambda: "garbage",
        lambda: "",
    ],
)
def test_forged_or_misused_tokens_unsubscribe_nobody(
    notify: NotifyService, web: TestClient, make: Any
) -> None:
    token = make()
    response = web.post(f"/unsubscribe?token={token}", content="List-Unsubscribe=One-Click")
    assert response.status_code == 400
    assert "链接无效" in response.text
    assert web.get(f"/unsubscribe?token={token}").status_code == 400
    assert active(notify) == ["reader@example.org", "victim@example.org"]


def test_double_opt_in(notify: NotifyService, web: TestClient, clock: FakeClock) -> None:
    response = web.post(
        "/api/subscriptions",
        json={"email": "new@example.org", "regions": ["云南省"], "mode": "daily"},
    )
    assert response.status_code == 202
    assert response.json() == {"status": "confirmation_sent"}
    assert "new@example.org" not in active(notify)
    [mail] = outbox(notify, "new@example.org")
    assert mail.alert_kind == "confirm"
    assert "地区: 530000 云南省" in mail.body_text
    link = re.search(r"https://nianbao\.test/n/confirm\?token=\S+", mail.body_text)
    assert link is not None
    page = web.get(path_of(link.group(0)))
    assert page.status_code == 200
    assert "new@example.org" not in active(notify)  # GET only shows the button
    assert web.post(path_of(link.group(0))).status_code == 200
    assert "new@example.org" in active(notify)
    with notify.sessions() as session:
        sub = session.scalars(
            select(Subscription).where(Subscription.email == "new@example.org")
        ).one()
        assert (sub.origin, sub.regions, sub.mode) == ("http", ["530000"], "daily")
    # Asking again never touches a confirmed subscription and sends nothing.
    again = web.post("/api/subscriptions", json={"email": "new@example.org", "regions": ["北京市"]})
    assert again.status_code == 202
    assert len(outbox(notify, "new@example.org")) == 1
    # Unsubscribed, the old confirmation link cannot bring the subscription back.
    notify.unsubscribe("new@example.org")
    assert web.post(path_of(link.group(0))).status_code == 400
    assert "new@example.org" not in active(notify)


def test_confirmation_mails_are_rate_limited_and_old_links_die(
    notify: NotifyService, web: TestClient, clock: FakeClock
) -> None:
    for _ in range(5):
        assert web.post("/api/subscriptions", json={"email": "x@example.org"}).status_code == 202
    assert len(outbox(notify, "x@example.org")) == 1
    first = outbox(notify, "x@example.org")[0].body_text
    clock.advance(hours=1, seconds=1)
    assert web.post("/api/subscriptions", json={"email": "x@example.org"}).status_code == 202
    mails = outbox(notify, "x@example.org")
    assert len(mails) == 2
    old = re.search(r"https://\S+confirm\?token=\S+", first)
    new = re.search(r"https://\S+confirm\?token=\S+", mails[1].body_text)
    assert old
    assert new
    assert web.post(path_of(old.group(0))).status_code == 400  # replaced by the newer request
    assert web.post(path_of(new.group(0))).status_code == 200
    clock.advance(days=8)
    assert web.post("/api/subscriptions", json={"email": "y@example.org"}).status_code == 202
    link = re.search(r"https://\S+confirm\?token=\S+", outbox(notify, "y@example.org")[0].body_text)
    assert link
    clock.advance(days=7, seconds=1)
    assert web.post(path_of(link.group(0))).status_code == 400  # expired


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"email": "not an address"}, 422),
        ({"email": "a@example.org\r\nBcc: b@example.org"}, 422),
        ({"email": "a@example.org", "regions": ["朝阳区"]}, 422),
        ({"email": "a@example.org", "admin": True}, 422),
        ({"email": "a@example.org", "kinds": "法治政府建设年度报告"}, 202),
        (["a@example.org"], 422),
    ],
)
def test_the_api_validates_its_input(
    notify: NotifyService, web: TestClient, body: Any, status: int
) -> None:
    response = web.post("/api/subscriptions", json=body)
    assert response.status_code == status
    if status == 422:
        assert outbox(notify, "a@example.org") == []


def test_the_api_wants_json_and_small_bodies(web: TestClient) -> None:
    assert web.post("/api/subscriptions", data={"email": "a@example.org"}).status_code == 415
    big = '{"email": "a@example.org", "keywords": ["' + "x" * 20000 + '"]}'
    response = web.post(
        "/api/subscriptions", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_the_see_more_page_of_a_digest_lists_everything(
    notify: NotifyService, web: TestClient, clock: FakeClock
) -> None:
    clock.now = datetime(2025, 1, 1, tzinfo=UTC)
    notify.subscribe("daily@example.org", mode="daily")
    clock.now = datetime(2025, 3, 7, 9, tzinfo=UTC)
    for n in range(35):
        await notify.handle_filing_recorded(
            recorded(event_id=f"{n:032d}", filing_id=f"{n:032d}", title=f"第{n}份报告")
        )
    clock.now = datetime(2025, 3, 8, 1, tzinfo=UTC)
    assert notify.build_digests() == 1
    [digest] = [d for d in outbox(notify, "daily@example.org") if d.alert_kind == "digest"]
    assert "另有 5 条未在邮件中列出" in digest.body_text
    link = re.search(r"https://nianbao\.test/n/digest\?token=\S+", digest.body_text)
    assert link is not None
    page = web.get(path_of(link.group(0)))
    assert page.status_code == 200
    assert all(f"第{n}份报告" in page.text for n in range(35))
    # The same link for another address is refused.
    claims = tokens.verify(SECRET.encode(), link.group(0).split("token=")[1], "digest", clock())
    other = tokens.sign(
        SECRET.encode(), "digest", "reader@example.org", claims.subscription_id, ref=claims.ref
    )
    assert web.get(f"/digest?token={other}").status_code == 400


def test_a_sign_up_without_a_public_url_is_refused_at_once(
    migrated_sessions: Any, clock: FakeClock
) -> None:
    # Without NIANBAO_PUBLIC_URL no confirmation link can be made; the generated signing key
    # used to be created inside the open transaction, which locked SQLite for 30 s.
    service = NotifyService(
        sessions=migrated_sessions, mailer=None, clock=clock, sender="alerts@nianbao.test"
    )
    client = TestClient(create_web(service, NotifySettings()))
    answer = client.post("/api/subscriptions", json={"email": "reader@example.org"})
    assert answer.status_code == 422
    assert answer.json() == {"error": "HTTP subscriptions need NIANBAO_PUBLIC_URL"}
    assert service.subscriptions() == []
