"""A shop's room (SPEC 3.1) in the core: binding a group, cards queued for every change of an
alert, reminders as one digest there, and members' private Telegram alerts while it exists."""

from __future__ import annotations

import pytest

from core.alerts import cards, handling
from core.errors import AlreadyExists, InvalidInput, NotAllowed
from core.shops import chats, prefs, rooms
from core.stock import orders
from tests.conftest import Clock
from tests.core.conftest import ShopFixture, build_shop, snapshot
from tests.core.test_check import daily_check
from tests.core.test_lifecycle import add, outbox, remove, resolve, set_channels, who_gets

GROUP = -4001
SUPERGROUP = -1001234567890


def set_up(shop: ShopFixture, chat_id: int = GROUP, *, thread_id: int | None = None) -> None:
    shop.run(
        cards.set_up_room,
        telegram_user_id=shop.admin,
        chat_id=chat_id,
        thread_id=thread_id,
        title="Shop team",
    )


def room_rows(shop: ShopFixture, **filters: object) -> list[tuple[str, str, int | None, str]]:
    """(kind, recipient, alert id, status) of the outbox rows for rooms."""
    return [
        (row.kind, row.recipient, row.alert_id, row.status)
        for row in outbox(shop, channel="room", **filters)
    ]


def test_an_admin_makes_a_group_the_room_and_each_open_alert_gets_a_card(
    shop: ShopFixture,
) -> None:
    first = shop.add_item("Tea", 2).alert_opened
    second = shop.add_item("Coffee", 1).alert_opened

    set_up(shop, thread_id=7)

    assert room_rows(shop) == [
        ("card", str(GROUP), first, "pending"),
        ("card", str(GROUP), second, "pending"),
    ]
    view = shop.run(prefs.get_prefs, telegram_user_id=shop.staff[0])
    assert (view.room, view.private_alerts) == ("Shop team", False)
    assert all(row.member_id is None for row in outbox(shop, channel="room"))


def test_staff_cannot_set_up_a_room_and_nothing_changes(shop: ShopFixture) -> None:
    before = snapshot(shop.db)

    with pytest.raises(NotAllowed):
        shop.run(
            cards.set_up_room,
            telegram_user_id=shop.staff[0],
            chat_id=GROUP,
            thread_id=None,
            title="Shop team",
        )

    assert snapshot(shop.db) == before


def test_a_private_chat_or_another_shops_room_cannot_be_the_room_and_nothing_changes(
    shop: ShopFixture,
) -> None:
    other = build_shop(shop.db, admin=5000)
    set_up(other)
    before = snapshot(shop.db)

    with pytest.raises(AlreadyExists, match="already another shop's room"):
        set_up(shop)
    with pytest.raises(InvalidInput, match="in the group"):
        set_up(shop, chat_id=shop.admin)

    assert snapshot(shop.db) == before


def test_with_a_room_an_alert_is_one_card_there_and_email_and_whatsapp_stay_as_they_were(
    shop: ShopFixture,
) -> None:
    set_channels(shop)
    set_up(shop)

    alert_id = shop.add_item("Tea", 2).alert_opened

    assert room_rows(shop, kind="card") == [("card", str(GROUP), alert_id, "pending")]
    assert {(channel, kind) for _, channel, kind in _private(shop)} == {
        ("email", "alert"),
        ("whatsapp", "alert"),
    }


def _private(shop: ShopFixture) -> set[tuple[int, str, str]]:
    return {
        (row.member_id, row.channel, row.kind)
        for row in outbox(shop)
        if row.channel != "room" and row.kind != "verification"
    }


def test_a_member_who_turns_private_alerts_on_gets_them_privately_too(shop: ShopFixture) -> None:
    set_up(shop)
    shop.run(prefs.set_private_alerts, telegram_user_id=shop.staff[0], on=True)

    shop.add_item("Tea", 2)

    assert who_gets(shop, kind="alert", channel="telegram") == {
        (shop.staff[0], "telegram", str(shop.staff[0]))
    }


def test_changes_of_an_alert_queue_one_card_update_while_one_waits_unsent(
    shop: ShopFixture,
) -> None:
    set_up(shop)
    alert_id = shop.add_item("Tea", 2).alert_opened

    handling_calls = [
        lambda: shop.run(handling.ack_alert, telegram_user_id=shop.staff[0], alert_id=alert_id),
        lambda: shop.run(orders.order_item, telegram_user_id=shop.admin, name="Tea"),
        lambda: remove(shop, "Tea", 1),
        lambda: shop.run(
            handling.snooze_alert, telegram_user_id=shop.admin, alert_id=alert_id, duration="1d"
        ),
    ]
    for call in handling_calls:
        call()

    assert room_rows(shop, kind="card") == [("card", str(GROUP), alert_id, "pending")]


