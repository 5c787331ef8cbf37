"""The hourly limit (SPEC 2.12): at most NOTIFY_MAX_PER_HOUR messages to one address in an
hour on the channels whose traits say `hourly_cap` (email, WhatsApp). Beyond, the rows wait,
folded into one held digest for the address that is due when the hour allows; nothing is
dropped. See docs/delivery.md, "The hourly limit"."""

from __future__ import annotations

import logging
import uuid
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update

from core.db.dialect import try_advisory_locks
from core.db.models import Notification
from core.db.session import UnitOfWork
from core.delivery.content import NoticeItem, read_notice
from core.delivery.masking import mask_recipient
from core.vocabulary import Kind, Status

log = logging.getLogger("stockbot.delivery")

WINDOW = timedelta(hours=1)
# The kinds the limit counts, holds and folds; a verification code is never held (its own
# limit is 3 an hour) and back-in-stock notes go to Telegram only.
CAPPED_KINDS = frozenset({Kind.ALERT, Kind.ESCALATION, Kind.REMINDER_DIGEST, Kind.HELD_DIGEST})
# The advisory lock under which one address's budget is decided, in every process.
THROTTLE_LOCK_KEY = 0x7_400_CA9


def admit(uow: UnitOfWork, ids: Sequence[int], cap: int) -> list[int]:
    """Of the due rows a claim selected (and locked), those to lease now, in their order.

    Per address, up to its budget (the cap less the messages sent to it in the last hour and
    those in flight) are admitted; the others are folded into the address's held digest,
    due when the budget allows one more message. An address another process is deciding on
    right now is left for the next claim. Rows of other kinds pass untouched."""
    columns = (Notification.id, Notification.channel, Notification.recipient, Notification.kind)
    found = uow.session.execute(select(*columns).where(Notification.id.in_(list(ids)))).all()
    order = {row_id: index for index, row_id in enumerate(ids)}
    by_address: dict[tuple[str, str], list[int]] = defaultdict(list)
    admitted: set[int] = set()
    for row_id, channel, recipient, kind in sorted(found, key=lambda row: order[row[0]]):
        if kind in CAPPED_KINDS:
            by_address[channel, recipient].append(row_id)
        else:
            admitted.add(row_id)
    now = uow.now()
    decided = _lock(uow, by_address)
    counted = _window(uow, decided, now)
    for address in decided:
        due = by_address[address]
        budget = max(cap - counted.get(address, 0), 0)
        admitted.update(due[:budget])
        if len(due) > budget:
            _hold(uow, due[budget:], _reopening(uow, address, now, cap, budget), cap)
    return [row_id for row_id in ids if row_id in admitted]


def _lock(uow: UnitOfWork, by_address: dict[tuple[str, str], list[int]]) -> list[tuple[str, str]]:
    """The addresses whose lock this transaction took (never waiting: no deadlock)."""
    keys = {
        address: zlib.crc32(":".join(address).encode()) % 2**31 for address in sorted(by_address)
    }
    locked = set(try_advisory_locks(uow, THROTTLE_LOCK_KEY, sorted(set(keys.values()))))
    return [address for address, key in keys.items() if key in locked]


def _counting(channel: str, recipients: Sequence[str], now: datetime) -> list[Any]:
    """The rows that count against these addresses' budgets: messages sent in the last hour,
    and those in flight (leased, so perhaps being sent right now)."""
    return [
        Notification.channel == channel,
        Notification.recipient.in_(list(recipients)),
        Notification.kind.in_(sorted(CAPPED_KINDS)),
        or_(
            and_(Notification.status == Status.SENT, Notification.sent_at > now - WINDOW),
            and_(Notification.status == Status.PENDING, Notification.claimed_until > now),
        ),
    ]


def _window(
    uow: UnitOfWork, addresses: Sequence[tuple[str, str]], now: datetime
) -> dict[tuple[str, str], int]:
    """Per address, how many messages count against its budget now."""
    by_channel: dict[str, list[str]] = defaultdict(list)
    for channel, recipient in addresses:
        by_channel[channel].append(recipient)
    counted: dict[tuple[str, str], int] = {}
    for channel, recipients in by_channel.items():
        found = uow.session.execute(
            select(Notification.recipient, func.count())
            .where(*_counting(channel, recipients, now))
            .group_by(Notification.recipient)
        )
        counted.update(((channel, recipient), int(number)) for recipient, number in found)
    return counted


def _reopening(
    uow: UnitOfWork, address: tuple[str, str], now: datetime, cap: int, claimed: int
) -> datetime:
    """When the address's budget allows one more message: when enough of the messages that
    count (those claimed now and those in flight from now) have left the hour."""
    channel, recipient = address
    found = uow.session.execute(
        select(Notification.status, Notification.sent_at).where(
            *_counting(channel, [recipient], now)
        )
    )
    times = [now if status != Status.SENT else sent_at or now for status, sent_at in found]
    times = sorted([*times, *[now] * claimed])
    return times[max(len(times) - cap, 0)] + WINDOW


def _hold(uow: UnitOfWork, held: Sequence[int], reopens: datetime, cap: int) -> None:
    """Fold held rows (all to one address) into a held digest per member, due at `reopens`."""
    loaded = uow.session.scalars(select(Notification).where(Notification.id.in_(list(held))))
    order = {row_id: index for index, row_id in enumerate(held)}
    by_member: dict[int, list[Notification]] = defaultdict(list)
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
            "alerts": [_raw(item) for item in items],
            "held": sum(notice.held or 1 for notice in notices),
            "limit": cap,
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
        due = reopens.strftime("%H:%M:%S UTC")
        log.info(
            "%s: %d held by the hourly limit of %d, in digest %d due at %s",
            *(where, payload["held"], cap, digest_id, due),
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
    row = {
        "shop_id": first.shop_id,
        "member_id": first.member_id,
        "alert_id": None,
        "channel": first.channel,
        "recipient": first.recipient,
        "kind": Kind.HELD_DIGEST.value,
        "payload": payload,
        "idempotency_key": f"held:{first.channel}:{uuid.uuid4().hex}",
        "status": Status.PENDING.value,
        "attempts": 0,
        "next_attempt_at": due,
        "created_at": uow.now(),
    }
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


def _raw(item: NoticeItem) -> dict[str, Any]:
    return {
        "alert_id": item.alert_id,
        "item_name": item.name,
        "quantity": item.quantity,
        "threshold": item.threshold,
    }
