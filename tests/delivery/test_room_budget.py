"""The room's budget at claim time (SPEC 3.1): at most 20 messages a minute to a room, edits
included; waiting updates of one card are one edit; new cards beyond the budget are folded into
one digest so every alert still shows; edits wait for the window. Nothing is dropped."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.db.session import Database
from core.delivery.claims import claim_due
from core.delivery.outcomes import record_outcome
from core.delivery.rooms import ROOM_MESSAGES_PER_MINUTE
from core.delivery.types import Claim, Outcome, RetryPolicy
from tests.conftest import Clock
from tests.core.conftest import ShopFixture, build_shop
from tests.core.test_lifecycle import remove
from tests.core.test_rooms import GROUP, set_up

LEASE = timedelta(minutes=5)
POLICY = RetryPolicy(max_attempts=3)


@pytest.fixture
def shop(db: Database) -> ShopFixture:
    return build_shop(db, admin=1000, staff=2)


def set_leased(shop: ShopFixture, leased: bool) -> None:
    """Mark the room's pending rows as being sent by a relay, or not."""
    lease = "'2999-01-01 00:00:00'" if leased else "NULL"
    with shop.db.engine.begin() as connection:
        connection.exec_driver_sql(
            f"UPDATE notifications SET claimed_until = {lease}"
            " WHERE channel = 'room' AND status = 'pending'"
        )


def claim_room(shop: ShopFixture) -> list[Claim]:
    """One claim of the room channel, as the room's lane makes it (one row per room)."""
    with shop.db.unit_of_work() as uow:
        return claim_due(
            uow,
            channels=["room"],
            limit=10,
            lease=LEASE,
            one_per_recipient=True,
            room_budget=ROOM_MESSAGES_PER_MINUTE,
        )


def sent(shop: ShopFixture, claim: Claim, message_id: int | None = None) -> None:
    card = None if message_id is None else (GROUP, message_id)
    with shop.db.unit_of_work() as uow:
        assert record_outcome(uow, claim, Outcome.sent(card=card), POLICY) is not None


def deliver_all(shop: ShopFixture, clock: Clock, *, step: float = 1.0) -> list[tuple[float, Claim]]:
    """Claim and send the room's rows one by one, `step` seconds apart, as the lane paces
    them, until none is left (moving the clock on while the minute is full)."""
    delivered: list[tuple[float, Claim]] = []
    elapsed = 0.0
    for message_id in range(1, 200):
        claims = claim_room(shop)
        if not claims and not shop.notifications(channel="room", status="pending"):
            return delivered
        for claim in claims:
            sent(shop, claim, message_id if claim.kind == "card" else None)
            delivered.append((elapsed, claim))
        clock.advance(seconds=step)
        elapsed += step
    raise AssertionError("the room's rows never all went")


def most_in_a_minute(times: list[float]) -> int:
    return max(sum(1 for t in times if start <= t < start + 60) for start in times)


def test_thirty_new_alerts_take_twenty_messages_and_every_alert_is_shown_in_the_minute(
    shop: ShopFixture, clock: Clock
) -> None:
    set_up(shop)
    opened = {shop.add_item(f"Item {n:02}", 1).alert_opened for n in range(30)}

    delivered = deliver_all(shop, clock)

    assert len(delivered) == 20
    assert max(at for at, _ in delivered) < 60
    cards = [claim.alert_id for _, claim in delivered if claim.kind == "card"]
    [digest] = [claim for _, claim in delivered if claim.kind == "held_digest"]
    listed = {entry["alert_id"] for entry in digest.payload["alerts"]}
    assert len(cards) == 19
    assert len(listed) == 11
    assert set(cards) | listed == opened
    assert {row.status for row in shop.notifications(channel="room")} == {"sent", "folded"}


def test_updates_of_one_card_that_waited_together_are_one_edit(
    shop: ShopFixture, clock: Clock
) -> None:
    set_up(shop)
    shop.add_item("Tea", 2)
    deliver_all(shop, clock)
    remove(shop, "Tea", 1)
    set_leased(shop, True)  # being sent, perhaps with the figures from before the next change
    remove(shop, "Tea", 1)
    set_leased(shop, False)  # its relay died: both wait now
    assert len(shop.notifications(channel="room", status="pending")) == 2

    delivered = deliver_all(shop, clock)

    assert [claim.kind for _, claim in delivered] == ["card"]
    assert [row.status for row in shop.notifications(channel="room")][-2:] == ["sent", "folded"]


def test_a_full_minute_puts_the_next_message_off_until_a_slot_frees(
    shop: ShopFixture, clock: Clock
) -> None:
    set_up(shop)
    for n in range(20):
        shop.add_item(f"Item {n:02}", 1)
    first = deliver_all(shop, clock)
    assert len(first) == 20  # twenty cards, none folded: they fit the minute

    shop.add_item("Late tea", 1)
    assert claim_room(shop) == []
    [waiting] = shop.notifications(channel="room", status="pending")
    assert waiting.next_attempt_at == clock.now - timedelta(seconds=20) + timedelta(minutes=1)

    clock.advance(seconds=40)
    [late] = claim_room(shop)
    assert (late.kind, late.payload["item_name"]) == ("card", "Late tea")


def test_edits_beyond_the_budget_wait_their_turn_instead_of_being_folded(
    shop: ShopFixture, clock: Clock
) -> None:
    set_up(shop)
    for n in range(15):
        shop.add_item(f"Item {n:02}", 2)
    deliver_all(shop, clock)
    for n in range(15):  # each card changes: fifteen edits
        remove(shop, f"Item {n:02}", 1)

    delivered = deliver_all(shop, clock)

    assert [claim.kind for _, claim in delivered] == ["card"] * 15
    times = [at for at, _ in delivered]
    assert most_in_a_minute(times) <= 20
