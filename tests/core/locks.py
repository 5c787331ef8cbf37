"""Watching PostgreSQL's lock waits, for tests that hold a row lock to order real threads."""

from __future__ import annotations

import time

from sqlalchemy import text

from core.db.session import Database


def waiting_for_locks(db: Database) -> int:
    """How many of this database's sessions wait for a lock now."""
    with db.engine.connect() as connection:
        query = (
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(connection.execute(text(query)).scalar_one())


def until_waiting(db: Database, sessions: int, timeout: float = 10.0) -> None:
    """Return once that many sessions wait for a lock: the threads got as far as they can.
    A bounded poll: PostgreSQL has no event to await for this."""
    deadline = time.monotonic() + timeout
    while waiting_for_locks(db) < sessions:
        assert time.monotonic() < deadline, f"fewer than {sessions} sessions ever waited"
        time.sleep(0.02)
