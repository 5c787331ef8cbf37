"""The alert lifecycle of one item (SPEC 2.1-2.5), on PostgreSQL and SQLite."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

from core.alerts import lifecycle
from core.db.models import Alert, Item, Member, Notification
from core.db.session import CoreConfig, Database
from core.errors import InvalidInput, NotFound
from core.results import AlertView
from core.shops import onboarding, prefs
from core.stock import changes, thresholds
from tests.conftest import Clock
from tests.core.conftest import ShopFixture, build_shop, snapshot

ADMIN_EMAIL = "boss@example.com"
STAFF_WHATSAPP = "+14155550123"
T = TypeVar("T")


def outbox(shop: ShopFixture, **filters: object) -> list[Notification]:
    """Outbox rows, oldest first, filtered by column values, readable after the session; the
    codes that verified the members' addresses left out."""
    rows = _rows(shop, Notification, Notification.id, filters)
    return [row for row in rows if row.kind != "verification"]


def alert_rows(shop: ShopFixture, **filters: object) -> list[Alert]:
    """Alert rows, oldest first, filtered by column values, readable after the session."""
    return _rows(shop, Alert, Alert.id, filters)


def _rows(shop: ShopFixture, model: type[T], order: Any, filters: dict[str, object]) -> list[T]:
    with shop.db.unit_of_work() as uow:
        found = list(uow.session.scalars(select(model).filter_by(**filters).order_by(order)))
        # Detached before the unit of work rolls back, so the loaded values stay readable.
        uow.session.expunge_all()
        return found


def member_id(shop: ShopFixture, telegram_user_id: int) -> int:
    """The database id of a member, for comparing with outbox and alert rows."""
    with shop.db.unit_of_work() as uow:
        return uow.session.scalars(
            select(Member.id).where(Member.telegram_user_id == telegram_user_id)
        ).one()


def who_gets(shop: ShopFixture, **filters: object) -> set[tuple[int, str, str]]:
    """(member's Telegram id, channel, recipient) of each queued outbox row matching filters."""
    with shop.db.unit_of_work() as uow:
        telegram_ids = dict(uow.session.execute(select(Member.id, Member.telegram_user_id)).all())
    rows = outbox(shop, **filters)
    return {(telegram_ids[row.member_id], row.channel, row.recipient) for row in rows}


def remove(shop: ShopFixture, name: str, amount: int, *, by: int | None = None) -> int | None:
    """Take stock out; the id of the alert this opened, if any."""
    change = shop.run(
        changes.remove_stock, telegram_user_id=by or shop.admin, name=name, amount=amount
    )
    return change.alert_opened


def add(shop: ShopFixture, name: str, amount: int, *, by: int | None = None) -> int | None:
    """Put stock in; the id of the alert this resolved, if any."""
    change = shop.run(
        changes.add_stock, telegram_user_id=by or shop.admin, name=name, amount=amount
    )
    return change.alert_resolved


def set_channels(shop: ShopFixture) -> None:
    """Admin: Telegram and email; first staff: Telegram and WhatsApp; second staff: alerts off."""
    shop.verified_email(shop.admin, ADMIN_EMAIL)
    shop.verified_whatsapp(shop.staff[0], STAFF_WHATSAPP)
    shop.run(prefs.set_notify, telegram_user_id=shop.staff[1], on=False)


def item_threshold(shop: ShopFixture, name: str, threshold: int | None) -> None:
    """Set or clear an item's own threshold as the admin."""
    shop.run(
        thresholds.set_item_threshold, telegram_user_id=shop.admin, name=name, threshold=threshold
    )


def default_threshold(shop: ShopFixture, threshold: int) -> tuple[int, int]:
    """Set the shop's default threshold; (alerts opened, alerts resolved)."""
    change = shop.run(
        thresholds.set_default_threshold, telegram_user_id=shop.admin, threshold=threshold
    )
    return change.alerts_opened, change.alerts_resolved


def open_alert_of(shop: ShopFixture, name: str) -> Alert | None:
    """The open alert of the item with that name, if it has one."""
    with shop.db.unit_of_work() as uow:
        item_ids = select(Item.id).where(Item.name == name)
        query = select(Alert.id).where(Alert.item_id.in_(item_ids), Alert.resolved_at.is_(None))
        alert_id = uow.session.scalar(query)
    return None if alert_id is None else alert_rows(shop, id=alert_id)[0]


# Threshold semantics (SPEC 1, "threshold").


def test_four_below_a_threshold_of_five_is_low_and_five_is_not(shop: ShopFixture) -> None:
    assert shop.add_item("Tea", 5).alert_opened is None
    assert alert_rows(shop) == []

    opened = remove(shop, "Tea", 1)

    [alert] = alert_rows(shop)
    assert (alert.id, alert.quantity, alert.threshold) == (opened, 4, 5)


