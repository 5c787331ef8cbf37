"""Pushed notifications over Telegram, through the local Bot API server."""

from __future__ import annotations

import itertools

from core.db.session import Database
from core.shops import members
from tests.delivery.conftest import (
    ADMIN,
    FAST,
    Outbox,
    delivery_settings,
    item,
    make_outbox,
    running_relay,
)
from tests.fakes.smtp import SmtpSink
from tests.fakes.telegram_api import MAX_TEXT, FakeBotApi

HOSTILE = '<b>Tea & "Co"</b>'


async def test_an_alert_reaches_the_chat_with_its_buttons_and_the_name_shown_as_typed(
    bot_api: FakeBotApi, live_db: Database, live_outbox: Outbox
) -> None:
    row_id = live_outbox.queue(payload=item(7, item_name=HOSTILE, quantity=3, threshold=5))
    async with running_relay(delivery_settings(bot_api), live_db) as relay:
        message = await bot_api.await_message(ADMIN)
        await relay.wait_settled(1)
    assert message.plain_text is not None
    assert f"Low stock: {HOSTILE}" in message.plain_text
    assert "3 left, below the threshold of 5" in message.plain_text
    assert message.callback_data("Resolve") == "alert:resolve:7"
    assert message.callback_data("Restock") == "alert:restock:7"
    stored = live_outbox.row(row_id)
    assert (stored.status, stored.attempts, stored.sent_at is not None) == ("sent", 1, True)


async def test_back_in_stock_is_a_short_message_with_the_new_quantity(
    bot_api: FakeBotApi, live_db: Database, live_outbox: Outbox
) -> None:
    live_outbox.queue(kind="back_in_stock", payload=item(3, item_name="Milk", quantity=1250))
    async with running_relay(delivery_settings(bot_api), live_db):
        message = await bot_api.await_message(ADMIN)
    assert (
        message.plain_text
        == "\N{WHITE HEAVY CHECK MARK} Back in stock: Milk \N{EM DASH} 1,250 now."
    )
    assert message.buttons == []


async def test_a_send_that_crashes_backs_off_lets_the_others_go_and_ends_dead(
    bot_api: FakeBotApi, live_db: Database, live_outbox: Outbox
) -> None:
    bad, kept = live_outbox.queue_many([("telegram", "not-a-chat"), ("telegram", str(ADMIN))])
    async with running_relay(delivery_settings(bot_api), live_db) as relay:
        await bot_api.await_message(ADMIN)
        await relay.wait_settled(1, status="dead")
    last = FAST.retry.max_attempts
    dead = live_outbox.row(bad)
    assert (dead.status, dead.attempts) == ("dead", last)
    assert dead.last_error == (
        f"gave up after {last} attempts: unexpected error: "
        "ValueError: invalid literal for int() with base 10: 'not-a-chat'"
    )
    assert (live_outbox.row(kept).status, live_outbox.row(kept).attempts) == ("sent", 1)


async def test_flood_control_delays_the_message_by_retry_after_and_it_arrives_once(
    bot_api: FakeBotApi, live_db: Database, live_outbox: Outbox
) -> None:
    bot_api.fail_next("sendMessage", retry_after=1, chat_id=ADMIN)
    row_id = live_outbox.queue()
    async with running_relay(delivery_settings(bot_api), live_db) as relay:
        await bot_api.await_message(ADMIN)
        await relay.wait_settled(1, status="sent")
    refused, accepted = [r for r in bot_api.requests if r.method == "sendMessage"]
    assert accepted.at - refused.at >= 1.0
    assert len(bot_api.messages(ADMIN)) == 1
    stored = live_outbox.row(row_id)
    # Waiting as Telegram asked is not a failed attempt.
    assert (stored.status, stored.attempts) == ("sent", 1)


async def test_a_chat_that_blocked_the_bot_is_dead_and_other_chats_still_get_theirs(
    bot_api: FakeBotApi, live_db: Database, live_outbox: Outbox
) -> None:
    bot_api.block_chat(ADMIN)
    blocked = live_outbox.queue()
    other = live_outbox.queue(recipient="2001")
    async with running_relay(delivery_settings(bot_api), live_db) as relay:
        await relay.wait_settled(2)
    stored = live_outbox.row(blocked)
    assert (stored.status, stored.attempts) == ("dead", 1)
    assert stored.last_error == "Telegram refused: Forbidden: bot was blocked by the user"
    assert live_outbox.row(other).status == "sent"
    assert len(bot_api.messages(2001)) == 1


async def test_a_chat_telegram_cannot_find_is_dead_after_one_attempt(
    bot_api: FakeBotApi, live_db: Database, live_outbox: Outbox
) -> None:
    bot_api.fail_next(
        "sendMessage", error_code=400, description="Bad Request: chat not found", times=None
    )
    row_id = live_outbox.queue()
    async with running_relay(delivery_settings(bot_api), live_db) as relay:
        await relay.wait_settled(1)
    stored = live_outbox.row(row_id)
    assert (stored.status, stored.attempts) == ("dead", 1)
    assert stored.last_error == "Telegram refused: Chat not found"


