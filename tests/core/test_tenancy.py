"""Shops are tenants: no service shows or changes another shop's rows, or any to an outsider."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.alerts import check, lifecycle
from core.db.models import Base
from core.errors import NotAMember, NotFound
from core.shops import members, onboarding, prefs
from core.stock import changes, queries, stats, thresholds
from tests.conftest import Clock
from tests.core.conftest import ShopFixture, build_shop, snapshot


@pytest.fixture
def other(shop: ShopFixture) -> ShopFixture:
    """A second shop in the same database: admin 2000, staff 2001."""
    return build_shop(shop.db, admin=2000, staff=1)


def rows_of_shop(shop: ShopFixture) -> dict[str, list[tuple[Any, ...]]]:
    """The shop's own rows of every table that has a shop column."""
    shop_id = shop.run(members.get_member, telegram_user_id=shop.admin).shop_id
    tables = [table for table in Base.metadata.sorted_tables if "shop_id" in table.c]
    with shop.db.engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(
                    select(table).where(table.c.shop_id == shop_id).order_by(table.c.id)
                )
            ]
            for table in tables
        }


def names(page: Any) -> list[tuple[str, int]]:
    """(name, quantity) of each item on a page of the stock list."""
    return [(item.name, item.quantity) for item in page.items]


def test_two_shops_may_have_items_of_the_same_name(shop: ShopFixture, other: ShopFixture) -> None:
    shop.add_item("Green Tea", 3)
    other.add_item("green  tea", 40)
    other.run(changes.add_stock, telegram_user_id=other.staff[0], name="Green Tea", amount=2)

    mine = shop.run(queries.list_items, telegram_user_id=shop.staff[0])
    theirs = other.run(queries.list_items, telegram_user_id=other.staff[0])

    assert names(mine) == [("Green Tea", 3)]
    assert names(theirs) == [("green tea", 42)]


@pytest.mark.parametrize(
    ("service", "arguments"),
    [
        (changes.set_quantity, {"quantity": 50}),
        (changes.add_stock, {"amount": 50}),
        (changes.remove_stock, {"amount": 1}),
        (changes.delete_item, {}),
        (queries.item_details, {}),
        (thresholds.set_item_threshold, {"threshold": 0}),
    ],
)
def test_another_shops_item_is_not_found_and_stays_as_it_was(
    shop: ShopFixture, other: ShopFixture, service: Any, arguments: dict[str, Any]
) -> None:
    shop.add_item("Saffron", 2)
    before = snapshot(shop.db)

    with pytest.raises(NotFound) as refused:
        other.run(service, telegram_user_id=other.admin, name="Saffron", **arguments)

    assert str(refused.value) == "There is no item called “Saffron”."
    assert snapshot(shop.db) == before


def not_found_message(shop: ShopFixture, service: Any, alert_id: int) -> str:
    """The reason a member of `shop` is given when asking about an alert id."""
    with pytest.raises(NotFound) as refused:
        shop.run(service, telegram_user_id=shop.staff[0], alert_id=alert_id)
    return str(refused.value)


@pytest.mark.parametrize("service", [lifecycle.get_alert, lifecycle.resolve_alert])
def test_another_shops_alert_looks_exactly_like_a_missing_one(
    shop: ShopFixture, other: ShopFixture, service: Any
) -> None:
    theirs = shop.add_item("Saffron", 2).alert_opened
    assert theirs is not None
    missing = theirs + 1000
    before = snapshot(shop.db)

    foreign = not_found_message(other, service, theirs)
    absent = not_found_message(other, service, missing)

    assert foreign == f"Alert #{theirs} was not found."
    assert absent == f"Alert #{missing} was not found."
    assert snapshot(shop.db) == before


@pytest.mark.parametrize("alert_id", [-7, 2**63])
@pytest.mark.parametrize("service", [lifecycle.get_alert, lifecycle.resolve_alert])
def test_an_alert_id_that_cannot_exist_is_simply_not_found(
    shop: ShopFixture, service: Any, alert_id: int
) -> None:
    shop.add_item("Saffron", 2)
    before = snapshot(shop.db)

    assert not_found_message(shop, service, alert_id) == f"Alert #{alert_id} was not found."
    assert snapshot(shop.db) == before


def test_another_shops_alert_cannot_be_resolved_by_item_name(
    shop: ShopFixture, other: ShopFixture
) -> None:
    shop.add_item("Saffron", 2)
    other.add_item("Saffron", 50)
    before = snapshot(shop.db)

    with pytest.raises(NotFound) as refused:
        other.run(lifecycle.resolve_alert, telegram_user_id=other.admin, item_name="saffron")

    assert str(refused.value) == "“saffron” has no open alert."
    assert snapshot(shop.db) == before


