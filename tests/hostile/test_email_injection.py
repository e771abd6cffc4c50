"""Email injection: values from the open web (titles, agency names, URLs) and addresses cannot
add headers or recipients, and HTML from a page is escaped in the HTML part."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime

import pytest

from services.notify.core import Alert, header_safe
from services.notify.mailer import build_message
from services.notify.rendering import render
from services.notify.subscriptions import validate_email
from shared.errors import ConfigurationError, PermanentError

pytestmark = pytest.mark.unit

INJECTIONS = [
    "报告\r\nBcc: evil@example.com",
    "报告\nBcc: evil@example.com",
    "报告\rBcc: evil@example.com",
    "报告\r\n\r\n<html>body takeover</html>",
    "报告\x00\x0b\x0c\x1b\x7fBcc: evil@example.com",
    "报告\u2028Bcc: evil@example.com",
    "报告\u2029Bcc: evil@example.com",
    "报告\r\n To: evil@example.com",  # a folded continuation line
]
NEL = "报告\x85Bcc: evil@example.com"  # U+0085, a line break to str.splitlines and the email lib
ENCODED_WORD = "=?utf-8?q?=0D=0ABcc:_evil@example.com?="  # the email lib decodes it to CR LF
HTML = "<script>alert(1)</script><img src=x onerror=alert(2)>&<'\"><a href='javascript:x'>"


def alert(**overrides: object) -> Alert:
    values: dict[str, object] = {
        "alert_id": "a1",
        "kind": "new",
        "agency_id": "km-kjj",
        "agency": "昆明市科学技术局",
        "region_code": "530100",
        "report_kind": "法治政府建设年度报告",
        "report_year": 2024,
        "first_seen": datetime(2025, 3, 7, tzinfo=UTC),
        "title": "市科技局2024年法治政府建设年度报告",
        "url": "https://kjj.km.gov.cn/t20250306_1.html",
        "published": date(2025, 3, 6),
        "on_time": True,
        "sections": ("一、主要举措",),
        "figures": ("开展学法12次",),
    }
    values.update(overrides)
    return Alert(**values)  # type: ignore[arg-type]


def wire(alert_: Alert, recipient: str = "reader@example.org") -> email.message.EmailMessage:
    """The message as the SMTP server receives it, parsed back."""
    rendered = render(alert_, "https://nianbao.example.org/unsubscribe?t=abc")
    message = build_message(
        sender="nianbao@example.org",
        recipient=recipient,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id="<m1@nianbao.local>",
        headers=rendered.headers,
    )
    raw = message.as_bytes(policy=email.policy.SMTP)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def header_names(message: email.message.EmailMessage) -> list[str]:
    return sorted(name.lower() for name in message)


@pytest.mark.parametrize("field", ["agency", "title", "report_kind", "url"])
@pytest.mark.parametrize("value", INJECTIONS)
def test_controls_in_page_values_add_no_header_or_recipient(field: str, value: str) -> None:
    check_no_injection(field, value)


@pytest.mark.parametrize("field", ["title", "url"])  # body only
@pytest.mark.parametrize("value", [NEL, ENCODED_WORD])
def test_unicode_line_breaks_in_body_values_add_nothing(field: str, value: str) -> None:
    check_no_injection(field, value)


@pytest.mark.parametrize("field", ["agency", "report_kind"])  # in the Subject
@pytest.mark.parametrize("value", [NEL, ENCODED_WORD])
def test_unicode_line_breaks_in_subject_values_add_nothing(field: str, value: str) -> None:
    check_no_injection(field, value)


def check_no_injection(field: str, value: str) -> None:
    parsed = wire(alert(**{field: value}))
    assert header_names(parsed) == header_names(wire(alert()))  # the headers of a clean alert
    assert parsed.get_all("To") == ["reader@example.org"]
    assert parsed["Bcc"] is None
    assert parsed["Cc"] is None
    assert "\n" not in str(parsed["Subject"])
    assert "\r" not in str(parsed["Subject"])
    html_part = parsed.get_body(("html",))
    assert html_part is not None
    assert "body takeover</html>" not in html_part.get_content().replace("&lt;", "<") or (
        "&lt;html&gt;body takeover" in html_part.get_content()
    )


@pytest.mark.parametrize("value", [*INJECTIONS, ENCODED_WORD, NEL])
def test_header_safe_leaves_no_line_break_of_any_kind(value: str) -> None:
    cleaned = header_safe(value)
    assert cleaned.splitlines() == [cleaned] or cleaned == ""
    assert not any(ord(c) < 0x20 or ord(c) == 0x7F for c in cleaned)


def test_header_safe_bounds_the_length() -> None:
    assert len(header_safe("法" * 10_000)) <= 200


@pytest.mark.parametrize("field", ["agency", "title", "url"])
def test_html_from_pages_is_escaped_in_the_html_part(field: str) -> None:
    rendered = render(alert(**{field: HTML, "sections": (HTML,), "figures": (HTML,)}), None)
    assert "<script>" not in rendered.html
    assert "<img" not in rendered.html
    assert "href='javascript:" not in rendered.html
    assert "&lt;script&gt;" in rendered.html


def test_a_url_that_is_not_http_is_not_made_a_link() -> None:
    rendered = render(alert(url="javascript:alert(1)//https://x"), None)
    assert "href='javascript" not in rendered.html
    assert "<a href" not in rendered.html


@pytest.mark.parametrize("url", ["https://x.gov.cn/a'onmouseover='alert(1)", 'https://x/"><b>'])
def test_quotes_in_a_link_cannot_break_out_of_the_attribute(url: str) -> None:
    rendered = render(alert(url=url), None)
    assert "'onmouseover" not in rendered.html
    assert '"><b>' not in rendered.html


@pytest.mark.parametrize(
    "address",
    [
        "reader@example.org\r\nBcc: evil@example.com",
        "reader@example.org\nBcc: evil@example.com",
        "reader@example.org, evil@example.com",
        "reader@example.org;evil@example.com",
        "Reader <evil@example.com>",
        "reader@example.org\x00evil@example.com",
        "reader@example.org\u2028Bcc: evil@example.com",
        '"evil@example.com"@example.org',
        "reader@example.org>\r\nRCPT TO:<evil@example.com",
    ],
)
def test_an_address_that_could_add_a_recipient_is_refused(address: str) -> None:
    with pytest.raises(ConfigurationError):
        validate_email(address)


@pytest.mark.parametrize(
    "recipient",
    ["reader@example.org\r\nBcc: evil@example.com", "reader@example.org\nBcc: evil@example.com"],
)
def test_build_message_never_writes_a_recipient_with_a_line_break(recipient: str) -> None:
    """The last line of defence if an unvalidated address reaches the mailer: it is refused
    (PermanentError from build_message, or ValueError from the email library), never written."""
    with pytest.raises((ValueError, PermanentError)):
        wire(alert(), recipient=recipient)
