"""Apply the schema migrations that ship with the package."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

import migrations
from core.db.session import UnitOfWork


def alembic_config(database_url: str) -> Config:
    """An Alembic config that finds the bundled migrations wherever the package is installed."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def _set_sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    # Straight on the driver: SQLAlchemy would BEGIN first, and the pragma is a no-op inside
    # a transaction.
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection fit for migrations: on SQLite, foreign keys are off while it is used.

    SQLite alters a table by copying it and dropping the old one; with foreign keys on, the
    drop would cascade and delete every row that refers to that table."""
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            _set_sqlite_foreign_keys(connection, on=False)
        try:
            yield connection
        finally:
            if sqlite:
                connection.rollback()
                _set_sqlite_foreign_keys(connection, on=True)


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database's schema up to date; a no-op when it already is."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with migration_connection(engine) as connection, connection.begin():
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_is_current(uow: UnitOfWork) -> bool:
    """Whether the database's schema is at the newest bundled migration (/readyz)."""
    script = ScriptDirectory.from_config(alembic_config(""))
    context = MigrationContext.configure(uow.session.connection())
    return set(context.get_current_heads()) == set(script.get_heads())
