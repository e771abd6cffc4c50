"""Signals a running service answers: SIGTERM/SIGINT stop it, SIGUSR1 logs what it is doing."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading

import pytest

from services.runtime import install_signal_handlers


async def test_sigterm_sets_stop_and_sigusr1_logs_every_task_and_thread(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stop = asyncio.Event()
    install_signal_handlers(stop)
    release = threading.Event()
    worker = threading.Thread(target=release.wait, name="db-worker", daemon=True)
    worker.start()

    async def waiting_for_a_slow_server() -> None:
        await asyncio.sleep(60)

    task = asyncio.create_task(waiting_for_a_slow_server())
    await asyncio.sleep(0)
    try:
        with caplog.at_level(logging.WARNING, logger="nianbao.runtime"):
            os.kill(os.getpid(), signal.SIGUSR1)
            await asyncio.sleep(0.05)
        assert not stop.is_set()
        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert "what runs now" in logged
        assert "waiting_for_a_slow_server" in logged  # the task, where it waits
        thread = logged.split("Thread db-worker:", 1)[1].split("Thread ", 1)[0]
        assert "in wait" in thread  # the thread's stack, down to where it blocks

        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(stop.wait(), 1)
    finally:
        task.cancel()
        release.set()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
            loop.remove_signal_handler(sig)
