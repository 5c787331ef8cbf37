"""Notifications that could not be delivered: listed with their reason, requeued on request."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from core.db.models import Notification
from core.db.session import UnitOfWork
from core.delivery.masking import mask_recipient
from core.vocabulary import Kind, Status


@dataclass(frozen=True)
class DeadNotification:
    """A notification given up on, and why."""

    id: int
    shop_id: int
    member_id: int | None  # None: the shop's room
    channel: str
    kind: str
    recipient: str
    attempts: int
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class DeliveryCounts:
    """Notifications by status, over every shop."""

    pending: int
    sent: int
    dead: int


def delivery_counts(uow: UnitOfWork) -> DeliveryCounts:
    """How many notifications are pending, sent and dead, in all shops."""
    by_status = dict(
        uow.session.execute(
            select(Notification.status, func.count()).group_by(Notification.status)
        ).all()
    )
    return DeliveryCounts(
        pending=by_status.get("pending", 0),
        sent=by_status.get("sent", 0),
        dead=by_status.get("dead", 0),
    )


@dataclass(frozen=True)
class HeldCounts:
    """What the hourly limit holds: notifications folded into held digests not sent yet."""

    notifications: int
    digests: int


def held_by_limit(uow: UnitOfWork) -> HeldCounts:
    """Notifications waiting for the hourly limit, and the held digests that carry them."""
    digest = aliased(Notification)
    notifications = uow.session.scalar(
        select(func.count())
        .select_from(Notification)
        .join(digest, digest.id == Notification.folded_into)
        .where(Notification.status == Status.FOLDED, digest.status == Status.PENDING)
    )
    digests = uow.session.scalar(
        select(func.count()).where(
            Notification.status == Status.PENDING, Notification.kind == Kind.HELD_DIGEST
        )
    )
    return HeldCounts(notifications=int(notifications or 0), digests=int(digests or 0))


def waiting_for_channels(uow: UnitOfWork, *, channels_on: Collection[str]) -> dict[str, int]:
    """Pending notifications of channels that are off, by channel: they wait, untouched, and
    go out once their channel is configured again."""
    rows = uow.session.execute(
        select(Notification.channel, func.count())
        .where(Notification.status == "pending", Notification.channel.not_in(sorted(channels_on)))
        .group_by(Notification.channel)
        .order_by(Notification.channel)
    ).all()
    return {str(channel): int(number) for channel, number in rows}


def list_dead(uow: UnitOfWork, *, limit: int = 50) -> list[DeadNotification]:
    """The most recent dead notifications, newest first."""
    rows = uow.session.scalars(
        select(Notification)
        .where(Notification.status == "dead")
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    return [
        DeadNotification(
            id=row.id,
            shop_id=row.shop_id,
            member_id=row.member_id,
            channel=row.channel,
            kind=row.kind,
            recipient=row.recipient,
            attempts=row.attempts,
            reason=row.last_error or "",
            created_at=row.created_at,
        )
        for row in rows
    ]


def requeue_dead(uow: UnitOfWork, *, ids: Sequence[int]) -> int:
    """Give dead notifications a fresh set of attempts, due now; returns how many."""
    if not ids:
        return 0
    result = uow.session.execute(
        update(Notification)
        .where(Notification.id.in_(list(ids)), Notification.status == "dead")
        .values(
            status="pending",
            attempts=0,
            next_attempt_at=uow.now(),
            claimed_until=None,
        )
        .returning(Notification.id)
    )
    requeued = len(result.all())
    uow.commit()
    return requeued


def describe_dead(dead: DeadNotification, *, show_recipient: bool = False) -> str:
    """Two lines for an operator: what, to whom (masked unless asked), and why it was given up."""
    recipient = dead.recipient if show_recipient else mask_recipient(dead.channel, dead.recipient)
    when = dead.created_at.strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"#{dead.id}  {when}  {dead.channel:<8}  {dead.kind:<15}  shop {dead.shop_id}, "
        f"{'the room' if dead.member_id is None else f'member {dead.member_id}'}, "
        f"{recipient}, {dead.attempts} attempts\n"
        f"    {dead.reason}"
    )
