"""The HTTP API as a user reaches it: through the real `nianbao up` and `nianbao service` apps."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.embedded_nats import EmbeddedNats, free_port
from tests.e2e.command import nianbao_command, run
from tests.factories import agency_yaml

pytestmark = pytest.mark.e2e


def _wait_for_line(process: subprocess.Popen[str], log: Path, needle: str) -> list[str]:
    """Wait until the process's output (in a file: a full pipe would block it) has `needle`."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        lines = log.read_text(encoding="utf-8").splitlines()
        if any(needle in line for line in lines):
            return lines
        time.sleep(0.3)
    raise AssertionError(f"no line with {needle!r} in:\n" + log.read_text(encoding="utf-8"))


def _stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=40)
    finally:
        if process.poll() is None:
            process.kill()


@pytest.fixture
def running_up(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """`nianbao up --demo` after its first round: its HTTP base URL and what it printed."""
    log = tmp_path / "up.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*nianbao_command(), "up", "--demo", "--now", "2025-06-01"],
            env={**env, "NIANBAO_PUBLIC_URL": "https://nianbao.test"},
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        lines = _wait_for_line(process, log, "keeps watching")
        info = json.loads((tmp_path / "var" / "up.json").read_text(encoding="utf-8"))
        yield info["http_url"], lines
    finally:
        assert _stop(process) == 0


def test_nianbao_up_serves_the_read_api_and_the_sign_up(
    running_up: tuple[str, list[str]],
) -> None:
    base, lines = running_up
    assert any(f"HTTP API at {base}/api" in line for line in lines), lines
    with httpx.Client(base_url=base, timeout=30) as client:
        reports = client.get("/api/reports")
        assert reports.status_code == 200, reports.text
        rows = reports.json()
        assert len(rows) == 8  # the five seeds and three reports of the city's column
        one = client.get(f"/api/reports/{rows[0]['id']}")
        assert one.status_code == 200
        assert one.json()["id"] == rows[0]["id"]
        compliance = client.get("/api/compliance", params={"year": 2024, "now": "2025-06-01"})
        assert compliance.status_code == 200, compliance.text
        assert {r["agency_id"] for r in compliance.json()["rows"]} >= {"km-kjj"}
        missing = client.get(
            "/api/compliance",
            params={"year": 2024, "now": "2025-06-01", "status": "missing", "agency": "luohe-kjj"},
        ).json()
        assert [(r["agency_id"], r["status"]) for r in missing["rows"]] == [
            ("luohe-kjj", "missing")
        ]
        pending = client.get("/api/compliance", params={"year": 2025, "now": "2025-06-01"}).json()
        assert {r["status"] for r in pending["rows"]} == {"pending"}
        assert all(r["reason"] for r in pending["rows"])
        assert {r["published_rate"] for r in pending["regions"]} == {None}  # not 0 %
        assert (
            client.get("/api/compliance", params={"year": 2024, "status": "x"}).status_code == 400
        )
        yunnan = client.get("/api/reports", params={"region": "云南省"}).json()
        assert {r["agency_id"] for r in yunnan} >= {"km-kjj", "mengzi-kjj"}
        assert all(r["region_code"].startswith("53") for r in yunnan)
        assert len(yunnan) == 5  # 蒙自, and 昆明's four: the city, its 科技局 and two districts
        km_csv = client.get("/api/export.csv", params={"agency": "km-kjj"}).text
        assert len(km_csv.strip().splitlines()) == 2
        search = client.get("/api/search", params={"q": "法治"})
        assert search.status_code == 200, search.text
        assert search.json()
        export = client.get("/api/export.csv")
        assert export.status_code == 200
        assert len(export.text.strip().splitlines()) == 9  # a header and eight filings
        signup = client.post("/api/subscriptions", json={"email": "reader@example.org"})
        assert (signup.status_code, signup.json()) == (202, {"status": "confirmation_sent"})
        assert client.get("/api/api/reports").status_code == 404
        assert client.get("/readyz").status_code == 200


def _service(name: str, env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    log = cwd / f"{name}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*nianbao_command(), "service", name],
            env={**env, "NIANBAO_HTTP_PORT": str(port)},
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    _stop(process)
    raise AssertionError(f"nianbao service {name} never became ready: {log.read_text()}")


def test_nianbao_service_store_and_notify_serve_their_routes(
    nats_server: EmbeddedNats, database_url: str, tmp_path: Path, env: dict[str, str]
) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "agencies:\n" + agency_yaml("km-kjj", "昆明市科学技术局", "530100"), encoding="utf-8"
    )
    env = {
        **env,
        "NIANBAO_NATS_URL": nats_server.url,
        "NIANBAO_DATABASE_URL": database_url,
        "NIANBAO_SOURCES": str(sources),
        "NIANBAO_PUBLIC_URL": "https://nianbao.test",
    }
    assert run(["db", "upgrade"], env, tmp_path).returncode == 0
    store, store_url = _service("store", env, tmp_path)
    try:
        with httpx.Client(base_url=store_url, timeout=30) as client:
            assert client.get("/api/reports").json() == []
            compliance = client.get("/api/compliance", params={"year": 2024})
            assert compliance.status_code == 200
            assert compliance.json()["year"] == 2024
            assert client.get("/api/search", params={"q": "法治"}).json() == []
            assert client.get("/api/export.csv").status_code == 200
            # The store alone does not take sign-ups: that is notify's.
            assert client.post("/api/subscriptions", json={}).status_code in (404, 405)
    finally:
        assert _stop(store) == 0
    notify, notify_url = _service("notify", env, tmp_path)
    try:
        signup = httpx.post(
            f"{notify_url}/api/subscriptions", json={"email": "reader@example.org"}, timeout=30
        )
        assert signup.status_code == 202, signup.text
    finally:
        assert _stop(notify) == 0
