"""Statement helpers: statements built once and reused, ids bound a chunk at a time."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from typing import ParamSpec, TypeVar, cast

P = ParamSpec("P")
T = TypeVar("T")


def cached_statement(build: Callable[P, T]) -> Callable[P, T]:
    """Build the statement once per argument (a dialect, a channel) and reuse it.

    Building a SQLAlchemy statement costs more Python time than running a small one, and
    every command runs several; the statements take their values as bind parameters, so one
    built statement serves every call. SQLAlchemy's own compiled cache then skips compiling
    it again too."""
    return cast(Callable[P, T], functools.cache(build))


# Parameters a statement binds at once stay well below SQLite's limit of 32,766.
CHUNK = 1000


def in_chunks(ids: Sequence[T]) -> Iterator[Sequence[T]]:
    """The ids (or rows), CHUNK at a time: for `IN` lists and for memory that stays flat."""
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]
