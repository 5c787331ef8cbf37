"""The inbox of updates taken by webhook: each stored once, each chat's handled in order one at
a time, a killed process's update taken over when its lease ends, old ones forgotten."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from core.db.session import Database
from core.shops.updates import LEASE, forget_old_updates, mark_handled, receive, take_updates
from tests.conftest import Clock


def _receive(db: Database, update_id: int, chat_id: int | None) -> bool:
    with db.unit_of_work() as uow:
        return receive(uow, update_id=update_id, chat_id=chat_id, payload={"update_id": update_id})


def _take(db: Database, limit: int = 10) -> list[int]:
    with db.unit_of_work() as uow:
        return [taken.update_id for taken in take_updates(uow, limit=limit)]


def _handled(db: Database, update_id: int) -> None:
    with db.unit_of_work() as uow:
        mark_handled(uow, update_id=update_id)


def test_an_update_posted_twice_is_stored_once(db: Database) -> None:
    assert _receive(db, 7, 100) is True
    assert _receive(db, 7, 100) is False
    assert _take(db) == [7]


def test_each_chat_goes_in_order_one_update_at_a_time_and_chats_side_by_side(
    db: Database,
) -> None:
    for update_id, chat in ((1, 100), (2, 100), (3, 200), (4, 100)):
        _receive(db, update_id, chat)

    assert _take(db) == [1, 3]
    assert _take(db) == []  # both chats have an update being handled
    _handled(db, 1)
    assert _take(db) == [2]
    _handled(db, 2)
    _handled(db, 3)
    assert _take(db) == [4]


def test_a_killed_processs_update_is_taken_over_when_its_lease_ends(
    db: Database, clock: Clock
) -> None:
    _receive(db, 1, 100)
    assert _take(db) == [1]  # then the process handling it dies

    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert _take(db) == []
    clock.advance(seconds=2)
    assert _take(db) == [1]


def test_handled_updates_are_forgotten_after_two_days_waiting_ones_never(
    db: Database, clock: Clock
) -> None:
    _receive(db, 1, 100)
    _receive(db, 2, 200)
    _take(db)
    _handled(db, 1)
    clock.advance(days=2, seconds=1)

    with db.unit_of_work() as uow:
        assert forget_old_updates(uow) == 1
    assert _receive(db, 2, 200) is False


def test_processes_taking_at_once_never_take_one_chat_twice(pg_db: Database) -> None:
    for update_id in range(1, 41):
        _receive(pg_db, update_id, 100 + update_id % 4)
    taken: list[int] = []
    lock = threading.Lock()

    def worker(_: Any) -> None:
        while True:
            got = _take(pg_db, limit=2)
            if not got:
                with lock:
                    if len(taken) == 40:
                        return
                continue
            with lock:
                taken.extend(got)
            for update_id in got:
                _handled(pg_db, update_id)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(worker, range(4)))

    assert sorted(taken) == list(range(1, 41))
    for chat in range(4):
        of_chat = [update_id for update_id in taken if update_id % 4 == chat]
        assert of_chat == sorted(of_chat)
