"""Who gets which alert, and what the email says."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.notify import core
from shared.events import FilingRecorded

pytestmark = pytest.mark.unit

SUBSCRIBED = datetime(2025, 1, 1, tzinfo=UTC)


def recorded(**overrides: object) -> FilingRecorded:
    values: dict[str, object] = {
        "event_id": "e" * 32,
        "occurred_at": datetime(2025, 3, 7, tzinfo=UTC),
        "filing_id": "f" * 32,
        "version": 1,
        "change": "new",
        "agency_id": "yx-kjj",
        "agency": "玉溪市科学技术局",
        "region_code": "530400",
        "kind": "法治政府建设年度报告",
        "report_year": 2024,
        "title": "玉溪市科学技术局2024年法治政府建设年度报告",
        "url": "https://kjj.yuxi.gov.cn/1.html",
        "published": date(2025, 3, 6),
        "first_seen": datetime(2025, 3, 7, tzinfo=UTC),
        "deadline": date(2025, 4, 1),
        "on_time": True,
        "backfill": False,
    }
    values.update(overrides)
    return FilingRecorded(**values)  # type: ignore[arg-type]


def sub(**overrides: object) -> core.SubscriptionView:
    values: dict[str, object] = {"id": 1, "email": "a@example.org", "created_at": SUBSCRIBED}
    values.update(overrides)
    return core.SubscriptionView(**values)  # type: ignore[arg-type]


def test_backfill_and_silent_edits_raise_no_alert() -> None:
    assert core.alert_from_recorded(recorded(backfill=True)) is None
    assert core.alert_from_recorded(recorded(change="changed", version=2)) is None


def test_a_filing_found_after_an_overdue_alert_is_a_correction() -> None:
    alert = core.alert_from_recorded(recorded(was_overdue=True))
    assert alert is not None
    assert alert.kind == "correction"


@pytest.mark.parametrize(
    ("filters", "wanted"),
    [
        ({}, True),
        ({"regions": ("530000",)}, True),  # 云南省 covers 玉溪市
        ({"regions": ("530400",)}, True),
        ({"regions": ("530100",)}, False),  # 昆明市 does not
        ({"regions": ("110000",)}, False),
        ({"kinds": ("政府信息公开工作年度报告",)}, False),
        ({"agencies": ("yx-kjj",)}, True),
        ({"keywords": ("法治",)}, True),
        ({"keywords": ("审计",)}, False),
        ({"alerts": ("overdue",)}, False),
        (
            {"created_at": datetime(2025, 3, 8, tzinfo=UTC)},
            False,
        ),  # filing first seen before subscribing
    ],
)
def test_matching(filters: dict[str, object], wanted: bool) -> None:
    alert = core.alert_from_recorded(recorded())
    assert alert is not None
    assert core.matches(sub(**filters), alert) is wanted


def test_rendering_escapes_html_and_keeps_headers_single_line() -> None:
    alert = core.alert_from_recorded(
        recorded(title="<script>x</script>\r\nBcc: evil@example.org", agency="局\nX")
    )
    assert alert is not None
    email = core.render(alert, "https://nianbao.example/unsubscribe?t=1")
    assert "<script>" not in email.html
    assert "&lt;script&gt;" in email.html
    assert "\n" not in email.subject
    assert "\r" not in email.subject
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "按时" in email.text


def test_message_id_is_stable_per_subscription_and_alert() -> None:
    assert core.message_id(1, "a") == core.message_id(1, "a")
    assert core.message_id(1, "a") != core.message_id(2, "a")