def test_an_items_own_threshold_wins_over_the_shop_default(shop: ShopFixture) -> None:
    assert shop.add_item("Tea", 4, threshold=3).alert_opened is None
    assert shop.add_item("Coffee", 7, threshold=8).alert_opened is not None

    [alert] = alert_rows(shop)
    assert (alert.quantity, alert.threshold) == (7, 8)


def test_a_threshold_of_zero_never_alerts(shop: ShopFixture) -> None:
    shop.add_item("Tea", 3, threshold=0)
    shop.run(changes.set_quantity, telegram_user_id=shop.admin, name="Tea", quantity=0)
    default_threshold(shop, 0)
    shop.add_item("Sugar", 0)

    assert alert_rows(shop) == []
    assert outbox(shop) == []


def test_raising_the_default_threshold_opens_alerts_at_once(shop: ShopFixture) -> None:
    shop.add_item("Tea", 6)
    shop.add_item("Coffee", 9)
    shop.add_item("Milk", 20)
    shop.add_item("Salt", 1, threshold=0)
    assert alert_rows(shop) == []

    assert default_threshold(shop, 10) == (2, 0)

    opened = {(alert.quantity, alert.threshold) for alert in alert_rows(shop, resolved_at=None)}
    assert opened == {(6, 10), (9, 10)}
    queued = {row.payload["item_name"] for row in outbox(shop, kind="alert")}
    assert queued == {"Tea", "Coffee"}


def test_lowering_the_default_threshold_resolves_its_alerts(shop: ShopFixture) -> None:
    shop.add_item("Tea", 3)
    shop.add_item("Coffee", 1)

    assert default_threshold(shop, 2) == (0, 1)

    tea = alert_rows(shop, quantity=3)[0]
    assert (tea.resolution, tea.resolved_by) == ("restocked", None)
    assert open_alert_of(shop, "Coffee") is not None
    back = outbox(shop, kind="back_in_stock")
    assert {row.alert_id for row in back} == {tea.id}


def test_changing_an_items_threshold_opens_and_resolves_its_alert_at_once(
    shop: ShopFixture,
) -> None:
    shop.add_item("Tea", 6)

    item_threshold(shop, "Tea", 7)
    first = open_alert_of(shop, "Tea")
    assert first is not None
    assert first.threshold == 7

    item_threshold(shop, "Tea", 6)
    assert open_alert_of(shop, "Tea") is None
    [closed] = alert_rows(shop, id=first.id)
    assert closed.resolution == "restocked"

    item_threshold(shop, "Tea", 10)
    second = open_alert_of(shop, "Tea")
    assert second is not None
    assert second.threshold == 10


def test_clearing_an_items_threshold_falls_back_to_the_shop_default(shop: ShopFixture) -> None:
    shop.add_item("Tea", 3, threshold=2)
    assert alert_rows(shop) == []

    change = shop.run(
        thresholds.set_item_threshold, telegram_user_id=shop.admin, name="Tea", threshold=None
    )

    assert change.item is not None
    assert (change.item.own_threshold, change.item.threshold) == (None, 5)
    alert = open_alert_of(shop, "Tea")
    assert alert is not None
    assert alert.threshold == 5


# Opening an alert (SPEC 2.2).


def test_dropping_below_opens_one_alert_for_every_member_on_their_channels(
    shop: ShopFixture, clock: Clock
) -> None:
    set_channels(shop)
    shop.add_item("Tea", 6)
    clock.advance(hours=1)

    alert_id = remove(shop, "Tea", 2, by=shop.staff[0])

    [alert] = alert_rows(shop)
    assert alert.id == alert_id
    assert (alert.quantity, alert.threshold) == (4, 5)
    assert alert.created_at == alert.last_notified_at == clock.now
    assert alert.next_reminder_at == clock.now + timedelta(hours=24)
    assert (alert.resolved_at, alert.resolution, alert.resolved_by) == (None, None, None)
    admin, staff = shop.admin, shop.staff[0]
    assert who_gets(shop) == {
        (admin, "telegram", str(admin)),
        (admin, "email", ADMIN_EMAIL),
        (staff, "telegram", str(staff)),
        (staff, "whatsapp", STAFF_WHATSAPP),
    }
    rows = outbox(shop)
    assert {row.kind for row in rows} == {"alert"}
    assert {row.alert_id for row in rows} == {alert_id}
    assert all(row.status == "pending" and row.created_at == clock.now for row in rows)
    expected = {"alert_id": alert_id, "item_name": "Tea", "quantity": 4, "threshold": 5}
    assert all(row.payload == expected for row in rows)
    assert len({row.idempotency_key for row in rows}) == len(rows)


