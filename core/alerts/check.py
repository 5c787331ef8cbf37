"""The daily check: shops evaluated in a few set-based statements, not item by item, a few
shops per short transaction, each shop under its own lock."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, or_, select, update

from core.alerts.digests import remind_due_alerts
from core.alerts.reconcile import count_low, reconcile
from core.alerts.unknown_skus import report_unknown_skus
from core.db.dialect import advisory_lock, try_advisory_locks
from core.db.models import Item, Shop
from core.db.session import UnitOfWork
from core.db.statements import cached_statement
from core.results import CheckReport
from core.shops.members import require_member_ref

# Any fixed number works; it only has to be the same in every process. With a shop's id it
# names the lock of that shop's check.
CHECK_LOCK_KEY = 0x5_70C_B07
# Shop ids read per query while the daily check walks the shops.
SHOPS_PER_PAGE = 1000
# Items the daily check evaluates per transaction, at most (unless one shop has more): enough
# shops together that statements and commits cost little per shop, few enough that each
# transaction, and the wait of a `/check` of one of its shops, stays short (B2: about 0.13 s
# per transaction of 20,000 items; at 5,000 the whole check took a third longer).
CHUNK_ITEMS = 20_000


def _check_shops(uow: UnitOfWork, shop_ids: Sequence[int]) -> CheckReport:
    """Resolve, open and remind in the shops, whose locks the caller holds, tell their admins
    of unknown SKUs; then commit."""
    if not shop_ids:
        uow.commit()
        return CheckReport(0, 0, 0, 0, 0)
    opened, resolved = reconcile(uow, shop_ids)
    reminded, messages = remind_due_alerts(uow, shop_ids)
    report_unknown_skus(uow, shop_ids)
    report = CheckReport(
        items_low=count_low(uow, shop_ids),
        alerts_opened=len(opened),
        alerts_reminded=reminded,
        reminder_messages=messages,
        alerts_resolved=len(resolved),
    )
    uow.commit()
    return report


@dataclass(frozen=True)
class DueRound:
    """The shops of one zone whose daily check of their local `day` has not run yet."""

    zone: str
    day: date


def _claim_day(uow: UnitOfWork, shop_ids: Sequence[int], due: DueRound | None) -> list[int]:
    """Of shops whose locks are held, those whose check of `due.day` is still to run, marked
    as run in this transaction (so a crash before the commit leaves it to run again)."""
    if due is None or not shop_ids:
        return list(shop_ids)
    claimed = uow.run(
        update(Shop)
        .where(Shop.id.in_(shop_ids), _not_checked_on(due.day))
        .values(last_checked_on=due.day)
        .returning(Shop.id)
    )
    return sorted(claimed.scalars())


def _not_checked_on(day: Any) -> ColumnElement[bool]:
    return or_(Shop.last_checked_on.is_(None), Shop.last_checked_on < day)


def check_one_shop(uow: UnitOfWork, shop_id: int, due: DueRound | None = None) -> CheckReport:
    """The check of one shop in a transaction of its own, once it holds the shop's lock.

    The lock makes a `/check` and the daily check (of this or another process) take turns
    on the shop, so nobody is reminded twice; other shops never wait for it."""
    advisory_lock(uow, CHECK_LOCK_KEY, shop_id)
    return _check_shops(uow, _claim_day(uow, [shop_id], due))


def run_check(uow: UnitOfWork, due: DueRound | None = None) -> CheckReport:
    """The daily check of every shop (or of the shops `due`), a few shops (CHUNK_ITEMS
    items) per short transaction.

    Each transaction takes the locks of its shops that are free, without waiting; a shop
    whose lock is held (its `/check`, or another process's check, is running) is checked
    after that transaction, alone, once its lock is free. So a big or busy shop holds up no
    other shop's check or commands. The report adds up the shops'."""
    total = CheckReport(0, 0, 0, 0, 0)
    for chunk in _chunks(uow, due):
        locked = try_advisory_locks(uow, CHECK_LOCK_KEY, chunk)
        total = total + _check_shops(uow, _claim_day(uow, locked, due))
        for busy in sorted(set(chunk) - set(locked)):
            total = total + check_one_shop(uow, busy, due)
    return total


def _chunks(uow: UnitOfWork, due: DueRound | None) -> Iterator[list[int]]:
    """Every shop's id in order, in chunks of at most CHUNK_ITEMS items (a bigger shop alone);
    read a page of shops at a time, so that memory stays flat."""
    chunk: list[int] = []
    weight = 0
    after = 0
    while page := _page_of_shops(uow, after, due):
        for shop_id, items in page:
            if chunk and weight + items > CHUNK_ITEMS:
                yield chunk
                chunk, weight = [], 0
            chunk.append(shop_id)
            weight += items
        after = page[-1][0]
    if chunk:
        yield chunk


def _page_of_shops(uow: UnitOfWork, after: int, due: DueRound | None) -> list[tuple[int, int]]:
    """The next shops after the id `after` (of those due), each with how many items it has."""
    if due is None:
        rows: Any = uow.run(_next_shops(due=False), {"after": after})
    else:
        params = {"after": after, "zone": due.zone, "day": due.day}
        rows = uow.run(_next_shops(due=True), {**params, "default": uow.config.default_zone.key})
    return [(row[0], row[1]) for row in rows]


@cached_statement
def _next_shops(*, due: bool) -> Select[Any]:
    """The next page of shops after `after`, with how many items each has; `due`: only the
    shops of `zone` (`default` for those without one) not checked on `day`."""
    after = bindparam("after", type_=Shop.id.type)
    items = select(func.count()).where(Item.shop_id == Shop.id).scalar_subquery()
    query = select(Shop.id, items).where(Shop.id > after)
    if due:
        zone = func.coalesce(Shop.timezone, bindparam("default", type_=Shop.timezone.type))
        day = bindparam("day", type_=Shop.last_checked_on.type)
        query = query.where(zone == bindparam("zone"), _not_checked_on(day))
    return query.order_by(Shop.id).limit(SHOPS_PER_PAGE)


def check_shop(uow: UnitOfWork, *, telegram_user_id: int) -> CheckReport:
    """`/check`: the daily check, now, for the admin's shop."""
    admin = require_member_ref(uow, telegram_user_id, admin=True)
    return check_one_shop(uow, admin.shop_id)
