"""Settings every service reads: environment variables prefixed `NIANBAO_`, read once, passed down.

Service-specific settings subclass `CommonSettings` in each service's `settings.py`. Nothing here
is read at import time; `CommonSettings()` reads the environment when a command starts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def parse_now(value: str | None) -> datetime | None:
    """Parse a clock override: a date (`2025-04-10`, midnight UTC) or an ISO time."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(
            f"NIANBAO_NOW must be a date (YYYY-MM-DD) or an ISO time, got {text!r}"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


DATABASE_SCHEMES = ("sqlite", "postgresql", "postgres", "postgresql+psycopg")


def check_database_url(url: str) -> None:
    """Raise ValueError unless `url` is a SQLite or PostgreSQL URL (the message hides secrets)."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.lower() not in DATABASE_SCHEMES or not rest.strip("/"):
        shown = f"{scheme}://…" if separator else "a value without a scheme"
        raise ValueError(
            f"must be sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DATABASE, got {shown}"
        )


class CommonSettings(BaseSettings):
    """The settings shared by all services."""

    model_config = SettingsConfigDict(env_prefix="NIANBAO_", extra="ignore")

    data_dir: Path = Path("./var")
    nats_url: str | None = None  # unset: start an embedded nats-server in the data dir
    nats_user: str | None = None
    nats_password: SecretStr | None = None
    nats_token: SecretStr | None = None
    nats_credentials: Path | None = None  # a .creds file (JWT + NKEY seed)
    nats_nkey_seed: Path | None = None  # a file holding an NKEY seed
    nats_tls_ca: Path | None = None  # CA bundle to verify the server; setting it turns TLS on
    nats_tls_cert: Path | None = None  # client certificate (mutual TLS)
    nats_tls_key: Path | None = None
    database_url: SecretStr | None = None  # unset: SQLite in the data dir
    sources: Path | None = None
    now: datetime | None = None  # clock override for simulations and tests
    ack_wait_seconds: float = (
        60.0  # how long a consumer's unacknowledged message waits before redelivery
    )
    log_level: str = "INFO"
    log_json: bool = False

    @field_validator("now", mode="before")
    @classmethod
    def _parse_now(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_now(value)
        return value

    @field_validator("database_url", mode="after")
    @classmethod
    def _check_database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            check_database_url(value.get_secret_value())
        return value

    def resolved_database_url(self) -> str:
        """The database URL to connect to (SQLite in the data dir by default)."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{(self.data_dir / 'nianbao.sqlite3').resolve()}"
