"""The room under Telegram's limits and changes (SPEC 3.1): 20 messages a minute however many
alerts, a 429 rescheduled, a deleted card sent again, a group that became a supergroup, and
the bot removed from the group."""

from __future__ import annotations

from tests.bot.harness import ADMIN, STAFF, Shopfront
from tests.conftest import Clock
from tests.delivery.conftest import age_group_log
from tests.e2e.rooms import ANNA_TOO, Room, open_room, private_alerts
from tests.fakes.telegram_api import SentMessage

BURST = 30


async def _shown(room: Room, names: set[str], *, upto: int) -> set[str]:
    """Wait, one settled room message at a time up to `upto`, until every name shows."""
    seen: set[str] = set()
    for settled in range(1, upto + 1):
        await room.settled(settled)
        texts = [m.plain_text or "" for m in room.live.api.messages(room.chat_id)]
        seen = {name for name in names if any(name in text for text in texts)}
        if seen == names:
            break
    return seen


def _pushed(room: Room, marker: int) -> list[SentMessage]:
    return [m for m in room.live.api.messages(room.chat_id) if m.seq > marker]


async def test_thirty_alerts_in_a_minute_take_at_most_twenty_room_messages_and_all_show(
    live: Shopfront, clock: Clock
) -> None:
    room = await open_room(live)
    # The hello and /setup's reply are of another minute, for Telegram and for the bot (whose
    # window of the group, shared through the database, keeps the database's time).
    live.api.advance_clock(61)
    age_group_log(live.db, 61)
    marker = live.api.mark()
    names = {f"Tea no {chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(BURST)}

    for n, name in enumerate(sorted(names)):
        live.send(ADMIN if n % 2 else STAFF, f"/additem {name} 1")
    for user in (ADMIN, STAFF):
        await live.api.await_messages(user, BURST // 2, after=marker)

    # How many cards go alone before the rest have queued up depends on the relay's pace.
    # Rows that queue up beyond the minute's budget are folded into one digest; a minute
    # already spent on cards sent alone keeps the rest waiting for the next minute.
    if await _shown(room, names, upto=20) == names:
        assert any("New low-stock alerts" in (m.plain_text or "") for m in _pushed(room, marker))
    else:
        assert len(_pushed(room, marker)) == 20
        clock.advance(seconds=61)
        live.api.advance_clock(61)
        age_group_log(live.db, 61)
        assert await _shown(room, names, upto=BURST) == names
    assert len(_pushed(room, marker)) <= BURST
    assert live.api.max_in_any_minute(room.chat_id) <= 20
    assert live.api.group_limit_refusals == []
    assert private_alerts(live) == []


async def test_a_429_from_the_room_reschedules_the_card_which_then_arrives(
    live: Shopfront, clock: Clock
) -> None:
    room = await open_room(live)
    live.api.fail_next("sendMessage", chat_id=room.chat_id, retry_after=1)
    marker = live.api.mark()
    delivery = live.app.bot_data.delivery
    assert delivery is not None

    live.send(ADMIN, "/additem Green tea 3")
    await delivery.wait_settled(1, status="pending", channel="room")  # put off, not failed
    clock.advance(seconds=1)
    card = await room.card("Green tea", after=marker, contains="Low stock")

    refused = [e for e in live.api.errors if e.error_code == 429]
    assert len(refused) == 1
    assert {m.message_id for m in room.cards()} == {card.message_id}


async def test_a_card_deleted_from_the_group_is_sent_again_at_its_next_change(
    live: Shopfront,
) -> None:
    room = await open_room(live)
    marker = live.api.mark()
    live.send(ADMIN, "/additem Green tea 3")
    card = await room.card("Green tea", after=marker, contains="Low stock")
    await room.settled(1)
    live.api.delete_message(room.chat_id, card.message_id)

    step = live.api.mark()
    await live.say(STAFF, "/ack Green tea")
    again = await room.card("Green tea", after=step, contains="Sam is on it")

    assert again.method == "sendMessage"
    assert again.message_id != card.message_id
    step = live.api.mark()
    await live.say(ANNA_TOO, "/snooze Green tea 2d")
    snoozed = await room.card("Green tea", after=step, contains="No reminders until")
    assert (snoozed.method, snoozed.message_id) == ("editMessageText", again.message_id)


async def test_a_group_that_becomes_a_supergroup_stays_the_room_and_its_card_follows(
    live: Shopfront,
) -> None:
    room = await open_room(live)
    marker = live.api.mark()
    live.send(ADMIN, "/additem Green tea 3")
    await room.card("Green tea", after=marker, contains="Low stock")
    await room.settled(1)

    new_id = live.api.migrate_to_supergroup(room.chat_id, ADMIN)
    step = live.api.mark()
    await live.say(STAFF, "/ack Green tea")
    moved = Room(live, new_id)
    card = await moved.card("Green tea", after=step, contains="Sam is on it")

    assert card.chat_id == new_id
    assert live.sql("SELECT room_chat_id FROM shops") == [(new_id,)]
    reply = await moved.say(STAFF, "/stock")
    assert "Green tea" in (reply.plain_text or "")
    assert private_alerts(live) == []


async def test_the_bot_removed_from_the_room_tells_the_admins_and_alerts_go_privately_again(
    live: Shopfront,
) -> None:
    room = await open_room(live)
    marker = live.api.mark()

    live.api.remove_bot_from_group(room.chat_id, ADMIN)
    told = await live.api.await_message(ADMIN, contains="I was removed from", after=marker)
    await live.say(ADMIN, "/additem Green tea 3")
    await live.api.await_message(STAFF, contains="Low stock: Green tea", after=marker)
    await live.api.await_message(ANNA_TOO, contains="Low stock: Green tea", after=marker)

    assert "Ann's team" in (told.plain_text or "")
    assert live.api.messages(STAFF)[-1].chat_id == STAFF
    assert [m for m in live.api.replies_since(STAFF, marker) if "removed" in (m.text or "")] == []
    assert live.sql("SELECT room_chat_id FROM shops") == [(None,)]
    assert live.sql(
        "SELECT count(*) FROM notifications WHERE channel = 'room' AND status = 'pending'"
    ) == [(0,)]
