"""Properties of stock and alerts under any sequence of commands, on PostgreSQL and SQLite."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.alerts import check, lifecycle
from core.db.models import Alert, Item, Movement, Notification
from core.db.session import UnitOfWork
from core.errors import CoreError
from core.shops import prefs
from core.stock import changes, thresholds
from core.validation import MAX_QUANTITY
from tests.conftest import Clock
from tests.core.conftest import ShopFixture, snapshot

REPEAT = timedelta(hours=24)
MEMBERS = 3  # the `shop` fixture's admin and two staff, all told on Telegram only
_numbers = itertools.count()

quantities = st.integers(-2, 40) | st.sampled_from([MAX_QUANTITY, MAX_QUANTITY + 1])
amounts = st.integers(-1, 30) | st.just(MAX_QUANTITY)
own_thresholds = st.none() | st.integers(-1, 30)
spellings = st.sampled_from(
    [str, str.upper, str.lower, lambda name: f"  {name.replace(' ', '   ')} "]
)
commands = st.one_of(
    st.tuples(st.just("create"), quantities, own_thresholds),
    st.tuples(st.just("set"), quantities),
    st.tuples(st.just("add"), amounts),
    st.tuples(st.just("remove"), amounts),
    st.tuples(st.just("threshold"), own_thresholds),
    st.tuples(st.just("default"), st.integers(-1, 30)),
    st.tuples(st.just("resolve")),
    st.tuples(st.just("check")),
    st.tuples(st.just("wait"), st.sampled_from([1, 12, 24])),
)
valid_creations = st.tuples(st.just("create"), st.integers(0, 40), st.none() | st.integers(0, 30))


def _valid(number: int) -> bool:
    return 0 <= number <= MAX_QUANTITY


@dataclass
class Expected:
    """What the item should be after each command: the rules of SPEC 1 and 2, in plain Python."""

    default: int
    exists: bool = False
    quantity: int = 0
    own: int | None = None
    snoozed_until: datetime | None = None
    open: bool = False

    @property
    def low(self) -> bool:
        """Strictly below its own threshold, else the shop's default."""
        return self.quantity < (self.default if self.own is None else self.own)

    def evaluate(self, now: datetime) -> None:
        """Resolve when no longer low; open when low, none open and not snoozed."""
        if not self.low:
            self.snoozed_until, self.open = None, False
        elif not self.open and (self.snoozed_until is None or self.snoozed_until <= now):
            self.open = True

    def accepts(self, command: tuple[Any, ...]) -> bool:
        """Whether the core must carry the command out (else refuse it, changing nothing)."""
        match command:
            case ("wait", _) | ("check",):
                return True
            case ("default", threshold):
                return _valid(threshold)
            case ("create", quantity, threshold):
                new = not self.exists
                return new and _valid(quantity) and (threshold is None or _valid(threshold))
        if not self.exists:
            return False
        match command:
            case ("set", quantity):
                return _valid(quantity)
            case ("add", amount):
                return 1 <= amount <= MAX_QUANTITY - self.quantity
            case ("remove", amount):
                return 1 <= amount <= self.quantity
            case ("threshold", threshold):
                return threshold is None or _valid(threshold)
        return self.open  # /resolve needs an open alert

    def apply(self, command: tuple[Any, ...], now: datetime) -> None:
        """The effect of an accepted command."""
        match command:
            case ("create", quantity, threshold):
                self.exists, self.quantity, self.own = True, quantity, threshold
            case ("set", quantity):
                self.quantity = quantity
            case ("add", amount):
                self.quantity += amount
            case ("remove", amount):
                self.quantity -= amount
            case ("threshold", threshold):
                self.own = threshold
            case ("default", threshold):
                self.default = threshold
            case ("resolve",):
                self.open, self.snoozed_until = False, now + REPEAT
                return
            case ("wait", _):
                return
        self.evaluate(now)