def test_once_a_card_is_sent_the_next_change_queues_another(shop: ShopFixture) -> None:
    set_up(shop)
    alert_id = shop.add_item("Tea", 2).alert_opened
    _mark_room_rows_sent(shop)

    resolve(shop, alert_id=alert_id)

    assert room_rows(shop, kind="card", status="pending") == [
        ("card", str(GROUP), alert_id, "pending")
    ]


def _mark_room_rows_sent(shop: ShopFixture) -> None:
    with shop.db.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE notifications SET status = 'sent', sent_at = created_at WHERE channel = 'room'"
        )


def test_reminders_go_to_the_room_as_one_digest_and_not_privately(
    shop: ShopFixture, clock: Clock
) -> None:
    set_up(shop)
    shop.add_item("Tea", 2)
    shop.add_item("Coffee", 1)
    _mark_room_rows_sent(shop)
    clock.advance(hours=24)

    daily_check(shop)

    digests = outbox(shop, kind="reminder_digest")
    assert [(row.channel, row.recipient) for row in digests] == [("room", str(GROUP))]
    names = [entry["item_name"] for entry in digests[0].payload["alerts"]]
    assert names == ["Coffee", "Tea"]


def test_setup_off_cancels_what_waits_for_the_room_and_private_alerts_come_back(
    shop: ShopFixture,
) -> None:
    set_up(shop)
    shop.add_item("Tea", 2)

    stopped = shop.run(rooms.unbind_room, telegram_user_id=shop.admin)
    shop.add_item("Coffee", 1)

    assert stopped.title == "Shop team"
    assert [status for *_, status in room_rows(shop)] == ["cancelled"]
    assert shop.staff[0] in {user for user, _, _ in who_gets(shop, kind="alert")}
    with pytest.raises(InvalidInput, match="no room"):
        shop.run(rooms.unbind_room, telegram_user_id=shop.admin)


def test_the_bot_removed_from_the_room_unbinds_it_and_names_the_admins_to_tell(
    shop: ShopFixture,
) -> None:
    set_up(shop)
    shop.add_item("Tea", 2)

    lost = shop.run(rooms.room_lost, chat_id=GROUP)
    again = shop.run(rooms.room_lost, chat_id=GROUP)

    assert lost is not None
    assert again is None
    assert (lost.title, lost.admin_chats) == ("Shop team", (shop.admin,))
    assert [status for *_, status in room_rows(shop)] == ["cancelled"]
    assert shop.run(prefs.get_prefs, telegram_user_id=shop.admin).room is None


def test_a_group_that_became_a_supergroup_stays_the_room_with_what_waits_and_its_cards(
    shop: ShopFixture,
) -> None:
    set_up(shop)
    alert_id = shop.add_item("Tea", 2).alert_opened
    with shop.db.engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE alerts SET card_chat_id = {GROUP}, card_message_id = 5")

    shop.run(chats.move_chat, old_chat_id=GROUP, new_chat_id=SUPERGROUP)

    assert room_rows(shop) == [("card", str(SUPERGROUP), alert_id, "pending")]
    [alert] = shop.alerts()
    assert (alert.card_chat_id, alert.card_message_id) == (SUPERGROUP, 5)
    member = shop.run(rooms.require_room_member, telegram_user_id=shop.staff[0], chat_id=SUPERGROUP)
    assert member.role == "staff"


def test_only_members_of_the_rooms_shop_may_use_it(shop: ShopFixture) -> None:
    other = build_shop(shop.db, admin=5000)
    set_up(shop)
    set_up(other, chat_id=-4002)

    with pytest.raises(NotAllowed, match="ask one of its admins for an invite"):
        shop.run(rooms.require_room_member, telegram_user_id=other.admin, chat_id=GROUP)
    with pytest.raises(NotAllowed, match="ask one of its admins for an invite"):
        shop.run(rooms.require_room_member, telegram_user_id=777, chat_id=GROUP)
    with pytest.raises(NotAllowed, match="not a shop's room yet"):
        shop.run(rooms.require_room_member, telegram_user_id=shop.admin, chat_id=-4999)


def test_a_restocked_alert_queues_its_card_and_no_private_back_in_stock(
    shop: ShopFixture, clock: Clock
) -> None:
    set_up(shop)
    alert_id = shop.add_item("Tea", 2).alert_opened
    _mark_room_rows_sent(shop)
    clock.advance(minutes=5)

    add(shop, "Tea", 10)

    assert room_rows(shop, status="pending") == [("card", str(GROUP), alert_id, "pending")]
    assert outbox(shop, kind="back_in_stock") == []
