"""The record as users read it, on SQLite and PostgreSQL: near-duplicates, regional deadlines,
aliases, full-text search, compliance verdicts, export, the CLI and the HTTP API."""

from __future__ import annotations

import csv
import io
import json
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.cli import main
from services.store import compliance, queries
from services.store.api import create_api
from services.store.db.models import Filing, FilingUrl, FilingVersion, Obligation, OutboxEntry
from services.store.deadlines import parse_deadlines
from services.store.service import StoreService
from shared.events import Region
from tests import factories
from tests.conftest import FakeClock

with warnings.catch_warnings():
    # Starlette 1.x suggests `httpx2` for its TestClient; httpx is what the project already uses.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.integration

SEED = Path(__file__).resolve().parents[2] / "services" / "demo_portal" / "seeds"
KUNMING_RULES = parse_deadlines(
    """
rules:
  - kind: 政府信息公开工作年度报告
    region: "530100"
    applies_to: department
    from_year: 2020
    due: "01-28"
    basis: 昆明市通知
"""
)
SOURCES = "agencies:\n" + "".join(
    [
        factories.agency_yaml("km-kjj", "昆明市科学技术局", "530100"),
        factories.agency_yaml(
            "km-sfj", "昆明市司法局", "530100", ("法治政府建设年度报告", "政府信息公开工作年度报告")
        ),
        factories.agency_yaml("wh-gov", "五华区人民政府", "530102", ("政府信息公开工作年度报告",)),
        factories.agency_yaml("qj-kjj", "曲靖市科学技术局", "530300"),
        factories.agency_yaml("cd-kjj", "成都市科学技术局", "510100"),
    ]
)
NOW = datetime(2025, 4, 10, tzinfo=UTC)


class Published:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    async def __call__(self, subject: str, event_id: str, payload: str) -> None:
        self.events.append((subject, event_id, json.loads(payload)))


@pytest.fixture
def published() -> Published:
    return Published()


@pytest.fixture
def store(
    migrated_sessions: sessionmaker[Session], published: Published, clock: FakeClock
) -> StoreService:
    clock.now = datetime(2025, 1, 1, tzinfo=UTC)
    service = StoreService(
        sessions=migrated_sessions, publish=published, clock=clock, rules=KUNMING_RULES
    )
    service.sync_agencies(factories.sources(SOURCES))
    clock.now = NOW
    return service


