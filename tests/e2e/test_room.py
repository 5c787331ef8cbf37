"""The shop's room end to end (SPEC 3.1): a group with three members, one card per alert edited
as people act on it, through the real bot, its relay and the local Bot API."""

from __future__ import annotations

from tests.bot.harness import ADMIN, STAFF, STRANGER, Shopfront
from tests.conftest import Clock
from tests.e2e.rooms import ANNA_TOO, open_room, private_alerts


async def test_an_alerts_life_is_one_card_in_the_room_edited_for_everyone(
    live: Shopfront,
) -> None:
    room = await open_room(live)
    marker = live.api.mark()

    added = await room.say(ADMIN, "/additem Green tea 3", contains="Added Green tea")
    card = await room.card("Green tea", after=marker, contains="Low stock")

    assert added.chat_id == room.chat_id
    assert card.method == "sendMessage"
    assert "Green tea: 3 left, below the threshold of 5." in (card.plain_text or "")
    labels = [button["text"] for button in card.buttons]
    assert labels == ["Resolve", "Restock", "I'm on it", "Ordered", "Snooze 1d"]

    step = live.api.mark()
    answer = await room.press(STAFF, card, "I'm on it")
    taken = await room.card("Green tea", after=step, contains="Sam is on it")
    assert answer["text"] == "You are on alert #1."
    assert (taken.method, taken.message_id) == ("editMessageText", card.message_id)

    await room.settled(2)
    before = live.state()
    refused = await room.press(STRANGER, card, "Resolve")
    assert refused["show_alert"] is True
    assert "ask one of its admins for an invite" in refused["text"]
    assert live.state() == before

    step = live.api.mark()
    await room.say(ANNA_TOO, "/ordered Green tea 48 2026-03-06", contains="48 Green tea on order")
    ordered = await room.card("Green tea", after=step, contains="48 ordered, due Fri 6 Mar")
    assert ordered.message_id == card.message_id
    assert "Sam is on it" in (ordered.plain_text or "")

    step = live.api.mark()
    await room.say(STAFF, "/received Green tea 48", contains="Received 48 Green tea")
    restocked = await room.card("Green tea", after=step, contains="Back in stock")
    assert restocked.message_id == card.message_id
    assert restocked.buttons == []
    assert "Green tea: 51 now · restocked by Sam" in (restocked.plain_text or "")

    assert {m.message_id for m in room.cards()} == {card.message_id}
    assert private_alerts(live) == []
    assert live.api.group_limit_refusals == []


async def test_resolving_from_the_card_says_who_resolved_it_and_takes_its_buttons(
    live: Shopfront,
) -> None:
    room = await open_room(live)
    marker = live.api.mark()
    await room.say(ADMIN, "/additem Oat milk 0", contains="Added Oat milk")
    card = await room.card("Oat milk", after=marker, contains="Out of stock")

    step = live.api.mark()
    answer = await room.press(ANNA_TOO, card, "Resolve")
    resolved = await room.card("Oat milk", after=step, contains="Resolved by Olga")

    assert answer["text"] == "Alert #1 resolved."
    assert (resolved.message_id, resolved.buttons) == (card.message_id, [])
    assert live.sql("SELECT resolution FROM alerts") == [("manual",)]


async def test_a_member_who_wants_private_alerts_too_gets_them_and_the_others_do_not(
    live: Shopfront,
) -> None:
    room = await open_room(live)
    done = await live.say(STAFF, "/notify private on")
    assert "in this chat too" in (done.plain_text or "")
    marker = live.api.mark()

    await room.say(ADMIN, "/additem Green tea 3", contains="Added Green tea")
    await room.card("Green tea", after=marker, contains="Low stock")
    await live.api.await_message(STAFF, contains="Low stock: Green tea", after=marker)

    assert [chat for chat, _ in private_alerts(live, marker)] == [STAFF]


async def test_deleting_or_muting_an_item_ends_its_card_saying_who(live: Shopfront) -> None:
    room = await open_room(live)
    marker = live.api.mark()
    await room.say(ADMIN, "/additem Green tea 3", contains="Added Green tea")
    await room.say(ADMIN, "/additem Pumpkin spice 1", contains="Added Pumpkin spice")
    tea = await room.card("Green tea", after=marker, contains="Low stock")
    spice = await room.card("Pumpkin spice", after=marker, contains="Low stock")

    step = live.api.mark()
    await room.say(ADMIN, "/delitem Green tea", contains="Deleted")
    await room.say(ADMIN, "/mute Pumpkin spice", contains="muted")
    deleted = await room.card("Green tea", after=step, contains="was deleted by Ann")
    muted = await room.card("Pumpkin spice", after=step, contains="was muted by Ann")

    assert (deleted.message_id, deleted.buttons) == (tea.message_id, [])
    assert (muted.message_id, muted.buttons) == (spice.message_id, [])


async def test_only_an_admin_sets_up_the_room_and_setup_off_sends_alerts_privately_again(
    live: Shopfront,
) -> None:
    room = await open_room(live)
    before = live.state()

    refused = await room.say(STAFF, "/setup off")
    private = await live.say(ADMIN, "/setup")
    assert "Only a shop admin can do that." in (refused.plain_text or "")
    assert "Send /setup in the group you want as the shop's room" in (private.plain_text or "")
    assert live.state() == before

    stopped = await room.say(ADMIN, "/setup off")
    marker = live.api.mark()
    await live.say(ADMIN, "/additem Green tea 3")
    await live.api.await_message(STAFF, contains="Low stock: Green tea", after=marker)

    assert "Ann's team is no longer the room of Ann's shop" in (stopped.plain_text or "")
    assert room.cards() == []
    assert live.sql("SELECT room_chat_id FROM shops") == [(None,)]


async def test_the_card_follows_the_items_threshold_and_says_when_its_order_is_late(
    live: Shopfront, clock: Clock
) -> None:
    room = await open_room(live)
    marker = live.api.mark()
    await room.say(ADMIN, "/additem Green tea 3", contains="Added Green tea")
    card = await room.card("Green tea", after=marker, contains="Low stock")

    step = live.api.mark()
    await room.say(ADMIN, "/threshold Green tea 10", contains="10")
    raised = await room.card("Green tea", after=step, contains="below the threshold of 10")
    step = live.api.mark()
    await room.say(ADMIN, "/ordered Green tea 48 1d", contains="on order")
    await room.card("Green tea", after=step, contains="48 ordered, due Tue 3 Mar")
    await room.settled(3)
    clock.advance(days=2)
    step = live.api.mark()
    await room.say(ADMIN, "/check", contains="Check done")
    late = await room.card("Green tea", after=step, contains="1 day late")

    assert raised.message_id == late.message_id == card.message_id
