"""The sign-up form and the manage page: double opt-in from a browser form, CSRF, rate limit,
escaping, and changing or cancelling a subscription from the link in an email."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from services.notify import tokens
from services.notify.db.models import Delivery, Subscription
from services.notify.guard import CSRF_COOKIE
from services.notify.service import NotifyService
from services.notify.settings import NotifySettings
from services.notify.web import create_web
from tests.conftest import FakeClock

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.integration
SECRET = "s" * 40


@pytest.fixture
def notify(migrated_sessions: Any, clock: FakeClock) -> NotifyService:
    clock.now = datetime(2025, 3, 7, 9, tzinfo=UTC)
    return NotifyService(
        sessions=migrated_sessions,
        mailer=None,
        clock=clock,
        sender="alerts@nianbao.test",
        public_url="https://nianbao.test",
        secret_key=SECRET,
    )


def client(notify: NotifyService) -> TestClient:
    return TestClient(create_web(notify, NotifySettings(public_url="https://nianbao.test")))


def form_token(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def sign_up(web: TestClient, **fields: Any) -> Any:
    token = form_token(web.get("/subscribe").text)
    return web.post("/subscribe", data={"csrf": token, **fields})


def stored(notify: NotifyService) -> list[Subscription]:
    with notify.sessions() as session:
        return list(session.scalars(select(Subscription).order_by(Subscription.id)))


def mails(notify: NotifyService) -> list[Delivery]:
    with notify.sessions() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def test_the_form_is_labelled_and_sets_a_strict_cookie(notify: NotifyService) -> None:
    page = client(notify).get("/subscribe")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    for field in ("email", "regions", "agencies", "keywords"):
        assert f'<label for="{field}">' in page.text
        assert f'id="{field}"' in page.text
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{CSRF_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert page.headers["cache-control"] == "no-store"


def test_signing_up_from_the_form_is_double_opt_in(notify: NotifyService) -> None:
    web = client(notify)
    answer = sign_up(
        web,
        email="Reader@Example.org",
        regions="云南省，530300",
        kinds="法治政府建设年度报告",
        alerts="overdue",
        mode="daily",
    )
    assert answer.status_code == 202
    assert "请查收确认邮件" in answer.text
    [sub] = stored(notify)
    assert (sub.email, sub.confirmed, sub.origin) == ("reader@example.org", False, "http")
    assert sub.regions == ["530000", "530300"]
    assert (sub.kinds, sub.alerts, sub.mode) == (["法治政府建设年度报告"], ["overdue"], "daily")
    [mail] = mails(notify)
    link = re.search(r"https://nianbao\.test/confirm\?token=(\S+)", mail.body_text)
    assert link is not None
    assert web.post("/confirm", data={"token": link.group(1)}).status_code == 200
    assert stored(notify)[0].confirmed is True


def test_posts_without_the_form_token_or_from_another_browser_are_refused(
    notify: NotifyService,
) -> None:
    web = client(notify)
    assert web.post("/subscribe", data={"email": "a@example.org"}).status_code == 403
    token = form_token(web.get("/subscribe").text)
    other = client(notify)  # a forging site's post: its own cookie, a field it copied
    other.get("/subscribe")
    assert (
        other.post("/subscribe", data={"csrf": token, "email": "a@example.org"}).status_code == 403
    )
    tampered = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert (
        web.post("/subscribe", data={"csrf": tampered, "email": "a@example.org"}).status_code == 403
    )
    web.cookies.clear()
    assert web.post("/subscribe", data={"csrf": token, "email": "a@example.org"}).status_code == 403
    assert web.post("/subscribe", content=b'{"email": "a@example.org"}').status_code == 400
    assert stored(notify) == []


def test_bad_input_is_shown_back_escaped(notify: NotifyService) -> None:
    web = client(notify)
    answer = sign_up(web, email="<img src=x onerror=alert(1)>@x", regions="火星")
    assert answer.status_code == 422
    assert "<img" not in answer.text
    assert "&lt;img src=x onerror=alert(1)&gt;@x" in answer.text
    assert 'id="form-error"' in answer.text
    assert form_token(answer.text)  # a fresh token for the next try
    unknown_region = sign_up(web, email="ok@example.org", regions="<b>火星</b>")
    assert unknown_region.status_code == 422
    assert "<b>火星" not in unknown_region.text
    assert stored(notify) == []


def test_sign_ups_are_rate_limited_per_client(notify: NotifyService) -> None:
    web = client(notify)
    answers = [sign_up(web, email=f"r{i}@example.org").status_code for i in range(6)]
    assert answers == [202] * 5 + [429]
    limited = sign_up(web, email="r9@example.org")
    assert int(limited.headers["retry-after"]) > 0
    assert len(stored(notify)) == 5


def test_the_manage_page_changes_filters_and_links_to_unsubscribe(
    notify: NotifyService,
) -> None:
    sub = notify.subscribe("reader@example.org", regions=["530100"])
    token = tokens.sign(SECRET.encode(), "unsubscribe", "reader@example.org", sub.id)
    web = client(notify)
    page = web.get("/subscriptions/manage", params={"token": token})
    assert page.status_code == 200
    assert "reader@example.org" in page.text
    assert 'value="530100"' in page.text
    assert "云南省昆明市" in page.text
    assert 'action="/unsubscribe"' in page.text
    saved = web.post(
        "/subscriptions/manage",
        data={"csrf": form_token(page.text), "token": token, "regions": "四川省", "mode": "daily"},
    )
    assert saved.status_code == 200
    assert 'id="saved"' in saved.text
    [after] = stored(notify)
    assert (after.regions, after.mode, after.confirmed) == (["510000"], "daily", True)
    # Without the page's CSRF token, or with a token for someone else, nothing changes.
    assert (
        web.post("/subscriptions/manage", data={"token": token, "regions": "云南省"}).status_code
        == 403
    )
    forged = tokens.sign(b"x" * 40, "unsubscribe", "reader@example.org", sub.id)
    assert web.get("/subscriptions/manage", params={"token": forged}).status_code == 400
    fresh = form_token(web.get("/subscriptions/manage", params={"token": token}).text)
    assert (
        web.post(
            "/subscriptions/manage", data={"csrf": fresh, "token": forged, "regions": "云南省"}
        ).status_code
        == 400
    )
    assert stored(notify)[0].regions == ["510000"]
    # The unsubscribe page offers the manage page.
    assert "subscriptions/manage?token=" in web.get("/unsubscribe", params={"token": token}).text


def test_without_a_public_url_the_form_says_it_cannot_confirm(
    migrated_sessions: Any, clock: FakeClock
) -> None:
    service = NotifyService(sessions=migrated_sessions, mailer=None, clock=clock)
    web = client(service)
    answer = sign_up(web, email="reader@example.org")
    assert answer.status_code == 503
    assert "NIANBAO_PUBLIC_URL" in answer.text
    assert stored(service) == []
