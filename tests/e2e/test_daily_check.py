"""The daily check runs on the bot's job queue at ALERT_CHECK_TIME in each shop's zone, in
real time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bot.app import build_application
from bot.jobs import DAILY_CHECK
from core.db.session import CoreConfig, Database
from core.shops import onboarding, zones
from core.stock import changes
from tests.bot.harness import ADMIN, bot_settings, serving
from tests.fakes.telegram_api import FakeBotApi

ZONE = ZoneInfo("Asia/Kathmandu")  # UTC+05:45: a zone no one gets right by accident


def low_item_told_a_day_ago(db: Database) -> None:
    """Ann's shop, in Kathmandu, with Green tea low; its alert was last told 25 hours ago."""
    with db.unit_of_work() as uow:
        onboarding.start(uow, telegram_user_id=ADMIN, chat_id=ADMIN, display_name="Ann")
    with db.unit_of_work() as uow:
        zones.set_timezone(uow, telegram_user_id=ADMIN, zone=ZONE.key)
    with db.unit_of_work() as uow:
        changes.create_item(uow, telegram_user_id=ADMIN, name="Green tea", quantity=2)
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE alerts SET last_notified_at = :then"),
            {"then": datetime.now(UTC) - timedelta(hours=25)},
        )


async def test_the_daily_check_fires_at_the_check_time_of_the_shops_own_zone(
    bot_api: FakeBotApi, postgres_url: str, pg_db: Database
) -> None:
    # A few seconds ahead (room for the start below) on the wall clock of the shop's zone;
    # ALERT_TIMEZONE stays UTC, where that time is hours away.
    due = (datetime.now(ZONE) + timedelta(seconds=3)).replace(microsecond=0)
    settings = bot_settings(bot_api, postgres_url, alert_check_time=f"{due:%H:%M:%S}")
    database = Database(pg_db.engine, CoreConfig.from_settings(settings))  # real time
    low_item_told_a_day_ago(database)
    application = build_application(settings, database)
    assert application.job_queue is not None

    async with serving(application, poll_timeout=5):
        digest = await bot_api.await_message(ADMIN, contains="Still low: 1 item", timeout=15)
        [job] = application.job_queue.get_jobs_by_name(DAILY_CHECK)

    assert "Green tea: 2 left, below the threshold of 5" in (digest.plain_text or "")
    with pg_db.engine.connect() as connection:
        queued = connection.execute(
            text("SELECT created_at FROM notifications WHERE kind = 'reminder_digest'")
        ).scalar_one()
        checked_on = connection.execute(text("SELECT last_checked_on FROM shops")).scalar_one()
    assert queued >= due
    assert checked_on == due.date()
    # Next: this check time in UTC today (ALERT_TIMEZONE, for new shops), or in Kathmandu
    # tomorrow, whichever comes first (give or take the moment it took to set the job).
    in_utc = datetime.combine(datetime.now(UTC).date(), due.time(), tzinfo=UTC)
    if in_utc <= datetime.now(UTC):
        in_utc += timedelta(days=1)
    expected = min(in_utc, due + timedelta(days=1))
    assert job.next_t is not None
    assert timedelta(0) <= job.next_t - expected < timedelta(seconds=1)
