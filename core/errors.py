"""Errors a shop worker may see: each message is written to be shown as it is."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any


class CoreError(Exception):
    """Base of every error the core raises on purpose; `str()` is the user-facing reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(CoreError):
    """An argument is malformed or out of range."""


class NotFound(CoreError):
    """The thing does not exist, or belongs to another shop (the same answer on purpose)."""


class AlreadyExists(CoreError):
    """A thing with that name already exists."""


class NotAllowed(CoreError):
    """The member's role does not allow this."""


class NotAMember(CoreError):
    """The user is not in any shop yet."""

    def __init__(self, message: str = "You are not in a shop yet.") -> None:
        super().__init__(message)


class AlreadyAMember(CoreError):
    """The user already belongs to a shop."""


class InsufficientStock(CoreError):
    """Taking out more than is in stock."""


class TryLater(CoreError):
    """Refused for now, not for good: a limit was reached; `retry_at` says when it lifts."""

    def __init__(self, message: str, *, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at

    def __reduce__(self) -> tuple[Any, ...]:
        # Kept as an update step's outcome (core.shops.update_steps), so it must unpickle.
        return (functools.partial(TryLater, retry_at=self.retry_at), (self.message,))
