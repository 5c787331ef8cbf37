"""The relay's other side of the outbox: record what happened to claimed rows, one at a time or
a batch per transaction, and give rows back untouched at shutdown."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update

from core.db.models import Notification
from core.db.session import UnitOfWork
from core.delivery.rooms import remember_card
from core.delivery.types import Claim, Outcome, RetryPolicy
from core.delivery.webhook_endpoints import mark_endpoint
from core.vocabulary import Channel

# What settling a row returns: (status, next attempt), or None if the lease was lost.
Recorded = tuple[str, datetime | None] | None


def _fenced(claim: Claim) -> Any:
    return _fenced_rows([claim.id], claim.leased_until)


def _fenced_rows(ids: Sequence[int], leased_until: datetime) -> Any:
    # Only the lease holder may settle a row: after a takeover the lease has a new value.
    return update(Notification).where(
        Notification.id.in_(list(ids)),
        Notification.status == "pending",
        Notification.claimed_until == leased_until,
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
    plain = {claim.id for claim, outcome in settled if _plainly_sent(claim, outcome)}
    marked = _mark_sent(uow, [claim for claim, _ in settled if claim.id in plain], now)
    recorded = [
        (("sent", None) if claim.id in marked else None)
        if claim.id in plain
        else _record(uow, claim, outcome, policy, now)
        for claim, outcome in settled
    ]
    uow.commit()
    return recorded


def _plainly_sent(claim: Claim, outcome: Outcome) -> bool:
    """Sent, with nothing to record but that: most of a batch, marked by one statement."""
    plain = outcome.parts_sent is None and outcome.card is None
    return outcome.verdict == "sent" and plain and claim.channel != Channel.WEBHOOK


def _mark_sent(uow: UnitOfWork, claims: Sequence[Claim], now: datetime) -> set[int]:
    """Mark sent the claims whose lease still holds, a statement per lease; the ids marked."""
    by_lease: dict[datetime, list[int]] = defaultdict(list)
    for claim in claims:
        by_lease[claim.leased_until].append(claim.id)
    marked: set[int] = set()
    for leased_until, ids in by_lease.items():
        found = uow.session.scalars(
            _fenced_rows(ids, leased_until)
            .values(status="sent", sent_at=now, last_error=None, claimed_until=None)
            .returning(Notification.id)
        )
        marked.update(found)
    return marked


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
