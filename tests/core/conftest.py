"""Builders for core tests: a shop with an admin and staff, and outbox look-ups."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from core.db.models import Alert, Base, Member, Notification
from core.db.session import Database, create_db_engine
from core.results import StockChange
from core.shops import onboarding, prefs, verification
from core.stock import changes
from tests.conftest import POSTGRES_ADMIN_URL


@dataclass
class ShopFixture:
    """A shop whose admin and staff are reached by their Telegram user ids."""

    db: Database
    admin: int
    staff: list[int]

    def run(self, service: Any, **kwargs: Any) -> Any:
        """Call a service in its own unit of work, as the bot does."""
        with self.db.unit_of_work() as uow:
            return service(uow, **kwargs)

    def add_item(self, name: str, quantity: int, threshold: int | None = None) -> StockChange:
        """Create an item as the admin."""
        return self.run(
            changes.create_item,
            telegram_user_id=self.admin,
            name=name,
            quantity=quantity,
            threshold=threshold,
        )

    def verified_email(self, user: int, address: str) -> None:
        """Set the member's email and verify it with the code the outbox was given for it."""
        self.run(prefs.set_email, telegram_user_id=user, email=address)
        self.run(verification.verify, telegram_user_id=user, code=self.code_sent(user))

    def verified_whatsapp(self, user: int, number: str) -> None:
        """Set the member's WhatsApp number and verify it with the code queued for it."""
        self.run(prefs.set_whatsapp, telegram_user_id=user, number=number)
        self.run(verification.verify, telegram_user_id=user, code=self.code_sent(user))

    def code_sent(self, user: int) -> str:
        """The code of the member's latest queued verification message, as it would arrive."""
        with self.db.unit_of_work() as uow:
            member_id = uow.session.scalar(select(Member.id).where(Member.telegram_user_id == user))
            payload = uow.session.scalar(
                select(Notification.payload)
                .where(Notification.member_id == member_id, Notification.kind == "verification")
                .order_by(Notification.id.desc())
                .limit(1)
            )
        assert payload is not None, f"no code was queued for {user}"
        return str(payload["code"])

    def notifications(self, **filters: Any) -> list[Notification]:
        """Outbox rows, oldest first, optionally filtered by column values."""
        with self.db.unit_of_work() as uow:
            query = select(Notification).filter_by(**filters).order_by(Notification.id)
            rows = list(uow.session.scalars(query))
            uow.session.expunge_all()  # keep the loaded values readable after the rollback
            return rows

    def alerts(self, **filters: Any) -> list[Alert]:
        """Alert rows, oldest first, optionally filtered by column values."""
        with self.db.unit_of_work() as uow:
            rows = list(uow.session.scalars(select(Alert).filter_by(**filters).order_by(Alert.id)))
            uow.session.expunge_all()  # keep the loaded values readable after the rollback
            return rows


def build_shop(db: Database, *, admin: int, staff: int = 0) -> ShopFixture:
    """A new shop: the admin started it, `staff` people joined with invites."""
    shop = ShopFixture(db=db, admin=admin, staff=[])
    shop.run(onboarding.start, telegram_user_id=admin, chat_id=admin, display_name=f"Admin {admin}")
    for number in range(1, staff + 1):
        invite = shop.run(onboarding.create_invite, telegram_user_id=admin)
        user = admin + number
        shop.run(
            onboarding.join,
            telegram_user_id=user,
            chat_id=user,
            display_name=f"Staff {user}",
            code=invite.code,
        )
        shop.staff.append(user)
    return shop


@pytest.fixture
def shop(db: Database) -> ShopFixture:
    """A shop on PostgreSQL and on SQLite: admin 1000, staff 1001 and 1002."""
    return build_shop(db, admin=1000, staff=2)


@pytest.fixture
def pg_shop(pg_db: Database) -> ShopFixture:
    """The same shop, on PostgreSQL only (for real concurrency)."""
    return build_shop(pg_db, admin=1000, staff=2)


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that a refused command changed nothing."""
    with db.engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


@pytest.fixture(params=["postgresql", "sqlite"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with no tables: a new PostgreSQL database or SQLite file."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin = create_db_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"stockbot_empty_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
