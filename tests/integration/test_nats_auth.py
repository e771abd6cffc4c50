"""Connecting to a NATS server that requires a user and password, or a token."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.bus import ensure_stream
from shared.connect import broker_for
from shared.embedded_nats import find_nats_server, free_port
from shared.settings import CommonSettings

pytestmark = pytest.mark.integration


def serve(tmp_path: Path, *auth: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            find_nats_server(),
            "-a",
            "127.0.0.1",
            "-p",
            str(port),
            "-js",
            "-sd",
            str(tmp_path),
            *auth,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"nats://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def user_server(tmp_path: Path) -> Iterator[str]:
    yield from serve(tmp_path, "--user", "nianbao", "--pass", "s3cret")


@pytest.fixture
def token_server(tmp_path: Path) -> Iterator[str]:
    yield from serve(tmp_path, "--auth", "t0ken-value")


async def connects(settings: CommonSettings, url: str) -> bool:
    broker = broker_for(settings, url)
    try:
        await broker.connect()
        await ensure_stream(broker.connection.jetstream())
        return True
    except Exception:
        return False
    finally:
        await broker.stop()


async def test_user_and_password(user_server: str) -> None:
    good = CommonSettings.model_validate({"nats_user": "nianbao", "nats_password": "s3cret"})
    bad = CommonSettings.model_validate({"nats_user": "nianbao", "nats_password": "wrong"})
    assert await connects(good, user_server)
    assert not await connects(bad.model_copy(), user_server)


async def test_token(token_server: str) -> None:
    assert await connects(
        CommonSettings.model_validate({"nats_token": "t0ken-value"}), token_server
    )
