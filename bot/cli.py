"""The `stockbot` command: run | migrate | check."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.logging_setup import configure_logging
from core.check import run_check
from core.db import Database, display_url
from core.migrations import upgrade_to_head
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


COMMANDS = {"migrate": _migrate, "check": _check}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stockbot", description="Low-stock alerts for shops.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="start the Telegram bot (applies migrations first)")
    commands.add_parser("migrate", help="apply pending database migrations")
    commands.add_parser("check", help="run the daily low-stock check once (for cron)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, load settings, and run the chosen command."""
    arguments = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(settings)
    if arguments.command == "run":
        from bot.app import run_bot

        return run_bot(settings)
    return COMMANDS[arguments.command](settings)
