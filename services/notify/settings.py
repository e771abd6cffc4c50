"""Notify's settings (environment variables prefixed NIANBAO_)."""

from __future__ import annotations

from pydantic import SecretStr

from shared.settings import CommonSettings


class NotifySettings(CommonSettings):
    """Where mail goes out, and the base URL for links in it."""

    smtp_host: str | None = None  # unset: deliveries are queued and wait for a mail server
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "nianbao@localhost"
    smtp_starttls: bool = False
    smtp_tls: bool = False
    public_url: str | None = None
