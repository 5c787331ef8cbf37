"""The daily check runs on the bot's job queue at ALERT_CHECK_TIME in ALERT_TIMEZONE."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent

from bot.app import build_application
from bot.jobs import DAILY_CHECK
from core.db.session import Database
from core.shops import onboarding
from core.stock import changes
from tests.bot.harness import ADMIN, bot_settings, serving
from tests.conftest import Clock
from tests.fakes.telegram_api import FakeBotApi

ZONE = ZoneInfo("Asia/Kathmandu")  # UTC+05:45: a zone no one gets right by accident


def low_item_told_a_day_ago(db: Database, clock: Clock) -> None:
    """Ann's shop with Green tea low; its alert was last told 25 hours ago."""
    with db.unit_of_work() as uow:
        onboarding.start(uow, telegram_user_id=ADMIN, chat_id=ADMIN, display_name="Ann")
    with db.unit_of_work() as uow:
        changes.create_item(uow, telegram_user_id=ADMIN, name="Green tea", quantity=2)
    clock.advance(hours=25)


async def test_the_daily_check_fires_at_its_configured_time_and_zone(
    bot_api: FakeBotApi, postgres_url: str, pg_db: Database, clock: Clock
) -> None:
    low_item_told_a_day_ago(pg_db, clock)
    # A few seconds ahead (room for the start below), on the wall clock the job queue runs on.
    due = (datetime.now(ZONE) + timedelta(seconds=3)).replace(microsecond=0)
    settings = bot_settings(
        bot_api, postgres_url, alert_check_time=f"{due:%H:%M:%S}", alert_timezone=ZONE.key
    )
    application = build_application(settings, pg_db)
    assert application.job_queue is not None
    loop = asyncio.get_running_loop()
    ran: asyncio.Future[JobExecutionEvent] = loop.create_future()

    def on_job(event: JobExecutionEvent) -> None:
        loop.call_soon_threadsafe(lambda: ran.done() or ran.set_result(event))

    async with serving(application, poll_timeout=5):
        [job] = application.job_queue.get_jobs_by_name(DAILY_CHECK)
        assert job.next_t == due
        application.job_queue.scheduler.add_listener(on_job, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

        event = await asyncio.wait_for(ran, timeout=15)
        digest = await bot_api.await_message(ADMIN, contains="Still low: 1 item")

        assert event.exception is None
        assert "Green tea: 2 left, below the threshold of 5" in (digest.plain_text or "")
        assert job.next_t == due + timedelta(days=1)
    with pg_db.engine.connect() as connection:
        told = connection.exec_driver_sql("SELECT last_notified_at FROM alerts").scalar_one()
        kinds = connection.exec_driver_sql("SELECT kind FROM notifications ORDER BY id").all()
    assert told == clock.now
    assert [kind for (kind,) in kinds] == ["alert", "reminder_digest"]
