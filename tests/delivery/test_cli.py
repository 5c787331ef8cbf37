"""`stockbot deliveries`: what operators see of notifications that could not be delivered."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.cli import main
from core.delivery.claims import claim_due
from core.delivery.outcomes import record_outcome
from core.delivery.types import Outcome, RetryPolicy
from tests.delivery.conftest import Outbox

REASON = "recipient refused: 550 5.1.1 Mailbox unavailable"


@pytest.fixture
def dead_email(live_outbox: Outbox, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """One dead email and one pending message, in the database the command reads."""
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    row_id = live_outbox.queue("email", "gone@example.com")
    with live_outbox.db.unit_of_work() as uow:
        (claim,) = claim_due(uow, channels={"email"}, limit=1, lease=timedelta(minutes=1))
    with live_outbox.db.unit_of_work() as uow:
        record_outcome(uow, claim, Outcome.dead(REASON), RetryPolicy())
    live_outbox.queue()
    return row_id


def test_operators_see_dead_notifications_with_their_reason_and_masked_recipient(
    dead_email: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["deliveries"]) == 0
    out = capsys.readouterr().out
    assert "Notifications: 1 pending, 0 sent, 1 dead." in out
    assert f"#{dead_email}" in out
    assert "email" in out
    assert "g***@e***.com" in out
    assert REASON in out
    assert "gone@example.com" not in out
    assert main(["deliveries", "--show-recipients"]) == 0
    assert "gone@example.com" in capsys.readouterr().out


def test_dead_notifications_can_be_queued_again_from_the_command_line(
    dead_email: int, live_outbox: Outbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["deliveries", "--retry", str(dead_email)]) == 0
    assert "1 dead notifications queued again" in capsys.readouterr().out
    row = live_outbox.row(dead_email)
    assert (row.status, row.attempts, row.claimed_until) == ("pending", 0, None)
    assert main(["deliveries", "--retry", str(dead_email)]) == 1  # not dead any more


def test_operators_see_how_many_notifications_the_hourly_limit_holds(
    live_outbox: Outbox,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    live_outbox.queue_many([("email", "ann@example.com")] * 5)
    with live_outbox.db.unit_of_work() as uow:
        claims = claim_due(
            uow, channels={"email"}, limit=10, lease=timedelta(minutes=1), hourly_cap=2
        )
    assert len(claims) == 2
    assert main(["deliveries"]) == 0
    out = capsys.readouterr().out
    assert "Notifications: 3 pending, 0 sent, 0 dead." in out
    assert (
        "3 held by the hourly limit (NOTIFY_MAX_PER_HOUR) or quiet hours: they go out as one "
        "digest when allowed"
    ) in out


def test_a_rooms_queued_messages_are_not_reported_as_waiting_for_a_channel_that_is_off(
    live_outbox: Outbox,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    live_outbox.queue("room", "-4001")
    live_outbox.queue("email", "ann@example.com")

    assert main(["deliveries"]) == 0

    out = capsys.readouterr().out
    assert "1 waiting for channel email (off)" in out
    assert "channel room" not in out