def perform(shop: ShopFixture, command: tuple[Any, ...], typed: str) -> None:
    """Carry out one command through the core, as the bot would: stock by staff, the rest
    by the admin."""
    staff, admin = shop.staff[0], shop.admin
    match command:
        case ("create", quantity, threshold):
            shop.run(
                changes.create_item,
                telegram_user_id=staff,
                name=typed,
                quantity=quantity,
                threshold=threshold,
            )
        case ("set", quantity):
            shop.run(changes.set_quantity, telegram_user_id=staff, name=typed, quantity=quantity)
        case ("add", amount):
            shop.run(changes.add_stock, telegram_user_id=staff, name=typed, amount=amount)
        case ("remove", amount):
            shop.run(changes.remove_stock, telegram_user_id=staff, name=typed, amount=amount)
        case ("threshold", threshold):
            shop.run(
                thresholds.set_item_threshold,
                telegram_user_id=admin,
                name=typed,
                threshold=threshold,
            )
        case ("default", threshold):
            shop.run(thresholds.set_default_threshold, telegram_user_id=admin, threshold=threshold)
        case ("resolve",):
            shop.run(lifecycle.resolve_alert, telegram_user_id=staff, item_name=typed)
        case ("check",):
            shop.run(check.check_shop, telegram_user_id=admin)


@dataclass(frozen=True)
class Observed:
    """The item as the database holds it."""

    quantity: int
    ledger_sum: int
    last_quantity_after: int
    snoozed: bool
    open_alerts: int
    alerts: int
    alert_messages: int


def _count(uow: UnitOfWork, query: Any) -> int:
    return uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def observe(shop: ShopFixture, name: str) -> Observed | None:
    """The item of that name, its ledger, alerts and alert messages; None if absent."""
    with shop.db.unit_of_work() as uow:
        item = uow.session.scalar(select(Item).where(Item.name == name))
        if item is None:
            return None
        ledger = select(Movement).where(Movement.item_id == item.id)
        last = uow.session.scalars(ledger.order_by(Movement.id.desc()).limit(1)).one()
        alert_ids = select(Alert.id).where(Alert.item_id == item.id)
        told = select(Notification.id).where(
            Notification.kind == "alert", Notification.alert_id.in_(alert_ids)
        )
        return Observed(
            quantity=item.quantity,
            ledger_sum=sum(movement.delta for movement in uow.session.scalars(ledger)),
            last_quantity_after=last.quantity_after,
            snoozed=item.alert_snoozed_until is not None,
            open_alerts=_count(uow, alert_ids.where(Alert.resolved_at.is_(None))),
            alerts=_count(uow, alert_ids),
            alert_messages=_count(uow, told),
        )


def check_invariants(seen: Observed, expected: Expected) -> None:
    """The ledger explains the quantity, and an alert is open exactly when the item is low."""
    assert seen.quantity == expected.quantity >= 0
    assert seen.ledger_sum == seen.last_quantity_after == seen.quantity
    assert seen.open_alerts == int(expected.open) <= 1
    # Open exactly when low, except while a manual resolve keeps a low item quiet.
    assert bool(seen.open_alerts) == expected.low or (expected.low and seen.snoozed)
    assert seen.alert_messages == MEMBERS * seen.alerts


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=valid_creations, rest=st.lists(st.tuples(commands, spellings), max_size=15))
def test_any_sequence_of_commands_keeps_the_ledger_and_alerts_consistent(
    shop: ShopFixture,
    clock: Clock,
    first: tuple[Any, ...],
    rest: list[tuple[tuple[Any, ...], Callable[[str], str]]],
) -> None:
    name = f"Item {next(_numbers)}"  # each example starts from an item no one has touched
    default = shop.run(prefs.get_prefs, telegram_user_id=shop.admin).shop_default_threshold
    expected = Expected(default=default)
    for command, spelling in [(first, str), *rest]:
        event(f"{command[0]} {'carried out' if expected.accepts(command) else 'refused'}")
        if command[0] == "wait":
            clock.advance(hours=command[1])
        elif expected.accepts(command):
            perform(shop, command, spelling(name))
        else:
            before = snapshot(shop.db)
            with pytest.raises(CoreError):
                perform(shop, command, spelling(name))
            assert snapshot(shop.db) == before
            continue
        expected.apply(command, clock.now)
        seen = observe(shop, name)
        assert seen is not None
        check_invariants(seen, expected)
