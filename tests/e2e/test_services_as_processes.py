"""The four services as separate processes (`nianbao service NAME`), as Kubernetes runs them."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from services.demo_portal.server import DemoPortal
from services.demo_portal.sources import demo_sources_yaml
from shared.embedded_nats import EmbeddedNats, free_port
from tests.e2e.command import nianbao_command, run

pytestmark = pytest.mark.e2e


def test_four_service_processes_fill_the_store_and_stop_cleanly(
    nats_server: EmbeddedNats, database_url: str, tmp_path: Path, env: dict[str, str]
) -> None:
    with DemoPortal() as base_url:
        sources = yaml.safe_load(demo_sources_yaml(base_url))
        for agency in sources["agencies"]:
            for source in agency["sources"]:
                source["interval_hours"] = 0.01  # first crawls spread over seconds, not a minute
        sources_file = tmp_path / "sources.yaml"
        sources_file.write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")
        env = {
            **env,
            "NIANBAO_NATS_URL": nats_server.url,
            "NIANBAO_DATABASE_URL": database_url,
            "NIANBAO_SOURCES": str(sources_file),
            "NIANBAO_ALLOW_PRIVATE_NETWORKS": "1",
            "NIANBAO_LOG_JSON": "1",
        }
        assert run(["db", "upgrade"], env, tmp_path).returncode == 0
        logs = {
            name: (tmp_path / f"{name}.log").open("w")
            for name in ("ingest", "extract", "store", "notify")
        }
        processes = {
            name: subprocess.Popen(
                [*nianbao_command(), "service", name],
                env={**env, "NIANBAO_HTTP_PORT": str(free_port())},  # each its own health port
                cwd=tmp_path,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            for name, log in logs.items()
        }
        try:
            rows: list[dict] = []
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and len(rows) < 8:
                time.sleep(1)
                listed = run(["reports", "list", "--json"], env, tmp_path)
                rows = [json.loads(line) for line in listed.stdout.splitlines()]
            # The five seeds, and three reports of the city's multi-agency column.
            assert len(rows) == 8, {n: (tmp_path / f"{n}.log").read_text()[-2000:] for n in logs}
            assert {r["agency_id"] for r in rows} == {a["id"] for a in sources["agencies"]} | {
                "gov-530102",
                "gov-530103",
            }
        finally:
            for process in processes.values():
                process.send_signal(signal.SIGTERM)
            codes = {name: process.wait(timeout=30) for name, process in processes.items()}
            for log in logs.values():
                log.close()
        assert codes == dict.fromkeys(processes, 0)
        for name in processes:
            for line in (tmp_path / f"{name}.log").read_text().splitlines():
                record = json.loads(line)  # every log line is structured JSON
                assert record["level"] in ("debug", "info", "warning"), line
