"""`stockbot run` in webhook mode (SPEC 4, 5): it registers its webhook with the secret
token, Telegram (the local Bot API server) posts updates to it, each is handled once even
when posted twice, a request without the secret is refused and changes nothing."""

from __future__ import annotations

import json
import signal
import sqlite3
from pathlib import Path

import httpx

from tests.e2e.test_runtime import ADMIN_ID, START_TIMEOUT, bot_env, stockbot_run
from tests.fakes.telegram_api import FakeBotApi

SECRET = "webhook-secret-0123456789abcdef"


def webhook_env(tmp_path: Path, api: FakeBotApi, port: int) -> dict[str, str]:
    return bot_env(
        tmp_path,
        api,
        HTTP_PORT=str(port),
        TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
    )


async def _registered(api: FakeBotApi) -> str:
    request = await api.await_request("setWebhook", timeout=START_TIMEOUT)
    assert request.params["secret_token"] == SECRET
    assert "my_chat_member" in request.params["allowed_updates"]
    url = api.webhook_url
    assert url is not None
    return url


async def test_updates_posted_by_telegram_are_handled_once_even_when_posted_twice(
    tmp_path: Path, bot_api: FakeBotApi, free_tcp_port: int
) -> None:
    async with stockbot_run(tmp_path, webhook_env(tmp_path, bot_api, free_tcp_port)) as run:
        url = await _registered(bot_api)
        update = bot_api.send_message(ADMIN_ID, "/start", first_name="Ann")
        assert update is not None
        reply = await bot_api.await_message(ADMIN_ID, timeout=START_TIMEOUT)
        await bot_api.await_webhook_idle(timeout=START_TIMEOUT)
        bot_api.duplicate_delivery(update["update_id"])
        await bot_api.await_webhook_attempts(2, timeout=START_TIMEOUT)
        marker = bot_api.mark()
        bot_api.send_message(ADMIN_ID, "/help", first_name="Ann")
        await bot_api.await_message(ADMIN_ID, after=marker, timeout=START_TIMEOUT)
        run.process.send_signal(signal.SIGTERM)
        status = await run.finish()

    assert url.startswith(f"http://127.0.0.1:{free_tcp_port}/telegram/")
    assert "I opened Ann's shop and you are its admin" in (reply.plain_text or "")
    opened = [m for m in bot_api.messages(ADMIN_ID) if "I opened" in (m.plain_text or "")]
    assert len(opened) == 1  # the update posted again was not handled again
    assert [a.confirmed for a in bot_api.webhook_deliveries][:2] == [True, True]
    assert status == 0
    assert "Updates by webhook" in run.stdout.read_text()
    assert SECRET not in run.output()


async def test_a_request_without_the_secret_token_is_refused_and_changes_nothing(
    tmp_path: Path, bot_api: FakeBotApi, free_tcp_port: int
) -> None:
    forged = {
        "update_id": 999,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": ADMIN_ID, "type": "private"},
            "from": {"id": ADMIN_ID, "is_bot": False, "first_name": "Mallory"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    async with stockbot_run(tmp_path, webhook_env(tmp_path, bot_api, free_tcp_port)) as run:
        url = await _registered(bot_api)
        async with httpx.AsyncClient(timeout=10) as client:
            missing = await client.post(url, json=forged)
            wrong = await client.post(
                url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "guess-" * 4}
            )
            elsewhere = await client.post(
                f"http://127.0.0.1:{free_tcp_port}/telegram/guessed",
                json=forged,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
        run.process.send_signal(signal.SIGTERM)
        assert await run.finish() == 0

    assert (missing.status_code, wrong.status_code, elsewhere.status_code) == (403, 403, 404)
    assert bot_api.messages(ADMIN_ID) == []
    with sqlite3.connect(tmp_path / "stockbot.db") as database:
        assert database.execute("SELECT count(*) FROM shops").fetchone() == (0,)
        assert database.execute("SELECT count(*) FROM telegram_updates").fetchone() == (0,)


async def test_back_to_polling_the_next_start_removes_the_webhook(
    tmp_path: Path, bot_api: FakeBotApi, free_tcp_port: int
) -> None:
    async with stockbot_run(tmp_path, webhook_env(tmp_path, bot_api, free_tcp_port)) as run:
        await _registered(bot_api)
        run.process.send_signal(signal.SIGTERM)
        assert await run.finish() == 0

    async with stockbot_run(tmp_path, bot_env(tmp_path, bot_api)) as run:
        await bot_api.await_polled(timeout=START_TIMEOUT)
        bot_api.send_message(ADMIN_ID, "/start", first_name="Ann")
        reply = await bot_api.await_message(ADMIN_ID, timeout=START_TIMEOUT)
        run.process.send_signal(signal.SIGTERM)
        assert await run.finish() == 0

    assert bot_api.webhook_url is None
    assert "I opened Ann's shop" in (reply.plain_text or "")


async def test_an_update_a_killed_process_had_taken_is_handled_by_the_next_one(
    tmp_path: Path, bot_api: FakeBotApi, free_tcp_port: int
) -> None:
    stranded = {
        "update_id": 500,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": ADMIN_ID, "type": "private", "first_name": "Ann"},
            "from": {"id": ADMIN_ID, "is_bot": False, "first_name": "Ann"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    async with stockbot_run(tmp_path, webhook_env(tmp_path, bot_api, free_tcp_port)) as run:
        await _registered(bot_api)
        with sqlite3.connect(tmp_path / "stockbot.db") as database:
            # Stored and leased by a process that died an hour ago, before handling it.
            database.execute(
                "INSERT INTO telegram_updates (update_id, received_at, chat_id, payload,"
                " claimed_until) VALUES (500, '2026-01-01 00:00:00', ?, ?,"
                " '2026-01-01 00:01:00')",
                (ADMIN_ID, json.dumps(stranded)),
            )
        reply = await bot_api.await_message(ADMIN_ID, timeout=START_TIMEOUT)
        run.process.send_signal(signal.SIGTERM)
        assert await run.finish() == 0

    assert "I opened Ann's shop" in (reply.plain_text or "")
    with sqlite3.connect(tmp_path / "stockbot.db") as database:
        [(handled,)] = database.execute("SELECT handled_at FROM telegram_updates").fetchall()
        assert handled is not None
