"""Scratch PostgreSQL databases for one benchmark run, and the environment pgbench needs."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from bench.report import progress
from core.db.migrations import upgrade_to_head
from core.db.session import create_db_engine, display_url

ADMIN_URL_VARIABLE = "STOCKBOT_TEST_POSTGRES_URL"
DEFAULT_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    """The server to benchmark against: the same one the tests use."""
    return os.environ.get(ADMIN_URL_VARIABLE, DEFAULT_ADMIN_URL)


@contextmanager
def scratch_database(label: str) -> Iterator[str]:
    """A new, migrated database with a unique name; dropped afterwards, even on failure."""
    server = admin_url()
    admin = create_db_engine(server, isolation_level="AUTOCOMMIT")
    name = f"stockbot_bench_{label}_{uuid.uuid4().hex[:10]}"
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        progress(f"created database {display_url(url)}")
        engine = create_db_engine(url)
        try:
            upgrade_to_head(engine)
        finally:
            engine.dispose()
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        progress(f"dropped database {name}")


def libpq_environment(url: str) -> dict[str, str]:
    """Environment variables that point libpq tools (pgbench, psql) at the database."""
    parsed: URL = make_url(url)
    environment = dict(os.environ)
    settings = {
        "PGHOST": parsed.host,
        "PGPORT": None if parsed.port is None else str(parsed.port),
        "PGUSER": parsed.username,
        "PGDATABASE": parsed.database,
        # A password in the URL wins; otherwise an inherited PGPASSWORD still applies.
        "PGPASSWORD": parsed.password,
    }
    environment.update({key: value for key, value in settings.items() if value})
    return environment
