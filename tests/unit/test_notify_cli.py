"""The subscription commands, on a SQLite database of their own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from services.cli import main

pytestmark = pytest.mark.unit


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("NIANBAO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("NIANBAO_DATABASE_URL", raising=False)
    monkeypatch.setenv("NIANBAO_NOW", "2025-03-07")
    return CliRunner()


def test_subscribe_by_region_name_list_and_unsubscribe(runner: CliRunner) -> None:
    done = runner.invoke(
        main,
        [
            "subscribe",
            "Reader@Example.org",
            "--region",
            "云南省",
            "--region",
            "110105",
            "--kind",
            "法治政府建设年度报告",
            "--keyword",
            "法治",
            "--alerts",
            "overdue",
            "--mode",
            "daily",
        ],
    )
    assert done.exit_code == 0, done.output
    assert done.output.startswith(
        "subscribed reader@example.org (daily; 530000, 110105); alerts about filings first seen "
        "from 2025-03-07 00:00 UTC on"
    )
    listed = runner.invoke(main, ["subscriptions", "--json"])
    assert listed.exit_code == 0
    row = json.loads(listed.output)
    assert {
        k: row[k]
        for k in ("email", "regions", "kinds", "keywords", "alerts", "mode", "confirmed", "origin")
    } == {
        "email": "reader@example.org",
        "regions": ["530000", "110105"],
        "kinds": ["法治政府建设年度报告"],
        "keywords": ["法治"],
        "alerts": ["overdue"],
        "mode": "daily",
        "confirmed": True,
        "origin": "cli",
    }
    plain = runner.invoke(main, ["subscriptions"])
    assert plain.output.startswith(
        "reader@example.org  daily  alerts overdue  regions 530000,110105"
    )
    gone = runner.invoke(main, ["unsubscribe", "reader@EXAMPLE.org"])
    assert gone.output == "unsubscribed reader@EXAMPLE.org\n"
    assert runner.invoke(main, ["subscriptions"]).output == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["subscribe", "not-an-address"], "not a valid email address"),
        (["subscribe", "a@example.org", "--region", "朝阳区"], "ambiguous"),
        (["subscribe", "a@example.org", "--alerts", "weekly"], "--alerts"),
    ],
)
def test_bad_input_ends_with_a_message_and_status_2(
    runner: CliRunner, args: list[str], message: str
) -> None:
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output
