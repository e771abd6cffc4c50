"""Store's settings (environment variables prefixed NIANBAO_)."""

from __future__ import annotations

from pathlib import Path

from shared.settings import CommonSettings


class StoreSettings(CommonSettings):
    """How verdicts are judged."""

    grace_days: int = 3  # days after a deadline before "missing" may be said
    deadline_check_minutes: float = 60.0
    deadlines: Path | None = None  # the deadlines file; unset: the one shipped with the store
