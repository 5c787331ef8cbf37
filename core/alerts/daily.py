"""When each shop's daily check is due: at ALERT_CHECK_TIME in the shop's own zone, once per
local day, also after a restart that missed the time, and in every process at once."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from core.alerts.check import DueRound, run_check
from core.db.models import Shop
from core.db.session import UnitOfWork
from core.results import CheckReport
from core.shops.zones import next_local_time

log = logging.getLogger("stockbot.check")


def zones_in_use(uow: UnitOfWork) -> list[str]:
    """The zones of all shops (ALERT_TIMEZONE for those without their own), sorted."""
    default = uow.config.default_zone.key
    used = uow.run(select(func.coalesce(Shop.timezone, default)).distinct()).scalars()
    return sorted({default, *used})


def run_due_checks(uow: UnitOfWork) -> CheckReport:
    """The daily check of every shop whose local check time has come today and whose check
    of today has not run yet (here or in another process)."""
    total = CheckReport(0, 0, 0, 0, 0)
    now = uow.now()
    for zone in zones_in_use(uow):
        local = now.astimezone(ZoneInfo(zone))
        if local.time() < uow.config.check_time:
            continue
        report = run_check(uow, DueRound(zone=zone, day=local.date()))
        if report != CheckReport(0, 0, 0, 0, 0):
            log.info(
                "Daily check of %s, %s: %s items low, %s alerts opened, %s reminded in %s "
                "messages, %s resolved",
                zone,
                local.date().isoformat(),
                report.items_low,
                report.alerts_opened,
                report.alerts_reminded,
                report.reminder_messages,
                report.alerts_resolved,
            )
        total = total + report
    return total


def time_to_next_check(uow: UnitOfWork) -> timedelta:
    """How long until some shop's daily check is due: a span rather than a moment, so that a
    scheduler whose clock differs from the core's still waits the right time."""
    now = uow.now()
    at = uow.config.check_time
    return min(next_local_time(at, ZoneInfo(zone), now) for zone in zones_in_use(uow)) - now
