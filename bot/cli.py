"""The `stockbot` command: run | migrate | check | deliveries."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bot.logging_setup import configure_logging, safe_summary
from core.alerts.check import run_check
from core.db.migrations import upgrade_to_head
from core.db.session import Database, DatabaseError, display_url
from core.delivery.dead_letters import (
    delivery_counts,
    describe_dead,
    held_by_limit,
    list_dead,
    requeue_dead,
    waiting_for_channels,
)
from core.settings import Settings, SettingsError, load_settings

log = logging.getLogger("stockbot")


def _migrate(settings: Settings) -> int:
    database = Database.from_settings(settings)
    try:
        upgrade_to_head(database.engine)
    finally:
        database.dispose()
    print(f"Database is up to date: {display_url(settings.database_url)}")
    return 0


def _check(settings: Settings) -> int:
    database = Database.from_settings(settings)
    try:
        upgrade_to_head(database.engine)
        with database.unit_of_work() as uow:
            report = run_check(uow)
    finally:
        database.dispose()
    print(
        f"Daily check done: {report.items_low} items low, {report.alerts_opened} alerts opened, "
        f"{report.alerts_reminded} reminders queued in {report.reminder_messages} messages, "
        f"{report.alerts_resolved} alerts resolved."
    )
    return 0


def _deliveries(settings: Settings, arguments: argparse.Namespace) -> int:
    database = Database.from_settings(settings)
    try:
        with database.unit_of_work() as uow:
            if arguments.retry:
                requeued = requeue_dead(uow, ids=arguments.retry)
                print(f"{requeued} dead notifications queued again; the running bot sends them.")
                return 0 if requeued == len(set(arguments.retry)) else 1
            counts = delivery_counts(uow)
            waiting = waiting_for_channels(uow, channels_on=settings.delivery_channels)
            held = held_by_limit(uow)
            dead = list_dead(uow, limit=arguments.limit)
    finally:
        database.dispose()
    print(f"Notifications: {counts.pending} pending, {counts.sent} sent, {counts.dead} dead.")
    for channel, number in waiting.items():
        print(f"  {number} waiting for channel {channel} (off): sent once it is configured again")
    if held.digests:
        digests = "one digest" if held.digests == 1 else f"{held.digests} digests"
        print(
            f"  {held.notifications} held by the hourly limit (NOTIFY_MAX_PER_HOUR) or quiet "
            f"hours: they go out as {digests} when allowed"
        )
    if dead:
        print(f"Dead notifications, newest first ({len(dead)} of {counts.dead}):")
        for notification in dead:
            print(describe_dead(notification, show_recipient=arguments.show_recipients))
        print("Send them again with: stockbot deliveries --retry ID [ID ...]")
    return 0


COMMANDS = {"migrate": _migrate, "check": _check}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stockbot", description="Low-stock alerts for shops.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("run", help="start the Telegram bot (applies migrations first)")
    run.add_argument(
        "--api-only",
        action="store_true",
        help="serve the HTTP API, deliver notifications and run the jobs, but take no "
        "Telegram updates (beside a process that does); needs HTTP_PORT",
    )
    commands.add_parser("migrate", help="apply pending database migrations")
    commands.add_parser("check", help="run the daily low-stock check once (for cron)")
    deliveries = commands.add_parser(
        "deliveries", help="notification counts, and dead notifications with their reason"
    )
    deliveries.add_argument("--limit", type=int, default=20, help="dead ones to list (20)")
    deliveries.add_argument(
        "--show-recipients", action="store_true", help="show addresses and numbers unmasked"
    )
    deliveries.add_argument(
        "--retry", type=int, nargs="+", metavar="ID", help="queue these dead ones again"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, load settings, and run the chosen command."""
    arguments = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    # PTB 22's RetryAfter warns on every use unless opted in to its timedelta form, which the
    # delivery code already reads.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    configure_logging(settings)
    if arguments.command == "run":
        # Only `run` loads the Telegram stack: the other commands start without it.
        from bot.startup import run_bot

        return run_bot(settings, api_only=arguments.api_only)
    try:
        if arguments.command == "deliveries":
            return _deliveries(settings, arguments)
        return COMMANDS[arguments.command](settings)
    except DatabaseError as error:
        summary = safe_summary(settings, error)
        print(f"DATABASE_URL: the database failed: {summary}", file=sys.stderr)
        return 1
