"""A small record for the dashboard tests: filed, late, missing, unknown and pending verdicts
across 云南省 (昆明市, 五华区) and 四川省, two versions of one filing, and an agency whose name
is markup (every page must show it as text)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from services.store.service import StoreService
from shared.events import Region
from tests import factories
from tests.conftest import FakeClock

HOSTILE = '<script>alert("x")</script>局'
SOURCES = "agencies:\n" + "".join(
    [
        factories.agency_yaml("km-kjj", "昆明市科学技术局", "530100"),
        factories.agency_yaml("km-sfj", "昆明市司法局", "530100"),
        factories.agency_yaml("wh-gov", "五华区人民政府", "530102"),
        factories.agency_yaml("wh-evil", json.dumps(HOSTILE, ensure_ascii=False), "530102"),
        factories.agency_yaml("qj-kjj", "曲靖市科学技术局", "530300"),
        factories.agency_yaml("cd-kjj", "成都市科学技术局", "510100"),
    ]
)
NOW = datetime(2025, 4, 10, tzinfo=UTC)
BODY = (
    "一、工作落实情况。开展学法12次。二、存在的问题。执法监督仍需加强。三、下一步安排。继续推进。"
)
EDITED = BODY.replace("开展学法12次。", "开展学法15次，组织旁听庭审2次。")


class Discard:
    async def __call__(self, subject: str, event_id: str, payload: str) -> None:
        return None


async def build_record(sessions: sessionmaker[Session], clock: FakeClock) -> StoreService:
    """Record the scenario through the store's own use cases, then run the deadline check."""
    clock.now = datetime(2025, 1, 1, tzinfo=UTC)
    store = StoreService(sessions=sessions, publish=Discard(), clock=clock)
    store.sync_agencies(factories.sources(SOURCES))
    clock.now = NOW
    for agency in ("km-kjj", "km-sfj", "wh-gov", "wh-evil", "cd-kjj"):
        await store.record_source_check(factories.source_checked("ok", agency_id=agency))
    await store.record_source_check(
        factories.source_checked("blocked", reason="HTTP 412 <anti-bot>", agency_id="qj-kjj")
    )
    await store.record_extraction(
        factories.report_extracted(
            text=BODY,
            laws=("《中华人民共和国行政复议法》",),
            missing_elements=("下一年度工作安排",),
        )
    )
    await store.record_extraction(
        factories.report_extracted(
            url="https://kjj.km.gov.cn/xxgk/fzzf/202503/t20250306_1_edit.html",
            fetched_at=datetime(2025, 3, 20, tzinfo=UTC),
            text=EDITED,
        )
    )
    await store.record_extraction(
        factories.report_extracted(
            url="https://wh.km.gov.cn/xxgk/ndbg/1.html",
            agency_id="wh-evil",
            title=HOSTILE + "2024年法治政府建设年度报告",
            agency=HOSTILE,
            region=Region(province="云南省", city="昆明市", county="五华区", code="530102"),
            published=date(2025, 4, 2),
            fetched_at=datetime(2025, 4, 3, tzinfo=UTC),
            text="推进依法行政 <b>加强</b> 法治宣传",
        )
    )
    await store.record_extraction(
        factories.report_extracted(
            url="https://kjj.chengdu.gov.cn/fzzf/1.html",
            agency_id="cd-kjj",
            title="成都市科学技术局2024年法治政府建设年度报告",
            agency="成都市科学技术局",
            region=Region(province="四川省", city="成都市", code="510100"),
            published=date(2025, 3, 11),
            fetched_at=datetime(2025, 3, 12, tzinfo=UTC),
            text="推进科技成果转化 法治宣传",
        )
    )
    await store.check_deadlines()
    return store


def ids(store: StoreService) -> dict[str, Any]:
    """The ids of the filings the scenario made, by agency."""
    from services.store.queries import list_filings

    return {row["agency_id"]: row["id"] for row in list_filings(store.sessions)}
