"""The relay's other side of the outbox: record what happened to claimed rows, one at a time or
a batch per transaction, and give rows back untouched at shutdown."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update

from core.db.models import Notification
from core.db.session import UnitOfWork
from core.delivery.rooms import remember_card
from core.delivery.types import Claim, Outcome, RetryPolicy
from core.delivery.webhook_endpoints import mark_endpoint

# What settling a row returns: (status, next attempt), or None if the lease was lost.
Recorded = tuple[str, datetime | None] | None


def _fenced(claim: Claim) -> Any:
    # Only the lease holder may settle a row: after a takeover the lease has a new value.
    return update(Notification).where(
        Notification.id == claim.id,
        Notification.status == "pending",
        Notification.claimed_until == claim.leased_until,
    )


def record_outcome(
    uow: UnitOfWork, claim: Claim, outcome: Outcome, policy: RetryPolicy
) -> Recorded:
    """Settle a claimed row and commit: returns (status, next attempt) or None if the lease
    was lost (another relay took the row over, and its outcome is the one that counts)."""
    return record_outcomes(uow, [(claim, outcome)], policy)[0]


def record_outcomes(
    uow: UnitOfWork, settled: Sequence[tuple[Claim, Outcome]], policy: RetryPolicy
) -> list[Recorded]:
    """Settle claimed rows in one transaction, in order, and commit: what `record_outcome`
    returns for each."""
    now = uow.now()
    recorded = [_record(uow, claim, outcome, policy, now) for claim, outcome in settled]
    uow.commit()
    return recorded


def _record(
    uow: UnitOfWork, claim: Claim, outcome: Outcome, policy: RetryPolicy, now: datetime
) -> Recorded:
    values: dict[str, Any] = {"claimed_until": None}
    if outcome.parts_sent is not None:
        values["payload"] = {**claim.payload, "parts_sent": outcome.parts_sent}
    next_at: datetime | None = None
    if outcome.verdict == "sent":
        values.update(status="sent", sent_at=now, last_error=None)
    elif outcome.verdict == "dead":
        values.update(status="dead", last_error=outcome.reason or "failed")
    elif outcome.verdict == "retry" and claim.attempts >= policy.max_attempts:
        reason = f"gave up after {claim.attempts} attempts: {outcome.reason or 'failed'}"
        values.update(status="dead", last_error=reason)
    elif outcome.verdict == "retry":
        next_at = now + policy.delay(claim.attempts)
        values.update(next_attempt_at=next_at, last_error=outcome.reason)
    else:
        next_at = now + outcome.delay
        values.update(next_attempt_at=next_at, attempts=Notification.attempts - 1)
        if outcome.reason is not None:
            values["last_error"] = outcome.reason
    settled = uow.session.execute(_fenced(claim).values(**values).returning(Notification.status))
    status = settled.scalar_one_or_none()
    if status is None:
        return None
    mark_endpoint(uow, claim, outcome)
    if outcome.card is not None and claim.alert_id is not None:
        remember_card(uow, claim.alert_id, outcome.card)
    return status, next_at


def release(uow: UnitOfWork, claims: Sequence[Claim]) -> int:
    """Give claimed rows back untouched (clean shutdown): due now, the attempt not counted."""
    released = 0
    for claim in claims:
        result = uow.session.execute(
            _fenced(claim)
            .values(claimed_until=None, attempts=Notification.attempts - 1)
            .returning(Notification.id)
        )
        released += len(result.all())
    uow.commit()
    return released
