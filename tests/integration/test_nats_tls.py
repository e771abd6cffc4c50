"""Connecting to a NATS server over TLS, and with mutual TLS, through the services' settings.

A throwaway CA issues the server's certificate (127.0.0.1, localhost) and a client certificate at
test time; the server requires TLS, so a connection that works is an encrypted one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

from shared.bus import STREAM_NAME, ensure_stream, publish_raw
from shared.connect import broker_for
from shared.embedded_nats import EmbeddedNats, find_nats_server
from shared.settings import CommonSettings
from tests.integration.test_nats_auth import serve

pytestmark = pytest.mark.integration

REFUSED_WITHIN = 3.0  # seconds: the broker retries forever, so a refusal shows as no connection


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path  # an authority that signed nothing here


def write_leaf(cert: trustme.LeafCert, cert_path: Path, key_path: Path) -> None:
    for index, pem in enumerate(cert.cert_chain_pems):
        pem.write_to_path(cert_path, append=index > 0)
    cert.private_key_pem.write_to_path(key_path)


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    folder = tmp_path / "pki"
    folder.mkdir()
    ca, other = trustme.CA(), trustme.CA()
    paths = Pki(
        ca=folder / "ca.pem",
        server_cert=folder / "server.pem",
        server_key=folder / "server.key",
        client_cert=folder / "client.pem",
        client_key=folder / "client.key",
        other_ca=folder / "other-ca.pem",
    )
    ca.cert_pem.write_to_path(paths.ca)
    other.cert_pem.write_to_path(paths.other_ca)
    write_leaf(ca.issue_cert("127.0.0.1", "localhost"), paths.server_cert, paths.server_key)
    write_leaf(ca.issue_cert("nianbao-client"), paths.client_cert, paths.client_key)
    return paths


def serve_tls(tmp_path: Path, pki: Pki, *, verify: bool) -> Iterator[str]:
    """nats-server with JetStream that requires TLS, and a client certificate if `verify`."""
    config = tmp_path / "nats-tls.conf"
    config.write_text(
        "tls {\n"
        f'  cert_file: "{pki.server_cert}"\n'
        f'  key_file: "{pki.server_key}"\n'
        f'  ca_file: "{pki.ca}"\n'
        f"  verify: {'true' if verify else 'false'}\n"
        "  timeout: 2\n"
        "}\n"
    )
    subprocess.run([find_nats_server(), "-t", "-c", str(config)], check=True, capture_output=True)
    yield from serve(tmp_path, "-c", str(config))


@pytest.fixture
def tls_server(tmp_path: Path, pki: Pki) -> Iterator[str]:
    yield from serve_tls(tmp_path, pki, verify=False)


@pytest.fixture
def mtls_server(tmp_path: Path, pki: Pki) -> Iterator[str]:
    yield from serve_tls(tmp_path, pki, verify=True)


def settings_from(monkeypatch: pytest.MonkeyPatch, **env: Path) -> CommonSettings:
    """The settings a service reads, from NIANBAO_ variables holding only `env`."""
    for name in [name for name in os.environ if name.startswith("NIANBAO_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, str(value))
    return CommonSettings()


async def round_trip(settings: CommonSettings, url: str) -> None:
    """Connect as the services do, publish to the stream and consume the message back."""
    broker = broker_for(settings, url)
    try:
        async with asyncio.timeout(10):
            await broker.connect()
            js = broker.connection.jetstream()
            await ensure_stream(js)
            await publish_raw(broker, "nianbao.tls.check", "tls-check-1", '{"over": "tls"}')
            sub = await js.pull_subscribe("nianbao.tls.check", stream=STREAM_NAME)
            [message] = await sub.fetch(1, timeout=5)
            await message.ack()
    finally:
        await broker.stop()
    assert message.data == b'{"over": "tls"}'
    assert message.headers is not None
    assert message.headers["Nats-Msg-Id"] == "tls-check-1"


async def connects(settings: CommonSettings, url: str) -> bool:
    """Whether the broker connects within REFUSED_WITHIN (it would retry a refusal forever)."""
    broker = broker_for(settings, url)
    try:
        async with asyncio.timeout(REFUSED_WITHIN):
            await broker.connect()
    except TimeoutError:
        return False
    finally:
        await broker.stop()
    return True


def tls_failures(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name == "nianbao.connect" and "TLS to NATS failed" in record.getMessage()
    )


async def test_a_ca_bundle_connects_over_tls_and_jetstream_works(
    tls_server: str, pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_from(monkeypatch, NIANBAO_NATS_TLS_CA=pki.ca)
    await round_trip(settings, tls_server)
    # the certificate names localhost too, and the tls:// scheme asks for TLS up front
    await round_trip(settings, tls_server.replace("nats://127.0.0.1", "tls://localhost"))


async def test_mutual_tls_connects_with_the_client_certificate(
    mtls_server: str, pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_from(
        monkeypatch,
        NIANBAO_NATS_TLS_CA=pki.ca,
        NIANBAO_NATS_TLS_CERT=pki.client_cert,
        NIANBAO_NATS_TLS_KEY=pki.client_key,
    )
    await round_trip(settings, mtls_server)


async def test_mutual_tls_refuses_a_client_without_a_certificate(
    mtls_server: str, pki: Pki, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="nianbao.connect")
    settings = settings_from(monkeypatch, NIANBAO_NATS_TLS_CA=pki.ca)
    assert not await connects(settings, mtls_server)
    assert "certificate required" in tls_failures(caplog).lower()


async def test_without_the_ca_the_servers_certificate_is_not_trusted(
    tls_server: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """No TLS setting at all: nats-py still upgrades (the server requires it) and verifies the
    certificate against the system's CAs, which do not know this one; nothing goes in plaintext."""
    caplog.set_level(logging.WARNING, logger="nianbao.connect")
    assert not await connects(settings_from(monkeypatch), tls_server)
    assert "CERTIFICATE_VERIFY_FAILED" in tls_failures(caplog)


async def test_a_certificate_from_another_ca_is_not_trusted(
    tls_server: str, pki: Pki, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="nianbao.connect")
    settings = settings_from(monkeypatch, NIANBAO_NATS_TLS_CA=pki.other_ca)
    assert not await connects(settings, tls_server)
    assert "CERTIFICATE_VERIFY_FAILED" in tls_failures(caplog)


@pytest.mark.xfail(
    strict=True,
    reason="nats-py 2.16 upgrades to TLS only when the server's INFO asks for it: with a CA set "
    "and a tls:// URL it still connects in plaintext to a server (or a man in the middle) that "
    "does not, credentials included (nats-io/nats.py PR #912 enforces it in the nats-core client)",
)
async def test_a_ca_bundle_never_falls_back_to_plaintext(
    nats_server: EmbeddedNats, pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_from(monkeypatch, NIANBAO_NATS_TLS_CA=pki.ca)
    assert not await connects(settings, nats_server.url.replace("nats://", "tls://"))
