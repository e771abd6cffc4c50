"""Running the installed `nianbao` command the way a user does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def nianbao_command() -> list[str]:
    """The console script installed beside this Python (or the module, in a bare checkout)."""
    script = Path(sys.executable).parent / "nianbao"
    return [str(script)] if script.exists() else [sys.executable, "-m", "services.cli"]


def run(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """Run `nianbao ARGS` to completion and capture its output."""
    return subprocess.run(
        [*nianbao_command(), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
