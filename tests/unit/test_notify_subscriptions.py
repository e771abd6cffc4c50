"""Subscription input: addresses, regions by name or code, filters; email headers."""

from __future__ import annotations

import pytest

from services.notify.mailer import build_message
from services.notify.subscriptions import clean_filters, validate_email
from shared.errors import ConfigurationError, PermanentError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("Reader@Example.ORG", "reader@example.org"),
        ("  a.b+tag@sub.example.cn ", "a.b+tag@sub.example.cn"),
        ("user@例子.中国", "user@xn--fsqu00a.xn--fiqs8s"),
    ],
)
def test_valid_addresses_are_normalised(given: str, normalised: str) -> None:
    assert validate_email(given) == normalised


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "plain",
        "a@localhost",
        "a@@example.org",
        "a..b@example.org",
        ".a@example.org",
        "a@example..org",
        "a@-example.org",
        "a@example.123",
        '"quoted"@example.org',
        "a b@example.org",
        "a@example.org\r\nBcc: evil@example.org",
        "a@example.org>, evil@example.net",
        "a@[127.0.0.1]",
        "x" * 65 + "@example.org",
    ],
)
def test_invalid_addresses_are_refused(bad: str) -> None:
    with pytest.raises(ConfigurationError):
        validate_email(bad)


def test_regions_are_taken_by_name_or_code() -> None:
    filters = clean_filters(regions=["云南省", "530400", "昆明市"])
    assert filters.regions == ["530000", "530400", "530100"]
    assert filters.alerts == ["new", "overdue"]
    assert filters.mode == "instant"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"regions": ["朝阳区"]}, "ambiguous"),
        ({"regions": ["999999"]}, "unknown region code"),
        ({"regions": ["火星"]}, "unknown region"),
        ({"kinds": ["年终总结"]}, "unknown report kind"),
        ({"alerts": ["new", "weekly"]}, "alerts are"),
        ({"mode": "hourly"}, "mode"),
        ({"keywords": ["a\nb"]}, "invalid filter value"),
    ],
)
def test_bad_filters_are_refused(args: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        clean_filters(**args)  # type: ignore[arg-type]


def test_a_message_cannot_carry_an_injected_header_or_recipient() -> None:
    message = build_message(
        sender="alerts@nianbao.test",
        recipient="reader@example.org",
        subject="标题\r\nBcc: evil@example.org",
        text="t",
        html="<p>h</p>",
        message_id="<1@nianbao.test>\r\nX-Evil: 1",
        headers={"List-Unsubscribe": "<https://n.test/u?token=a>\r\nBcc: evil@example.org"},
    )
    wire = message.as_bytes()
    assert b"\nBcc:" not in wire
    assert b"\nX-Evil:" not in wire
    assert b"Subject: =?utf-8?" in wire  # RFC 2047, not raw UTF-8
    assert message["To"] == "reader@example.org"
    with pytest.raises(PermanentError):
        build_message(
            sender="alerts@nianbao.test",
            recipient="reader@example.org, evil@example.net",
            subject="s",
            text="t",
            html="h",
            message_id="<1@x>",
            headers={},
        )
