"""Serving the demo portal on loopback, for tests and for trying nianbao without the internet.

Behaves like a well-kept portal: correct `Content-Type` with charset (gb2312 on the old site),
`Last-Modified`/`ETag` with 304 answers to conditional requests, 404 for unknown paths, a
robots.txt, and the Hanweb data proxy that only answers POST.
"""

from __future__ import annotations

import threading
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from services.demo_portal.site import DATAPROXY_PATH, DemoSite, Page, build_site

_MAX_FORM_BYTES = 64 * 1024


class _Handler(BaseHTTPRequestHandler):
    server_version = "nianbao-demo/1.0"
    demo: DemoSite  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:
        """Stay silent: test output and the CLI's stderr are not the place for access logs."""

    def _not_modified(self, page: Page) -> bool:
        tag = self.headers.get("If-None-Match")
        if tag is not None:
            return page.etag in {t.strip() for t in tag.split(",")} or tag.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            return page.last_modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False  # an unreadable date means an unconditional request (RFC 9110)

    def _send(
        self, page: Page | None, *, with_body: bool, status: HTTPStatus | None = None
    ) -> None:
        if page is None:
            body = b"<html><body><h1>404 Not Found</h1></body></html>"
            self.send_response(status or HTTPStatus.NOT_FOUND)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)
            return
        not_modified = self._not_modified(page)
        self.send_response(HTTPStatus.NOT_MODIFIED if not_modified else HTTPStatus.OK)
        self.send_header("ETag", page.etag)
        self.send_header("Last-Modified", format_datetime(page.last_modified, usegmt=True))
        if not_modified:
            self.end_headers()
            return
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        if with_body:
            self.wfile.write(page.body)

    def _lookup(self) -> Page | None:
        parts = urlsplit(self.path)
        if parts.path == DATAPROXY_PATH:
            return None
        return self.demo.get(parts.path, parts.query)

    def do_GET(self) -> None:
        if urlsplit(self.path).path == DATAPROXY_PATH:
            self._send(None, with_body=True, status=HTTPStatus.METHOD_NOT_ALLOWED)
            return
        self._send(self._lookup(), with_body=True)

    def do_HEAD(self) -> None:
        self._send(self._lookup(), with_body=False)

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if parts.path != DATAPROXY_PATH or length > _MAX_FORM_BYTES:
            self._send(None, with_body=True)
            return
        form = dict(parse_qsl(self.rfile.read(length).decode("utf-8", "replace")))
        self._send(self.demo.dataproxy(parts.query, form), with_body=True)


class DemoPortal:
    """The demo portal on 127.0.0.1, on a free port, in a daemon thread.

    `with DemoPortal() as base_url:` serves for the block; `start()`/`stop()` do the same by hand.
    """

    def __init__(self, site: DemoSite | None = None, preferred_port: int = 0) -> None:
        self.site = site or build_site()
        self.preferred_port = preferred_port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    def start(self) -> str:
        """Bind to a loopback port, serve in the background, return the base URL.

        The preferred port is tried first, so repeated demo runs see the same URLs (and nianbao
        recognises the pages it already knows); a free port is taken when it is busy.
        """
        if self._server is not None:
            return self.base_url
        handler = type("DemoHandler", (_Handler,), {"demo": self.site})
        try:
            self._server = ThreadingHTTPServer(("127.0.0.1", self.preferred_port), handler)
        except OSError:
            self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="demo-portal", daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
