"""The Telegram budget every process shares through PostgreSQL, reserved from real threads:
slots spaced by the database's clock, each group's window counted across all of them."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

from sqlalchemy import text

from core.db.session import Database
from core.delivery.telegram_budget import (
    GROUP_MESSAGES_PER_MINUTE,
    GROUP_WINDOW,
    GroupFull,
    Slot,
    TelegramBudget,
    shared_budget,
    spacing,
)

GROUP = -4001
THREADS = 6


def at_once(work: Callable[[], Slot | GroupFull], times: int) -> list[Slot | GroupFull]:
    """`work` run `times` times in each of THREADS threads that start together."""
    start = Barrier(THREADS)

    def worker() -> list[Slot | GroupFull]:
        start.wait()
        return [work() for _ in range(times)]

    with ThreadPoolExecutor(THREADS) as pool:
        runs = [pool.submit(worker) for _ in range(THREADS)]
        return [found for run in runs for found in run.result()]


def slots(found: list[Slot | GroupFull]) -> list[Slot]:
    return [one for one in found if isinstance(one, Slot)]


def gaps(found: list[Slot]) -> list[timedelta]:
    ordered = sorted(slot.at for slot in found)
    return [later - earlier for earlier, later in itertools.pairwise(ordered)]


def at_least(seconds: float) -> timedelta:
    # PostgreSQL keeps microseconds.
    return timedelta(microseconds=round(seconds * 1e6))


def test_messages_reserved_from_many_threads_get_slots_a_rate_apart(pg_db: Database) -> None:
    budget = TelegramBudget(pg_db, rate=40)

    found = slots(at_once(lambda: budget.reserve_send(1000, push=False), times=10))

    assert len(found) == THREADS * 10
    assert min(gaps(found)) >= at_least(spacing(40))
    assert all(slot.wait >= 0 for slot in found)


def test_pushes_to_one_chat_keep_its_pace_and_replies_to_it_only_the_overall_one(
    pg_db: Database,
) -> None:
    budget = TelegramBudget(pg_db, rate=40)

    pushes = slots(at_once(lambda: budget.reserve_send(1000, push=True), times=2))
    replies = slots(at_once(lambda: budget.reserve_send(1000, push=False), times=2))

    assert min(gaps(pushes)) >= at_least(spacing(1))
    # Replies were reserved after the last push, yet only the overall spacing holds them.
    assert max(gaps(replies)) < at_least(spacing(1))
    assert min(gaps(pushes + replies)) >= at_least(spacing(40))


def test_a_groups_window_admits_its_limit_across_threads_and_frees_a_minute_later(
    pg_db: Database,
) -> None:
    budget = TelegramBudget(pg_db, rate=40)

    found = at_once(lambda: budget.reserve_send(GROUP, push=True), times=5)

    admitted, full = slots(found), [one for one in found if isinstance(one, GroupFull)]
    assert len(admitted) == GROUP_MESSAGES_PER_MINUTE
    assert len(full) == THREADS * 5 - GROUP_MESSAGES_PER_MINUTE
    assert all(0 < one.wait <= GROUP_WINDOW.total_seconds() for one in full)
    assert isinstance(budget.reserve_send(-4002, push=True), Slot)  # another group's minute

    # A minute and a bit later (the log moved back rather than the test waiting).
    with pg_db.engine.begin() as connection:
        connection.execute(
            text("UPDATE telegram_group_sends SET sent_at = sent_at - :late"),
            {"late": GROUP_WINDOW + timedelta(seconds=1)},
        )
    assert isinstance(budget.reserve_send(GROUP, push=True), Slot)


def test_sqlite_has_no_shared_budget(sqlite_db: Database, pg_db: Database) -> None:
    assert shared_budget(sqlite_db, 30) is None
    assert isinstance(shared_budget(pg_db, 30), TelegramBudget)
