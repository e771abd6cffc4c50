"""Group commit: units that arrive together share a transaction, and still fail alone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from shared.db import GroupCommit, make_engine, session_factory
from shared.errors import DependencyUnavailable

pytestmark = pytest.mark.integration

metadata = MetaData()
rows = Table("rows", metadata, Column("id", Integer, primary_key=True), Column("name", String))


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    engine = make_engine(database_url)
    metadata.create_all(engine)
    commits: list[int] = []
    event.listen(engine, "commit", lambda _conn: commits.append(1))
    factory = session_factory(engine)
    factory.commits = commits  # type: ignore[attr-defined]
    return factory


def insert(row_id: int) -> Callable[[Session], int]:
    def unit(session: Session) -> int:
        session.execute(rows.insert().values(id=row_id, name=f"row {row_id}"))
        return row_id

    return unit


def stored(sessions: sessionmaker[Session]) -> list[int]:
    with sessions() as session:
        return sorted(session.scalars(select(rows.c.id)))


async def test_units_arriving_together_share_one_commit(sessions: sessionmaker[Session]) -> None:
    group = GroupCommit(sessions, max_units=64)
    results = await asyncio.gather(*(group.run(insert(i)) for i in range(40)))
    assert results == list(range(40))
    assert stored(sessions) == list(range(40))
    assert len(sessions.commits) < 40 / 2  # type: ignore[attr-defined]


async def test_a_lone_unit_is_committed_at_once(sessions: sessionmaker[Session]) -> None:
    group = GroupCommit(sessions)
    assert await group.run(insert(1)) == 1
    assert stored(sessions) == [1]
    assert len(sessions.commits) == 1  # type: ignore[attr-defined]


async def test_units_arriving_one_at_a_time_share_a_commit_when_the_group_lingers(
    sessions: sessionmaker[Session],
) -> None:
    # What a store fed by extraction sees: one event every 10 ms, never two at once.
    async def spaced(group: GroupCommit, first: int) -> list[int]:
        async def nth(i: int) -> int:
            await asyncio.sleep(0.01 * i)
            return await group.run(insert(first + i))

        return await asyncio.gather(*(nth(i) for i in range(8)))

    await spaced(GroupCommit(sessions), 0)
    alone = len(sessions.commits)  # type: ignore[attr-defined]
    assert alone >= 6
    sessions.commits.clear()  # type: ignore[attr-defined]
    results = await spaced(GroupCommit(sessions, linger=0.2), 100)
    assert results == list(range(100, 108))
    assert len(stored(sessions)) == 16
    assert len(sessions.commits) <= 2  # type: ignore[attr-defined]


async def test_a_lingering_group_cancelled_cancels_its_waiting_units(
    sessions: sessionmaker[Session],
) -> None:
    group = GroupCommit(sessions, linger=5.0)
    waiting = asyncio.ensure_future(group.run(insert(1)))
    await asyncio.sleep(0.05)
    assert group._committer is not None
    group._committer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert stored(sessions) == []


async def test_groups_never_exceed_max_units(sessions: sessionmaker[Session]) -> None:
    group = GroupCommit(sessions, max_units=5)
    await asyncio.gather(*(group.run(insert(i)) for i in range(20)))
    assert stored(sessions) == list(range(20))
    assert len(sessions.commits) >= 4  # type: ignore[attr-defined]


async def test_a_failing_unit_fails_alone(sessions: sessionmaker[Session]) -> None:
    group = GroupCommit(sessions)

    def broken(session: Session) -> int:
        session.execute(rows.insert().values(id=1000, name="half done"))
        raise ValueError("bad event")

    outcomes = await asyncio.gather(
        *(group.run(insert(i)) for i in range(5)),
        group.run(broken),
        *(group.run(insert(i)) for i in range(5, 10)),
        return_exceptions=True,
    )
    assert outcomes[:5] == list(range(5))
    assert isinstance(outcomes[5], ValueError)
    assert outcomes[6:] == list(range(5, 10))
    assert stored(sessions) == list(range(10))  # nothing of the failed unit


async def test_a_duplicate_key_in_a_group_fails_only_that_unit(
    sessions: sessionmaker[Session],
) -> None:
    await GroupCommit(sessions).run(insert(3))
    group = GroupCommit(sessions)
    outcomes = await asyncio.gather(
        *(group.run(insert(i)) for i in range(6)), return_exceptions=True
    )
    assert [isinstance(o, Exception) for o in outcomes] == [False, False, False, True, False, False]
    assert stored(sessions) == list(range(6))


async def test_an_unavailable_database_fails_every_unit_as_transient(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path}/missing/dir/db.sqlite3")  # cannot be opened
    group = GroupCommit(session_factory(engine))
    outcomes = await asyncio.gather(
        *(group.run(insert(i)) for i in range(3)), return_exceptions=True
    )
    assert all(isinstance(o, DependencyUnavailable) for o in outcomes)


async def test_a_cancelled_caller_does_not_stop_the_others(sessions: sessionmaker[Session]) -> None:
    group = GroupCommit(sessions)
    first = asyncio.ensure_future(group.run(insert(1)))
    others = [asyncio.ensure_future(group.run(insert(i))) for i in range(2, 6)]
    first.cancel()
    assert await asyncio.gather(*others) == [2, 3, 4, 5]
    with sessions() as session:
        assert int(session.scalar(select(func.count()).select_from(rows)) or 0) >= 4
