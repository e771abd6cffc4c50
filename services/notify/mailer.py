"""Sending email: the `Mailer` role and its SMTP adapter (aiosmtplib).

`Mailer.send` returns as soon as the server has accepted the message (250 after DATA), so the
caller can record "sent" at once: the polite QUIT happens afterwards, in the background.

Errors: a refused recipient or a message refused with 5xx is permanent (PermanentError); a
connection problem, a timeout, a 4xx answer, a refused login or a refused sender is transient
(DependencyUnavailable): the last two are the operator's configuration, and failing every
delivery for good because of them would lose mail, so they are retried until fixed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from typing import Protocol

import aiosmtplib

from services.notify.core import header_safe
from shared.errors import DependencyUnavailable, PermanentError

log = logging.getLogger("nianbao.notify.mailer")


class Mailer(Protocol):
    """Sends one message; returning means the server accepted it."""

    async def send(self, message: EmailMessage) -> None: ...


def _address(addr: str, display_name: str = "") -> Address:
    local, _, domain = addr.rpartition("@")
    if not local or not domain or any(c in addr for c in "\r\n<>,;\"' \t"):
        raise PermanentError(f"not a usable address: {addr!r}")
    return Address(display_name=display_name, username=local, domain=domain)


def build_message(
    *,
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    headers: dict[str, str],
) -> EmailMessage:
    """A MIME message with a text part and an HTML alternative.

    Header values go through `header_safe` (no CR/LF: no injected header can exist) and are
    RFC 2047-encoded by the library's SMTP policy; addresses are built as `Address` objects, so
    a crafted one cannot add recipients.
    """
    message = EmailMessage(policy=SMTP)
    message["From"] = _address(sender, "年报监测 nianbao")
    message["To"] = _address(recipient)
    message["Subject"] = header_safe(subject, 250)
    message["Message-ID"] = header_safe(message_id, 250)
    message["Date"] = formatdate(localtime=False)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to alerts
    for name, value in headers.items():
        message[header_safe(name, 60).replace(" ", "-").replace(":", "")] = header_safe(value, 2000)
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message


class SmtpMailer:
    """Sends through an SMTP server, with STARTTLS or implicit TLS and authentication."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        use_tls: bool = False,
        timeout: float = 30.0,
    ):
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.starttls = starttls
        self.use_tls = use_tls
        self.timeout = timeout
        self._closing: set[asyncio.Task[None]] = set()

    async def send(self, message: EmailMessage) -> None:
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            use_tls=self.use_tls,
            start_tls=self.starttls if not self.use_tls else False,
            timeout=self.timeout,
        )
        try:
            await client.connect()
            if self.username:
                await client.login(self.username, self.password or "")
            await client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            client.close()
            codes = [r.code for r in exc.recipients]
            if codes and all(400 <= c < 500 for c in codes):
                raise DependencyUnavailable(f"recipient deferred: {exc}") from exc
            raise PermanentError(f"recipient refused: {exc}") from exc
        except (aiosmtplib.SMTPAuthenticationError, aiosmtplib.SMTPSenderRefused) as exc:
            client.close()
            raise DependencyUnavailable(f"SMTP {exc.code}: {exc.message}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            client.close()
            if 500 <= exc.code < 600:
                raise PermanentError(f"SMTP {exc.code}: {exc.message}") from exc
            raise DependencyUnavailable(f"SMTP {exc.code}: {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            client.close()
            raise DependencyUnavailable(
                f"SMTP server {self.host}:{self.port} unavailable: {exc}"
            ) from exc
        # Accepted: return now so "sent" is recorded at once; say goodbye in the background.
        task = asyncio.create_task(self._quit(client))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _quit(self, client: aiosmtplib.SMTP) -> None:
        try:
            await asyncio.wait_for(client.quit(), timeout=5)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            log.debug("SMTP QUIT failed (message already accepted): %s", exc)
            client.close()

    async def aclose(self) -> None:
        """Wait for the background QUITs (call on shutdown)."""
        for task in list(self._closing):
            with contextlib.suppress(Exception):
                await task
