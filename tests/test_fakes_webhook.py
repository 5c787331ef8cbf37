"""FakeBotApi's webhook mode behaves like Telegram's for the real python-telegram-bot client:
setWebhook, getWebhookInfo, the 409 on getUpdates, and updates pushed to the url."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from telegram import Bot, Update
from telegram.error import BadRequest, Conflict

from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_webhook_receiver import BotWebhookReceiver

USER = 424242
OTHER_USER = 515151
SECRET = "s3cret_token-1"
HOOK_URL = "https://stockbot.example.com/telegram/webhook"


def make_bot(api: FakeBotApi) -> Bot:
    """A PTB Bot talking to the fake."""
    return Bot(api.token, base_url=api.base_url, base_file_url=api.file_base_url)


@pytest.fixture
def receiver() -> Iterator[BotWebhookReceiver]:
    """A receiver answering 200 at once."""
    with BotWebhookReceiver() as running:
        yield running


async def test_set_webhook_is_reported_by_get_webhook_info(bot_api: FakeBotApi) -> None:
    bot_api.send_message(USER, "waiting")
    async with make_bot(bot_api) as bot:
        before = await bot.get_webhook_info()
        assert await bot.set_webhook(
            HOOK_URL, secret_token=SECRET, allowed_updates=["callback_query"], max_connections=5
        )
        info = await bot.get_webhook_info()
    assert before.url == ""
    assert before.pending_update_count == 1
    assert info.url == HOOK_URL
    assert bot_api.webhook_url == HOOK_URL
    assert info.max_connections == 5
    assert info.allowed_updates == ("callback_query",)
    assert info.has_custom_certificate is False
    # the message is not of an allowed type, so it was dropped rather than kept
    assert info.pending_update_count == 0


async def test_get_updates_conflicts_with_a_webhook_until_it_is_deleted(
    bot_api: FakeBotApi,
) -> None:
    async with make_bot(bot_api) as bot:
        await bot.set_webhook(HOOK_URL)
        with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
            await bot.get_updates()
        assert await bot.delete_webhook()
        bot_api.send_message(USER, "after")
        (update,) = await bot.get_updates()
        info = await bot.get_webhook_info()
    assert update.message.text == "after"
    assert info.url == ""
    assert bot_api.webhook_url is None


@pytest.mark.parametrize(
    ("url", "secret", "reason"),
    [
        (
            "https://example.com/hook",
            "has space",
            "Bad Request: secret token contains unallowed characters",
        ),
        (
            "https://example.com/hook",
            "x" * 257,
            "Bad Request: secret token contains unallowed characters",
        ),
        (
            "http://example.com/hook",
            None,
            "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
        ),
    ],
)
async def test_bad_webhooks_are_refused(
    bot_api: FakeBotApi, url: str, secret: str | None, reason: str
) -> None:
    async with make_bot(bot_api) as bot:
        with pytest.raises(BadRequest):
            await bot.set_webhook(url, secret_token=secret)
    assert bot_api.errors[-1].description == reason
    assert bot_api.webhook_url is None


async def test_updates_are_posted_in_order_with_the_secret(
    bot_api: FakeBotApi, receiver: BotWebhookReceiver
) -> None:
    async with make_bot(bot_api) as bot:
        await bot.set_webhook(receiver.url, secret_token=SECRET)
        queued = [bot_api.send_message(USER, f"Tea {n}") for n in range(5)]
        await bot_api.await_webhook_idle()
        received = receiver.received
        updates = [Update.de_json(r.update, bot) for r in received]
    assert [u.update_id for u in updates] == [q["update_id"] for q in queued if q]
    assert [u.message.text for u in updates] == [f"Tea {n}" for n in range(5)]
    assert {r.headers["x-telegram-bot-api-secret-token"] for r in received} == {SECRET}
    assert {r.headers["content-type"] for r in received} == {"application/json"}
    assert bot_api.pending_updates == []
    assert all(a.confirmed and a.chat_id == USER for a in bot_api.webhook_deliveries)


async def test_no_secret_header_without_a_secret_token(
    bot_api: FakeBotApi, receiver: BotWebhookReceiver
) -> None:
    async with make_bot(bot_api) as bot:
        await bot.set_webhook(receiver.url)
    bot_api.send_message(USER, "Tea")
    await bot_api.await_webhook_idle()
    (only,) = receiver.received
    assert "x-telegram-bot-api-secret-token" not in only.headers


async def test_one_chat_waits_for_its_answer_while_another_chat_overlaps(
    bot_api: FakeBotApi,
) -> None:
    with BotWebhookReceiver(delay=0.3) as slow:
        async with make_bot(bot_api) as bot:
            await bot.set_webhook(slow.url)
        with bot_api.batch():
            first = bot_api.send_message(USER, "first")
            second = bot_api.send_message(USER, "second")
            other = bot_api.send_message(OTHER_USER, "other chat")
        await bot_api.await_webhook_idle()
        by_id = {r.update_id: r for r in slow.received}
    assert first
    assert second
    assert other
    mine = by_id[first["update_id"]], by_id[second["update_id"]]
    theirs = by_id[other["update_id"]]
    assert mine[1].arrived >= mine[0].answered
    assert theirs.arrived < mine[0].answered
    assert mine[0].arrived < theirs.answered


async def test_max_connections_limits_the_posts_in_flight(bot_api: FakeBotApi) -> None:
    with BotWebhookReceiver(delay=0.2) as slow:
        async with make_bot(bot_api) as bot:
            await bot.set_webhook(slow.url, max_connections=1)
        for user in (USER, OTHER_USER):
            bot_api.send_message(user, "Tea")
        await bot_api.await_webhook_idle()
        first, second = slow.received
    assert second.arrived >= first.answered


async def test_a_failing_webhook_is_retried_until_it_confirms_once(bot_api: FakeBotApi) -> None:
    with BotWebhookReceiver(failures=2) as flaky:
        async with make_bot(bot_api) as bot:
            await bot.set_webhook(flaky.url)
            queued = bot_api.send_message(USER, "Tea")
            await bot_api.await_webhook_idle()
            info = await bot.get_webhook_info()
    assert queued
    attempts = bot_api.webhook_deliveries
    assert [r.status for r in flaky.received] == [500, 500, 200]
    assert [a.status for a in attempts] == [500, 500, 200]
    assert {a.update_id for a in attempts} == {queued["update_id"]}
    # the backoff doubles: 0.2 s, then 0.4 s
    assert attempts[1].started - attempts[0].finished >= bot_api.webhook_retry_first * 0.9
    assert attempts[2].started - attempts[1].finished >= bot_api.webhook_retry_first * 1.8
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    assert info.last_error_date is not None
    assert info.pending_update_count == 0


async def test_an_unreachable_webhook_keeps_the_update_pending(bot_api: FakeBotApi) -> None:
    with BotWebhookReceiver() as gone:
        url = gone.url
    async with make_bot(bot_api) as bot:
        await bot.set_webhook(url)
        bot_api.send_message(USER, "Tea")
        (attempt, *_) = await bot_api.await_webhook_attempts(1)
        info = await bot.get_webhook_info()
    assert attempt.status is None
    assert attempt.error == "Connection refused"
    assert info.last_error_message == "Connection refused"
    assert info.pending_update_count == 1


async def test_a_confirmed_update_can_be_delivered_again(
    bot_api: FakeBotApi, receiver: BotWebhookReceiver
) -> None:
    async with make_bot(bot_api) as bot:
        await bot.set_webhook(receiver.url)
    queued = bot_api.send_message(USER, "Tea")
    assert queued
    await bot_api.await_webhook_idle()
    bot_api.duplicate_delivery(queued["update_id"])
    attempts = await bot_api.await_webhook_attempts(2)
    await bot_api.await_webhook_idle()
    assert [r.update_id for r in receiver.received] == [queued["update_id"]] * 2
    assert receiver.received[1].update == receiver.received[0].update
    assert [a.duplicate for a in attempts] == [False, True]
    assert bot_api.pending_updates == []


async def test_allowed_updates_filter_what_is_posted(
    bot_api: FakeBotApi, receiver: BotWebhookReceiver
) -> None:
    async with make_bot(bot_api) as bot:
        await bot.set_webhook(receiver.url, allowed_updates=["edited_message"])
    sent = bot_api.send_message(USER, "Tea 5")
    assert sent
    bot_api.send_edited_message(USER, sent["message"]["message_id"], "Tea 6")
    await bot_api.await_webhook_idle()
    (only,) = receiver.received
    assert set(only.update) == {"update_id", "edited_message"}


async def test_deleting_the_webhook_stops_deliveries(
    bot_api: FakeBotApi, receiver: BotWebhookReceiver
) -> None:
    async with make_bot(bot_api) as bot:
        await bot.set_webhook(receiver.url)
        bot_api.send_message(USER, "pushed")
        await bot_api.await_webhook_idle()
        await bot.delete_webhook()
        bot_api.send_message(USER, "polled")
        (update,) = await bot.get_updates()
    assert update.message.text == "polled"
    assert [r.update["message"]["text"] for r in receiver.received] == ["pushed"]
    assert len(bot_api.webhook_deliveries) == 1


def test_stopping_the_fake_ends_deliveries_without_hanging() -> None:
    with BotWebhookReceiver(delay=0.5) as slow:
        api = FakeBotApi().start()
        httpx.post(f"{api.base_url}{api.token}/setWebhook", data={"url": slow.url})
        api.send_message(USER, "Tea")
        slow.wait_for_arrivals(1)
        started = time.monotonic()
        api.stop()
        assert time.monotonic() - started < 3
    assert not [t for t in threading.enumerate() if t.name.startswith("fake-telegram-webhook")]
