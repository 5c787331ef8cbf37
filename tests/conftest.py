"""Shared fixtures: real PostgreSQL and SQLite databases, migrated, and a controllable clock."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from core.db.migrations import upgrade_to_head
from core.db.models import Base
from core.db.session import CoreConfig, Database, create_db_engine

pytest_plugins = ["tests.fakes.fixtures"]

POSTGRES_ADMIN_URL = os.environ.get(
    "STOCKBOT_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the PostgreSQL server, so `-m "not postgres"` runs the rest."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "postgres_url" in fixtures or "postgresql" in params.values():
            item.add_marker(pytest.mark.postgres)


class Clock:
    """A clock that tests move by hand, so time-based rules are exact."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move time forward."""
        self.now += timedelta(**delta)
        return self.now


@contextmanager
def migrated_postgres_database(prefix: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database named `prefix` and a random tail; its URL, and
    the database dropped afterwards."""
    admin = create_db_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - a broken environment, not a test result
        pytest.fail(f"PostgreSQL is needed at {POSTGRES_ADMIN_URL}: {exc}", pytrace=False)
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped afterwards."""
    with migrated_postgres_database("stockbot_test") as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    engine.dispose()
    return path


def _truncate(engine: Engine) -> None:
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def config() -> CoreConfig:
    return CoreConfig(
        default_threshold=5,
        repeat_interval=timedelta(hours=24),
        channels=frozenset({"telegram", "email", "whatsapp"}),
    )


@pytest.fixture
def pg_db(postgres_url: str, config: CoreConfig, clock: Clock) -> Iterator[Database]:
    """The session's PostgreSQL database, emptied after each test."""
    database = Database(create_db_engine(postgres_url, pool_size=25), config, clock)
    yield database
    _truncate(database.engine)
    database.dispose()


@pytest.fixture
def sqlite_db(
    sqlite_template: Path, tmp_path: Path, config: CoreConfig, clock: Clock
) -> Iterator[Database]:
    """A private migrated SQLite database."""
    path = tmp_path / "stockbot.db"
    shutil.copy(sqlite_template, path)
    database = Database(create_db_engine(f"sqlite:///{path}"), config, clock)
    yield database
    database.dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def db(request: pytest.FixtureRequest) -> Database:
    """Each test using it runs once on PostgreSQL and once on SQLite."""
    fixture = "pg_db" if request.param == "postgresql" else "sqlite_db"
    return request.getfixturevalue(fixture)
