"""Ingest's settings (environment variables prefixed NIANBAO_)."""

from __future__ import annotations

from pydantic import Field

from shared.settings import CommonSettings


class IngestSettings(CommonSettings):
    """How the crawler behaves towards the portals it visits."""

    allow_private_networks: bool = False
    user_agent: str = "nianbao/0.1 (+https://github.com/nianbao/nianbao; annual-report monitor)"
    request_timeout_seconds: float = 20.0  # for each step: connecting, each read, each write
    # A whole request, headers and body, must end within this (a server trickling a byte at a
    # time never trips the per-read timeout). Unset: twice request_timeout_seconds.
    total_timeout_seconds: float | None = Field(default=None, gt=0)
    max_body_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    max_retries: int = 3
    # Sources crawled at the same time; per-host limits still apply. Portals answer in ~0.5 s,
    # so this, not CPU, bounds a replica: 8 would need ~14 h for 100,000 sources, 64 takes ~1.7 h
    # (benchmarks/ingest_cycle_projection.py).
    crawl_concurrency: int = 64
    max_connections: int = 1024  # open HTTP connections, all hosts together (kept alive 5 s)

    @property
    def request_deadline_seconds(self) -> float:
        """How long one request may take in all, from sending it to the end of its body."""
        return self.total_timeout_seconds or 2 * self.request_timeout_seconds
