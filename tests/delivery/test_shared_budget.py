"""The Telegram budget every process shares through PostgreSQL, reserved from real threads:
slots spaced by the database's clock, each group's window counted across all of them."""

from __future__ import annotations

import itertools
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from threading import Barrier
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from telegram.error import RetryAfter
from telegram.ext import ExtBot

from bot.delivery.limits import PUSH, build_rate_limiter
from core.db.session import Database, create_db_engine
from core.delivery.telegram_budget import (
    GROUP_MESSAGES_PER_MINUTE,
    GROUP_WINDOW,
    GroupFull,
    Slot,
    TelegramBudget,
    shared_budget,
    spacing,
)
from tests.delivery.conftest import ADMIN, age_group_log, delivery_settings
from tests.fakes.telegram_api import FakeBotApi

GROUP = -4001
REPO = Path(__file__).resolve().parents[2]
THREADS = 6
Found = TypeVar("Found")


def at_once(work: Callable[[], Found], times: int) -> list[Found]:
    """`work` run `times` times in each of THREADS threads that start together."""
    start = Barrier(THREADS)

    def worker() -> list[Found]:
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


def test_replies_reserved_together_get_slots_a_rate_apart_from_each_other_and_the_rest(
    pg_db: Database,
) -> None:
    budget = TelegramBudget(pg_db, rate=40)

    together = at_once(lambda: budget.reserve_replies(5), times=4)
    one_by_one = slots(at_once(lambda: budget.reserve_send(1000, push=False), times=4))
    found = [slot for batch in together for slot in batch]

    assert len(found) == THREADS * 4 * 5
    assert min(gaps(found + one_by_one)) >= at_least(spacing(40))
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
    age_group_log(pg_db, GROUP_WINDOW.total_seconds() + 1)
    assert isinstance(budget.reserve_send(GROUP, push=True), Slot)


def test_sqlite_has_no_shared_budget(sqlite_db: Database, pg_db: Database) -> None:
    assert shared_budget(sqlite_db, 30) is None
    assert isinstance(shared_budget(pg_db, 30), TelegramBudget)


def run_processes(bot_api: FakeBotApi, postgres_url: str, jobs: list[dict[str, Any]]) -> list[str]:
    """Each job in a process of its own, all on one database, sending once every one is ready;
    what became of each message."""
    common = {"token": bot_api.token, "base_url": bot_api.base_url, "database_url": postgres_url}
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.delivery.budget_child", json.dumps({**common, **job})],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env={**os.environ, "PTB_TIMEDELTA": "1"},
        )
        for job in jobs
    ]
    try:
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
        outcomes = [child.communicate("go\n", timeout=120)[0] for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    assert [child.returncode for child in children] == [0] * len(children)
    return [outcome for output in outcomes for outcome in json.loads(output)]


@pytest.mark.usefixtures("pg_db")  # empties the budget's tables afterwards
def test_three_processes_together_keep_within_the_rate_limit_in_every_second(
    bot_api: FakeBotApi, postgres_url: str
) -> None:
    jobs = [
        {"rate": 20, "chat_id": 1001 + n, "push": False, "texts": [f"P{n} {m}" for m in range(60)]}
        for n in range(3)
    ]

    outcomes = run_processes(bot_api, postgres_url, jobs)

    assert outcomes == ["sent"] * 180
    arrived = sorted(message.plain_text for message in bot_api.all_messages())
    assert arrived == sorted(text for job in jobs for text in job["texts"])
    assert bot_api.max_in_any_second() <= 20


def test_two_processes_pushing_to_one_group_keep_within_its_minute(
    bot_api: FakeBotApi, pg_db: Database, postgres_url: str
) -> None:
    bot_api.create_group(GROUP)
    cards = [
        {"rate": 30, "chat_id": GROUP, "push": True, "texts": [f"P{n} card {m}" for m in range(15)]}
        for n in range(2)
    ]

    outcomes = run_processes(bot_api, postgres_url, cards)

    assert sorted(outcomes) == ["put off"] * 10 + ["sent"] * 20
    assert len(bot_api.messages(GROUP)) == 20
    assert bot_api.group_limit_refusals == []

    # A minute and a bit later, for the group's log and for the fake Telegram alike.
    age_group_log(pg_db, GROUP_WINDOW.total_seconds() + 1)
    bot_api.advance_clock(GROUP_WINDOW.total_seconds() + 1)
    later = [{"rate": 30, "chat_id": GROUP, "push": True, "texts": ["Later card"]}]
    assert run_processes(bot_api, postgres_url, later) == ["sent"]
    assert bot_api.max_in_any_minute(GROUP) == 20
    assert bot_api.group_limit_refusals == []


async def test_without_the_database_messages_still_go_within_this_processs_limits(
    bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    bot_api.create_group(GROUP)
    # Nothing listens on port 1: every reservation fails at once.
    unreachable = "postgresql+psycopg2://stockbot:hunter2-secret@127.0.0.1:1/stockbot"
    settings = delivery_settings(bot_api, database_url=unreachable, telegram_rate_limit=30)
    database = Database(create_db_engine(unreachable))
    bot = ExtBot(
        bot_api.token,
        base_url=bot_api.base_url,
        rate_limiter=build_rate_limiter(settings, database),
    )
    try:
        async with bot:
            await bot.send_message(ADMIN, "Added 3 Tea.")
            await bot.send_message(ADMIN, "Low stock: Tea", rate_limit_args=PUSH)
            cards = [f"Card {n}" for n in range(GROUP_MESSAGES_PER_MINUTE)]
            for card in cards:
                await bot.send_message(GROUP, card, rate_limit_args=PUSH)
            with pytest.raises(RetryAfter):
                await bot.send_message(GROUP, "One card too many", rate_limit_args=PUSH)
    finally:
        database.dispose()

    assert [m.plain_text for m in bot_api.messages(ADMIN)] == ["Added 3 Tea.", "Low stock: Tea"]
    assert [m.plain_text for m in bot_api.messages(GROUP)] == cards
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "out of reach" in warnings[0].getMessage()
    assert "hunter2" not in caplog.text


async def test_only_messages_take_a_slot_of_the_shared_budget(
    bot_api: FakeBotApi, pg_db: Database
) -> None:
    settings = delivery_settings(bot_api, telegram_rate_limit=30)
    bot = ExtBot(
        bot_api.token, base_url=bot_api.base_url, rate_limiter=build_rate_limiter(settings, pg_db)
    )

    def scopes() -> list[str]:
        with pg_db.engine.connect() as connection:
            return list(connection.execute(text("SELECT scope FROM telegram_budget")).scalars())

    async with bot:
        await bot.get_me()
        await bot.get_updates(timeout=0)
        assert scopes() == []
        await bot.send_message(ADMIN, "Added 3 Tea.")
        assert scopes() == ["all"]
        await bot.send_message(ADMIN, "Low stock: Tea", rate_limit_args=PUSH)
        assert sorted(scopes()) == ["all", f"chat:{ADMIN}"]
