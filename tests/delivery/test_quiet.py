"""Quiet hours at delivery (SPEC 2.10): Telegram goes silently, email and WhatsApp wait for
their end and go as one digest; nothing is dropped. On PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.db.session import Database
from core.delivery.claims import claim_due
from core.delivery.content import read_notice
from core.delivery.quiet import in_quiet_hours
from core.delivery.types import Claim
from core.shops import prefs
from tests.conftest import Clock
from tests.delivery.conftest import ADMIN, Outbox

ANN = "ann@example.com"
NIGHT = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)
MORNING = datetime(2026, 3, 3, 7, 30, tzinfo=UTC)


def claim(db: Database, channel: str) -> list[Claim]:
    with db.unit_of_work() as uow:
        return claim_due(
            uow,
            channels={channel},
            limit=50,
            lease=timedelta(seconds=60),
            hourly_cap=None if channel == "telegram" else 10,
        )


def quiet(outbox: Outbox, hours: str | None) -> None:
    with outbox.db.unit_of_work() as uow:
        prefs.set_quiet(uow, telegram_user_id=ADMIN, hours=hours)


@pytest.mark.parametrize(
    ("minute", "inside"),
    [
        (20 * 60 + 59, False),
        (21 * 60, True),
        (23 * 60 + 59, True),
        (0, True),
        (7 * 60 + 29, True),
        (7 * 60 + 30, False),
        (12 * 60, False),
    ],
)
def test_quiet_hours_may_span_midnight(minute: int, inside: bool) -> None:
    assert in_quiet_hours(minute, 21 * 60, 7 * 60 + 30) is inside
    assert in_quiet_hours(minute, 8 * 60, 12 * 60) is (8 * 60 <= minute < 12 * 60)


def test_email_in_quiet_hours_waits_for_their_end_and_goes_as_one_digest(
    outbox: Outbox, clock: Clock
) -> None:
    quiet(outbox, "21:00-07:30")
    clock.now = NIGHT
    ids = outbox.queue_many([("email", ANN)] * 3)

    assert claim(outbox.db, "email") == []
    (digest,) = outbox.rows(kind="held_digest")
    assert digest.next_attempt_at == MORNING
    assert {row.folded_into for row in outbox.rows(status="folded")} == {digest.id}
    assert [row.id for row in outbox.rows(status="folded")] == ids

    clock.now = MORNING - timedelta(seconds=1)
    assert claim(outbox.db, "email") == []
    clock.now = MORNING
    (released,) = claim(outbox.db, "email")
    notice = read_notice(released.kind, released.payload)
    assert released.id == digest.id
    assert notice.quiet
    assert [item.name for item in notice.items] == ["Item 1", "Item 2", "Item 3"]


def test_telegram_in_quiet_hours_goes_at_once_but_silently(outbox: Outbox, clock: Clock) -> None:
    quiet(outbox, "21:00-07:30")
    clock.now = NIGHT
    outbox.queue("telegram", str(ADMIN))

    (night,) = claim(outbox.db, "telegram")
    clock.now = MORNING
    day_id = outbox.queue("telegram", str(ADMIN))
    day = next(c for c in claim(outbox.db, "telegram") if c.id == day_id)

    assert (night.silent, day.silent) == (True, False)


def test_outside_quiet_hours_or_without_them_email_goes_at_once(
    outbox: Outbox, clock: Clock
) -> None:
    clock.now = NIGHT
    outbox.queue("email", ANN)
    assert len(claim(outbox.db, "email")) == 1

    quiet(outbox, "08:00-12:00")
    outbox.queue("email", ANN)
    assert len(claim(outbox.db, "email")) == 1
