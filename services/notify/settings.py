"""Notify's settings (environment variables prefixed NIANBAO_)."""

from __future__ import annotations

from pydantic import SecretStr, field_validator

from shared.settings import CommonSettings


class NotifySettings(CommonSettings):
    """Where mail goes out, the base URL for links in it, and the key that signs those links."""

    smtp_host: str | None = None  # unset: deliveries are queued and wait for a mail server
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "nianbao@localhost"
    smtp_starttls: bool = False
    smtp_tls: bool = False
    public_url: str | None = None
    # HMAC key of the unsubscribe/confirm links; unset: one generated and kept in the database.
    secret_key: SecretStr | None = None
    delivery_interval_seconds: float = 15.0  # how often due mail is retried and digests built

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("NIANBAO_SECRET_KEY must be at least 32 characters")
        return value

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("NIANBAO_PUBLIC_URL must start with https:// (or http://)")
        return value
