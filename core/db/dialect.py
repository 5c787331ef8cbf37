"""The few SQL constructs that PostgreSQL and SQLite spell differently."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase

from core.db.session import UnitOfWork


def insert_or_skip(uow: UnitOfWork | str, model: type[DeclarativeBase]) -> Any:
    """An INSERT that the caller finishes with `.on_conflict_do_nothing(...)`; for a unit of
    work, or a dialect name when the statement is built once for many units of work."""
    table: Table = model.__table__  # type: ignore[assignment]
    if _dialect(uow) == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def json_object(uow: UnitOfWork | str, **fields: ColumnElement[Any] | Any) -> ColumnElement[Any]:
    """A JSON object built by the database from columns, for INSERT … SELECT."""
    arguments: list[Any] = []
    for key, value in fields.items():
        arguments.extend((key, value))
    if _dialect(uow) == "postgresql":
        return func.json_build_object(*arguments)
    return func.json_object(*arguments)


def _dialect(uow: UnitOfWork | str) -> str:
    return uow if isinstance(uow, str) else uow.dialect


def advisory_lock(uow: UnitOfWork, key: int) -> None:
    """Hold a transaction-long lock so only one process runs a job; SQLite's writer lock is
    already exclusive."""
    if uow.dialect == "postgresql":
        uow.run(func.pg_advisory_xact_lock(key).select())
