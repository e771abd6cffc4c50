"""The `nianbao` command as a newcomer runs it: the demo end to end, then the stored reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.demo_portal.sources import seed_labels
from tests.e2e.command import run

pytestmark = pytest.mark.e2e


def test_every_command_has_help(env: dict[str, str], tmp_path: Path) -> None:
    top = run(["--help"], env, tmp_path)
    assert top.returncode == 0
    for command in ("up", "service", "reports", "db", "extract", "subscribe"):
        assert command in top.stdout
    for args in (
        ["up"],
        ["service"],
        ["reports", "list"],
        ["db", "upgrade"],
        ["extract"],
        ["subscribe"],
    ):
        result = run([*args, "--help"], env, tmp_path)
        assert result.returncode == 0, result.stderr
        assert "Usage:" in result.stdout


def test_demo_once_finds_the_five_seed_reports(env: dict[str, str], tmp_path: Path) -> None:
    result = run(["up", "--demo", "--once", "--now", "2025-06-01"], env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "crawled 6 sources (6 ok, 0 blocked, 0 failed, 0 empty)" in result.stdout
    # The registry table is of the newest year with filings (the demo's 2024), not an empty one.
    assert "compliance 2024 over the registry" in result.stdout
    assert "dashboard at http://127.0.0.1:" in result.stdout
    # The five seeds, and three reports of the city's multi-agency column (its fourth, by a
    # department nobody knows, waits for review).
    assert "filings stored: 8" in result.stdout
    assert "1/333 cities published 法治政府建设年度报告 by 2025-04-01" in result.stdout
    assert "2/2843 counties published 法治政府建设年度报告 by 2025-04-01" in result.stdout
    assert "reports waiting for review (no agency matched): 1" in result.stdout
    assert "dead letters: none" in result.stdout
    assert (tmp_path / "var" / "nianbao.sqlite3").exists()
    assert (tmp_path / "var" / "nats" / "jetstream").is_dir()

    listed = run(["reports", "list", "--json"], env, tmp_path)
    assert listed.returncode == 0, listed.stderr
    every_row = [json.loads(line) for line in listed.stdout.splitlines()]
    rows = [r for r in every_row if r["url"].split("/")[3] != "km-gov"]
    assert {(r["agency_id"], r["agency"]) for r in every_row if r not in rows} == {
        ("km-gov", "昆明市人民政府"),
        ("gov-530102", "昆明市五华区人民政府"),
        ("gov-530103", "昆明市盘龙区人民政府"),
    }
    got = {
        (r["agency"], r["kind"], r["report_year"], r["published"], r["region_code"]) for r in rows
    }
    labels = [v for k, v in seed_labels().items() if not k.startswith("_")]
    assert got == {
        (v["agency"], v["kind"], v["report_year"], v["published"], v["region"]["code"])
        for v in labels
    }
    for row in rows:
        assert set(row) >= {
            "id",
            "agency_id",
            "agency",
            "region_code",
            "kind",
            "report_year",
            "title",
            "published",
            "url",
            "first_seen",
        }
        assert row["first_seen"].startswith("2025-06-01")  # NIANBAO_NOW drives "first seen"
    by_year = run(["reports", "list", "--json", "--year", "2023"], env, tmp_path)
    assert len(by_year.stdout.splitlines()) == 2

    compliance = run(
        ["compliance", "--year", "2024", "--now", "2025-06-01", "--json"], env, tmp_path
    )
    assert compliance.returncode == 0, compliance.stderr
    every = list(map(json.loads, compliance.stdout.splitlines()))
    verdicts = {r["agency_id"]: r["status"] for r in every if not r["agency_id"].startswith("gov-")}
    # 昆明 published its 2024 report; the others' portals have none, and were crawled after the
    # deadline; 巴中's 履职报告 has no deadline, so it has no obligation at all.
    assert verdicts == {
        "km-gov": "filed",  # its 法治 report; its column holds no 信息公开 one (below)
        "km-kjj": "filed",
        "mengzi-kjj": "missing",
        "changde-kjj": "missing",
        "luohe-kjj": "missing",
    }

    status = {(r["agency_id"], r["kind"]): r["status"] for r in every}
    # The city's column carries 法治 reports only, and is not declared complete: it is no
    # evidence about its 信息公开 report, nor about districts it does not show.
    assert status[("km-gov", "政府信息公开工作年度报告")] == "unknown"
    assert status[("gov-530102", "法治政府建设年度报告")] == "filed"  # from the city's column
    assert status[("gov-530111", "法治政府建设年度报告")] == "unknown"  # 官渡区: not in it
    assert status[("gov-530111", "政府信息公开工作年度报告")] == "unknown"  # not its kind
    assert status[("gov-110105", "法治政府建设年度报告")] == "unknown"  # never crawled

    again = run(["up", "--demo", "--once", "--now", "2025-06-01"], env, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "filings stored: 8" in again.stdout
    review = run(["review", "list", "--json"], env, tmp_path)
    assert [json.loads(line)["agency_name"] for line in review.stdout.splitlines()] == [
        "昆明市司法局"
    ]


def test_a_broken_sources_file_is_a_clear_error(env: dict[str, str], tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text("agencies:\n  - id: Bad Id\n    name: x\n", encoding="utf-8")
    result = run(["up", "--once"], {**env, "NIANBAO_SOURCES": str(sources)}, tmp_path)
    assert result.returncode == 2
    assert "sources.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_up_once_fails_when_every_source_failed(env: dict[str, str], tmp_path: Path) -> None:
    # Loopback list pages without NIANBAO_ALLOW_PRIVATE_NETWORKS: refused, nothing reached.
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "agencies:\n"
        "  - id: km-kjj\n    name: 昆明市科学技术局\n    region_code: '530100'\n"
        "    sources:\n      - list_url: http://127.0.0.1:9/list/index.html\n"
        "  - id: mengzi-kjj\n    name: 蒙自市科学技术局\n    region_code: '532503'\n"
        "    sources:\n      - list_url: http://127.0.0.1:9/other/index.html\n",
        encoding="utf-8",
    )
    result = run(["up", "--once"], {**env, "NIANBAO_SOURCES": str(sources)}, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "crawled 2 sources (0 ok" in result.stdout
    assert "nianbao: no source was crawled successfully (2 blocked, failed or empty)" in (
        result.stderr
    )


def test_db_upgrade_says_what_it_did(env: dict[str, str], tmp_path: Path) -> None:
    first = run(["db", "upgrade"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == "store: applied 0001: initial store tables"
    assert "notify: applied 0001: initial notify tables" in lines
    assert lines[-1] == "database upgraded to the current version"
    assert "up to date" not in first.stdout
    second = run(["db", "upgrade"], env, tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines() == ["database is up to date: nothing to do"]


def test_extract_leaves_the_words_out_unless_asked(env: dict[str, str], tmp_path: Path) -> None:
    seed = sorted((Path(__file__).parents[2] / "services/demo_portal/seeds").glob("*.txt"))[0]
    plain = run(["extract", str(seed)], env, tmp_path)
    assert plain.returncode == 0, plain.stderr
    result = json.loads(plain.stdout)
    assert "words" not in result
    assert result["is_annual_report"] is True
    assert result["id"] == str(seed)
    with_words = json.loads(run(["extract", "--words", str(seed)], env, tmp_path).stdout)
    assert len(with_words["words"]) > 100
    assert {k: v for k, v in with_words.items() if k != "words"} == result
    assert len(plain.stdout) < len(json.dumps(with_words, ensure_ascii=False)) / 2

    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text(
        json.dumps({"id": "a", "text": seed.read_text(encoding="utf-8")}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    from_jsonl = json.loads(run(["extract", "--jsonl", str(jsonl)], env, tmp_path).stdout)
    assert from_jsonl["id"] == "a"
    assert "words" not in from_jsonl
