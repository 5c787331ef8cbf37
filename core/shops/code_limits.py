"""The limits on verification codes: how many a member may ask for in an hour, and the
wait after too many wrong tries (SPEC 3 `/verify`)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select

from core.db.models import Member, VerificationCode
from core.db.session import UnitOfWork
from core.errors import TryLater
from core.shops.zones import shop_zone

# At most this many codes per member within RATE_WINDOW (over both channels).
CODES_PER_WINDOW = 3
RATE_WINDOW = timedelta(hours=1)
# The wrong tries that burn a code, and how long the member then waits.
MAX_WRONG_TRIES = 5
LOCKOUT = timedelta(hours=1)


def in_words(uow: UnitOfWork, member: Member, at: datetime) -> str:
    """`in 12 minutes (at 15:42)`, on the clock of the member's shop."""
    minutes = max(1, math.ceil((at - uow.now()).total_seconds() / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"in {minutes} {unit} (at {at.astimezone(shop_zone(uow, member.shop_id)):%H:%M})"


def lockout_ends(uow: UnitOfWork, member: Member) -> datetime | None:
    """When the wait after a burnt code ends, if the member is waiting."""
    now = uow.now()
    burnt = uow.session.scalar(
        select(VerificationCode.closed_at)
        .where(
            VerificationCode.member_id == member.id,
            VerificationCode.closed_as == "burnt",
            VerificationCode.closed_at > now - LOCKOUT,
        )
        .order_by(VerificationCode.closed_at.desc())
        .limit(1)
    )
    return None if burnt is None else burnt + LOCKOUT


def check_can_issue(uow: UnitOfWork, member: Member) -> None:
    """Refuse (TryLater) a new code while the member waits after wrong tries, or has had
    CODES_PER_WINDOW codes within the last RATE_WINDOW."""
    now = uow.now()
    locked_until = lockout_ends(uow, member)
    if locked_until is not None:
        raise TryLater(
            "Too many wrong codes: you can ask for a new code "
            f"{in_words(uow, member, locked_until)}. Nothing changed.",
            retry_at=locked_until,
        )
    recent = uow.session.scalars(
        select(VerificationCode.created_at)
        .where(
            VerificationCode.member_id == member.id,
            VerificationCode.created_at > now - RATE_WINDOW,
        )
        .order_by(VerificationCode.created_at.desc())
        .limit(CODES_PER_WINDOW)
    ).all()
    if len(recent) >= CODES_PER_WINDOW:
        retry_at = recent[-1] + RATE_WINDOW
        raise TryLater(
            f"You had {CODES_PER_WINDOW} codes within the hour: you can change the address "
            f"{in_words(uow, member, retry_at)}. Nothing changed.",
            retry_at=retry_at,
        )
