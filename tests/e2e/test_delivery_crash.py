"""A bot process killed with SIGKILL in the middle of sending loses nothing when started again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from core.db.session import Database
from tests.delivery.conftest import WHATSAPP_FROM, Outbox, make_outbox
from tests.fakes.smtp import SmtpSink
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi

ROOT = Path(__file__).resolve().parents[2]
CHATS = (7001, 7002, 7003)
PER_CHAT = 4


@pytest.fixture
def live_outbox(pg_db: Database) -> Outbox:
    """Rows queued by hand in the test database, due by the real clock."""
    return make_outbox(Database(pg_db.engine, pg_db.config))


def bot_environment(
    bot_api: FakeBotApi, smtp: SmtpSink, twilio: FakeTwilioApi, database_url: str
) -> dict[str, str]:
    """`stockbot run` pointed at the fakes and the test database, nothing from a .env file."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "SMTP_", "TWILIO_", "DATABASE_", "ALERT_"))
    }
    environment.update(
        PYTHONPATH=str(ROOT),
        PTB_TIMEDELTA="1",
        LOG_LEVEL="INFO",
        TELEGRAM_BOT_TOKEN=bot_api.token,
        TELEGRAM_API_BASE_URL=bot_api.base_url,
        DATABASE_URL=database_url,
        SMTP_HOST=smtp.host,
        SMTP_PORT=str(smtp.port),
        SMTP_SECURITY="none",
        SMTP_FROM="alerts@example.com",
        TWILIO_ACCOUNT_SID=twilio.account_sid,
        TWILIO_AUTH_TOKEN=twilio.auth_token,
        TWILIO_WHATSAPP_FROM=WHATSAPP_FROM,
        TWILIO_API_BASE_URL=twilio.base_url,
    )
    return environment


@contextmanager
def bot_process(
    environment: dict[str, str], workdir: Path, name: str
) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m bot run` in a directory without a .env file; killed if still running."""
    with (workdir / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=workdir,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)


def end_leases_of_the_dead(database: Database) -> int:
    """Time passes: the killed bot's leases run out (the test does not wait the 60 seconds)."""
    with database.engine.begin() as connection:
        result = connection.execute(
            text(
                "UPDATE notifications SET claimed_until = now() - interval '1 second' "
                "WHERE status = 'pending' AND claimed_until IS NOT NULL"
            )
        )
        return result.rowcount


def test_a_bot_killed_mid_batch_and_started_again_delivers_everything(
    bot_api: FakeBotApi,
    smtp_server: SmtpSink,
    twilio_api: FakeTwilioApi,
    postgres_url: str,
    live_outbox: Outbox,
    tmp_path: Path,
) -> None:
    targets = [("telegram", str(chat)) for chat in CHATS for _ in range(PER_CHAT)]
    targets += [("email", f"member{n}@example.com") for n in range(5)]
    targets += [("whatsapp", f"+1415555{n:04}") for n in range(5)]
    ids = live_outbox.queue_many(targets)
    environment = bot_environment(bot_api, smtp_server, twilio_api, postgres_url)

    with bot_process(environment, tmp_path, "first") as first:
        # Pushes to one chat go a second apart: after its second one, two are still queued.
        bot_api.wait_for_messages(CHATS[0], 2, timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    claimed_at_kill = [r for r in live_outbox.rows(status="pending") if r.claimed_until]
    assert live_outbox.rows(status="pending"), "the kill came too late to be mid-batch"
    end_leases_of_the_dead(live_outbox.db)

    with bot_process(environment, tmp_path, "second") as second:
        for chat in CHATS:
            bot_api.wait_for_messages(chat, PER_CHAT, timeout=60)
        smtp_server.wait_for_messages(5, timeout=60)
        twilio_api.wait_for_messages(5, timeout=60)
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0

    assert {row.status for row in live_outbox.rows()} == {"sent"}
    assert len(ids) == len(targets)
    delivered = deliveries(bot_api, smtp_server, twilio_api)
    assert len(delivered) == len(targets)  # every notification arrived
    # Only a message in flight at the kill (accepted by its channel, not yet marked sent) may
    # arrive twice: that is the duplicate window.
    extra = sum(times - 1 for times in delivered.values())
    assert extra <= len(claimed_at_kill)
    assert max(delivered.values()) <= 2
    logs = "".join(path.read_text() for path in tmp_path.glob("*.log"))
    for secret in (bot_api.token, twilio_api.auth_token):
        assert secret not in logs


def deliveries(bot_api: FakeBotApi, smtp: SmtpSink, twilio: FakeTwilioApi) -> Counter[str]:
    """How often each notification arrived, keyed by what makes it unique on its channel."""
    keys = [f"telegram {m.chat_id} {m.plain_text}" for m in bot_api.all_messages()]
    keys += [f"email {e.message['Message-ID']}" for e in smtp.messages]
    keys += [f"whatsapp {m['To']} {m['Body']}" for m in twilio.messages]
    return Counter(keys)
