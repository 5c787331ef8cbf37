"""An item's history for its chart: the opening quantity, the movements and alerts within the
span, orders, and another shop's item not found."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput, NotFound
from core.shops.members import require_member_ref
from core.stock import changes, orders
from core.stock.history import item_history, span_days, stock_history
from tests.conftest import Clock
from tests.core.conftest import ShopFixture, build_shop


def test_the_history_opens_with_the_quantity_before_the_span_and_holds_what_happened_in_it(
    shop: ShopFixture, clock: Clock
) -> None:
    shop.add_item("Green tea", 20, threshold=5)
    clock.advance(days=10)
    shop.run(changes.remove_stock, telegram_user_id=shop.admin, name="Green tea", amount=16)
    clock.advance(hours=2)
    shop.run(orders.order_item, telegram_user_id=shop.admin, name="Green tea", quantity=24)
    clock.advance(days=1)
    shop.run(changes.add_stock, telegram_user_id=shop.admin, name="Green tea", amount=24)
    clock.advance(days=1)

    week = shop.run(item_history, telegram_user_id=shop.admin, name="green tea", days=7)
    month = shop.run(item_history, telegram_user_id=shop.admin, name="Green tea", days=30)

    assert week.opening == 20
    assert [(quantity, reason) for _, quantity, reason in week.movements] == [
        (4, "remove"),
        (28, "add"),
    ]
    assert len(week.alerts) == 1
    opened, resolved = week.alerts[0]
    assert resolved is not None
    assert opened < week.orders[0] < resolved
    assert week.days == 7
    assert week.item.quantity == 28
    assert month.opening is None  # the item did not exist 30 days ago
    assert [reason for _, _, reason in month.movements] == ["create", "remove", "add"]


def test_another_shops_item_is_not_found_and_a_span_must_be_one_offered(
    shop: ShopFixture,
) -> None:
    shop.add_item("Green tea", 20)
    other = build_shop(shop.db, admin=5000)
    item_id = shop.add_item("Oolong", 3).item.id
    with shop.db.unit_of_work() as uow:
        other_shop = require_member_ref(uow, other.admin).shop_id

    with pytest.raises(NotFound), shop.db.unit_of_work() as uow:
        stock_history(uow, shop_id=other_shop, item_id=item_id, days=30)
    with pytest.raises(InvalidInput, match="7d, 30d or 90d"):
        span_days("12d")
    assert span_days(None) == 30
    assert span_days("90D") == 90
