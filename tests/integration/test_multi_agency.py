"""A multi-agency column: each page goes to the agency it names, or to review; never a guess.

On SQLite and PostgreSQL, with the registry of governments in the store.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.cli import main
from services.store import compliance, queries
from services.store.coverage import level_rates, list_agencies, rate_line, review_items
from services.store.db.models import Obligation
from services.store.service import StoreService
from shared.events import Region
from tests import factories
from tests.conftest import FakeClock

pytestmark = pytest.mark.integration

NOW = datetime(2025, 4, 10, tzinfo=UTC)
SOURCES = """
agencies:
  - id: bj-sfj
    name: 北京市司法局
    region_code: "110000"
    sources:
      - list_url: https://sfj.beijing.gov.cn/fzzf/index.html
        covers: {region: "110000", complete: true}
  - id: hd-sfj
    name: 北京市海淀区司法局
    region_code: "110108"
    aliases: [海淀区司法局]
"""


def _page(n: int, agency: str | None, code: str | None, **more: Any) -> Any:
    return factories.report_extracted(
        url=f"https://sfj.beijing.gov.cn/fzzf/202503/t20250306_{n}.html",
        agency_id="bj-sfj",
        agency=agency,
        region=Region(code=code),
        title=f"{agency or ''}2024年法治政府建设年度报告",
        **more,
    )


@pytest.fixture
def store(migrated_sessions: sessionmaker[Session], clock: FakeClock) -> StoreService:
    async def publish(subject: str, event_id: str, payload: str) -> None:
        return None

    clock.now = datetime(2025, 1, 1, tzinfo=UTC)
    service = StoreService(sessions=migrated_sessions, publish=publish, clock=clock)
    service.sync_agencies(factories.sources(SOURCES))
    clock.now = NOW
    return service


async def _column(store: StoreService) -> None:
    """One 专栏 mixing districts, a department, an unknown agency, a foreign one and news."""
    await store.record_source_check(factories.source_checked("ok", agency_id="bj-sfj"))
    pages = [
        _page(1, "北京市海淀区人民政府", "110108"),  # exact canonical name
        _page(2, "北京市东城区政府", "110101"),  # an alias
        _page(3, "朝阳区人民政府", "110105"),  # two 朝阳区: region + type decides
        _page(4, "区司法局", "110108"),  # a department, by region + type
        _page(5, "北京市丰台区教育委员会", "110106"),  # nobody knows this agency yet
        _page(6, None, None),  # names no agency
        _page(7, "天津市静海区人民政府", "120118"),  # known, but not what the column covers
        _page(8, "海淀区人民政府", "110108", kind="政府信息公开工作年度报告"),  # a unique alias
        _page(9, "北京市", "110000", is_annual_report=False, kind="other"),  # news
    ]
    for page in pages:
        await store.record_extraction(page)


def _filed(store: StoreService) -> dict[tuple[str, str], str]:
    rows = queries.list_filings(store.sessions, year=2024)
    return {(r["agency_id"], r["kind"]): r["url"].rsplit("_", 1)[1] for r in rows}


async def test_each_page_goes_to_the_agency_it_names(store: StoreService) -> None:
    await _column(store)
    assert _filed(store) == {
        ("gov-110108", "法治政府建设年度报告"): "1.html",
        ("gov-110101", "法治政府建设年度报告"): "2.html",
        ("gov-110105", "法治政府建设年度报告"): "3.html",
        ("hd-sfj", "法治政府建设年度报告"): "4.html",
        ("gov-110108", "政府信息公开工作年度报告"): "8.html",
    }


async def test_what_matches_no_agency_is_kept_for_review_with_the_reason(
    store: StoreService,
) -> None:
    await _column(store)
    items = {i["url"].rsplit("_", 1)[1]: i for i in review_items(store.sessions)}
    assert set(items) == {"5.html", "6.html", "7.html"}  # the news page is no report
    assert "no known agency of type 北京市丰台区教育委员会" not in items["5.html"]["reason"]
    assert "教育委员会 at 110106" in items["5.html"]["reason"]
    assert items["6.html"]["reason"] == "the page names no agency"
    assert "outside what the column covers" in items["7.html"]["reason"]
    # Nothing of them was put on the column owner's record, nor on anyone's.
    assert not any(agency == "bj-sfj" for agency, _ in _filed(store))
    assert len(_filed(store)) == 5


async def test_a_reviewed_page_is_attributed_once_its_agency_is_known(
    store: StoreService,
) -> None:
    await _column(store)
    store.sync_agencies(
        factories.sources(
            SOURCES + "  - id: ft-jw\n    name: 北京市丰台区教育委员会\n    region_code: '110106'\n"
        )
    )
    again = _page(5, "北京市丰台区教育委员会", "110106")
    await store.record_extraction(
        again.model_copy(update={"event_id": "again-5", "fetched_at": NOW})
    )
    assert ("ft-jw", "法治政府建设年度报告") in _filed(store)
    assert "5.html" not in {i["url"].rsplit("_", 1)[1] for i in review_items(store.sessions)}


async def test_compliance_over_what_the_column_covers(store: StoreService) -> None:
    await _column(store)
    rows = compliance.compliance(store.sessions, year=2024, now=NOW)
    status = {(r["agency_id"], r["kind"]): r["status"] for r in rows}
    assert status[("gov-110108", "法治政府建设年度报告")] == "filed"
    # The column covering 北京 was read after the deadline: a district not in it is missing.
    assert status[("gov-110106", "法治政府建设年度报告")] == "missing"
    # Governments outside any column were never crawled: unknown, never missing.
    assert status[("gov-120118", "法治政府建设年度报告")] == "unknown"
    assert status[("gov-530100", "法治政府建设年度报告")] == "unknown"
    beijing = [r for r in rows if r["region_code"].startswith("11")]
    rates = {(r["level"], r["role"], r["kind"]): r for r in level_rates(beijing)}
    county = rates[("county", "government", "法治政府建设年度报告")]
    assert (county["obligations"], county["on_time"], county["missing"]) == (16, 3, 13)
    assert rate_line(county) == (
        "3/16 counties published 法治政府建设年度报告 by 2025-04-01 "
        "(3 in all; missing 13, unknown 0)"
    )
    department = rates[("county", "department", "法治政府建设年度报告")]
    assert (department["obligations"], department["on_time"]) == (1, 1)
    assert rate_line(department).startswith("1/1 county-level departments published")
    provinces = rates[("province", "government", "法治政府建设年度报告")]
    assert (provinces["obligations"], provinces["missing"]) == (1, 1)
    # Without `complete`, the column is no evidence about the districts it does not show.
    store.sync_agencies(factories.sources(SOURCES.replace(", complete: true", "")))
    partial = compliance.compliance(store.sessions, year=2024, now=NOW)
    status = {(r["agency_id"], r["kind"]): r["status"] for r in partial}
    assert status[("gov-110106", "法治政府建设年度报告")] == "unknown"
    assert status[("gov-110108", "法治政府建设年度报告")] == "filed"
    # The column carries its owner's kinds only: 北京市司法局 expects just 法治政府建设年度报告,
    # so the districts' 信息公开 reports are not judged by it either way.
    assert status[("gov-110106", "政府信息公开工作年度报告")] == "unknown"
    everywhere = {
        (r["level"], r["role"]): r for r in level_rates(rows) if r["kind"] == "法治政府建设年度报告"
    }
    assert everywhere[("province", "government")]["obligations"] == 31
    assert everywhere[("city", "government")]["obligations"] == 333
    assert everywhere[("county", "government")]["obligations"] == 2843


def test_agencies_list_and_show(store: StoreService, database_url: str, tmp_path: Path) -> None:
    beijing = list_agencies(store.sessions, region_prefixes=("11",), level="county")
    assert len([r for r in beijing if r["origin"] == "registry"]) == 16
    assert "hd-sfj" in {r["id"] for r in beijing}
    runner = CliRunner(env={"NIANBAO_DATABASE_URL": database_url, "NIANBAO_NOW": ""})
    listed = runner.invoke(
        main, ["agencies", "list", "--region", "云南省", "--level", "city", "--json"]
    )
    assert listed.exit_code == 0, listed.output
    cities = [json.loads(line) for line in listed.output.splitlines()]
    assert len(cities) == 16
    assert cities[0]["name"] == "昆明市人民政府"
    as_csv = runner.invoke(main, ["agencies", "list", "--region", "530100", "--csv"])
    assert (
        as_csv.output.splitlines()[0] == "id,name,region_code,level,origin,aliases,expects,sources"
    )
    assert len(as_csv.output.splitlines()) == 1 + 15
    shown = runner.invoke(main, ["agencies", "show", "襄樊市人民政府"])
    assert shown.exit_code == 0, shown.output
    assert "襄阳市人民政府  (gov-420600, registry)" in shown.output
    assert "formerly: 襄樊市人民政府" in shown.output
    missing = runner.invoke(main, ["agencies", "show", "火星市人民政府"])
    assert missing.exit_code == 1
    bad = runner.invoke(main, ["agencies", "list", "--level", "town"])
    assert bad.exit_code == 2


async def test_review_list_command(store: StoreService, database_url: str) -> None:
    runner = CliRunner(env={"NIANBAO_DATABASE_URL": database_url, "NIANBAO_NOW": ""})
    assert "nothing to review" in runner.invoke(main, ["review", "list"]).output
    await _column(store)
    listed = runner.invoke(main, ["review", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    names = {json.loads(line)["agency_name"] for line in listed.output.splitlines()}
    assert names == {"北京市丰台区教育委员会", None, "天津市静海区人民政府"}
    table = runner.invoke(main, ["review", "list"]).output
    assert "named (none) at -: the page names no agency" in table


async def test_the_deadline_check_alerts_only_where_a_complete_column_was_read(
    store: StoreService,
) -> None:
    await _column(store)
    alerts = await store.check_deadlines()
    with store.sessions() as session:
        judged = {
            (o.agency_id, o.report_year): o.status
            for o in session.scalars(
                select(Obligation).where(Obligation.kind == "法治政府建设年度报告")
            )
        }
    # 北京's 16 districts less the 3 in the column, the city itself and the column's owner
    # (北京市司法局, whose 2024 report is not there): deadlines that passed while watched.
    assert alerts == 13 + 1 + 1
    assert judged[("gov-110106", 2024)] == "missing"
    assert judged[("gov-110108", 2024)] == "filed"
    assert judged[("hd-sfj", 2024)] == "filed"
    # Governments no column covers were never crawled: no verdict is stored, none is raised.
    assert not any(agency.startswith("gov-12") for agency, _ in judged)


async def test_a_government_declared_later_takes_the_registry_rows_place(
    store: StoreService,
) -> None:
    declared = (
        SOURCES + "  - id: ft-gov\n    name: 北京市丰台区人民政府\n    region_code: '110106'\n"
    )
    store.sync_agencies(factories.sources(declared))
    fengtai = list_agencies(store.sessions, region_prefixes=("110106",))
    assert [(r["id"], r["origin"]) for r in fengtai] == [("ft-gov", "sources")]
    rows = compliance.compliance(store.sessions, year=2024, now=NOW, region_prefixes=("110106",))
    assert {r["agency_id"] for r in rows} == {"ft-gov"}
    # Its page in the column goes to the declared agency, by the canonical name.
    await store.record_extraction(_page(10, "北京市丰台区人民政府", "110106"))
    assert ("ft-gov", "法治政府建设年度报告") in _filed(store)
