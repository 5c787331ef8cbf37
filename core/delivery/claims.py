"""The relay's side of the outbox: claim due rows under a lease, give up abandoned ones, hasten
a recovered channel's backlog. Outcomes are recorded by core/delivery/outcomes.py."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update

from core.db.models import Notification
from core.db.session import UnitOfWork
from core.delivery.quiet import quiet_ends
from core.delivery.rooms import admit_to_room
from core.delivery.throttle import admit
from core.delivery.types import Claim

log = logging.getLogger("stockbot.delivery")

# Why a row is dead whose relay kept stopping (killed, crashed) before it recorded an outcome.
ABANDONED = "no outcome was recorded (the relay stopped while sending it)"
# How many batches one claim may fold into held digests before it gives up for this poll.
HOLD_ROUNDS = 5


def _due(
    now: datetime,
    channels: Collection[str],
    one_per_recipient: bool,
    skip_recipients: Collection[str],
    in_order: bool,
) -> list[Any]:
    queued = [Notification.status == "pending", Notification.channel.in_(sorted(channels))]
    conditions = [
        *queued,
        Notification.next_attempt_at <= now,
        or_(Notification.claimed_until.is_(None), Notification.claimed_until <= now),
    ]
    if skip_recipients:
        conditions.append(Notification.recipient.not_in(sorted(skip_recipients)))
    if one_per_recipient:
        firsts = select(func.min(Notification.id)).where(*(queued if in_order else conditions))
        # The due conditions stay on the outer query too: PostgreSQL re-checks those (not the
        # subquery) on a row another relay claimed meanwhile, and so skips it.
        conditions.append(Notification.id.in_(firsts.group_by(Notification.recipient)))
    return conditions


def claim_due(
    uow: UnitOfWork,
    *,
    channels: Collection[str],
    limit: int,
    lease: timedelta,
    one_per_recipient: bool = False,
    skip_recipients: Collection[str] = (),
    max_attempts: int | None = None,
    hourly_cap: int | None = None,
    room_budget: int | None = None,
    in_order: bool = False,
) -> list[Claim]:
    """Lease up to `limit` due rows of these channels, oldest due first, and commit.

    PostgreSQL skips rows another relay has locked; SQLite's single writer serializes claims.
    Each claim counts as an attempt, so a row that keeps crashing its relay still dies: one
    that already had `max_attempts` (its relay stopped each time before recording an
    outcome) is marked dead instead of handed out.
    `one_per_recipient` takes each recipient's oldest due row (`in_order`: its oldest queued
    row, once due), `skip_recipients` none of theirs: one long queue never holds up others.
    With `hourly_cap`, at most that many messages go to one address in an hour; the rest
    are folded into a held digest (core/delivery/throttle.py). With `room_budget`, at most
    that many messages go to one room a minute (core/delivery/rooms.py)."""
    if not channels or limit <= 0:
        return []
    now = uow.now()
    due = _due(now, channels, one_per_recipient, skip_recipients, in_order)
    ids, seen = _select(uow, due, limit, hourly_cap, room_budget)
    if not seen:
        return []
    claims = _lease(uow, ids, now + lease)
    if max_attempts is not None:
        claims = _give_up_abandoned(uow, claims, max_attempts)
    if hourly_cap is None:
        # A capped channel's rows of members in quiet hours were held by `admit`, so only
        # the others (Telegram) can have a claim to send silently.
        claims = _silenced(uow, claims)
    uow.commit()
    return sorted(claims, key=lambda claim: ids.index(claim.id))


def _silenced(uow: UnitOfWork, claims: list[Claim]) -> list[Claim]:
    """The claims, those of members in their quiet hours marked to go without a sound."""
    quiet = quiet_ends(uow, {claim.member_id for claim in claims if claim.member_id is not None})
    return [replace(claim, silent=claim.member_id in quiet) for claim in claims]


def _select(
    uow: UnitOfWork, due: list[Any], limit: int, hourly_cap: int | None, room_budget: int | None
) -> tuple[list[int], list[int]]:
    """(the due rows to lease, every row looked at), the rows locked. Rows all folded into
    held digests leave nothing to send: look further (a few rounds), so that one address's
    flood does not make the others wait for the next poll. A room's rows are admitted by
    its budget."""
    ids: list[int] = []
    seen: list[int] = []
    for _ in range(1 if hourly_cap is None else HOLD_ROUNDS):
        query = select(Notification.id).where(*due)
        if seen:
            query = query.where(Notification.id.not_in(seen))
        found = list(
            uow.session.scalars(
                query.order_by(Notification.next_attempt_at, Notification.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        seen.extend(found)
        ids = found if hourly_cap is None else admit(uow, found, hourly_cap)
        if ids or not found:
            break
    if room_budget is not None and ids:
        ids = admit_to_room(uow, ids, room_budget)
    return ids, seen


def _give_up_abandoned(uow: UnitOfWork, claims: list[Claim], max_attempts: int) -> list[Claim]:
    """Mark dead the claims past their last attempt; the others, to be sent."""
    abandoned = [claim for claim in claims if claim.attempts > max_attempts]
    for claim in abandoned:
        attempts = claim.attempts - 1  # this claim is not a try
        log.warning("notification %d: dead, no outcome after %d attempts", claim.id, attempts)
        uow.session.execute(
            update(Notification)
            .where(Notification.id == claim.id)
            .values(
                status="dead",
                attempts=attempts,
                claimed_until=None,
                last_error=f"gave up after {attempts} attempts: {ABANDONED}",
            )
        )
    return [claim for claim in claims if claim.attempts <= max_attempts]


def _lease(uow: UnitOfWork, ids: list[int], leased_until: datetime) -> list[Claim]:
    rows = uow.session.execute(
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(claimed_until=leased_until, attempts=Notification.attempts + 1)
        .returning(Notification)
    ).scalars()
    return [claim_of(row, leased_until) for row in rows]


def claim_of(row: Notification, leased_until: datetime) -> Claim:
    """The claim a relay holds on an outbox row until `leased_until`."""
    return Claim(
        id=row.id,
        shop_id=row.shop_id,
        member_id=row.member_id,
        channel=row.channel,
        kind=row.kind,
        recipient=row.recipient,
        payload=dict(row.payload),
        attempts=row.attempts,
        idempotency_key=row.idempotency_key,
        leased_until=leased_until,
        alert_id=row.alert_id,
    )


def hasten(uow: UnitOfWork, *, channel: str) -> int:
    """Make rows of a channel that were backing off due now (the channel has recovered)."""
    now = uow.now()
    result = uow.session.execute(
        update(Notification)
        .where(
            Notification.status == "pending",
            Notification.channel == channel,
            Notification.claimed_until.is_(None),
            Notification.next_attempt_at > now,
            Notification.attempts > 0,
        )
        .values(next_attempt_at=now)
        .returning(Notification.id)
    )
    hastened = len(result.all())
    uow.commit()
    return hastened
