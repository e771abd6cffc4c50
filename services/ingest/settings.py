"""Ingest's settings (environment variables prefixed NIANBAO_)."""

from __future__ import annotations

from shared.settings import CommonSettings


class IngestSettings(CommonSettings):
    """How the crawler behaves towards the portals it visits."""

    allow_private_networks: bool = False
    user_agent: str = "nianbao/0.1 (+https://github.com/nianbao/nianbao; annual-report monitor)"
    request_timeout_seconds: float = 20.0
    max_body_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    max_retries: int = 3
    crawl_concurrency: int = 8  # sources crawled at the same time (per-host limits still apply)
    max_connections: int = 1024  # open HTTP connections, all hosts together (kept alive 5 s)
