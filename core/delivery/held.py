"""Held digests: rows that must wait (the hourly limit, quiet hours) folded into one digest
per member and address, due when they may go; nothing is dropped (SPEC 2.10, 2.12)."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from core.db.models import Notification
from core.db.models.outbox import pending_row
from core.db.session import UnitOfWork
from core.delivery.content import NoticeItem, read_notice
from core.delivery.masking import mask_recipient
from core.vocabulary import Kind, Status

log = logging.getLogger("stockbot.delivery")


def hold(
    uow: UnitOfWork, held: Sequence[int], reopens: datetime, cap: int, *, quiet: bool = False
) -> None:
    """Fold held rows (all to one address) into a held digest per member, due at `reopens`:
    by the hourly limit `cap`, or (`quiet`) until the member's quiet hours end."""
    loaded = uow.session.scalars(select(Notification).where(Notification.id.in_(list(held))))
    order = {row_id: index for index, row_id in enumerate(held)}
    by_member: dict[int | None, list[Notification]] = defaultdict(list)  # None: a room's
    for row in sorted(loaded, key=lambda row: order[row.id]):
        by_member[row.member_id].append(row)
    for rows in by_member.values():
        readable = [row for row in rows if _readable(uow, row)]
        if not readable:
            continue
        digest = _open_digest(uow, readable)
        folded = [row for row in readable if row is not digest]
        base = [] if digest is None else [digest]
        notices = [read_notice(row.kind, row.payload) for row in (*base, *folded)]
        items = merge_items(item for notice in notices for item in notice.items)
        payload = {
            "alerts": [raw_item(item) for item in items],
            "held": sum(notice.held or 1 for notice in notices),
            "limit": cap,
            "quiet": quiet or any(notice.quiet for notice in notices),
        }
        digest_id = _save_digest(uow, digest, readable[0], payload, reopens)
        uow.session.execute(
            update(Notification)
            .where(Notification.id.in_([row.id for row in folded]))
            .values(status=Status.FOLDED, folded_into=digest_id, claimed_until=None)
        )
        where = (
            f"{readable[0].channel} to {mask_recipient(readable[0].channel, readable[0].recipient)}"
        )
        why = "until quiet hours end" if quiet else f"by the hourly limit of {cap}"
        due = reopens.strftime("%H:%M:%S UTC")
        log.info(
            "%s: %d held %s, in digest %d due at %s",
            *(where, payload["held"], why, digest_id, due),
        )


def _readable(uow: UnitOfWork, row: Notification) -> bool:
    """Whether the row's payload is one the senders can read; if not, it is dead (as its
    sender would have made it), not folded into a digest it would break."""
    try:
        read_notice(row.kind, row.payload)
    except ValueError as exc:
        uow.session.execute(
            update(Notification)
            .where(Notification.id == row.id)
            .values(status=Status.DEAD, claimed_until=None, last_error=f"cannot fold it: {exc}")
        )
        return False
    return True


def _open_digest(uow: UnitOfWork, rows: Sequence[Notification]) -> Notification | None:
    """The held digest to add these rows to: one of them never tried yet, else the member's
    pending untried digest to this address (never one that is leased or retrying)."""
    for row in rows:
        if row.kind == Kind.HELD_DIGEST and row.attempts == 0:
            return row
    first = rows[0]
    return uow.session.scalars(
        select(Notification)
        .where(
            Notification.status == Status.PENDING,
            Notification.kind == Kind.HELD_DIGEST,
            Notification.channel == first.channel,
            Notification.recipient == first.recipient,
            Notification.member_id == first.member_id,
            Notification.attempts == 0,
            Notification.claimed_until.is_(None),
            Notification.id.not_in([row.id for row in rows]),
        )
        .order_by(Notification.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()


def _save_digest(
    uow: UnitOfWork,
    digest: Notification | None,
    first: Notification,
    payload: dict[str, Any],
    due: datetime,
) -> int:
    if digest is not None:
        uow.session.execute(
            update(Notification)
            .where(Notification.id == digest.id)
            .values(payload=payload, next_attempt_at=due, claimed_until=None)
        )
        return digest.id
    row = pending_row(
        shop_id=first.shop_id,
        member_id=first.member_id,
        channel=first.channel,
        recipient=first.recipient,
        kind=Kind.HELD_DIGEST.value,
        payload=payload,
        idempotency_key=f"held:{first.channel}:{uuid.uuid4().hex}",
        due=due,
        now=uow.now(),
    )
    return int(uow.session.scalars(insert(Notification).returning(Notification.id), [row]).one())


def merge_items(items: Iterable[NoticeItem]) -> list[NoticeItem]:
    """The items of held rows, in order, each item once with its latest figures: several
    rows of one alert, or of one item that flapped (new alerts), collapse to the last."""
    merged: list[NoticeItem] = []
    for item in items:
        name = item.name.casefold()
        merged = [m for m in merged if m.alert_id != item.alert_id and m.name.casefold() != name]
        merged.append(item)
    return merged


def raw_item(item: NoticeItem) -> dict[str, Any]:
    return {
        "alert_id": item.alert_id,
        "item_name": item.name,
        "quantity": item.quantity,
        "threshold": item.threshold,
    }
