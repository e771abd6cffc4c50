"""The signed links emails carry: the signing key (configured, or made once and kept in the
database for every replica) and the URLs built on `NIANBAO_PUBLIC_URL`."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from services.notify import core, tokens
from services.notify.db.models import NotifyKey, Subscription
from shared.clock import Clock
from shared.db import unit_of_work


@dataclass
class LinkSigner:
    """Signs and checks the tokens of one deployment and turns them into links."""

    sessions: sessionmaker[Session]
    clock: Clock
    public_url: str | None = None
    secret_key: str | None = None  # unset: a key generated once and kept in the database
    _key: bytes | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.secret_key:
            self._key = self.secret_key.encode("utf-8")

    def signing_key(self) -> bytes:
        """NIANBAO_SECRET_KEY, or a random key created once in the database (all replicas)."""
        if self._key is None:
            try:
                with unit_of_work(self.sessions) as session:
                    row = session.get(NotifyKey, "signing")
                    if row is None:
                        row = NotifyKey(
                            name="signing", value=secrets.token_urlsafe(48), created_at=self.clock()
                        )
                        session.add(row)
                    value = row.value
            except IntegrityError:  # another replica created it first
                with unit_of_work(self.sessions) as session:
                    value = session.get_one(NotifyKey, "signing").value
            self._key = value.encode("utf-8")
        return self._key

    def load_key(self) -> None:
        """Load the key before a transaction that signs links (loading opens one of its own)."""
        if self.public_url:
            self.signing_key()

    def link(self, path: str, token: str) -> str | None:
        """`<public url>/<path>?token=…`, or None without a public URL."""
        if not self.public_url:
            return None
        return f"{self.public_url.rstrip('/')}/{path}?token={token}"

    def links_for(self, sub: Subscription, digest_key: str | None = None) -> core.Links:
        """The unsubscribe link of a subscription (and a digest's "see more" link)."""
        if not self.public_url:
            return core.Links()
        key = self.signing_key()
        unsubscribe = self.link("unsubscribe", tokens.sign(key, "unsubscribe", sub.email, sub.id))
        see_more = None
        if digest_key:
            see_more = self.link(
                "digest", tokens.sign(key, "digest", sub.email, sub.id, ref=digest_key)
            )
        return core.Links(unsubscribe=unsubscribe, see_more=see_more)

    def confirm_link(self, sub: Subscription, ref: str, expires: datetime) -> str | None:
        """The double opt-in link of one subscription request."""
        token = tokens.sign(
            self.signing_key(), "confirm", sub.email, sub.id, ref=ref, expires=expires
        )
        return self.link("confirm", token)

    def check(self, token: str, purpose: str) -> tokens.TokenClaims:
        """The claims of a valid token made for `purpose`; InvalidToken otherwise."""
        return tokens.verify(self.signing_key(), token, purpose, self.clock())
