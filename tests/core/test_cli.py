"""The `stockbot migrate` and `stockbot check` commands, run as an operator or cron would."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from core.db.migrations import upgrade_to_head
from core.db.models import Base, Notification
from core.db.session import Database, create_db_engine, utcnow
from core.settings import Settings
from core.shops import onboarding
from core.stock import changes

TABLES = set(Base.metadata.tables) | {"alembic_version"}


def stockbot(*arguments: str, cwd: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ...` in `cwd` with only these Stockbot variables set."""
    settings = {name.upper() for name in Settings.model_fields}
    environment = {k: v for k, v in os.environ.items() if k.upper() not in settings}
    return subprocess.run(
        [sys.executable, "-m", "bot", *arguments],
        cwd=cwd,
        env={**environment, **variables},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def tables(url: str) -> set[str]:
    """The names of the tables in the database."""
    engine = create_db_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def with_password(url: str) -> str:
    """The URL with a password (the test server trusts local connections and ignores it)."""
    if url.startswith("sqlite"):
        return url
    return make_url(url).set(password="pw-never-shown").render_as_string(hide_password=False)


def test_migrate_creates_the_schema_and_running_it_again_is_harmless(
    empty_database_url: str, tmp_path: Path
) -> None:
    url = with_password(empty_database_url)

    first = stockbot("migrate", cwd=tmp_path, DATABASE_URL=url)
    second = stockbot("migrate", cwd=tmp_path, DATABASE_URL=url)

    for run in (first, second):
        assert run.returncode == 0, run.stderr
        assert "Database is up to date" in run.stdout
        assert "pw-never-shown" not in run.stdout + run.stderr
    assert "Running upgrade" in first.stderr
    assert "Running upgrade" not in second.stderr
    assert tables(empty_database_url) == TABLES


def test_check_queues_reminders_prints_its_report_and_exits_zero(
    empty_database_url: str, tmp_path: Path
) -> None:
    # An alert raised two days ago is due a reminder when cron runs the check today.
    engine = create_db_engine(empty_database_url)
    upgrade_to_head(engine)
    database = Database(engine, clock=lambda: utcnow() - timedelta(days=2))
    with database.unit_of_work() as uow:
        onboarding.start(uow, telegram_user_id=1, chat_id=1, display_name="Ana")
    for name, quantity in (("Green Tea", 2), ("Coffee", 40)):
        with database.unit_of_work() as uow:
            changes.create_item(uow, telegram_user_id=1, name=name, quantity=quantity)

    run = stockbot("check", cwd=tmp_path, DATABASE_URL=with_password(empty_database_url))

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == (
        "Daily check done: 1 items low, 0 alerts opened, 1 reminders queued in 1 messages, "
        "0 alerts resolved."
    )
    with database.unit_of_work() as uow:
        kinds = uow.session.scalars(select(Notification.kind).order_by(Notification.id)).all()
    database.dispose()
    assert kinds == ["alert", "reminder_digest"]


@pytest.mark.parametrize(
    ("command", "setting", "value"),
    [
        ("migrate", "ALERT_TIMEZONE", "Mars/Olympus"),
        ("check", "ALERT_REPEAT_INTERVAL", "daily"),
        ("migrate", "DATABASE_URL", "mysql://shop:pw-never-shown@db/stock"),
        ("check", "SMTP_FROM", "alerts@"),
        ("deliveries", "SMTP_FROM", "Shop Alerts <@shop.com>"),
        ("run", "NOTIFY_MAX_PER_HOUR", "0"),
    ],
)
def test_an_invalid_setting_stops_the_command_with_its_name_and_no_traceback(
    tmp_path: Path, command: str, setting: str, value: str
) -> None:
    database = tmp_path / "stockbot.db"
    variables = {"DATABASE_URL": f"sqlite:///{database}", setting: value}

    run = stockbot(command, cwd=tmp_path, **variables)

    assert run.returncode != 0
    assert f"{setting}: " in run.stderr
    assert "Traceback" not in run.stderr
    assert "pw-never-shown" not in run.stdout + run.stderr
    assert not database.exists()


def test_the_commands_read_settings_from_a_dotenv_file_in_the_working_directory(
    tmp_path: Path,
) -> None:
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///from-dotenv.db\n", encoding="utf-8")

    run = stockbot("migrate", cwd=tmp_path)

    assert run.returncode == 0, run.stderr
    assert tables(f"sqlite:///{tmp_path / 'from-dotenv.db'}") == TABLES


@pytest.mark.parametrize("command", ["migrate", "check", "deliveries"])
def test_an_unreachable_database_is_named_without_a_traceback_or_its_password(
    tmp_path: Path, command: str
) -> None:
    # Nothing listens on port 1, so the connection is refused at once.
    url = "postgresql+psycopg2://shop:pw-never-shown@127.0.0.1:1/stock"

    run = stockbot(command, cwd=tmp_path, DATABASE_URL=url)

    assert run.returncode == 1
    assert run.stderr.startswith("DATABASE_URL: the database failed:")
    assert "Connection refused" in run.stderr
    assert "Traceback" not in run.stderr
    assert "pw-never-shown" not in run.stdout + run.stderr
