"""Migrations: the real `alembic` command and `upgrade_to_head`, on empty and on used databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from core.alerts import lifecycle
from core.db.migrations import alembic_config, upgrade_to_head
from core.db.models import Base
from core.db.session import CoreConfig, Database, create_db_engine
from core.shops import prefs
from core.stock import changes, queries

REPO = Path(__file__).resolve().parents[2]
ALEMBIC = Path(sys.executable).parent / "alembic"
TABLES = set(Base.metadata.tables)
HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def alembic(url: str, *arguments: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run `alembic -x url=URL ...` from the repository root, as an operator would."""
    # A DATABASE_URL pointing elsewhere proves that `-x url=` is the one obeyed.
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'not-this.db'}"}
    result = subprocess.run(
        [str(ALEMBIC), "-x", f"url={url}", *arguments],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "not-this.db").exists()
    return result


def tables(url: str) -> set[str]:
    """The names of the tables in the database."""
    engine = create_db_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def revision(engine: Engine) -> str | None:
    """The revision the database is at."""
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def test_alembic_upgrades_an_empty_database_to_a_schema_without_drift(
    empty_database_url: str, tmp_path: Path
) -> None:
    alembic(empty_database_url, "upgrade", "head", tmp_path=tmp_path)

    assert tables(empty_database_url) == TABLES | {"alembic_version"}
    checked = alembic(empty_database_url, "check", tmp_path=tmp_path)
    assert "No new upgrade operations detected" in checked.stdout + checked.stderr


def test_downgrading_to_base_leaves_no_tables_and_upgrading_again_works(
    empty_database_url: str, tmp_path: Path
) -> None:
    command.upgrade(alembic_config(empty_database_url), "head")

    alembic(empty_database_url, "downgrade", "base", tmp_path=tmp_path)
    assert tables(empty_database_url) <= {"alembic_version"}

    alembic(empty_database_url, "upgrade", "head", tmp_path=tmp_path)
    assert tables(empty_database_url) == TABLES | {"alembic_version"}


def test_upgrade_to_head_creates_the_schema_and_a_second_run_changes_nothing(
    empty_database_url: str,
) -> None:
    engine = create_db_engine(empty_database_url)
    try:
        upgrade_to_head(engine)
        first = tables(empty_database_url)
        upgrade_to_head(engine)

        assert first == tables(empty_database_url) == TABLES | {"alembic_version"}
        assert revision(engine) == HEAD
    finally:
        engine.dispose()


# Rows written in the first revision's schema, as a database in use would hold them.
FIRST_REVISION_ROWS = [
    "INSERT INTO shops (id, name, default_threshold, created_at)"
    " VALUES (1, 'Corner shop', 5, '2026-03-01 08:00:00')",
    "INSERT INTO members (id, shop_id, telegram_user_id, chat_id, display_name, role, notify,"
    " joined_at) VALUES (1, 1, 1000, 1000, 'Ana', 'admin', true, '2026-03-01 08:00:00')",
    "INSERT INTO items (id, shop_id, name, name_key, quantity, threshold, created_at, updated_at)"
    " VALUES (1, 1, 'Green Tea', 'green tea', 2, NULL, '2026-03-01 08:00:00',"
    " '2026-03-01 08:00:00')",
    "INSERT INTO movements (id, item_id, member_id, reason, delta, quantity_after, created_at)"
    " VALUES (1, 1, 1, 'create', 2, 2, '2026-03-01 08:00:00')",
    "INSERT INTO alerts (id, shop_id, item_id, quantity, threshold, created_at, last_notified_at,"
    " next_reminder_at) VALUES (1, 1, 1, 2, 5, '2026-03-01 08:00:00', '2026-03-01 08:00:00',"
    " '2026-03-02 08:00:00')",
    "INSERT INTO notifications (id, shop_id, member_id, alert_id, channel, recipient, kind,"
    " payload, idempotency_key, status, attempts, next_attempt_at, created_at) VALUES (1, 1, 1,"
    " 1, 'telegram', '1000', 'alert', '{}', 'alert:1:1:telegram', 'sent', 1,"
    " '2026-03-01 08:00:00', '2026-03-01 08:00:00')",
]