def test_a_member_with_alerts_off_is_told_nothing(shop: ShopFixture) -> None:
    for user in shop.staff:
        shop.run(prefs.set_notify, telegram_user_id=user, on=False)

    shop.add_item("Tea", 2)

    assert who_gets(shop) == {(shop.admin, "telegram", str(shop.admin))}


@pytest.mark.parametrize(
    ("channels", "expected"),
    [
        ({"telegram"}, {"telegram"}),
        ({"telegram", "email"}, {"telegram", "email"}),
        ({"telegram", "whatsapp"}, {"telegram", "whatsapp"}),
    ],
)
def test_email_and_whatsapp_are_queued_only_when_their_channel_is_on(
    shop: ShopFixture, config: CoreConfig, clock: Clock, channels: set[str], expected: set[str]
) -> None:
    shop.verified_email(shop.admin, ADMIN_EMAIL)
    shop.verified_whatsapp(shop.admin, STAFF_WHATSAPP)
    narrow = Database(shop.db.engine, replace(config, channels=frozenset(channels)), clock)

    replace(shop, db=narrow).add_item("Tea", 1)

    assert {row.channel for row in outbox(shop, member_id=member_id(shop, shop.admin))} == (
        expected
    )
    assert {row.channel for row in outbox(shop)} == expected


def test_creating_an_item_that_is_already_low_opens_an_alert(shop: ShopFixture) -> None:
    change = shop.add_item("Tea", 0)

    [alert] = alert_rows(shop)
    assert change.alert_opened == alert.id
    assert (alert.quantity, alert.threshold) == (0, 5)
    assert len(outbox(shop, kind="alert")) == 3


# Staying low (SPEC 2.3).


def test_an_item_that_stays_low_raises_no_second_alert_and_no_new_message(
    shop: ShopFixture, clock: Clock
) -> None:
    set_channels(shop)
    shop.add_item("Tea", 6)
    remove(shop, "Tea", 2)
    queued = snapshot(shop.db)["notifications"]

    for _ in range(3):
        clock.advance(hours=2)
        assert remove(shop, "Tea", 1) is None
    shop.run(changes.set_quantity, telegram_user_id=shop.admin, name="Tea", quantity=0)
    assert add(shop, "Tea", 4) is None

    [alert] = alert_rows(shop)
    assert (alert.resolved_at, alert.quantity) == (None, 4)
    assert snapshot(shop.db)["notifications"] == queued


# Restocking (SPEC 2.4).


def test_restocking_resolves_the_alert_and_says_back_in_stock_to_those_who_were_told(
    shop: ShopFixture, clock: Clock
) -> None:
    set_channels(shop)
    shop.run(prefs.set_notify, telegram_user_id=shop.staff[1], on=True)
    shop.add_item("Tea", 3)
    # Told of the alert, but turned alerts off since: no follow-up either.
    shop.run(prefs.set_notify, telegram_user_id=shop.staff[1], on=False)
    # Joined after the alert: never told, so nothing comes back to them.
    code = shop.run(onboarding.create_invite, telegram_user_id=shop.admin).code
    shop.run(onboarding.join, telegram_user_id=1009, chat_id=1009, display_name="New", code=code)
    clock.advance(hours=3)

    resolved_id = add(shop, "Tea", 10, by=shop.staff[0])

    [alert] = alert_rows(shop)
    assert alert.id == resolved_id
    assert (alert.resolution, alert.resolved_at) == ("restocked", clock.now)
    assert alert.resolved_by == member_id(shop, shop.staff[0])
    assert who_gets(shop, kind="back_in_stock") == {
        (shop.admin, "telegram", str(shop.admin)),
        (shop.staff[0], "telegram", str(shop.staff[0])),
    }
    back = outbox(shop, kind="back_in_stock")
    assert all(row.payload["quantity"] == 13 and row.alert_id == alert.id for row in back)


def test_a_restock_that_leaves_the_item_low_keeps_the_alert_open(shop: ShopFixture) -> None:
    shop.add_item("Tea", 1)

    assert add(shop, "Tea", 3) is None

    assert open_alert_of(shop, "Tea") is not None
    assert outbox(shop, kind="back_in_stock") == []


def test_a_stocktake_up_to_the_threshold_resolves_the_alert(shop: ShopFixture) -> None:
    shop.add_item("Tea", 1)

    change = shop.run(changes.set_quantity, telegram_user_id=shop.staff[1], name="tea", quantity=5)

    [alert] = alert_rows(shop)
    assert change.alert_resolved == alert.id
    assert (alert.resolution, alert.resolved_by) == ("restocked", member_id(shop, shop.staff[1]))


# Resolving by hand (SPEC 2.5) and deleting.


def resolve(shop: ShopFixture, *, by: int | None = None, **target: object) -> AlertView:
    """/resolve ID or /resolve NAME."""
    return shop.run(lifecycle.resolve_alert, telegram_user_id=by or shop.admin, **target)


