"""What a user sees when something is wrong: one line naming the problem, exit status 2, fast."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.command import run
from tests.factories import agency_yaml

pytestmark = pytest.mark.e2e


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A NATS URL whose port accepts connections and never says a word (a firewall, a wrong port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    try:
        yield f"nats://someone:secret@127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


@pytest.mark.parametrize(
    "args",
    [
        ["dlq", "list"],
        ["nats", "provision"],
        ["crawl"],
        ["replay", "--service", "store", "--since", "2025-01-01"],
        ["service", "extract"],
        ["up", "--once"],
    ],
)
def test_commands_needing_nats_fail_fast_naming_the_url(
    args: list[str], silent_server: str, env: dict[str, str], tmp_path: Path
) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "agencies:\n" + agency_yaml("km-kjj", "昆明市科学技术局", "530100"), encoding="utf-8"
    )
    env = {**env, "NIANBAO_NATS_URL": silent_server, "NIANBAO_SOURCES": str(sources)}
    began = time.monotonic()
    result = run(args, env, tmp_path, timeout=60)
    assert time.monotonic() - began < 30
    assert result.returncode == 2, result.stdout + result.stderr
    address = silent_server.rpartition("@")[2]
    assert result.stderr.splitlines() == [
        f"nianbao: cannot connect to NATS at nats://{address} (no answer within 5 s); "
        "check NIANBAO_NATS_URL"
    ]
    assert "secret" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("args", "settings", "expected"),
    [
        (
            ["reports", "list"],
            {"NIANBAO_DATABASE_URL": "mysql://reader:secret@db/nianbao"},
            "nianbao: invalid setting NIANBAO_DATABASE_URL: must be sqlite:///PATH or "
            "postgresql://USER:PASSWORD@HOST/DATABASE, got mysql://…",
        ),
        (
            ["db", "upgrade"],
            {"NIANBAO_DATABASE_URL": "garbage"},
            "nianbao: invalid setting NIANBAO_DATABASE_URL: must be sqlite:///PATH or "
            "postgresql://USER:PASSWORD@HOST/DATABASE, got a value without a scheme",
        ),
        (
            ["up", "--demo", "--once"],
            {"NIANBAO_HTTP_PORT": "99999"},
            "nianbao: invalid setting NIANBAO_HTTP_PORT: must be a port 0-65535 "
            "(0: any free port) or -1 (no HTTP), got 99999",
        ),
        (
            ["up", "--demo", "--once", "--now", "2025-02-30"],
            {},
            "nianbao: --now must be a date (YYYY-MM-DD) or an ISO time, got '2025-02-30'",
        ),
        (
            ["reports", "list"],
            {"NIANBAO_NOW": "2025-02-30"},
            "nianbao: invalid setting NIANBAO_NOW: must be a date (YYYY-MM-DD) or an ISO time, "
            "got '2025-02-30'",
        ),
    ],
)
def test_a_bad_setting_is_one_line_and_exit_status_2(
    args: list[str],
    settings: dict[str, str],
    expected: str,
    env: dict[str, str],
    tmp_path: Path,
) -> None:
    result = run(args, {**env, **settings}, tmp_path, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.splitlines() == [expected]
    assert "secret" not in result.stderr


@pytest.mark.parametrize("text", ["", "agencies: []\n", "# nothing yet\n"])
@pytest.mark.parametrize("args", [["up", "--once"], ["crawl"]])
def test_an_empty_sources_file_is_an_error(
    text: str, args: list[str], env: dict[str, str], tmp_path: Path
) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(text, encoding="utf-8")
    result = run(args, {**env, "NIANBAO_SOURCES": str(sources)}, tmp_path, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        f"nianbao: {sources}: no agencies listed (expected `agencies:` with entries)"
    ]