def test_alert_lists_show_only_the_members_own_shop(shop: ShopFixture, other: ShopFixture) -> None:
    shop.add_item("Saffron", 2)
    shop.add_item("Vanilla", 1)
    shop.run(changes.add_stock, telegram_user_id=shop.admin, name="Vanilla", amount=10)
    other.add_item("Pepper", 0)

    theirs = other.run(
        lifecycle.list_alerts, telegram_user_id=other.staff[0], include_resolved=True
    )
    mine = shop.run(lifecycle.list_alerts, telegram_user_id=shop.staff[0], include_resolved=True)

    assert [(alert.item_name, alert.is_open) for alert in theirs] == [("Pepper", True)]
    assert [(alert.item_name, alert.is_open) for alert in mine] == [
        ("Saffron", True),
        ("Vanilla", False),
    ]


def test_lists_and_stats_count_only_the_members_own_shop(
    shop: ShopFixture, other: ShopFixture
) -> None:
    for name, quantity in (("Saffron", 2), ("Vanilla", 0), ("Salt", 90)):
        shop.add_item(name, quantity)
    other.add_item("Salt", 1)

    figures = other.run(stats.shop_stats, telegram_user_id=other.admin)
    low = other.run(queries.list_items, telegram_user_id=other.admin, only_low=True)
    found = other.run(queries.list_items, telegram_user_id=other.admin, search="sa")

    assert (figures.items_total, figures.items_low, figures.items_out_of_stock) == (1, 1, 0)
    assert (figures.alerts_total, figures.alerts_open, figures.members) == (1, 1, 2)
    shop_id = other.run(members.get_member, telegram_user_id=other.admin).shop_id
    assert figures.notifications_pending == len(other.notifications(shop_id=shop_id))
    assert (names(low), low.total) == ([("Salt", 1)], 1)
    assert (names(found), found.total) == ([("Salt", 1)], 1)


def test_a_shops_check_and_thresholds_leave_other_shops_alone(
    shop: ShopFixture, other: ShopFixture, clock: Clock
) -> None:
    shop.add_item("Saffron", 2)
    shop.add_item("Salt", 7)
    other.add_item("Pepper", 1)
    clock.advance(hours=25)  # both alerts are due a reminder, which only their own check sends
    before = rows_of_shop(shop)

    report = other.run(check.check_shop, telegram_user_id=other.admin)
    other.run(thresholds.set_default_threshold, telegram_user_id=other.admin, threshold=100)

    assert (report.items_low, report.alerts_reminded, report.alerts_opened) == (1, 1, 0)
    assert rows_of_shop(shop) == before


OUTSIDER = 9999
MEMBER_SERVICES = [
    (members.get_member, {}),
    (onboarding.create_invite, {}),
    (prefs.get_prefs, {}),
    (prefs.set_email, {"email": "x@example.com"}),
    (prefs.set_whatsapp, {"number": "+14155552671"}),
    (prefs.set_notify, {"on": False}),
    (changes.create_item, {"name": "Tea", "quantity": 1}),
    (changes.set_quantity, {"name": "Tea", "quantity": 1}),
    (changes.add_stock, {"name": "Tea", "amount": 1}),
    (changes.remove_stock, {"name": "Tea", "amount": 1}),
    (changes.delete_item, {"name": "Tea"}),
    (queries.list_items, {}),
    (queries.item_details, {"name": "Tea"}),
    (lifecycle.list_alerts, {}),
    (lifecycle.get_alert, {"alert_id": 1}),
    (lifecycle.resolve_alert, {"alert_id": 1}),
    (lifecycle.resolve_alert, {"item_name": "Tea"}),
    (thresholds.set_default_threshold, {"threshold": 1}),
    (thresholds.set_item_threshold, {"name": "Tea", "threshold": 1}),
    (check.check_shop, {}),
    (stats.shop_stats, {}),
]


@pytest.mark.parametrize(
    ("service", "arguments"),
    MEMBER_SERVICES,
    ids=[f"{service.__name__}-{sorted(arguments)}" for service, arguments in MEMBER_SERVICES],
)
def test_someone_in_no_shop_is_told_so_by_every_member_service(
    shop: ShopFixture, service: Any, arguments: dict[str, Any]
) -> None:
    shop.add_item("Tea", 1)
    before = snapshot(shop.db)

    with pytest.raises(NotAMember) as refused:
        shop.run(service, telegram_user_id=OUTSIDER, **arguments)

    assert str(refused.value) == "You are not in a shop yet."
    assert snapshot(shop.db) == before
