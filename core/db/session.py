"""Engine, sessions and the unit of work that every service runs in."""

from __future__ import annotations

import select
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, CursorResult, Engine, Executable, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings

Clock = Callable[[], datetime]
# What a failing database raises: front ends catch this, never SQLAlchemy's own names.
DatabaseError = SQLAlchemyError
_NO_FLUSH_WAIT = text("SET LOCAL synchronous_commit TO OFF")


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class CoreConfig:
    """The settings that shape the core's behaviour, separated from secrets and transports."""

    default_threshold: int = 5
    repeat_interval: timedelta = timedelta(hours=24)
    channels: frozenset[str] = field(default_factory=lambda: frozenset({"telegram"}))
    # The daily check's local time, and the zone of shops that have not chosen one.
    check_time: time = time(9, 0)
    default_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))

    def zone(self, timezone: str | None) -> ZoneInfo:
        """A shop's zone from its `timezone` column: its own, or ALERT_TIMEZONE."""
        return ZoneInfo(timezone) if timezone else self.default_zone

    @classmethod
    def from_settings(cls, settings: Settings) -> CoreConfig:
        """The core's part of the settings."""
        return cls(
            default_threshold=settings.default_alert_threshold,
            repeat_interval=settings.alert_repeat_interval,
            channels=settings.enabled_channels,
            check_time=settings.alert_check_time,
            default_zone=settings.alert_timezone,
        )


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for PostgreSQL or SQLite with the behaviour the core relies on."""
    engine = create_engine(url, **kwargs)
    if make_url(url).get_backend_name() == "sqlite":
        _serialize_sqlite_writers(engine)
    else:
        _skip_closed_connections(engine)
    return engine


def _skip_closed_connections(engine: Engine) -> None:
    # A pooled connection that PostgreSQL closed while it sat idle (a restart, an idle timeout,
    # pg_terminate_backend) has something to read: the server's goodbye, then the end of the
    # stream. A healthy idle one has nothing. Asking the socket costs no round trip, where
    # pool_pre_ping's SELECT 1 cost one per unit of work; the pool replaces what we refuse.
    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN)
        if poller.poll(0):
            raise DisconnectionError("the server closed this pooled connection")


def _serialize_sqlite_writers(engine: Engine) -> None:
    # SQLite has one writer. Taking the write lock at BEGIN (IMMEDIATE) makes concurrent
    # transactions queue up instead of failing when a reader later tries to write.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class UnitOfWork:
    """One transaction: the service commits explicitly, anything else rolls back.

    Statements run one of two ways, by one rule:
    - `run(statement)` for statements over columns and tables, which neither load nor change
      mapped objects: every feature module's statements. Below the ORM's execution layer,
      which costs more Python time than a small statement's round trip.
    - `session` where mapped objects are loaded, added or changed (members, shops and invites
      in `core.shops`), so that the identity map sees them; and for savepoints.
    `queued` counts the notifications this unit of work wrote to the outbox, so that the
    caller knows whether the relay has anything new to send."""

    def __init__(self, session: Session, config: CoreConfig, clock: Clock) -> None:
        self.session = session
        self.config = config
        self.queued = 0
        self._clock = clock
        self._connection: Connection | None = None
        # While held, a service's commits only say that its work is to be kept: the caller
        # commits it, with its own record of the work, in one transaction.
        self._holding = False
        self.commit_asked = False

    @property
    def dialect(self) -> str:
        """`postgresql` or `sqlite`."""
        return self.session.get_bind().dialect.name

    def now(self) -> datetime:
        """The current time, from the clock this unit of work was given."""
        return self._clock()

    def run(self, statement: Executable, params: Any = None) -> CursorResult[Any]:
        """Execute a statement over columns and tables in this transaction (see the class)."""
        # Flushing first keeps what autoflush guarantees (a no-op when nothing is pending).
        self.session.flush()
        if self._connection is None:
            # The session's connection stays the same until the commit, and asking the
            # session for it costs nearly as much as a small statement's own overhead.
            self._connection = self.session.connection()
        return self._connection.execute(statement, params)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A savepoint around a statement that may fail (a unique index): on an error the
        transaction is rolled back to it and stays usable."""
        with self.session.begin_nested():
            # The session emits SAVEPOINT when it next hands out its connection; `run` keeps
            # the connection it already has, so ask for it here.
            self.session.connection()
            yield

    def commit(self) -> None:
        """Make the work durable (or, while commits are held, say it is to be)."""
        if self._holding:
            self.session.flush()
            self.commit_asked = True
            return
        self._connection = None
        self.session.commit()

    def commit_without_flush_wait(self) -> None:
        """Commit without waiting for the disk (PostgreSQL's `synchronous_commit` off; SQLite
        commits as usual). Only for bookkeeping that a crash of the database server may lose
        at no cost but work done again: it is never half kept, and the next durable commit
        of any transaction makes it durable too. Locks go at once rather than after a flush,
        which is what rows every process updates (a rate limit's next slot) need."""
        if self.dialect == "postgresql":
            self.run(_NO_FLUSH_WAIT)
        self.commit()

    def hold_commits(self) -> None:
        """From now on the service's commits wait for `release_commits`."""
        self._holding = True

    def release_commits(self) -> None:
        """Commit what the service asked to keep."""
        self._holding = False
        self.commit()


class Database:
    """The engine, the core's configuration and a clock: everything a unit of work needs."""

    def __init__(
        self, engine: Engine, config: CoreConfig | None = None, clock: Clock = utcnow
    ) -> None:
        self.engine = engine
        self.config = config or CoreConfig()
        self.clock = clock
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings, **engine_kwargs: Any) -> Database:
        """A database for the configured URL."""
        engine = create_db_engine(settings.database_url, **engine_kwargs)
        return cls(engine, CoreConfig.from_settings(settings))

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """Open a transaction that is rolled back unless the service commits it."""
        with self._sessions() as session:
            try:
                yield UnitOfWork(session, self.config, self.clock)
            finally:
                session.rollback()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def display_url(url: str) -> str:
    """The database URL with any password hidden, fit for logs."""
    return make_url(url).render_as_string(hide_password=True)
