"""The few SQL constructs that PostgreSQL and SQLite spell differently."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Table,
    cast,
    column,
    func,
    literal,
    select,
    values,
)
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
    wanted = values(column("sub_key", BigInteger), name="wanted").data([(k,) for k in sub_keys])
    sub_key = wanted.c.sub_key
    lock = func.pg_try_advisory_xact_lock(literal(key, Integer), cast(sub_key % 2**31, Integer))
    return list(uow.run(select(sub_key).select_from(wanted).where(lock)).scalars())
