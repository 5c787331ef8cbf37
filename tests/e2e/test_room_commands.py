"""Commands in the shop's room (SPEC 3.1), with Telegram's privacy mode on: members' commands
with or without @BotName answered there (in the same forum topic), admin-only and private-only
commands, strangers, questions answered by replying, and reminders as one digest."""

from __future__ import annotations

from tests.bot.harness import ADMIN, STAFF, STRANGER, Shopfront
from tests.conftest import Clock
from tests.e2e.rooms import open_room, private_alerts
from tests.fakes.telegram_api import BOT_USERNAME


async def test_members_commands_work_in_the_room_with_or_without_the_bots_name(
    live: Shopfront,
) -> None:
    room = await open_room(live)
    await room.say(ADMIN, "/additem Green tea 24", contains="Added Green tea")

    removed = await room.say(STAFF, f"/remove@{BOT_USERNAME} Green tea 2")
    listed = await room.say(STAFF, "/stock")

    assert "Took out 2 Green tea: 22 left" in (removed.plain_text or "")
    assert "Green tea" in (listed.plain_text or "")
    assert live.quantity("Green tea") == 22
    assert live.api.send_message(STAFF, "/stock@some_other_bot", chat_id=room.chat_id) is None
    assert live.api.send_message(STAFF, "thanks all", chat_id=room.chat_id) is None


async def test_strangers_staff_and_private_commands_are_refused_in_the_room_changing_nothing(
    live: Shopfront,
) -> None:
    room = await open_room(live)
    await room.say(ADMIN, "/additem Green tea 24", contains="Added Green tea")
    before = live.state()

    stranger = await room.say(STRANGER, "/remove Green tea 2")
    staff = await room.say(STAFF, "/delitem Green tea")
    invite = await room.say(ADMIN, "/invite")
    email = await room.say(STAFF, "/email sam@example.com")

    assert "ask one of its admins for an invite" in (stranger.plain_text or "")
    assert "Only a shop admin can do that." in (staff.plain_text or "")
    for private in (invite, email):
        assert (private.plain_text or "").startswith("🔒 Send me this privately")
    assert live.state() == before


async def test_a_question_in_the_room_is_answered_by_replying_to_it(live: Shopfront) -> None:
    room = await open_room(live)

    asked = await room.say(STAFF, "/additem")
    assert "what is the new item called?" in (asked.plain_text or "").casefold()
    assert asked.reply_markup == {"force_reply": True, "selective": True}
    marker = live.api.mark()
    room.send(STAFF, "Oat milk", reply_to_message_id=asked.message_id)
    quantity = await live.api.await_message(room.chat_id, after=marker)
    marker = live.api.mark()
    room.send(STAFF, "12", reply_to_message_id=quantity.message_id)
    added = await live.api.await_message(room.chat_id, after=marker)

    assert "Added Oat milk: 12 in stock" in (added.plain_text or "")
    assert live.quantity("Oat milk") == 12


async def test_in_a_forum_the_room_is_the_topic_setup_came_from(live: Shopfront) -> None:
    room = await open_room(live, forum=True)
    marker = live.api.mark()

    reply = await room.say(ADMIN, "/additem Green tea 3", contains="Added Green tea")
    card = await room.card("Green tea", after=marker, contains="Low stock")

    assert room.thread_id is not None
    assert (reply.thread_id, card.thread_id) == (room.thread_id, room.thread_id)


async def test_reminders_come_to_the_room_as_one_digest_and_to_nobody_privately(
    live: Shopfront, clock: Clock
) -> None:
    room = await open_room(live)
    marker = live.api.mark()
    await room.say(ADMIN, "/additem Green tea 3", contains="Added Green tea")
    await room.say(ADMIN, "/additem Oat milk 1", contains="Added Oat milk")
    await room.settled(2)
    clock.advance(hours=24)

    await room.say(ADMIN, "/check", contains="Check done")
    digest = await live.api.await_message(room.chat_id, contains="Still low: 2 items", after=marker)

    assert "Green tea: 3 left, below the threshold of 5" in (digest.plain_text or "")
    assert "Oat milk: 1 left" in (digest.plain_text or "")
    assert private_alerts(live) == []
