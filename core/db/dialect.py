"""The few SQL constructs that PostgreSQL and SQLite spell differently."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Integer, Table, func, literal, text
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


def advisory_lock(uow: UnitOfWork, key: int, sub_key: int) -> None:
    """Hold a transaction-long lock named by two numbers (a job's key and, say, a shop id),
    so only one transaction at a time, of any process, does that job for that shop. Waits
    while another holds it. SQLite's writer lock, taken at BEGIN, is already exclusive."""
    if uow.dialect == "postgresql":
        # PostgreSQL names these locks by two 32-bit numbers: ids beyond them share a lock,
        # which only makes two shops take turns.
        lock = func.pg_advisory_xact_lock(literal(key, Integer), literal(sub_key % 2**31, Integer))
        uow.run(lock.select())


def try_advisory_locks(uow: UnitOfWork, key: int, sub_keys: Sequence[int]) -> list[int]:
    """Take those of the locks (key, sub key) of advisory_lock that are free, without waiting;
    the sub keys locked. Never waiting, it cannot deadlock, whatever else the transaction or
    another one holds. On SQLite, every one (the writer lock is exclusive)."""
    if uow.dialect != "postgresql" or not sub_keys:
        return list(sub_keys)
    # One array parameter, not a VALUES list of literals: the statement is compiled once.
    found = uow.run(_TRY_LOCKS, {"key": key, "sub_keys": list(sub_keys)})
    return [int(sub_key) for sub_key in found.scalars()]


_TRY_LOCKS = text(
    "SELECT sub_key FROM unnest(CAST(:sub_keys AS bigint[])) AS wanted(sub_key) "
    "WHERE pg_try_advisory_xact_lock(CAST(:key AS integer), CAST(sub_key % 2147483648 AS integer))"
)