def test_resolving_by_id_closes_the_alert_by_hand(shop: ShopFixture, clock: Clock) -> None:
    alert_id = shop.add_item("Tea", 2).alert_opened
    clock.advance(hours=1)

    view = resolve(shop, alert_id=alert_id, by=shop.staff[0])

    assert (view.resolution, view.resolved_at, view.resolved_by_name) == (
        "manual",
        clock.now,
        f"Staff {shop.staff[0]}",
    )
    [alert] = alert_rows(shop)
    assert (alert.resolution, alert.resolved_by) == ("manual", member_id(shop, shop.staff[0]))
    assert outbox(shop, kind="back_in_stock") == []


def test_resolving_by_name_closes_that_items_alert(shop: ShopFixture) -> None:
    shop.add_item("Earl Grey", 2)
    shop.add_item("Coffee", 1)

    view = resolve(shop, item_name="  earl   GREY ")

    assert (view.item_name, view.resolution) == ("Earl Grey", "manual")
    assert open_alert_of(shop, "Earl Grey") is None
    assert open_alert_of(shop, "Coffee") is not None


def test_after_a_manual_resolve_the_item_stays_quiet_for_the_repeat_interval(
    shop: ShopFixture, clock: Clock
) -> None:
    first = shop.add_item("Tea", 4).alert_opened
    resolve(shop, alert_id=first)
    queued = len(outbox(shop))

    clock.advance(hours=24, microseconds=-1)
    assert remove(shop, "Tea", 1) is None
    assert open_alert_of(shop, "Tea") is None
    assert len(outbox(shop)) == queued

    clock.advance(microseconds=1)
    second = remove(shop, "Tea", 1)

    alert = open_alert_of(shop, "Tea")
    assert alert is not None
    assert alert.id == second != first
    assert (alert.quantity, alert.created_at) == (2, clock.now)
    assert len(outbox(shop, alert_id=second, kind="alert")) == 3


def test_an_item_restocked_after_a_manual_resolve_alerts_as_soon_as_it_falls_again(
    shop: ShopFixture, clock: Clock
) -> None:
    first = shop.add_item("Tea", 4).alert_opened
    resolve(shop, alert_id=first)
    clock.advance(hours=1)
    assert add(shop, "Tea", 6) is None  # nothing open to resolve, but the snooze is lifted

    second = remove(shop, "Tea", 7)

    assert second is not None
    assert second != first
    assert len(outbox(shop, alert_id=second, kind="alert")) == 3


def test_resolving_an_alert_already_resolved_is_refused_and_changes_nothing(
    shop: ShopFixture,
) -> None:
    alert_id = shop.add_item("Tea", 2).alert_opened
    resolve(shop, alert_id=alert_id)
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput, match=f"Alert #{alert_id} is already resolved"):
        resolve(shop, alert_id=alert_id, by=shop.staff[0])

    assert snapshot(shop.db) == before


def test_resolving_by_name_without_an_open_alert_is_refused(shop: ShopFixture) -> None:
    shop.add_item("Tea", 20)
    before = snapshot(shop.db)

    with pytest.raises(NotFound, match="“tea” has no open alert"):
        resolve(shop, item_name="tea")
    with pytest.raises(NotFound, match="no item called “Cocoa”"):
        resolve(shop, item_name="Cocoa")

    assert snapshot(shop.db) == before


def test_another_shops_alert_is_not_found_exactly_like_a_missing_one(shop: ShopFixture) -> None:
    other = build_shop(shop.db, admin=2000)
    theirs = other.add_item("Tea", 1).alert_opened
    assert theirs is not None
    missing = theirs + 1000
    before = snapshot(shop.db)

    answers = []
    for alert_id in (theirs, missing):
        for service in (lifecycle.resolve_alert, lifecycle.get_alert):
            with pytest.raises(NotFound) as error:
                shop.run(service, telegram_user_id=shop.admin, alert_id=alert_id)
            answers.append(str(error.value).replace(str(alert_id), "ID"))

    assert set(answers) == {"Alert #ID was not found."}
    assert snapshot(shop.db) == before


def test_deleting_an_item_resolves_its_alert_without_a_back_in_stock_message(
    shop: ShopFixture, clock: Clock
) -> None:
    alert_id = shop.add_item("Tea", 2).alert_opened
    clock.advance(hours=1)

    change = shop.run(changes.delete_item, telegram_user_id=shop.admin, name="Tea")

    [alert] = alert_rows(shop)
    assert change.alert_resolved == alert.id == alert_id
    assert (alert.resolution, alert.resolved_at) == ("deleted", clock.now)
    assert alert.resolved_by == member_id(shop, shop.admin)
    assert outbox(shop, kind="back_in_stock") == []
