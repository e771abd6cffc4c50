"""Sending email: the `Mailer` role and its SMTP adapter (aiosmtplib).

A refused recipient or an invalid message is permanent; a connection problem, a timeout or a
4xx answer is transient, so the delivery is retried later and no mail is lost in an outage.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Protocol

import aiosmtplib

from shared.errors import DependencyUnavailable, PermanentError


class Mailer(Protocol):
    """Sends one message."""

    async def send(self, message: EmailMessage) -> None: ...


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
    """A MIME message with a text part and an HTML alternative; headers encoded by the library."""
    message = EmailMessage()
    message["From"] = formataddr(("年报监测 nianbao", sender))
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = formatdate(localtime=False)
    for name, value in headers.items():
        message[name] = value
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message


class SmtpMailer:
    """Sends through an SMTP server, with STARTTLS and authentication when configured."""

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

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.starttls if not self.use_tls else False,
                use_tls=self.use_tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"recipient refused: {exc}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentError(f"SMTP {exc.code}: {exc.message}") from exc
            raise DependencyUnavailable(f"SMTP {exc.code}: {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise DependencyUnavailable(
                f"SMTP server {self.host}:{self.port} unavailable: {exc}"
            ) from exc
