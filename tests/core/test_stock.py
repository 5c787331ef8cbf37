"""Items and their quantities: the ledger, name rules, limits, and refusals that change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.db.models import Alert, Item, Movement
from core.errors import InsufficientStock, InvalidInput, NotFound
from core.shops import members
from core.stock import changes
from core.stock.queries import item_details, list_items
from tests.core.conftest import ShopFixture, snapshot


def ledger(shop: ShopFixture, item_id: int) -> list[tuple[str, int, int, int | None]]:
    """The item's movements, oldest first: (reason, delta, quantity after, member id)."""
    with shop.db.unit_of_work() as uow:
        rows = uow.session.execute(
            select(Movement.reason, Movement.delta, Movement.quantity_after, Movement.member_id)
            .where(Movement.item_id == item_id)
            .order_by(Movement.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def member_id(shop: ShopFixture, telegram_user_id: int) -> int:
    """The member row id of a Telegram user."""
    return int(shop.run(members.get_member, telegram_user_id=telegram_user_id).id)


def test_creating_an_item_writes_one_create_row_to_the_ledger(shop: ShopFixture) -> None:
    change = shop.add_item("Green Tea", 12)

    assert (change.item.name, change.item.quantity, change.delta) == ("Green Tea", 12, 12)
    assert ledger(shop, change.item.id) == [("create", 12, 12, member_id(shop, shop.admin))]


@pytest.mark.parametrize(
    ("service", "argument", "value", "reason", "delta", "after"),
    [
        (changes.set_quantity, "quantity", 4, "set", -6, 4),
        (changes.set_quantity, "quantity", 25, "set", 15, 25),
        (changes.add_stock, "amount", 7, "add", 7, 17),
        (changes.remove_stock, "amount", 3, "remove", -3, 7),
    ],
)
def test_each_quantity_change_writes_one_ledger_row_naming_the_member(
    shop: ShopFixture,
    service: Any,
    argument: str,
    value: int,
    reason: str,
    delta: int,
    after: int,
) -> None:
    item = shop.add_item("Rice", 10).item
    worker = shop.staff[0]

    change = shop.run(service, telegram_user_id=worker, name="rice", **{argument: value})

    assert (change.item.quantity, change.delta) == (after, delta)
    assert ledger(shop, item.id)[1:] == [(reason, delta, after, member_id(shop, worker))]


def test_the_ledger_adds_up_to_the_quantity_in_stock(shop: ShopFixture) -> None:
    item = shop.add_item("Flour", 8).item
    shop.run(changes.add_stock, telegram_user_id=shop.admin, name="Flour", amount=5)
    shop.run(changes.remove_stock, telegram_user_id=shop.staff[0], name="Flour", amount=11)
    shop.run(changes.set_quantity, telegram_user_id=shop.staff[1], name="Flour", quantity=30)
    shop.run(changes.remove_stock, telegram_user_id=shop.admin, name="Flour", amount=30)

    rows = ledger(shop, item.id)
    assert [row[0] for row in rows] == ["create", "add", "remove", "set", "remove"]
    assert sum(row[1] for row in rows) == 0
    assert [row[2] for row in rows] == [8, 13, 2, 30, 0]


def test_removing_more_than_in_stock_is_refused_and_changes_nothing(shop: ShopFixture) -> None:
    # A low item with an open alert and queued messages: none of that may move either.
    shop.add_item("Green Tea", 3)
    assert shop.alerts()
    assert shop.notifications()
    before = snapshot(shop.db)

    with pytest.raises(InsufficientStock) as refused:
        shop.run(changes.remove_stock, telegram_user_id=shop.staff[0], name="green tea", amount=4)

    assert str(refused.value) == "Only 3 of “Green Tea” in stock: cannot take out 4."
    assert snapshot(shop.db) == before


def test_removing_everything_leaves_zero_in_stock(shop: ShopFixture) -> None:
    shop.add_item("Green Tea", 3)

    change = shop.run(changes.remove_stock, telegram_user_id=shop.admin, name="Green Tea", amount=3)

    assert change.item.quantity == 0


def test_adding_beyond_a_billion_is_refused_and_changes_nothing(shop: ShopFixture) -> None:
    shop.add_item("Nails", 999_999_999)
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput) as refused:
        shop.run(changes.add_stock, telegram_user_id=shop.admin, name="Nails", amount=2)

    assert "more than 1,000,000,000" in str(refused.value)
    assert snapshot(shop.db) == before
    change = shop.run(changes.add_stock, telegram_user_id=shop.admin, name="Nails", amount=1)
    assert change.item.quantity == 1_000_000_000


@pytest.mark.parametrize(
    ("service", "arguments"),
    [
        (changes.set_quantity, {"quantity": 1}),
        (changes.add_stock, {"amount": 1}),
        (changes.remove_stock, {"amount": 1}),
        (changes.delete_item, {}),
        (item_details, {}),
    ],
)
def test_a_missing_item_is_not_found_by_name(
    shop: ShopFixture, service: Any, arguments: dict[str, int]
) -> None:
    shop.add_item("Green Tea", 10)
    before = snapshot(shop.db)

    with pytest.raises(NotFound) as refused:
        shop.run(service, telegram_user_id=shop.admin, name="Black  Tea", **arguments)

    assert str(refused.value) == "There is no item called “Black Tea”."
    assert snapshot(shop.db) == before


def test_deleting_an_item_frees_its_name_and_keeps_its_history(shop: ShopFixture) -> None:
    old = shop.add_item("Green Tea", 2).item
    shop.run(changes.add_stock, telegram_user_id=shop.staff[0], name="Green Tea", amount=1)

    deleted = shop.run(changes.delete_item, telegram_user_id=shop.admin, name="green tea")
    new = shop.add_item("Green Tea", 9).item

    admin = member_id(shop, shop.admin)
    assert (deleted.item.id, deleted.delta, deleted.alert_resolved) == (old.id, -3, 1)
    assert new.id != old.id
    assert ledger(shop, old.id) == [
        ("create", 2, 2, admin),
        ("add", 1, 3, member_id(shop, shop.staff[0])),
        ("delete", -3, 0, admin),
    ]
    with shop.db.unit_of_work() as uow:
        alerts = uow.session.execute(select(Alert.item_id, Alert.resolution)).all()
    assert [tuple(alert) for alert in alerts] == [(old.id, "deleted")]
    details = shop.run(item_details, telegram_user_id=shop.admin, name="Green Tea")
    assert (details.item.id, details.item.quantity) == (new.id, 9)
    assert [movement.reason for movement in details.movements] == ["create"]


def test_a_deleted_item_is_gone_from_the_list_and_from_changes(shop: ShopFixture) -> None:
    shop.add_item("Green Tea", 20)
    shop.add_item("Coffee", 20)
    shop.run(changes.delete_item, telegram_user_id=shop.admin, name="Green Tea")

    page = shop.run(list_items, telegram_user_id=shop.staff[0])

    assert [item.name for item in page.items] == ["Coffee"]
    with pytest.raises(NotFound):
        shop.run(changes.add_stock, telegram_user_id=shop.admin, name="Green Tea", amount=1)
    with shop.db.unit_of_work() as uow:
        assert uow.session.scalar(select(Item.quantity).where(Item.name == "Green Tea")) == 0


def test_the_stock_list_pages_through_items_in_name_order(shop: ShopFixture) -> None:
    for number in range(25, 0, -1):
        shop.add_item(f"Item {number:02d}", 10)

    pages = [
        shop.run(list_items, telegram_user_id=shop.staff[0], offset=offset, limit=10)
        for offset in (0, 10, 20)
    ]

    assert [page.total for page in pages] == [25, 25, 25]
    assert [len(page.items) for page in pages] == [10, 10, 5]
    names = [item.name for page in pages for item in page.items]
    assert names == [f"Item {number:02d}" for number in range(1, 26)]


def test_asking_for_a_page_past_the_end_shows_the_last_page(shop: ShopFixture) -> None:
    for number in range(1, 13):
        shop.add_item(f"Item {number:02d}", 10)

    page = shop.run(list_items, telegram_user_id=shop.admin, offset=40, limit=5)

    assert page.offset == 10
    assert [item.name for item in page.items] == ["Item 11", "Item 12"]


def test_the_stock_list_can_show_only_low_items(shop: ShopFixture) -> None:
    shop.add_item("Beans", 4)  # below the shop's default of 5
    shop.add_item("Rice", 5)  # at the threshold: not low
    shop.add_item("Oil", 9, threshold=10)  # below its own threshold
    shop.add_item("Corks", 0, threshold=0)  # threshold 0 never alerts

    page = shop.run(list_items, telegram_user_id=shop.admin, only_low=True)

    assert [(item.name, item.is_low) for item in page.items] == [("Beans", True), ("Oil", True)]
    assert page.total == 2


def test_the_stock_list_filters_by_text_in_the_name(shop: ShopFixture) -> None:
    for name in ("Green Tea", "TEAPOT", "Coffee", "Steak"):
        shop.add_item(name, 10)

    page = shop.run(list_items, telegram_user_id=shop.admin, search="tea")

    assert [item.name for item in page.items] == ["Green Tea", "Steak", "TEAPOT"]


@pytest.mark.parametrize(
    ("search", "expected"),
    [("%", ["100% Juice"]), ("_", ["a_b"]), ("a_b", ["a_b"]), ("\\", ["back\\slash"])],
)
def test_wildcard_characters_in_the_filter_are_taken_literally(
    shop: ShopFixture, search: str, expected: list[str]
) -> None:
    for name in ("100% Juice", "1000 Juice", "a_b", "axb", "back\\slash"):
        shop.add_item(name, 10)

    page = shop.run(list_items, telegram_user_id=shop.admin, search=search)

    assert [item.name for item in page.items] == expected


def test_item_details_show_the_open_alert_and_the_last_movements_newest_first(
    shop: ShopFixture,
) -> None:
    shop.add_item("Milk", 20)
    for amount in (2, 3, 4, 5, 6):
        shop.run(changes.remove_stock, telegram_user_id=shop.staff[0], name="Milk", amount=amount)

    details = shop.run(item_details, telegram_user_id=shop.staff[1], name="milk")

    assert (details.item.name, details.item.quantity, details.item.threshold) == ("Milk", 0, 5)
    assert details.open_alert is not None
    assert (details.open_alert.quantity_at_alert, details.open_alert.threshold_at_alert) == (0, 5)
    assert [(m.reason, m.delta, m.quantity_after) for m in details.movements] == [
        ("remove", -6, 0),
        ("remove", -5, 6),
        ("remove", -4, 11),
        ("remove", -3, 15),
        ("remove", -2, 18),
    ]
    assert {m.member_name for m in details.movements} == {f"Staff {shop.staff[0]}"}


def test_item_details_of_a_well_stocked_item_have_no_alert(shop: ShopFixture) -> None:
    shop.add_item("Milk", 20)

    details = shop.run(item_details, telegram_user_id=shop.admin, name="Milk")

    assert details.open_alert is None
    assert [(m.reason, m.member_name) for m in details.movements] == [
        ("create", f"Admin {shop.admin}")
    ]
