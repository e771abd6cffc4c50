"""Who gets which alert, and what the email says."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.notify import core, rendering
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
    email = rendering.render(alert, "https://nianbao.example/unsubscribe?t=1")
    assert "<script>" not in email.html
    assert "&lt;script&gt;" in email.html
    assert "\n" not in email.subject
    assert "\r" not in email.subject
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "按时" in email.text


def test_message_id_is_stable_per_subscription_and_alert() -> None:
    assert core.message_id(1, "a") == core.message_id(1, "a")
    assert core.message_id(1, "a") != core.message_id(2, "a")


def overdue_alert(**overrides: object) -> core.Alert:
    values: dict[str, object] = {
        "alert_id": "o" * 32,
        "kind": "overdue",
        "agency_id": "km-kjj",
        "agency": "昆明市科学技术局",
        "region_code": "530100",
        "report_kind": "法治政府建设年度报告",
        "report_year": 2024,
        "first_seen": datetime(2025, 4, 5, tzinfo=UTC),
        "deadline": date(2025, 4, 1),
        "legal_basis": "第二十四条",
    }
    values.update(overrides)
    return core.Alert(**values)  # type: ignore[arg-type]


def test_alerts_survive_the_json_round_trip_of_digest_items() -> None:
    alert = core.alert_from_recorded(recorded(sections=("一、成效",), figures=("12 次",)))
    assert alert is not None
    assert core.alert_from_json(core.alert_to_json(alert)) == alert
    late = overdue_alert(last_crawled_ok=datetime(2025, 4, 4, 8, tzinfo=UTC))
    assert core.alert_from_json(core.alert_to_json(late)) == late


def test_a_day_is_a_day_in_china() -> None:
    assert core.local_day(datetime(2025, 3, 7, 15, 59, tzinfo=UTC)) == date(2025, 3, 7)
    assert core.local_day(datetime(2025, 3, 7, 16, 0, tzinfo=UTC)) == date(2025, 3, 8)


def test_digest_groups_by_region_and_caps_its_size_with_a_see_more_link() -> None:
    names = {"530100": "云南省昆明市", "530400": "云南省玉溪市"}
    alerts = [
        overdue_alert(alert_id=f"{n:032d}", agency=f"机关{n:02d}", region_code=code)
        for n, code in enumerate(["530400"] * 20 + ["530100"] * 14 + [None])  # type: ignore[list-item]
    ]
    links = core.Links(
        unsubscribe="https://n.test/unsubscribe?token=u", see_more="https://n.test/digest?token=d"
    )
    email = rendering.render_digest(date(2025, 4, 5), alerts, links, names.get, max_items=30)
    headings = [line for line in email.text.splitlines() if line.startswith("==")]
    assert headings == ["== 云南省昆明市 (14) ==", "== 云南省玉溪市 (20) =="]  # cut at 30
    assert email.text.count("* 逾期未发布") == 30
    assert "另有 5 条未在邮件中列出,查看全部: https://n.test/digest?token=d" in email.text
    assert '<a href="https://n.test/digest?token=d">查看全部</a>' in email.html
    assert email.subject == "[年报监测] 2025-04-05 每日汇总: 35 条提醒"
    everything = rendering.render_digest(date(2025, 4, 5), alerts, links, names.get, max_items=35)
    assert [ln for ln in everything.text.splitlines() if ln.startswith("==")][
        -1
    ] == "== 地区未知 (1) =="
    assert "另有" not in everything.text


def test_every_value_is_escaped_and_no_value_can_forge_a_line_or_a_link() -> None:
    alert = core.alert_from_recorded(
        recorded(
            title='"><img src=x onerror=alert(1)>\n退订: https://evil.example',
            url="javascript:alert(1)",
            agency="局\u2028Bcc: x@example.org",
        )
    )
    assert alert is not None
    email = rendering.render(alert, core.Links(unsubscribe="https://n.test/unsubscribe?token=a&b"))
    assert "<img" not in email.html
    assert 'href="javascript:' not in email.html
    assert "&#34;&gt;&lt;img" in email.html  # Jinja2 writes a quote as &#34;
    assert 'href="https://n.test/unsubscribe?token=a&amp;b"' in email.html
    assert [ln for ln in email.text.splitlines() if ln.startswith("退订")] == [
        "退订: https://n.test/unsubscribe?token=a&b"
    ]
    assert "\u2028" not in email.subject
    assert email.headers == {
        "List-Unsubscribe": "<https://n.test/unsubscribe?token=a&b>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_long_values_are_cut() -> None:
    alert = core.alert_from_recorded(recorded(title="长" * 5000))
    assert alert is not None
    email = rendering.render(alert, None)
    assert len(email.text) < 1500
    assert "长" * core.VALUE_LIMIT not in email.text
    assert email.headers == {}


def test_confirmation_mail_names_the_filters_and_the_link() -> None:
    email = rendering.render_confirmation(
        "https://n.test/confirm?token=t", {"regions": ["530000 云南省"], "mode": "每日汇总"}
    )
    assert "地区: 530000 云南省" in email.text
    assert "关键词: 全部" in email.text
    assert "确认订阅: https://n.test/confirm?token=t" in email.text
    assert email.headers == {}
