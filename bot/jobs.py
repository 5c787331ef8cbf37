"""The bot's jobs. The daily check: one job, due at the next moment some shop's check is
(ALERT_CHECK_TIME in that shop's zone), that runs the due checks and sets itself again; at
start it runs at once, so a check missed while the bot was down runs then. Escalations: a
look for unhandled alerts every minute."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram.ext import Job, JobQueue

from bot.context import App, Context
from bot.runner import call_core
from core.alerts.daily import run_due_checks, time_to_next_check
from core.alerts.escalation import run_escalations
from core.shops.api_keys import forget_old_requests
from core.shops.conversations import forget_old_conversations
from core.shops.updates import forget_old_updates

log = logging.getLogger("stockbot.bot")

DAILY_CHECK = "daily-check"
# When the database cannot be reached, the job tries again after this long.
RETRY_AFTER = timedelta(minutes=1)
ESCALATIONS = "escalations"
# How often unhandled alerts are looked for: an escalation comes at most this late.
ESCALATION_EVERY = timedelta(minutes=1)
HOUSEKEEPING_EVERY = timedelta(hours=6)
HOUSEKEEPING = "housekeeping"


async def daily_check(context: Context) -> None:
    """Run the checks that are due (in a worker thread), then wait for the next one."""
    next_in = RETRY_AFTER
    try:
        report = await call_core(context, run_due_checks)
        if report.alerts_reminded or report.alerts_opened or report.alerts_resolved:
            log.info(
                "Daily check: %s items low, %s alerts opened, %s reminded in %s messages, "
                "%s resolved",
                report.items_low,
                report.alerts_opened,
                report.alerts_reminded,
                report.reminder_messages,
                report.alerts_resolved,
            )
        next_in = await call_core(context, time_to_next_check)
    finally:
        # Also after a failure (the error handler logs it): the job must never stop coming,
        # and it stays one job (a /timezone meanwhile may have set another).
        assert context.job_queue is not None
        for other in context.job_queue.get_jobs_by_name(DAILY_CHECK):
            if other is not context.job:
                other.schedule_removal()
        context.job_queue.run_once(daily_check, when=next_in, name=DAILY_CHECK)


def _queue(application: App) -> JobQueue[Any]:
    assert application.job_queue is not None, "python-telegram-bot[job-queue] is required"
    return application.job_queue


def schedule_daily_check(application: App) -> Job[Any]:
    """Put the daily check on the job queue, to run at once (it then sets its next time)."""
    return _queue(application).run_once(daily_check, when=0, name=DAILY_CHECK)


def reschedule_daily_check(application: App) -> Job[Any]:
    """Look again at once for the next check (a shop's zone changed)."""
    for job in _queue(application).get_jobs_by_name(DAILY_CHECK):
        job.schedule_removal()
    return schedule_daily_check(application)


async def escalate(context: Context) -> None:
    """Send the alerts nobody handled in time to their shops' admins (SPEC 2.11)."""
    escalated = await call_core(context, run_escalations)
    if escalated:
        log.info("Escalated %d unhandled alerts to their shops' admins", escalated)


def schedule_escalations(application: App) -> Job[Any]:
    """Look for unhandled alerts every ESCALATION_EVERY."""
    return _queue(application).run_repeating(
        escalate, interval=ESCALATION_EVERY, first=ESCALATION_EVERY, name=ESCALATIONS
    )


async def forget_old_records(context: Context) -> None:
    """Drop what is kept only for a while: idempotency keys of the HTTP API (a week), the
    ids of Telegram updates taken by webhook (two days), stale questions and searches."""
    requests = await call_core(context, forget_old_requests)
    updates = await call_core(context, forget_old_updates)
    conversations = await call_core(context, forget_old_conversations)
    if requests or updates or conversations:
        log.info(
            "Forgot %d idempotency keys, %d update ids and %d stale questions or searches",
            requests,
            updates,
            conversations,
        )


def schedule_housekeeping(application: App) -> Job[Any]:
    """Forget old records every HOUSEKEEPING_EVERY, the first time soon after the start."""
    return _queue(application).run_repeating(
        forget_old_records,
        interval=HOUSEKEEPING_EVERY,
        first=timedelta(minutes=5),
        name=HOUSEKEEPING,
    )
