"""Reading what `nianbao up --demo --once` stored, with the commands a user types."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from shared.table import display_width
from tests.e2e.command import run

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    """A data dir after one demo round played on 2025-06-01 (shared by this module's tests)."""
    cwd = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    env["NIANBAO_DATA_DIR"] = str(cwd / "var")
    result = run(["up", "--demo", "--once", "--now", "2025-06-01"], env, cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    return env, cwd


def nianbao(demo: tuple[dict[str, str], Path], *args: str) -> str:
    env, cwd = demo
    result = run(list(args), env, cwd, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_version(demo: tuple[dict[str, str], Path]) -> None:
    assert nianbao(demo, "--version").strip() == "nianbao 0.1.0"


def test_reports_list_is_a_table_with_ids_aligned_for_cjk(
    demo: tuple[dict[str, str], Path],
) -> None:
    ids = {r["id"] for r in json_lines(nianbao(demo, "reports", "list", "--json"))}
    lines = nianbao(demo, "reports", "list").splitlines()
    header, rows = lines[0], lines[1::2]
    assert header.split() == ["ID", "YEAR", "KIND", "AGENCY", "PUBLISHED", "ON", "TIME", "TITLE"]
    assert {row.split()[0] for row in rows} == ids
    assert all(url.startswith("    http://") for url in lines[2::2])
    # Every column starts at the same terminal cell on every line, CJK counted two cells wide.
    for column in ("KIND", "AGENCY", "PUBLISHED", "TITLE"):
        start = header.index(column)
        for row in rows:
            cells_before = [display_width(row[:i]) for i in range(len(row) + 1)]
            assert start in cells_before, (column, row)
            at = cells_before.index(start)
            assert row[at - 2 : at] == "  ", (column, row)
            assert row[at] != " ", (column, row)


def test_reports_list_by_region(demo: tuple[dict[str, str], Path]) -> None:
    everything = json_lines(nianbao(demo, "reports", "list", "--json"))
    yunnan = json_lines(nianbao(demo, "reports", "list", "--json", "--region", "云南省"))
    # The seeds of 昆明 and 蒙自, and the city column's 昆明市 and two districts (the registry's).
    assert {r["agency_id"] for r in yunnan} == {
        "km-kjj",
        "mengzi-kjj",
        "km-gov",
        "gov-530102",
        "gov-530103",
    } & {r["agency_id"] for r in everything}
    assert all(r["region_code"].startswith("53") for r in yunnan)
    assert yunnan
    kunming = json_lines(nianbao(demo, "reports", "list", "--json", "--region", "530100"))
    assert {r["agency_id"] for r in kunming} == {"km-kjj", "km-gov", "gov-530102", "gov-530103"}


def test_reports_search_takes_several_words(demo: tuple[dict[str, str], Path]) -> None:
    one = json_lines(nianbao(demo, "reports", "search", "法治", "--json"))
    both = json_lines(nianbao(demo, "reports", "search", "法治", "常德", "--json"))
    assert {r["agency_id"] for r in both} == {"changde-kjj"}
    assert len(one) > len(both)
    assert nianbao(demo, "reports", "search", "法治", "常德").splitlines()[0].startswith("ID")


def test_export_by_agency(demo: tuple[dict[str, str], Path]) -> None:
    rows = list(
        csv.DictReader(
            io.StringIO(nianbao(demo, "export", "--format", "csv", "--agency", "km-kjj"))
        )
    )
    assert rows
    assert {r["agency_id"] for r in rows} == {"km-kjj"}
    by_name = json_lines(nianbao(demo, "export", "--agency", "昆明市科学技术局"))
    assert [r["id"] for r in by_name] == [r["id"] for r in rows]


def test_compliance_says_why_and_leaves_undecided_out_of_the_rates(
    demo: tuple[dict[str, str], Path],
) -> None:
    # 2025's reports are not due until 2026: every obligation is pending, and says so.
    pending = json_lines(
        nianbao(demo, "compliance", "--year", "2025", "--now", "2025-06-01", "--json")
    )
    assert pending
    assert {r["status"] for r in pending} == {"pending"}
    assert all(
        r["reason"] == f"deadline {r['deadline']} plus 3 days' grace has not passed"
        for r in pending
    )
    table = nianbao(demo, "compliance", "--year", "2025", "--now", "2025-06-01")
    assert "0.0%" not in table
    assert "REGION  NAME" in table
    assert "plus 3 days' grace has not passed" in table
    # Judged before the crawl on 2025-06-01, nothing was known: unknown, with the reason.
    unknown = json_lines(
        nianbao(demo, "compliance", "--year", "2024", "--now", "2025-05-01", "--json")
    )
    assert {r["status"] for r in unknown} == {"unknown"}
    # Watched agencies: no crawl known yet; the registry's governments nobody crawls: no sources.
    assert {r["reason"] for r in unknown} == {
        "no crawl of the agency's sources is known as of the time judged",
        "the agency has no sources to crawl",
    }
    assert "0.0%" not in nianbao(demo, "compliance", "--year", "2024", "--now", "2025-05-01")


def test_compliance_by_agency_and_status(demo: tuple[dict[str, str], Path]) -> None:
    args = ["compliance", "--year", "2024", "--now", "2025-06-01", "--json"]
    missing = json_lines(nianbao(demo, *args, "--status", "missing"))
    assert {r["agency_id"] for r in missing} == {"mengzi-kjj", "changde-kjj", "luohe-kjj"}
    both = json_lines(nianbao(demo, *args, "--status", "missing", "--status", "filed"))
    filed = {r["agency_id"] for r in both if r["status"] == "filed"}
    assert filed == {"km-kjj", "km-gov", "gov-530102", "gov-530103"}
    assert len(both) == len(missing) + len(filed)
    km = json_lines(nianbao(demo, *args, "--agency", "km-kjj"))
    assert [(r["agency_id"], r["status"]) for r in km] == [("km-kjj", "filed")]
    env, cwd = demo
    bad = run([*args, "--status", "lost"], env, cwd)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
