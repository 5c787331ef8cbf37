"""The hourly limit (SPEC 2.12): at most NOTIFY_MAX_PER_HOUR messages to one address in an
hour on the channels whose traits say `hourly_cap` (email, WhatsApp). Beyond, the rows wait,
folded into one held digest for the address that is due when the hour allows; nothing is
dropped. See docs/delivery.md, "The hourly limit"."""

from __future__ import annotations

import logging
import zlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select

from core.db.dialect import try_advisory_locks
from core.db.models import Notification
from core.db.session import UnitOfWork
from core.delivery.held import hold
from core.delivery.quiet import quiet_ends
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

    Rows of members in their quiet hours wait, folded into a held digest due when the quiet
    hours end. Per address, up to its budget (the cap less the messages sent to it in the
    last hour and those in flight) are admitted; the others are folded into the address's
    held digest, due when the budget allows one more message. An address another process is
    deciding on right now is left for the next claim. Rows of other kinds pass untouched."""
    columns = (
        Notification.id,
        Notification.channel,
        Notification.recipient,
        Notification.kind,
        Notification.member_id,
    )
    found = uow.session.execute(select(*columns).where(Notification.id.in_(list(ids)))).all()
    order = {row_id: index for index, row_id in enumerate(ids)}
    found = sorted(found, key=lambda row: order[row[0]])
    waiting = _hold_quiet(uow, [row for row in found if row[3] in CAPPED_KINDS], cap)
    by_address: dict[tuple[str, str], list[int]] = defaultdict(list)
    admitted: set[int] = set()
    for row_id, channel, recipient, kind, _ in found:
        if kind not in CAPPED_KINDS:
            admitted.add(row_id)
        elif row_id not in waiting:
            by_address[channel, recipient].append(row_id)
    now = uow.now()
    decided = _lock(uow, by_address)
    counted = _window(uow, decided, now)
    for address in decided:
        due = by_address[address]
        budget = max(cap - counted.get(address, 0), 0)
        admitted.update(due[:budget])
        if len(due) > budget:
            hold(uow, due[budget:], _reopening(uow, address, now, cap, budget), cap)
    return [row_id for row_id in ids if row_id in admitted]


def _hold_quiet(uow: UnitOfWork, rows: Sequence[Any], cap: int) -> set[int]:
    """Hold the rows of members in quiet hours until those end; the ids held."""
    ends = quiet_ends(uow, {row[4] for row in rows})
    waiting: dict[tuple[str, str, int], list[int]] = defaultdict(list)
    for row_id, channel, recipient, _, member_id in rows:
        if member_id in ends:
            waiting[channel, recipient, member_id].append(row_id)
    for (_, _, member_id), held in waiting.items():
        hold(uow, held, ends[member_id], cap, quiet=True)
    return {row_id for held in waiting.values() for row_id in held}


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
