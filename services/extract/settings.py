"""Extract's settings (environment variables prefixed NIANBAO_)."""

from __future__ import annotations

from shared.settings import CommonSettings


class ExtractSettings(CommonSettings):
    """How many documents one extract process works on at a time."""

    extract_batch_size: int = 8
