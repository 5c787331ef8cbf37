"""The housekeeping job: idempotency keys older than a week and handled updates older than
two days are forgotten; younger ones stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from telegram.ext import CallbackContext

from bot.jobs import HOUSEKEEPING, forget_old_records
from tests.bot.harness import Shopfront
from tests.conftest import Clock


async def test_the_job_forgets_only_what_is_old_enough(shopfront: Shopfront, clock: Clock) -> None:
    now = clock.now
    with shopfront.db.engine.begin() as connection:
        for update_id, age in ((1, timedelta(days=3)), (2, timedelta(hours=1))):
            connection.execute(
                text(
                    "INSERT INTO telegram_updates (update_id, received_at, handled_at)"
                    " VALUES (:i, :at, :at)"
                ),
                {"i": update_id, "at": now - age},
            )
    queue = shopfront.app.job_queue
    assert queue is not None
    [job] = queue.get_jobs_by_name(HOUSEKEEPING)
    assert job.callback is forget_old_records

    await forget_old_records(CallbackContext(shopfront.app))

    assert shopfront.sql("SELECT update_id FROM telegram_updates") == [(2,)]


async def test_import_previews_are_forgotten_after_a_day(
    shopfront: Shopfront, clock: Clock
) -> None:
    await shopfront.open_shop()
    marker = shopfront.api.mark()
    shopfront.api.send_document(1000, b"Name,Quantity\nTea,4\n", file_name="tea.csv")
    await shopfront.api.await_message(1000, after=marker)
    clock.advance(hours=23)
    await forget_old_records(CallbackContext(shopfront.app))
    assert len(shopfront.sql("SELECT id FROM import_previews")) == 1
    clock.advance(hours=1)
    await forget_old_records(CallbackContext(shopfront.app))
    assert shopfront.sql("SELECT id FROM import_previews") == []
