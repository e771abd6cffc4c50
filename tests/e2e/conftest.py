from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The caller's environment without any NIANBAO_ setting, and a data dir of the test's own."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    clean["NIANBAO_DATA_DIR"] = str(tmp_path / "var")
    return clean
