"""Each Telegram update taken by webhook changes things once (SPEC 5), even when its process
dies while handling it and another handles it again. Every core call made while handling an
update is one step; a step that changes something writes its outcome (what it answered, or
the refusal it raised) in the same transaction as the change. Handled again, the update's
handler makes the same calls in the same order, and each step already made gets its
outcome back instead of running again: the replies are the same, nothing changes twice."""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import insert, select

from core.db.models import UpdateStep
from core.db.session import UnitOfWork
from core.errors import CoreError

T = TypeVar("T")
log = logging.getLogger("stockbot.core")


def run_step(
    uow: UnitOfWork,
    *,
    update_id: int,
    step: int,
    again: bool,
    service: Callable[..., T],
    kwargs: dict[str, Any],
) -> T:
    """Run `service(uow, **kwargs)` as step `step` of the update's handling; `again` when
    the update is being handled again (only then can the step have been made)."""
    if again:
        made = uow.run(
            select(UpdateStep.outcome).where(
                UpdateStep.update_id == update_id, UpdateStep.step == step
            )
        ).scalar()
        if made is not None:
            return cast(T, _replayed(made))
    uow.hold_commits()
    try:
        result = service(uow, **kwargs)
    except CoreError as refusal:  # a refusal that kept something (a wrong code counted)
        _keep(uow, update_id, step, ("refused", refusal))
        raise
    _keep(uow, update_id, step, ("answered", result))
    return result


def _keep(uow: UnitOfWork, update_id: int, step: int, outcome: tuple[str, object]) -> None:
    """Commit what the service asked to keep, with its outcome; reads keep nothing."""
    if not uow.commit_asked:
        return
    try:
        # Our own rows, read back only by this module: the values are the core's results.
        recorded = pickle.dumps(outcome)
    except (pickle.PicklingError, TypeError, AttributeError) as error:
        log.warning("update %d step %d: its outcome cannot be kept: %s", update_id, step, error)
    else:
        uow.run(insert(UpdateStep).values(update_id=update_id, step=step, outcome=recorded))
    uow.release_commits()


def _replayed(made: bytes) -> Any:
    kind, value = pickle.loads(made)
    if kind == "refused":
        raise value
    return value
