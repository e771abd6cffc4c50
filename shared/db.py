"""Database plumbing shared by the services that keep state (store, notify).

Each service owns its tables and its migrations; this module only makes engines and sessions and
turns database failures into the error tree: a database that is down is a TransientError (the
message is retried later), never a crash and never a lost event.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    Connection,
    DateTime,
    Dialect,
    Engine,
    Executable,
    Result,
    Table,
    create_engine,
    event,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from shared.errors import DependencyUnavailable

T = TypeVar("T")
log = logging.getLogger("nianbao.db")

# Every service names its constraints alike, so migrations can refer to them on any database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the CLI read while the services write; busy_timeout makes writers queue up
    # instead of failing at once with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://") :]
    return url


def make_engine(url: str) -> Engine:
    """An engine for `url`, SQLite tuned for one writer process and many readers."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, pool_timeout=10)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that do not expire objects on commit (results are read after the commit)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back otherwise.

    Connection-level failures become DependencyUnavailable so the bus retries the message.
    """
    try:
        with factory() as session, session.begin():
            yield session
    except (OperationalError, PoolTimeout) as exc:
        raise DependencyUnavailable(f"database unavailable: {_reason(exc)}") from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise DependencyUnavailable(f"database connection lost: {_reason(exc)}") from exc
        raise


def _reason(exc: Exception) -> str:
    """The driver's own message (SQLAlchemy's first line is often only a hint about autoflush)."""
    orig = getattr(exc, "orig", None)
    cause = orig if orig is not None else exc
    lines = str(cause).strip().splitlines() or [""]
    return f"{type(cause).__name__}: {lines[0]}"


# ---- writing rows past the ORM ------------------------------------------------------------------
# The hot paths (the inbox and outbox once per event, a new filing's rows) write rows with
# statements built once per table and database, run on the session's connection: in its
# transaction, after its pending changes, without an ORM object. Building a statement anew and
# executing it through the session cost five times as much as the insert itself.

Key = str | tuple[str, ...]  # the column(s) of a unique index


def core_connection(session: Session) -> Connection:
    """The session's connection in its transaction, the session's pending changes written first
    (a row written on it may refer to them)."""
    session.flush()
    return session.connection()


def insert_row(session: Session, model: type[Any], values: dict[str, Any]) -> None:
    """Insert one row of `model`'s table."""
    _write(session, model, values)


def insert_unless_present(
    session: Session, model: type[Any], values: dict[str, Any], key: Key
) -> bool:
    """Insert one row unless a row with the same `key` exists; True if it was inserted.

    One `INSERT … ON CONFLICT (key) DO NOTHING` both tests and writes, with no lookup first. A
    transaction inserting a key that another one inserted but has not committed waits for it
    (PostgreSQL's unique index; SQLite has one writer at a time): if that one commits, this
    insert finds the row and does nothing; if it rolls back, this one wins.
    """
    # RETURNING says whether the row was written: PostgreSQL's rowcount is -1 here either way,
    # which made every redelivery look new to the inbox there.
    return _write(session, model, values, key).first() is not None


def upsert_row(
    session: Session,
    model: type[Any],
    values: dict[str, Any],
    key: Key,
    insert_only: tuple[str, ...] = (),
) -> None:
    """Insert one row, or update the row with the same `key` to `values` but its `insert_only`
    columns (`INSERT … ON CONFLICT (key) DO UPDATE`: no lookup first)."""
    keys = (key,) if isinstance(key, str) else key
    update = tuple(column for column in values if column not in keys + insert_only)
    _write(session, model, values, key, update)


def _write(
    session: Session,
    model: type[Any],
    values: dict[str, Any],
    key: Key | None = None,
    update: tuple[str, ...] = (),
) -> Result[Any]:
    connection = core_connection(session)
    statement = _statement(model.__table__, connection.dialect.name, key, update)
    return connection.execute(statement, values)


