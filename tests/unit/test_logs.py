"""Secrets never reach the logs: passwords in URLs and key=value pairs are redacted."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from shared.logs import configure_logging, log_fields, redact
from shared.settings import CommonSettings

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("could not connect to postgresql://nianbao:s3cr3t-pw@db:5432/nianbao", "s3cr3t-pw"),
        ("nats://user:hunter2@nats:4222 refused", "hunter2"),
        ("smtp login failed password=topsecret user=a", "topsecret"),
        ('{"token": "abcdef123456"}', "abcdef123456"),
    ],
)
def test_secrets_are_redacted(text: str, secret: str) -> None:
    assert secret not in redact(text)


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    """configure_logging replaces the root handlers: give pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restore_root_logger")
def test_log_lines_are_redacted_and_structured(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", as_json=True)
    logging.getLogger("nianbao.test").warning(
        "database unavailable: postgresql://u:pa55word@h/db",
        extra=log_fields(service="store", url="postgresql://u:pa55word@h/db"),
    )
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert "pa55word" not in line
    assert record["service"] == "store"
    assert record["level"] == "warning"


def test_settings_do_not_show_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIANBAO_DATABASE_URL", "postgresql://u:pa55word@h/db")
    monkeypatch.setenv("NIANBAO_NATS_PASSWORD", "natspw123")
    shown = repr(CommonSettings()) + str(CommonSettings().model_dump())
    assert "pa55word" not in shown
    assert "natspw123" not in shown