async def test_a_migrated_chat_gets_the_message_at_its_new_id_and_the_member_follows_it(
    bot_api: FakeBotApi, live_db: Database, live_outbox: Outbox
) -> None:
    bot_api.fail_next("sendMessage", error_code=400, migrate_to_chat_id=-100777, chat_id=ADMIN)
    row_id = live_outbox.queue()
    async with running_relay(delivery_settings(bot_api), live_db) as relay:
        message = await bot_api.await_message(-100777)
        await relay.wait_settled(1, status="sent")
    assert "Item" in (message.plain_text or "")
    assert bot_api.messages(ADMIN) == []
    with live_db.unit_of_work() as uow:
        assert members.get_member(uow, ADMIN).chat_id == -100777
    assert live_outbox.row(row_id).recipient == "-100777"


async def test_a_digest_longer_than_one_message_is_split_between_lines_and_never_cut(
    bot_api: FakeBotApi, live_db: Database, live_outbox: Outbox
) -> None:
    names = [f"Item {n:03} " + "x" * 50 for n in range(80)]
    alerts = [item(n, item_name=name, quantity=n % 4) for n, name in enumerate(names)]
    live_outbox.queue(kind="reminder_digest", payload={"alerts": alerts})
    async with running_relay(delivery_settings(bot_api), live_db) as relay:
        await relay.wait_settled(1, status="sent", timeout=20)
    parts = bot_api.messages(ADMIN)
    assert len(parts) > 1
    assert all(len(part.plain_text or "") <= MAX_TEXT for part in parts)
    lines = [line for part in parts for line in (part.plain_text or "").splitlines()]
    listed = [line for line in lines if line.startswith("\N{BULLET}")]
    assert [line.split(":")[0] for line in listed] == [f"\N{BULLET} {name}" for name in names]
    assert all(line.endswith(f"/alert {n}") for n, line in enumerate(listed))
    assert "out of stock, below the threshold of 5" in listed[0]


async def test_pushes_to_one_chat_are_a_second_apart_and_each_arrives_once(
    bot_api: FakeBotApi, live_db: Database, live_outbox: Outbox
) -> None:
    live_outbox.queue_many([("telegram", str(ADMIN))] * 3 + [("telegram", "2001")])
    async with running_relay(delivery_settings(bot_api), live_db) as relay:
        await relay.wait_settled(4, status="sent")
    times = [message.at for message in bot_api.messages(ADMIN)]
    assert len(times) == 3
    assert len(bot_api.messages(2001)) == 1
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(times))


async def test_stopping_gives_back_unsent_rows_and_the_next_start_sends_them_once(
    bot_api: FakeBotApi, live_db: Database, live_outbox: Outbox
) -> None:
    ids = live_outbox.queue_many([("telegram", str(ADMIN))] * 4)
    settings = delivery_settings(bot_api)
    async with running_relay(settings, live_db):
        await bot_api.await_message(ADMIN)  # the rest wait their turn, a second apart
    rows = live_outbox.rows()
    sent = [r for r in rows if r.status == "sent"]
    released = [r for r in rows if r.status == "pending"]
    assert len(sent) + len(released) == 4
    assert released
    assert all((r.attempts, r.claimed_until) == (0, None) for r in released)
    async with running_relay(settings, live_db) as relay:
        await relay.wait_settled(len(released), status="sent", timeout=20)
    texts = [m.plain_text for m in bot_api.messages(ADMIN)]
    assert len(texts) == len(set(texts)) == len(ids)
    assert {r.status for r in live_outbox.rows()} == {"sent"}


async def test_a_relay_that_is_told_of_new_rows_sends_them_without_waiting_for_its_poll(
    bot_api: FakeBotApi, live_db: Database, live_outbox: Outbox
) -> None:
    async with running_relay(delivery_settings(bot_api), live_db, poll_interval=60) as relay:
        live_outbox.queue()
        relay.nudge()
        await bot_api.await_message(ADMIN, timeout=10)


async def test_the_relay_delivers_from_the_embedded_sqlite_database_too(
    bot_api: FakeBotApi, smtp_server: SmtpSink, sqlite_db: Database
) -> None:
    outbox = make_outbox(Database(sqlite_db.engine, sqlite_db.config))
    chat, email = outbox.queue_many([("telegram", str(ADMIN)), ("email", "ann@example.com")])
    settings = delivery_settings(bot_api, smtp=smtp_server)
    async with running_relay(settings, outbox.db) as relay:
        await relay.wait_settled(2, status="sent")
    assert len(bot_api.messages(ADMIN)) == 1
    assert len(smtp_server.messages) == 1
    assert {outbox.row(chat).status, outbox.row(email).status} == {"sent"}


async def test_a_long_queue_for_one_chat_does_not_hold_up_another_chats_alert(
    bot_api: FakeBotApi, live_db: Database, live_outbox: Outbox
) -> None:
    live_outbox.queue_many([("telegram", str(ADMIN))] * 20)
    live_outbox.queue(recipient="2001")  # queued last, behind twenty for the admin
    async with running_relay(delivery_settings(bot_api), live_db, batch_size=5):
        await bot_api.await_message(2001)
        before = len(bot_api.messages(ADMIN))
    # The admin's chat gets one push a second: the other chat did not wait for its queue.
    assert before <= 2
