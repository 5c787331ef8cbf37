"""Members' quiet hours (SPEC 2.10), on their shop's clock: who is in them now, and until
when. Telegram messages in them go silently; email and WhatsApp wait for their end."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, time
from typing import Any

from sqlalchemy import select

from core.db.models import Member, Shop
from core.db.session import UnitOfWork
from core.shops.zones import next_local_time


def in_quiet_hours(minute: int, quiet_from: int, quiet_until: int) -> bool:
    """Whether a minute of the day (0 to 1439) is within quiet hours, which may span midnight
    (21:00-07:30)."""
    if quiet_from <= quiet_until:
        return quiet_from <= minute < quiet_until
    return minute >= quiet_from or minute < quiet_until


def quiet_ends(uow: UnitOfWork, member_ids: Collection[int]) -> dict[int, datetime]:
    """For each of these members who is in quiet hours now, when they end."""
    if not member_ids:
        return {}
    rows: Any = uow.run(
        select(Member.id, Member.quiet_from, Member.quiet_until, Shop.timezone)
        .join(Shop, Shop.id == Member.shop_id)
        .where(Member.id.in_(sorted(member_ids)), Member.quiet_from.is_not(None))
    )
    now = uow.now()
    ends: dict[int, datetime] = {}
    for member_id, quiet_from, quiet_until, timezone in rows:
        zone = uow.config.zone(timezone)
        local = now.astimezone(zone)
        if in_quiet_hours(local.hour * 60 + local.minute, quiet_from, quiet_until):
            until = time(quiet_until // 60, quiet_until % 60)
            ends[member_id] = next_local_time(until, zone, now)
    return ends
