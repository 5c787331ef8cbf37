"""The few SQL constructs that PostgreSQL and SQLite spell differently."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnClause, ColumnElement, Integer, Table, func, literal, text
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


def json_rows(
    uow: UnitOfWork | str, name: str, columns: Sequence[ColumnClause[Any]], rows: Sequence[Any]
) -> Any:
    """The `rows` (each a sequence of values in column order) as a CTE `name` of `columns`,
    sent as one JSON parameter instead of a VALUES list: the statement is compiled once,
    whatever the number of rows. A JSON column's values go in as text, serialized by the
    caller, and come out as those very bytes."""
    dialect = _dialect(uow)
    if dialect == "postgresql":
        source = f"json_array_elements(CAST(:{name} AS json)) AS element"
        read = "(element ->> {index})::{type}"
    else:
        source, read = f"json_each(:{name})", "json_extract(value, '$[{index}]')"
    compiler = _DIALECTS[dialect]()
    selected = ", ".join(
        read.format(index=index, type=column.type.compile(dialect=compiler)) + f" AS {column.name}"
        for index, column in enumerate(columns)
    )
    statement = text(f"SELECT {selected} FROM {source}")
    return statement.bindparams(**{name: json.dumps(list(rows))}).columns(*columns).cte(name)


_DIALECTS = {"postgresql": postgresql.dialect, "sqlite": sqlite.dialect}
