"""The one error tree of nianbao, and what each branch means for a message on the bus.

    NianbaoError
    ├── TransientError        retry later: the message is nak'ed with a delay (timeouts, database
    │   │                     or NATS down, a mail server refusing for now)
    │   └── DependencyUnavailable   a named dependency (database, smtp, object store) is down
    └── PermanentError        retrying cannot help: the message is terminated and published to
        │                     `nianbao.dlq.<service>.v1` with the reason (undecodable page, invalid event)
        ├── InvalidEvent      the payload does not validate against the contract
        └── BlobMissing       the object store has no bytes for the key an event names

Errors carry context (`event_id`, `url`) so a dead letter says what failed, not just that
something did. `shared.consume.settle` is the one place that maps them to acks.
"""

from __future__ import annotations


class NianbaoError(Exception):
    """Base of every error nianbao raises on purpose."""

    def __init__(self, message: str, *, event_id: str | None = None, url: str | None = None):
        super().__init__(message)
        self.event_id = event_id
        self.url = url


class TransientError(NianbaoError):
    """Worth retrying later: the message is redelivered after a delay."""


class DependencyUnavailable(TransientError):
    """A dependency (database, mail server, object store) cannot be reached now."""


class PermanentError(NianbaoError):
    """Retrying cannot help: the message is dead-lettered with this reason."""


class InvalidEvent(PermanentError):
    """A message on the bus does not validate against its event model."""


class BlobMissing(PermanentError):
    """The object store holds no bytes under the key an event names."""


class ConfigurationError(NianbaoError):
    """The operator's configuration (settings, sources file) is invalid: a clear message, exit 2."""