@pytest.mark.parametrize("route", ["alembic upgrade head", "upgrade_to_head"])
def test_upgrading_a_database_in_use_keeps_every_row(
    empty_database_url: str, tmp_path: Path, route: str
) -> None:
    command.upgrade(alembic_config(empty_database_url), "+1")
    engine = create_db_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            for statement in FIRST_REVISION_ROWS:
                connection.execute(text(statement))

        if route == "upgrade_to_head":
            upgrade_to_head(engine)
        else:
            alembic(empty_database_url, "upgrade", "head", tmp_path=tmp_path)

        assert revision(engine) == HEAD
        database = Database(engine)
        with database.unit_of_work() as uow:
            stock = queries.item_details(uow, telegram_user_id=1000, name="green tea")
            open_alerts = lifecycle.list_alerts(uow, telegram_user_id=1000)
        assert (stock.item.name, stock.item.quantity, len(stock.movements)) == ("Green Tea", 2, 1)
        assert [alert.item_name for alert in open_alerts] == ["Green Tea"]
        with engine.connect() as connection:
            sent = connection.execute(text("SELECT count(*) FROM notifications")).scalar()
        assert sent == 1
    finally:
        engine.dispose()


def test_members_from_before_team_control_are_numbered_in_each_shop_in_joining_order(
    empty_database_url: str,
) -> None:
    command.upgrade(alembic_config(empty_database_url), "+1")
    engine = create_db_engine(empty_database_url)
    members = [  # id, shop, user, joined (ids out of joining order on purpose)
        (1, 1, 1000, "2026-03-01 08:00:00"),
        (2, 2, 2000, "2026-03-01 09:00:00"),
        (3, 1, 1001, "2026-03-03 08:00:00"),
        (4, 1, 1002, "2026-03-02 08:00:00"),
    ]
    try:
        with engine.begin() as connection:
            for shop in (1, 2):
                connection.execute(
                    text(
                        "INSERT INTO shops (id, name, default_threshold, created_at)"
                        " VALUES (:id, 'Shop', 5, '2026-03-01 08:00:00')"
                    ),
                    {"id": shop},
                )
            for member_id, shop, user, joined in members:
                connection.execute(
                    text(
                        "INSERT INTO members (id, shop_id, telegram_user_id, chat_id,"
                        " display_name, role, notify, joined_at)"
                        " VALUES (:id, :shop, :user, :user, 'M', 'staff', true, :joined)"
                    ),
                    {"id": member_id, "shop": shop, "user": user, "joined": joined},
                )

        upgrade_to_head(engine)

        with engine.connect() as connection:
            numbered = connection.execute(
                text("SELECT id, number, left_at FROM members ORDER BY id")
            ).all()
        assert [tuple(row) for row in numbered] == [
            (1, 1, None),
            (2, 1, None),
            (3, 3, None),
            (4, 2, None),
        ]
    finally:
        engine.dispose()


def test_addresses_set_before_verification_existed_count_as_verified_after_the_upgrade(
    empty_database_url: str,
) -> None:
    command.upgrade(alembic_config(empty_database_url), "7b3e9d2c4f10")
    engine = create_db_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(FIRST_REVISION_ROWS[0]))
            connection.execute(
                text(
                    "INSERT INTO members (id, shop_id, number, telegram_user_id, chat_id,"
                    " display_name, role, email, whatsapp, notify, joined_at) VALUES"
                    " (1, 1, 1, 1000, 1000, 'Ana', 'admin', 'ana@example.com', '+14155552671',"
                    " true, '2026-03-01 08:00:00'),"
                    " (2, 1, 2, 1001, 1001, 'Bo', 'staff', NULL, NULL, true,"
                    " '2026-03-01 08:00:00')"
                )
            )

        upgrade_to_head(engine)

        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT id, email_verified_at IS NOT NULL, whatsapp_verified_at IS NOT NULL"
                    " FROM members ORDER BY id"
                )
            ).all()
        assert [tuple(row) for row in rows] == [(1, True, True), (2, False, False)]
        database = Database(engine, CoreConfig(channels=frozenset({"telegram", "email"})))
        with database.unit_of_work() as uow:
            found = prefs.get_prefs(uow, telegram_user_id=1000)
            changes.create_item(uow, telegram_user_id=1000, name="Tea", quantity=1)
        assert (found.email_verified, found.whatsapp_verified) == (True, True)
        with engine.connect() as connection:
            queued = connection.execute(
                text("SELECT channel, recipient FROM notifications ORDER BY channel")
            ).all()
        assert [tuple(row) for row in queued] == [
            ("email", "ana@example.com"),
            ("telegram", "1000"),
            ("telegram", "1001"),
        ]
    finally:
        engine.dispose()
