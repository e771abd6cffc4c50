"""Store's settings (environment variables prefixed NIANBAO_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from shared.settings import CommonSettings


class StoreSettings(CommonSettings):
    """How verdicts are judged."""

    grace_days: int = 3  # days after a deadline before "missing" may be said
    deadline_check_minutes: float = 60.0
    deadlines: Path | None = None  # the deadlines file; unset: the one shipped with the store
    # How long the store's first event after a quiet spell waits for others to share its
    # transaction (and the outbox relay after it); 0 commits every event at once.
    store_commit_linger_ms: float = Field(default=50.0, ge=0, le=10_000)
