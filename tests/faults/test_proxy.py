"""The fault harness's TCP proxy keeps forwarding while the test's event loop is blocked.

`Cluster.stop_all` blocks the test's loop while the services finish; their last database work
goes through this proxy, so a proxy on that loop froze them (a service then overstayed its
stop and was killed).
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from tests.faults.harness import TcpProxy


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


@pytest.fixture
def echo_server() -> Iterator[tuple[str, int]]:
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo) as server:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield server.server_address  # type: ignore[misc]
        server.shutdown()


async def test_the_proxy_forwards_while_the_tests_loop_is_blocked(
    echo_server: tuple[str, int],
) -> None:
    proxy = TcpProxy(*echo_server)
    await proxy.start()
    answers: list[bytes] = []

    def client() -> None:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as conn:
            conn.sendall(b"SELECT 1")
            answers.append(conn.recv(100))

    try:
        talking = threading.Thread(target=client)
        talking.start()
        # blocks this loop, as stop_all does while it waits for the services
        time.sleep(1.5)  # noqa: ASYNC251
        assert answers == [b"SELECT 1"]
        talking.join()
        await proxy.cut()
        with pytest.raises(ConnectionRefusedError):  # cut: new connections are refused
            socket.create_connection(("127.0.0.1", proxy.port), timeout=1)
    finally:
        await proxy.cut()
        proxy.close()