@cache
def _statement(table: Table, dialect: str, key: Key | None, update: tuple[str, ...]) -> Executable:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    if key is None:
        return statement
    keys = [key] if isinstance(key, str) else list(key)
    if not update:
        returned = [table.c[column] for column in keys]
        return statement.on_conflict_do_nothing(index_elements=keys).returning(*returned)
    return statement.on_conflict_do_update(
        index_elements=keys, set_={column: statement.excluded[column] for column in update}
    )


async def run_sync(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking database work in a worker thread, keeping the event loop free."""
    return await asyncio.to_thread(fn, *args, **kwargs)


@dataclass(frozen=True)
class _Outcome(Generic[T]):
    value: T | None = None
    error: BaseException | None = None


class GroupCommit:
    """Commits the units of work that arrive together in one transaction (a group commit).

    A unit is a function of a session. Units submitted while a transaction is being committed
    wait and then go together into the next one, up to `max_units`: under load the commits (and
    SQLite's fsyncs, PostgreSQL's round trips) are shared, and alone a unit is committed at once.
    Each caller still gets its own outcome, after the commit that holds its effect. If the shared
    transaction fails for any reason but the database being unavailable, the units are run again
    one transaction each, so one bad unit neither takes the others down nor hides their results.
    Units must touch nothing but the session: a unit may run twice (the first run rolled back).

    `linger` (seconds) makes the first unit after a quiet spell wait that long for others: when
    events arrive one at a time (a store fed by extraction at 40 a second), the units of the
    next `linger` seconds share its transaction instead of each paying a commit of its own.
    """

    def __init__(
        self, sessions: sessionmaker[Session], max_units: int = 64, linger: float = 0.0
    ) -> None:
        self.sessions = sessions
        self.max_units = max_units
        self.linger = linger
        self._waiting: list[tuple[Callable[[Session], Any], asyncio.Future[Any]]] = []
        self._committer: asyncio.Task[None] | None = None

    async def run(self, unit: Callable[[Session], T]) -> T:
        """Run `unit` in a transaction, shared with the units that arrive alongside it."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append((unit, future))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_waiting())
        return await future

    async def _commit_waiting(self) -> None:
        if self.linger > 0 and len(self._waiting) < self.max_units:
            try:
                await asyncio.sleep(self.linger)
            except asyncio.CancelledError:
                for _, future in self._waiting:
                    future.cancel()
                self._waiting.clear()
                raise
        while self._waiting:
            group = self._waiting[: self.max_units]
            del self._waiting[: len(group)]
            try:
                outcomes = await run_sync(self._commit, [unit for unit, _ in group])
            except BaseException as exc:  # the database is unavailable: every unit waits
                outcomes = [_Outcome(error=exc)] * len(group)
                if not isinstance(exc, Exception):
                    for _, future in group:
                        future.cancel()
                    raise
            for (_, future), outcome in zip(group, outcomes, strict=True):
                if future.done():  # its caller was cancelled
                    continue
                if outcome.error is not None:
                    future.set_exception(outcome.error)
                else:
                    future.set_result(outcome.value)

    def _commit(self, units: Sequence[Callable[[Session], Any]]) -> list[_Outcome[Any]]:
        if len(units) > 1:
            try:
                with unit_of_work(self.sessions) as session:
                    values = [unit(session) for unit in units]
                return [_Outcome(value=value) for value in values]
            except DependencyUnavailable:
                raise
            except Exception as exc:
                log.info("group of %s failed (%r); committing one by one", len(units), exc)
        outcomes: list[_Outcome[Any]] = []
        for unit in units:
            try:
                with unit_of_work(self.sessions) as session:
                    outcomes.append(_Outcome(value=unit(session)))
            except Exception as exc:
                outcomes.append(_Outcome(error=exc))
        return outcomes


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps.

    SQLite has no time zones and hands back naive datetimes; comparing those with aware ones
    raises. Storing UTC and re-attaching UTC on the way out keeps both databases alike.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        utc = aware.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