async def _scenario(store: StoreService) -> None:
    """Filed, missing, late, unknown and a filing first seen after the 10th of April."""
    for agency in ("km-kjj", "km-sfj", "wh-gov", "cd-kjj"):
        await store.record_source_check(factories.source_checked("ok", agency_id=agency))
    await store.record_source_check(
        factories.source_checked("blocked", reason="HTTP 412", agency_id="qj-kjj")
    )
    await store.record_extraction(factories.report_extracted(text="开展学法12次 行政复议案件3件"))
    await store.record_extraction(
        factories.report_extracted(
            url="https://wh.km.gov.cn/xxgk/ndbg/1.html",
            agency_id="wh-gov",
            kind="政府信息公开工作年度报告",
            title="五华区人民政府2024年政府信息公开工作年度报告",
            agency="五华区人民政府",
            region=Region(province="云南省", city="昆明市", county="五华区", code="530102"),
            published=date(2025, 4, 2),
            fetched_at=datetime(2025, 4, 3, tzinfo=UTC),
            text="一、总体情况 主动公开政府信息",
        )
    )
    await store.record_extraction(
        factories.report_extracted(
            url="https://kjj.chengdu.gov.cn/fzzf/1.html",
            agency_id="cd-kjj",
            title="成都市科学技术局2024年法治政府建设年度报告",
            agency="成都市科学技术局",
            region=Region(province="四川省", city="成都市", code="510100"),
            published=date(2025, 4, 11),
            fetched_at=datetime(2025, 4, 12, tzinfo=UTC),
            text="推进科技成果转化 法治宣传",
        )
    )


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _statuses(rows: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    return {(r["agency_id"], r["kind"]): r["status"] for r in rows}


def _watched(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of the sources file's agencies (the registry's governments are `gov-<code>`)."""
    return [r for r in rows if not r["agency_id"].startswith("gov-")]


# ---- near-duplicates ---------------------------------------------------------------------------
async def test_a_repost_with_template_edits_is_one_version_a_real_edit_is_a_new_one(
    store: StoreService, published: Published
) -> None:
    body = (SEED / "000_e2ea7a02f9202a4e.txt").read_text("utf-8")
    await store.record_extraction(factories.report_extracted(text=body))
    repost = "首页 > 政务公开 > 年度报告\n" + body + "\n浏览次数：1234 【打印本页】【关闭窗口】"
    await store.record_extraction(
        factories.report_extracted(url="https://www.km.gov.cn/zfxxgk/1.html", text=repost)
    )
    assert _count(store.sessions, Filing) == 1
    assert _count(store.sessions, FilingUrl) == 2
    assert _count(store.sessions, FilingVersion) == 1
    assert [e[2]["change"] for e in published.events] == ["new"]

    paragraphs = body.split("\n")
    longest = max(range(len(paragraphs)), key=lambda i: len(paragraphs[i]))
    paragraphs[longest] = (
        "  二是加强执法监督，全年开展行政执法案卷评查三次，发现问题十二个，均已整改。"
    )
    await store.record_extraction(factories.report_extracted(text="\n".join(paragraphs)))
    assert _count(store.sessions, FilingVersion) == 2
    assert [e[2]["change"] for e in published.events] == ["new", "changed"]


async def test_a_version_gets_its_fingerprint_only_when_a_later_text_is_compared_with_it(
    store: StoreService,
) -> None:
    body = (SEED / "000_e2ea7a02f9202a4e.txt").read_text("utf-8")
    await store.record_extraction(factories.report_extracted(text=body))
    with store.sessions() as session:
        assert session.scalars(select(FilingVersion.simhash)).all() == [None]
    await store.record_extraction(
        factories.report_extracted(
            url="https://www.km.gov.cn/zfxxgk/1.html", text=body + "\n浏览次数：9"
        )
    )
    with store.sessions() as session:
        (stored,) = session.scalars(select(FilingVersion.simhash)).all()
    assert stored is not None
    assert len(stored) == 64


# ---- deadlines ---------------------------------------------------------------------------------
async def test_the_deadline_checker_uses_regional_rules_and_the_agency_role(
    store: StoreService,
) -> None:
    await _scenario(store)
    await store.check_deadlines()
    with store.sessions() as session:
        deadlines = {
            (o.agency_id, o.kind): o.deadline
            for o in session.scalars(select(Obligation).where(Obligation.report_year == 2024))
        }
    assert deadlines == {
        ("km-kjj", "法治政府建设年度报告"): date(2025, 4, 1),
        ("km-sfj", "法治政府建设年度报告"): date(2025, 4, 1),
        ("km-sfj", "政府信息公开工作年度报告"): date(2025, 1, 28),  # 昆明's override
        ("wh-gov", "政府信息公开工作年度报告"): date(2025, 3, 31),  # a government: 3月31日
        ("qj-kjj", "法治政府建设年度报告"): date(2025, 4, 1),
        ("cd-kjj", "法治政府建设年度报告"): date(2025, 4, 1),
    }


@dataclass(frozen=True)
class _Spec:
    """An agency entry with aliases (what the sources file will carry)."""

    id: str
    name: str
    region_code: str | None
    level: str | None
    expects: tuple[str, ...]
    sources: tuple[Any, ...]
    aliases: tuple[str, ...]

    def source_id(self, index: int) -> str:
        return f"{self.id}#{index}"


async def test_a_report_under_an_alias_belongs_to_the_agency(store: StoreService) -> None:
    base = factories.sources(SOURCES).agencies[0]
    spec = _Spec(base.id, base.name, "530100", None, base.expects, base.sources, ("市科技局",))
    store.sync_agencies(type("Sources", (), {"agencies": (spec,)})())  # type: ignore[arg-type]
    await store.record_extraction(factories.report_extracted(agency_id="cd-kjj", agency="市科技局"))
    rows = queries.list_filings(store.sessions, agency="市科技局")
    assert [(r["agency_id"], r["agency"]) for r in rows] == [("km-kjj", "昆明市科学技术局")]


# ---- search ------------------------------------------------------------------------------------
async def test_full_text_search_over_jieba_tokens(store: StoreService) -> None:
    await _scenario(store)
    ids = lambda q: [r["agency_id"] for r in queries.search_filings(store.sessions, q)]  # noqa: E731
    assert sorted(ids("法治政府")) == ["cd-kjj", "km-kjj"]
    assert ids("科技成果") == ["cd-kjj"]
    assert ids("昆明 行政复议") == ["km-kjj"]
    assert ids("信息公开") == ["wh-gov"]
    assert ids("不存在的词语") == []
    assert ids("。，") == []
    # A new version replaces what the filing is found by.
    await store.record_extraction(factories.report_extracted(text="开展学法15次 普法考试"))
    assert ids("普法考试") == ["km-kjj"]
    assert ids("行政复议") == []


# ---- compliance --------------------------------------------------------------------------------
async def test_compliance_judges_every_obligation_read_only(store: StoreService) -> None:
    await _scenario(store)
    outbox = _count(store.sessions, OutboxEntry)
    every = compliance.compliance(store.sessions, year=2024, now=NOW, rules=KUNMING_RULES)
    rows = _watched(every)
    assert _statuses(rows) == {
        ("km-kjj", "法治政府建设年度报告"): "filed",
        ("km-sfj", "法治政府建设年度报告"): "missing",
        ("km-sfj", "政府信息公开工作年度报告"): "missing",
        ("wh-gov", "政府信息公开工作年度报告"): "late",
        ("qj-kjj", "法治政府建设年度报告"): "unknown",  # blocked: never "missing"
        ("cd-kjj", "法治政府建设年度报告"): "missing",  # first seen on the 12th
    }
    assert rows[0] == {
        "agency_id": "cd-kjj",
        "agency": "成都市科学技术局",
        "region_code": "510100",
        "level": "city",
        "kind": "法治政府建设年度报告",
        "year": 2024,
        "deadline": "2025-04-01",
        "status": "missing",
        "published": None,
        "url": None,
        "reason": None,
    }
    # Every other government of the registry must publish both reports; never crawled, it is
    # `unknown`, never `missing`. 五华区 is the sources file's wh-gov, not counted twice.
    registry_rows = [r for r in every if r["agency_id"].startswith("gov-")]
    assert len(registry_rows) == (31 + 333 + 2843 - 1) * 2
    assert {r["status"] for r in registry_rows} == {"unknown"}
    assert "gov-530102" not in {r["agency_id"] for r in registry_rows}
    later = compliance.compliance(
        store.sessions, year=2024, now=datetime(2025, 4, 13, tzinfo=UTC), rules=KUNMING_RULES
    )
    cd = next(r for r in later if r["agency_id"] == "cd-kjj")
    assert (cd["status"], cd["published"], cd["url"]) == (
        "late",
        "2025-04-11",
        "https://kjj.chengdu.gov.cn/fzzf/1.html",
    )
    early = compliance.compliance(
        store.sessions, year=2024, now=datetime(2025, 3, 1, tzinfo=UTC), rules=KUNMING_RULES
    )
    assert _statuses(early)[("km-kjj", "法治政府建设年度报告")] == "pending"
    # A crawl after --now is not evidence about --now: unknown, not missing.
    assert _statuses(early)[("km-sfj", "政府信息公开工作年度报告")] == "unknown"
    assert _count(store.sessions, Obligation) == 0
    assert _count(store.sessions, OutboxEntry) == outbox


@pytest.mark.parametrize(
    ("region", "agencies"),
    [
        ("昆明市", {"km-kjj", "km-sfj", "wh-gov"}),
        ("昆明", {"km-kjj", "km-sfj", "wh-gov"}),
        ("530102", {"wh-gov"}),
        ("五华区", {"wh-gov"}),
        ("云南省", {"km-kjj", "km-sfj", "wh-gov", "qj-kjj"}),
        ("510000", {"cd-kjj"}),
        ("110000", set()),
    ],
)
async def test_compliance_by_region_code_or_name(
    store: StoreService, region: str, agencies: set[str]
) -> None:
    await _scenario(store)
    rows = compliance.compliance(
        store.sessions, year=2024, now=NOW, region_prefixes=queries.region_prefixes(region)
    )
    assert {r["agency_id"] for r in _watched(rows)} == agencies
    assert all(r["region_code"].startswith(queries.region_prefixes(region)[0]) for r in rows)


async def test_compliance_by_kind_and_rates_per_region(store: StoreService) -> None:
    await _scenario(store)
    rows = compliance.compliance(
        store.sessions, year=2024, now=NOW, rules=KUNMING_RULES, kind="法治政府建设年度报告"
    )
    assert {r["kind"] for r in rows} == {"法治政府建设年度报告"}
    assert len(_watched(rows)) == 4
    rates = {
        r["region_code"]: r
        for r in compliance.region_rates(
            compliance.compliance(store.sessions, year=2024, now=NOW, rules=KUNMING_RULES)
        )
    }
    # 昆明市's three department obligations and its government's two.
    assert (rates["530100"]["obligations"], rates["530100"]["published"]) == (5, 1)
    # Rates over the decided three: the government's two are unknown (never crawled).
    assert (rates["530100"]["decided"], rates["530100"]["unknown"]) == (3, 2)
    assert rates["530100"]["on_time_rate"] == pytest.approx(1 / 3)
    assert (rates["530102"]["published"], rates["530102"]["on_time"]) == (1, 0)


# ---- CLI ---------------------------------------------------------------------------------------
@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> CliRunner:
    rules = tmp_path / "deadlines.yaml"
    rules.write_text(
        "rules:\n  - {kind: 政府信息公开工作年度报告, region: '530100', applies_to: department,"
        " from_year: 2020, due: '01-28', basis: 昆明市通知}\n",
        encoding="utf-8",
    )
    return CliRunner(
        env={
            "NIANBAO_DATABASE_URL": database_url,
            "NIANBAO_DEADLINES": str(rules),
            "NIANBAO_NOW": "",
        }
    )


async def test_cli_compliance_in_three_formats(store: StoreService, cli: CliRunner) -> None:
    await _scenario(store)
    args = ["compliance", "--year", "2024", "--now", "2025-04-10"]
    as_json = cli.invoke(main, [*args, "--json"])
    assert as_json.exit_code == 0, as_json.output
    rows = [json.loads(line) for line in as_json.output.splitlines()]
    assert _statuses(rows)[("km-sfj", "政府信息公开工作年度报告")] == "missing"
    assert (
        next(r for r in rows if r["agency_id"] == "km-sfj" and r["kind"].startswith("政府"))[
            "deadline"
        ]
        == "2025-01-28"
    )  # from NIANBAO_DEADLINES

    as_csv = cli.invoke(main, [*args, "--csv", "--region", "五华区"])
    assert list(csv.reader(io.StringIO(as_csv.output))) == [
        list(compliance.COMPLIANCE_COLUMNS),
        [
            "wh-gov",
            "五华区人民政府",
            "530102",
            "county",
            "政府信息公开工作年度报告",
            "2024",
            "2025-03-31",
            "late",
            "2025-04-02",
            "https://wh.km.gov.cn/xxgk/ndbg/1.html",
            "",
        ],
    ]
    table = cli.invoke(main, [*args, "--region", "云南省"])
    assert table.exit_code == 0, table.output
    lines = [" ".join(line.split()) for line in table.output.splitlines()]  # columns padded
    assert (
        "530300 city 曲靖市科学技术局 法治政府建设年度报告 2025-04-01 unknown - "
        "1 of 1 source(s) blocked by the portal"
    ) in lines
    # The registry's 曲靖市人民政府, never crawled, is unknown with its reason.
    assert (
        "530300 city 曲靖市人民政府 法治政府建设年度报告 2025-04-01 unknown - "
        "the agency has no sources to crawl"
    ) in lines
    # Rates over decided obligations: 昆明市's government (never crawled) is counted apart.
    assert "530100 昆明市 5 3 33.3% 33.3% 0 2" in lines
    # The blocked agency's verdict is not a 0 % rate: nothing is decided there.
    assert "530300 曲靖市 3 0 - - 0 3" in lines

    unknown = cli.invoke(main, [*args, "--region", "不存在市"])
    assert unknown.exit_code == 2
    assert "unknown region '不存在市'" in unknown.output


async def test_cli_reports_show_search_and_export(store: StoreService, cli: CliRunner) -> None:
    await _scenario(store)
    found = cli.invoke(main, ["reports", "search", "科技成果", "--json"])
    assert found.exit_code == 0, found.output
    (row,) = [json.loads(line) for line in found.output.splitlines()]
    assert row["agency_id"] == "cd-kjj"

    shown = cli.invoke(main, ["reports", "show", row["id"], "--json"])
    detail = json.loads(shown.output)
    assert detail["urls"] == ["https://kjj.chengdu.gov.cn/fzzf/1.html"]
    assert [v["version"] for v in detail["versions"]] == [1]
    assert cli.invoke(main, ["reports", "show", "nope"]).exit_code == 1

    jsonl = cli.invoke(main, ["export", "--format", "jsonl"])
    exported = [json.loads(line) for line in jsonl.output.splitlines()]
    assert sorted(r["agency_id"] for r in exported) == ["cd-kjj", "km-kjj", "wh-gov"]
    assert exported == sorted(exported, key=lambda r: r["id"])
    as_csv = list(
        csv.DictReader(
            io.StringIO(
                cli.invoke(main, ["export", "--format", "csv", "--region", "530000"]).output
            )
        )
    )
    assert sorted(r["agency_id"] for r in as_csv) == ["km-kjj", "wh-gov"]
    wh = next(r for r in as_csv if r["agency_id"] == "wh-gov")
    assert (wh["on_time"], wh["published"], wh["report_year"]) == ("false", "2025-04-02", "2024")


async def test_export_reads_page_by_page(store: StoreService) -> None:
    await _scenario(store)
    rows = list(queries.iter_filings(store.sessions, page=1))
    assert len(rows) == 3
    assert len({r["id"] for r in rows}) == 3


# ---- HTTP API ----------------------------------------------------------------------------------
async def test_http_api(store: StoreService) -> None:
    await _scenario(store)
    client = TestClient(create_api(store.sessions, rules=KUNMING_RULES, clock=lambda: NOW))
    reports = client.get("/api/reports", params={"year": 2024}).json()
    assert sorted(r["agency_id"] for r in reports) == ["cd-kjj", "km-kjj", "wh-gov"]
    km = next(r for r in reports if r["agency_id"] == "km-kjj")
    assert client.get(f"/api/reports/{km['id']}").json()["versions"][0]["version"] == 1
    assert client.get("/api/reports/nope").status_code == 404
    assert [r["agency_id"] for r in client.get("/api/search", params={"q": "行政复议"}).json()] == [
        "km-kjj"
    ]
    assert client.get("/api/search").status_code == 400

    answer = client.get("/api/compliance", params={"year": 2024, "region": "昆明市"}).json()
    assert answer["now"] == NOW.isoformat()
    assert _statuses(_watched(answer["rows"])) == {
        ("km-kjj", "法治政府建设年度报告"): "filed",
        ("km-sfj", "法治政府建设年度报告"): "missing",
        ("km-sfj", "政府信息公开工作年度报告"): "missing",
        ("wh-gov", "政府信息公开工作年度报告"): "late",
    }
    # 昆明市 and its 14 county-level divisions, each with its government in the registry.
    regions = [r["region_code"] for r in answer["regions"]]
    assert regions[:2] == ["530100", "530102"]
    assert len(regions) == 15
    past = client.get("/api/compliance", params={"year": 2024, "now": "2025-03-01"}).json()
    assert _statuses(past["rows"])[("km-kjj", "法治政府建设年度报告")] == "pending"
    for bad in (
        {},
        {"year": "x"},
        {"year": 2024, "kind": "年报"},
        {"year": 2024, "region": "火星"},
        {"year": 2024, "now": "yesterday"},
    ):
        response = client.get("/api/compliance", params=bad)
        assert response.status_code == 400, bad
        assert response.json()["error"]

    exported = client.get("/api/export.csv", params={"year": 2024})
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    lines = list(csv.DictReader(io.StringIO(exported.text)))
    assert sorted(r["agency_id"] for r in lines) == ["cd-kjj", "km-kjj", "wh-gov"]
    assert _count(store.sessions, Obligation) == 0
