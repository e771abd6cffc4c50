"""Structured logging: key=value (or JSON) lines with the service and event bound, secrets redacted."""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

_SECRET_IN_URL = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.\-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@", re.I
)
_SECRET_FIELDS = re.compile(
    r"(?i)(password|passwd|token|secret)(['\"]?\s*[=:]\s*['\"]?)([^\s'\",]+)"
)


def redact(text: str) -> str:
    """Remove passwords from URLs (`postgresql://u:pw@h`) and `password=...` pairs."""
    text = _SECRET_IN_URL.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)
    return _SECRET_FIELDS.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)


class _Formatter(logging.Formatter):
    def __init__(self, as_json: bool):
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields.update(getattr(record, "fields", {}))
        if record.exc_info:
            fields["exc"] = self.formatException(record.exc_info)
        if self.as_json:
            return redact(json.dumps(fields, ensure_ascii=False, default=str))
        head = f"{fields.pop('ts')} {fields.pop('level'):<7} {fields.pop('logger')}: {fields.pop('msg')}"
        tail = " ".join(f"{k}={v}" for k, v in fields.items())
        return redact(f"{head} {tail}".rstrip())


class _IdlePullTimeout(logging.Filter):
    """Demote FastStream's noise about its fetch tasks to DEBUG.

    nats-py 2.16 raises the builtin TimeoutError from `fetch()` when its deadline passes between
    two internal requests; FastStream only suppresses nats' own TimeoutError, so its supervisor
    logs an ERROR with a traceback and restarts the fetch loop. Nothing is lost (no message was
    fetched), so the traceback would only teach operators to ignore errors.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("callback for Task-"):
            # FastStream's supervisor says this at INFO every time a fetch task ends.
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        exc = record.exc_info[1] if record.exc_info else None
        if type(exc) is TimeoutError and "retrying" in record.getMessage():
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            record.exc_info = None
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def configure_logging(level: str = "INFO", as_json: bool = False) -> None:
    """Install the structured formatter on the root logger (once per process)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(as_json))
    handler.addFilter(_IdlePullTimeout())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("faststream", "nats", "httpx", "httpcore", "alembic", "jieba", "aiosmtplib"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def log_fields(**fields: Any) -> dict[str, Any]:
    """`extra=` for a log call: `log.info("stored", extra=log_fields(event_id=...))`."""
    return {"fields": fields}
