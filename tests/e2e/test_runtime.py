"""`stockbot run` as an operator starts it: a real process, real signals, real logs."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.fakes.telegram_api import FakeBotApi

START_TIMEOUT = 30.0
SMTP_PASSWORD = "smtp-password-do-not-log"
TWILIO_TOKEN = "twilio-auth-token-do-not-log"
ADMIN_ID = 1000


def environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """A clean environment: only what `stockbot run` needs, plus the given settings."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'stockbot.db'}", **settings})
    return env


@dataclass
class Run:
    process: asyncio.subprocess.Process
    stdout: Path
    stderr: Path

    async def finish(self) -> int:
        """Wait for the process to exit; its status."""
        return await asyncio.wait_for(self.process.wait(), START_TIMEOUT)

    def output(self) -> str:
        """Everything it printed and logged."""
        return self.stdout.read_text() + self.stderr.read_text()


@asynccontextmanager
async def stockbot_run(
    tmp_path: Path, env: dict[str, str], arguments: Sequence[str] = ()
) -> AsyncIterator[Run]:
    """`stockbot run [arguments]` in a working directory without a .env file; killed if a
    test fails."""
    stdout, stderr = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            *arguments,
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=err,
        )
    run = Run(process, stdout, stderr)
    try:
        yield run
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def bot_env(tmp_path: Path, api: FakeBotApi, **settings: str) -> dict[str, str]:
    """The environment of a bot pointed at the local Bot API server."""
    values = {"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api.base_url}
    return environment(tmp_path, **{**values, **settings})


async def test_run_without_a_token_exits_saying_where_to_get_one(tmp_path: Path) -> None:
    async with stockbot_run(tmp_path, environment(tmp_path)) as run:
        status = await run.finish()

    assert status == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in run.stderr.read_text()
    assert "@BotFather" in run.stderr.read_text()
    assert not (tmp_path / "stockbot.db").exists()


async def test_run_with_an_invalid_setting_names_the_setting(tmp_path: Path) -> None:
    env = environment(tmp_path, TELEGRAM_BOT_TOKEN="1:x", ALERT_TIMEZONE="Mars/Olympus_Mons")
    async with stockbot_run(tmp_path, env) as run:
        status = await run.finish()

    assert status == 2
    assert "ALERT_TIMEZONE: use an IANA time zone name" in run.stderr.read_text()


async def test_run_with_a_refused_token_says_so_without_showing_it(
    tmp_path: Path, bot_api: FakeBotApi
) -> None:
    env = bot_env(tmp_path, bot_api, TELEGRAM_BOT_TOKEN="123456:wrong-token-abcdefghijklmnop")
    async with stockbot_run(tmp_path, env) as run:
        status = await run.finish()

    assert status == 2
    assert "Telegram refused TELEGRAM_BOT_TOKEN" in run.stderr.read_text()
    assert "wrong-token" not in run.output()


async def test_run_migrates_answers_start_and_stops_cleanly_on_sigterm(
    tmp_path: Path, bot_api: FakeBotApi
) -> None:
    async with stockbot_run(tmp_path, bot_env(tmp_path, bot_api)) as run:
        await bot_api.await_polled(timeout=START_TIMEOUT)
        bot_api.send_message(ADMIN_ID, "/start", first_name="Ann")
        reply = await bot_api.await_message(ADMIN_ID, timeout=START_TIMEOUT)
        run.process.send_signal(signal.SIGTERM)
        status = await run.finish()

    assert "I opened Ann's shop and you are its admin" in (reply.plain_text or "")
    assert status == 0
    printed = run.stdout.read_text()
    assert "Channels on: telegram." in printed
    assert "Stockbot stopped." in printed
    with sqlite3.connect(tmp_path / "stockbot.db") as database:
        assert database.execute("SELECT name FROM shops").fetchall() == [("Ann's shop",)]
        assert database.execute("SELECT version_num FROM alembic_version").fetchone()


async def test_a_debug_log_of_a_run_holds_no_secret(tmp_path: Path, bot_api: FakeBotApi) -> None:
    env = bot_env(
        tmp_path,
        bot_api,
        LOG_LEVEL="DEBUG",
        SMTP_PASSWORD=SMTP_PASSWORD,
        TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
    )
    async with stockbot_run(tmp_path, env) as run:
        await bot_api.await_polled(timeout=START_TIMEOUT)
        bot_api.send_message(ADMIN_ID, "/start", first_name="Ann")
        await bot_api.await_message(ADMIN_ID, timeout=START_TIMEOUT)
        bot_api.send_message(ADMIN_ID, "/additem Green tea 2", first_name="Ann")
        await bot_api.await_message(ADMIN_ID, contains="Added Green tea", timeout=START_TIMEOUT)
        run.process.send_signal(signal.SIGINT)
        status = await run.finish()

    logged = run.output()
    assert status == 0
    assert "DEBUG" in logged
    assert "getUpdates" in logged
    secret_part = bot_api.token.split(":", 1)[1]
    for secret in (bot_api.token, secret_part, SMTP_PASSWORD, TWILIO_TOKEN):
        assert secret not in logged


async def test_run_with_an_unreachable_database_names_the_setting_not_the_password(
    tmp_path: Path, bot_api: FakeBotApi
) -> None:
    url = "postgresql+psycopg2://shop:db-password-do-not-show@127.0.0.1:1/stockbot"
    async with stockbot_run(tmp_path, bot_env(tmp_path, bot_api, DATABASE_URL=url)) as run:
        status = await run.finish()

    assert status == 1
    assert "DATABASE_URL: cannot open the database" in run.stderr.read_text()
    assert "db-password-do-not-show" not in run.output()
    assert bot_api.requests == []


async def test_run_with_an_unreachable_bot_api_says_which_url_it_tried(tmp_path: Path) -> None:
    env = environment(
        tmp_path,
        TELEGRAM_BOT_TOKEN="123456:token-do-not-show-abcdefgh",
        TELEGRAM_API_BASE_URL="http://127.0.0.1:1/bot",
    )
    async with stockbot_run(tmp_path, env) as run:
        status = await run.finish()

    assert status == 1
    assert "Cannot reach the Telegram Bot API (TELEGRAM_API_BASE_URL=http://127.0.0.1:1/bot)" in (
        run.stderr.read_text()
    )
    assert "token-do-not-show" not in run.output()
    assert "Traceback" not in run.output()


async def test_a_bot_api_outage_while_running_is_a_warning_line_and_polling_resumes(
    tmp_path: Path, bot_api: FakeBotApi
) -> None:
    async with stockbot_run(tmp_path, bot_env(tmp_path, bot_api)) as run:
        await bot_api.await_polled(timeout=START_TIMEOUT)
        # The poll under way brings /start; the next one, made while /start is being
        # handled, meets the outage.
        bot_api.fail_next("getUpdates", error_code=502, description="Bad Gateway")
        bot_api.send_message(ADMIN_ID, "/start", first_name="Ann")
        opened = await bot_api.await_message(ADMIN_ID, timeout=START_TIMEOUT)
        # The reply to /start does not mean that the failed poll is over. Only a poll after
        # the failed one can bring this second message: once it is answered, the bot has
        # met the outage, passed it to its error handler and polled again.
        marker = bot_api.mark()
        bot_api.send_message(ADMIN_ID, "/start", first_name="Ann")
        again = await bot_api.await_message(ADMIN_ID, after=marker, timeout=START_TIMEOUT)
        run.process.send_signal(signal.SIGTERM)
        status = await run.finish()

    assert "I opened Ann's shop" in (opened.plain_text or "")
    assert "Welcome back, Ann!" in (again.plain_text or "")
    assert status == 0
    logged = run.stderr.read_text()
    assert "WARNING stockbot.bot: Telegram is unreachable, retrying: Bad Gateway" in logged
    assert "Traceback" not in logged
