"""The statutory tables of 信息公开 filings in the store, on SQLite and PostgreSQL: kept per
filing (the best read wins), `nianbao stats`, `reports show` and the export."""

from __future__ import annotations

import csv
import io
import json
import warnings
from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from services.cli import main
from services.extract.disclosure_tables import read_tables
from services.store.api import create_api
from services.store.disclosure import stats_rows
from services.store.service import StoreService
from shared.events import DisclosureTables, Region
from tests import factories
from tests.conftest import FakeClock
from tests.disclosure_pages import render, sample_cells
from tests.integration.test_store_read import KUNMING_RULES, NOW, SOURCES, Published

pytestmark = pytest.mark.integration

WH_URL = "https://wh.km.gov.cn/xxgk/ndbg/1.html"


@pytest.fixture
def store(migrated_sessions: sessionmaker[Session], clock: FakeClock) -> StoreService:
    service = StoreService(
        sessions=migrated_sessions, publish=Published(), clock=clock, rules=KUNMING_RULES
    )
    service.sync_agencies(factories.sources(SOURCES))
    clock.now = NOW
    return service


@pytest.fixture
def cli(database_url: str) -> CliRunner:
    return CliRunner(env={"NIANBAO_DATABASE_URL": database_url, "NIANBAO_NOW": ""})


def _tables(**changes: int | None) -> DisclosureTables:
    cells = {**sample_cells("2021"), **changes}
    found = read_tables(render(cells, "2021", "rows").splitlines(), (), 2024)
    assert found is not None
    return found


async def _record(
    service: StoreService, url: str, agency_id: str, tables: DisclosureTables
) -> None:
    names = {"wh-gov": ("五华区人民政府", "530102"), "km-sfj": ("昆明市司法局", "530100")}
    name, code = names[agency_id]
    await service.record_extraction(
        factories.report_extracted(
            url=url,
            agency_id=agency_id,
            kind="政府信息公开工作年度报告",
            title=f"{name}2024年政府信息公开工作年度报告",
            agency=name,
            region=Region(province="云南省", city="昆明市", code=code),
            published=date(2025, 1, 20),
            fetched_at=datetime(2025, 1, 21, tzinfo=UTC),
            text=f"{name} 一、总体情况",
            disclosure=tables,
        )
    )


async def _scenario(service: StoreService) -> None:
    await _record(service, WH_URL, "wh-gov", _tables())
    # The same filing again, from an attachment that read fewer cells: the first read stays.
    await _record(service, WH_URL + "?pdf", "wh-gov", _tables(**{"t3.open.business": None}))
    await _record(
        service,
        "https://sfj.km.gov.cn/ndbg/1.html",
        "km-sfj",
        _tables(**{"t3.carried_out.natural": 9}),
    )


async def test_stats_give_one_row_per_filing_with_every_cell(store: StoreService) -> None:
    await _scenario(store)
    columns, rows = stats_rows(store.sessions, 2024)
    assert [row["agency"] for row in rows] == ["昆明市司法局", "五华区人民政府"]
    cells = sample_cells("2021")
    assert set(cells) <= set(columns)
    wh = rows[1]
    assert {key: wh[key] for key in cells} == cells
    assert (wh["url"], wh["findings_count"], wh["format"]) == (WH_URL, 0, "2021")
    sfj = rows[0]
    assert sfj["t3.carried_out.natural"] == 9
    assert any(f.startswith("table 三 does not balance (自然人)") for f in sfj["findings"])
    _, only_wh = stats_rows(store.sessions, 2024, ("530102",))
    assert [row["agency"] for row in only_wh] == ["五华区人民政府"]
    assert stats_rows(store.sessions, 2023)[1] == []


async def test_cli_stats_show_and_export(store: StoreService, cli: CliRunner) -> None:
    await _scenario(store)
    as_json = cli.invoke(main, ["stats", "--year", "2024", "--json"])
    assert as_json.exit_code == 0, as_json.output
    rows = [json.loads(line) for line in as_json.output.splitlines()]
    assert [r["t2.fee.amount"] for r in rows] == [1.5, 1.5]

    as_csv = cli.invoke(main, ["stats", "--year", "2024", "--region", "五华区", "--csv"])
    assert as_csv.exit_code == 0, as_csv.output
    (wh,) = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert wh["t3.new.total"] == str(sample_cells("2021")["t3.new.total"])
    assert wh["findings"] == ""

    table = cli.invoke(main, ["stats", "--year", "2024"])
    assert "2 filings, 1 with findings" in table.output
    assert cli.invoke(main, ["stats", "--year", "2024", "--json", "--csv"]).exit_code == 2

    sfj_id = rows[0]["filing_id"]
    shown = cli.invoke(main, ["reports", "show", sfj_id])
    assert shown.exit_code == 0, shown.output
    assert "tables 二 三 四 (2021 format)" in shown.output
    assert "amount=1.5万元" in shown.output
    assert "  ! table 三 does not balance (自然人)" in shown.output
    detail = json.loads(cli.invoke(main, ["reports", "show", sfj_id, "--json"]).output)
    assert detail["disclosure"]["cells"]["t3.carried_out.natural"] == 9

    exported = [
        json.loads(line)
        for line in cli.invoke(main, ["export", "--format", "jsonl"]).output.splitlines()
    ]
    by_agency = {row["agency_id"]: row for row in exported}
    assert by_agency["wh-gov"]["disclosure"]["findings"] == []
    flat = list(csv.DictReader(io.StringIO(cli.invoke(main, ["export", "--format", "csv"]).output)))
    sfj = next(row for row in flat if row["agency_id"] == "km-sfj")
    assert sfj["tables_format"] == "2021"
    assert "does not balance" in sfj["tables_findings"]
    assert json.loads(sfj["tables_cells"])["t3.carried_out.natural"] == 9


async def test_http_api_gives_the_tables(store: StoreService) -> None:
    await _scenario(store)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    client = TestClient(create_api(store.sessions, rules=KUNMING_RULES, clock=lambda: NOW))
    answer = client.get("/api/stats", params={"year": 2024, "region": "530102"}).json()
    (row,) = answer["rows"]
    assert row["agency"] == "五华区人民政府"
    assert "t4.review.total" in answer["columns"]
    detail = client.get(f"/api/reports/{row['filing_id']}").json()
    assert detail["disclosure"]["cells"] == sample_cells("2021")
    assert client.get("/api/stats").status_code == 400
