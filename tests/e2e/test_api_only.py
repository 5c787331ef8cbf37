"""`stockbot run --api-only`: the HTTP API, the relay and the jobs, and no Telegram updates:
it neither polls nor registers a webhook, nor deletes the one another process registered."""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import httpx

from tests.e2e.test_runtime import ADMIN_ID, START_TIMEOUT, bot_env, stockbot_run
from tests.fakes.telegram_api import FakeBotApi
from tests.replicas.cluster import await_ready

SECRET = "api-only-secret-0123456789abcdef"


async def test_api_only_without_http_port_exits_saying_it_needs_one(
    tmp_path: Path, bot_api: FakeBotApi
) -> None:
    async with stockbot_run(tmp_path, bot_env(tmp_path, bot_api), ["--api-only"]) as run:
        status = await run.finish()

    assert status == 2
    assert "set HTTP_PORT" in run.stderr.read_text()
    assert bot_api.requests == []


async def test_api_only_takes_no_updates_and_leaves_the_webhook_of_another_process(
    tmp_path: Path, bot_api: FakeBotApi, free_tcp_port: int
) -> None:
    here = f"http://127.0.0.1:{free_tcp_port}"
    async with httpx.AsyncClient() as client:  # another process registered the webhook
        await client.post(
            f"{bot_api.base_url}{bot_api.token}/setWebhook",
            json={"url": f"{here}/telegram/elsewhere", "secret_token": SECRET},
        )
    marker = bot_api.mark()
    env = bot_env(
        tmp_path,
        bot_api,
        HTTP_PORT=str(free_tcp_port),
        TELEGRAM_WEBHOOK_URL=here,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
    )
    async with stockbot_run(tmp_path, env, ["--api-only"]) as run:
        await await_ready(free_tcp_port, run.process, run.output)
        bot_api.send_message(ADMIN_ID, "/start", first_name="Ann")
        [attempt, *_] = await bot_api.await_webhook_attempts(1, timeout=START_TIMEOUT)
        run.process.send_signal(signal.SIGTERM)
        status = await run.finish()

    assert status == 0
    assert "Updates not taken here (--api-only" in run.stdout.read_text()
    assert attempt.status == 404  # no webhook endpoint is served
    assert bot_api.webhook_url == f"{here}/telegram/elsewhere"
    called = {request.method for request in bot_api.requests if request.seq > marker}
    assert not called & {"getUpdates", "setWebhook", "deleteWebhook"}
    assert bot_api.messages(ADMIN_ID) == []
    with sqlite3.connect(tmp_path / "stockbot.db") as database:
        assert database.execute("SELECT count(*) FROM telegram_updates").fetchone() == (0,)
