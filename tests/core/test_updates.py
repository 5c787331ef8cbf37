"""The inbox of updates taken by webhook: each stored once, each chat's handled in order one at
a time, leased as it is stored when its chat is idle and as the last is marked handled when
one waits, a killed process's update taken over when its lease ends, old ones forgotten."""

from __future__ import annotations

import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import text

from core.db.session import Database
from core.shops.updates import (
    LEASE,
    Received,
    TakenUpdate,
    forget_old_updates,
    mark_handled,
    receive,
    take_updates,
)
from tests.conftest import Clock


def _posted(db: Database, update_id: int, chat_id: int | None, *, take: bool) -> Received:
    with db.unit_of_work() as uow:
        payload = {"update_id": update_id}
        return receive(uow, update_id=update_id, chat_id=chat_id, payload=payload, take=take)


def _receive(db: Database, update_id: int, chat_id: int | None) -> bool:
    return _posted(db, update_id, chat_id, take=False).stored


def _take(db: Database, limit: int = 10) -> list[int]:
    with db.unit_of_work() as uow:
        return [taken.update_id for taken in take_updates(uow, limit=limit)]


def _handled(db: Database, update_id: int, chat_id: int | None = None) -> TakenUpdate | None:
    with db.unit_of_work() as uow:
        return mark_handled(uow, update_id=update_id, chat_id=chat_id)


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


def test_an_update_of_an_idle_chat_is_leased_as_it_is_stored_and_no_one_takes_it_again(
    db: Database,
) -> None:
    first = _posted(db, 1, 100, take=True)
    second = _posted(db, 2, 100, take=True)  # the chat has one being handled
    again = _posted(db, 1, 100, take=True)  # Telegram posts it again

    assert first == Received(True, TakenUpdate(1, 100, {"update_id": 1}, 1))
    assert second == Received(True, None)
    assert again == Received(False, None)
    assert _take(db) == []
    assert _handled(db, 1, 100) == TakenUpdate(2, 100, {"update_id": 2}, 1)
    assert _take(db) == []
    assert _handled(db, 2, 100) is None


def test_the_next_update_goes_with_the_last_marked_handled_unless_another_has_it(
    db: Database, clock: Clock
) -> None:
    for update_id in (1, 2, 3):
        _receive(db, update_id, 100)
    assert _take(db) == [1]
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert _take(db) == [1]  # taken over: the first process was slow, not dead

    following = _handled(db, 1, 100)
    assert following is not None
    assert following.update_id == 2
    assert _handled(db, 1, 100) is None  # the slow one finishes too: 2 is leased already
    assert _take(db) == []


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


class _Processes:
    """Processes that handle the updates leased to them as they were stored, the next ones
    of each chat they mark handled, and whatever else they take."""

    def __init__(self, db: Database, count: int, total: int) -> None:
        self.db, self.total = db, total
        self.inboxes: list[queue.Queue[TakenUpdate]] = [queue.Queue() for _ in range(count)]
        self.handled: list[int] = []
        self.early: list[int] = []  # handled while an earlier update of its chat waited
        self.overlapping: list[int] = []  # handled while another of its chat was
        self._busy: set[int | None] = set()
        self._lock = threading.Lock()

    def run(self, number: int) -> None:
        while len(self.handled) < self.total:
            try:
                self._handle(self.inboxes[number].get(timeout=0.01))
            except queue.Empty:
                with self.db.unit_of_work() as uow:
                    taken = take_updates(uow, limit=2)
                for update in taken:
                    self._handle(update)

    def _handle(self, taken: TakenUpdate | None) -> None:
        while taken is not None:
            with self.db.unit_of_work() as uow:
                before = uow.run(_EARLIER_WAITING, {"chat": taken.chat_id, "id": taken.update_id})
                waiting = before.scalar_one()
            with self._lock:
                self.handled.append(taken.update_id)
                if waiting:
                    self.early.append(taken.update_id)
                if taken.chat_id in self._busy:
                    self.overlapping.append(taken.update_id)
                self._busy.add(taken.chat_id)
            with self.db.unit_of_work() as uow:  # handling it takes a moment
                uow.run(text("SELECT pg_sleep(0.002)"))
            with self._lock:
                self._busy.discard(taken.chat_id)
            taken = _handled(self.db, taken.update_id, taken.chat_id)


_EARLIER_WAITING = text(
    "SELECT count(*) FROM telegram_updates "
    "WHERE chat_id = :chat AND update_id < :id AND handled_at IS NULL"
)


@pytest.mark.parametrize("one_chat_at_once", [False, True], ids=["chats-apart", "chat-at-once"])
def test_processes_leasing_as_they_store_and_mark_keep_each_chat_in_order(
    pg_db: Database, one_chat_at_once: bool
) -> None:
    """Updates of 4 chats posted to 3 processes at random, on two connections at once: each
    update is handled once and never beside another of its chat. When each chat's updates
    come one after the other (Telegram's way), each is also handled only after every earlier
    one of its chat; two of a chat posted at once may go either way."""
    total, count = 80, 3
    processes = _Processes(pg_db, count, total)

    def chat_of(update_id: int) -> int:
        return 100 + (update_id // 2 % 4 if one_chat_at_once else update_id % 4)

    def post(first: int) -> None:
        for update_id in range(first, total + 1, 2):
            got = _posted(pg_db, update_id, chat_of(update_id), take=True)
            if got.taken is not None:
                processes.inboxes[update_id * 7 % count].put(got.taken)

    with ThreadPoolExecutor(max_workers=count + 2) as pool:
        running = [pool.submit(processes.run, number) for number in range(count)]
        running += [pool.submit(post, first) for first in (1, 2)]
        for future in running:
            future.result(timeout=120)

    assert sorted(processes.handled) == list(range(1, total + 1))
    assert processes.overlapping == []
    if not one_chat_at_once:
        assert processes.early == []
