"""Memory of each service at steady state, run as `nianbao service NAME` processes.

Run from the repository root: PYTHONPATH=. python benchmarks/service_memory.py [agencies]

A generated portal (10 reports per agency) is crawled by the four service processes against an
embedded nats-server and SQLite; once every report is stored and every consumer is drained, the
script prints each process's resident memory (VmRSS) and its peak (VmHWM) from /proc.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select

from services.store.db.models import Filing
from shared.embedded_nats import EmbeddedNats
from tests.faults.portal import GeneratedPortal, PortalServer


def memory_of(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process, in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) // 1024, int(fields["VmHWM"].split()[0]) // 1024


def main(agencies: int = 50) -> None:
    portal = GeneratedPortal.build(agencies, range(2014, 2024))
    server = PortalServer(portal)
    base_url = server.start()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        nats_server = EmbeddedNats(work / "nats")
        nats_server.start()
        sources = work / "sources.yaml"
        sources.write_text(portal.sources_yaml(base_url, interval_hours=0.01), encoding="utf-8")
        database_url = f"sqlite:///{work / 'nianbao.sqlite3'}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
        env |= {
            "NIANBAO_NATS_URL": nats_server.url,
            "NIANBAO_DATABASE_URL": database_url,
            "NIANBAO_SOURCES": str(sources),
            "NIANBAO_ALLOW_PRIVATE_NETWORKS": "1",
            "NIANBAO_DATA_DIR": str(work),
            "NIANBAO_HTTP_PORT": "-1",
            "NIANBAO_LOG_LEVEL": "WARNING",
        }
        command = [str(Path(sys.executable).parent / "nianbao")]
        subprocess.run([*command, "db", "upgrade"], env=env, check=True, capture_output=True)
        processes = {
            name: subprocess.Popen([*command, "service", name], env=env)
            for name in ("ingest", "extract", "store", "notify")
        }
        try:
            engine = create_engine(database_url)
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                with engine.connect() as conn:
                    stored = int(
                        conn.execute(select(func.count()).select_from(Filing)).scalar() or 0
                    )
                if stored >= len(portal.all_reports()):
                    break
                time.sleep(1)
            time.sleep(5)  # let the last events settle
            print(f"{stored} filings stored from {len(portal.agencies)} sources")
            for name, process in processes.items():
                rss, peak = memory_of(process.pid)
                print(f"{name:8} RSS {rss:4d} MiB, peak {peak:4d} MiB")
        finally:
            for process in processes.values():
                process.terminate()
                process.wait(timeout=60)
            nats_server.stop()
            server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
