"""NATS credentials and TLS from settings: the security object the broker connects with."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from faststream.nats.security import (
    NatsCredentials,
    NatsNKey,
    NatsSecurity,
    NatsToken,
    NatsUserPassword,
)

from shared.connect import nats_security
from shared.settings import CommonSettings

pytestmark = pytest.mark.unit

CA = Path(ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt")


def settings(**values: object) -> CommonSettings:
    return CommonSettings.model_validate(values)


def test_no_credentials_no_tls_means_no_security_object() -> None:
    assert nats_security(settings()) is None


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ({"nats_user": "nianbao", "nats_password": "pw"}, NatsUserPassword),
        ({"nats_token": "t0ken"}, NatsToken),
        ({"nats_nkey_seed": "/run/secrets/nkey.seed"}, NatsNKey),
        (
            {"nats_credentials": "/run/secrets/nianbao.creds", "nats_token": "ignored"},
            NatsCredentials,
        ),
    ],
)
def test_each_method_is_chosen(values: dict[str, object], kind: type) -> None:
    assert type(nats_security(settings(**values))) is kind


@pytest.mark.skipif(not CA.exists(), reason="no CA bundle on this machine")
def test_a_ca_bundle_turns_tls_on_for_any_method() -> None:
    plain = nats_security(settings(nats_tls_ca=str(CA)))
    assert type(plain) is NatsSecurity
    assert isinstance(plain.ssl_context, ssl.SSLContext)
    with_user = nats_security(settings(nats_tls_ca=str(CA), nats_user="u", nats_password="p"))
    assert isinstance(with_user, NatsUserPassword)
    assert isinstance(with_user.ssl_context, ssl.SSLContext)
