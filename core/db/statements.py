"""Statements built once and reused: the hot paths' only cache."""

from __future__ import annotations

import functools
from collections.abc import Callable
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
