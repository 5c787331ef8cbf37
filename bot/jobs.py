"""The daily check, scheduled on the bot's job queue at ALERT_CHECK_TIME in ALERT_TIMEZONE."""

from __future__ import annotations

import logging
from datetime import time
from typing import Any

from telegram.ext import Job

from bot.context import App, Context
from bot.runner import call_core
from core.alerts.check import run_check
from core.settings import Settings

log = logging.getLogger("stockbot.bot")

DAILY_CHECK = "daily-check"


def check_time(settings: Settings) -> time:
    """The time of day of the check, aware of its zone (daylight saving time included)."""
    return settings.alert_check_time.replace(tzinfo=settings.alert_timezone)


async def daily_check(context: Context) -> None:
    """Run the check for every shop in a worker thread; the relay is nudged afterwards."""
    report = await call_core(context, run_check)
    log.info(
        "Daily check: %s items low, %s alerts opened, %s reminded in %s messages, %s resolved",
        report.items_low,
        report.alerts_opened,
        report.alerts_reminded,
        report.reminder_messages,
        report.alerts_resolved,
    )


def schedule_daily_check(application: App) -> Job[Any]:
    """Put the daily check on the application's job queue."""
    settings = application.bot_data.settings
    assert application.job_queue is not None, "python-telegram-bot[job-queue] is required"
    return application.job_queue.run_daily(daily_check, time=check_time(settings), name=DAILY_CHECK)
