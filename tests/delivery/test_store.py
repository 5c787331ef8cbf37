"""The outbox relay's bookkeeping: claims and leases, outcomes, backoff, dead letters."""

from __future__ import annotations

from datetime import timedelta

from core.db.session import Database
from core.delivery.claims import ABANDONED, claim_due, hasten
from core.delivery.dead_letters import (
    delivery_counts,
    list_dead,
    requeue_dead,
    waiting_for_channels,
)
from core.delivery.outcomes import record_outcome, release
from core.delivery.types import Claim, Outcome, RetryPolicy
from core.shops import chats, members
from tests.conftest import Clock
from tests.delivery.conftest import ADMIN, Outbox

LEASE = timedelta(minutes=5)
POLICY = RetryPolicy(
    base=timedelta(seconds=10), cap=timedelta(minutes=5), max_attempts=3, jitter=lambda: 1.0
)
ALL = ("telegram", "email", "whatsapp")


def claim(db: Database, limit: int = 10, channels: tuple[str, ...] = ALL) -> list[Claim]:
    with db.unit_of_work() as uow:
        return claim_due(uow, channels=channels, limit=limit, lease=LEASE)


def settle(db: Database, claimed: Claim, outcome: Outcome) -> object:
    with db.unit_of_work() as uow:
        return record_outcome(uow, claimed, outcome, POLICY)


def test_a_claimed_row_is_leased_and_not_claimed_again_while_the_lease_lasts(
    outbox: Outbox, clock: Clock
) -> None:
    row_id = outbox.queue()
    (first,) = claim(outbox.db)
    clock.advance(minutes=4)
    assert claim(outbox.db) == []
    stored = outbox.row(row_id)
    assert (first.id, first.attempts, first.leased_until) == (
        row_id,
        1,
        clock.now - timedelta(minutes=4) + LEASE,
    )
    assert stored.claimed_until == first.leased_until
    assert stored.status == "pending"


def test_a_crashed_relays_row_is_taken_over_when_its_lease_runs_out(
    outbox: Outbox, clock: Clock
) -> None:
    outbox.queue()
    (lost,) = claim(outbox.db)
    clock.advance(minutes=5)
    (taken,) = claim(outbox.db)
    assert taken.id == lost.id
    assert taken.attempts == 2
    # The crashed relay's late word counts for nothing; the new holder's does.
    assert settle(outbox.db, lost, Outcome.sent()) is None
    assert outbox.row(lost.id).status == "pending"
    assert settle(outbox.db, taken, Outcome.sent()) == ("sent", None)
    assert outbox.row(lost.id).status == "sent"


def test_a_row_whose_relay_keeps_stopping_while_sending_it_ends_dead_after_the_last_attempt(
    outbox: Outbox, clock: Clock
) -> None:
    row_id, other = outbox.queue(), outbox.queue()
    for _ in range(POLICY.max_attempts):  # each relay is killed before it records an outcome
        with outbox.db.unit_of_work() as uow:
            claimed = claim_due(
                uow, channels=ALL, limit=1, lease=LEASE, max_attempts=POLICY.max_attempts
            )
        assert [c.id for c in claimed] == [row_id]
        clock.advance(minutes=5)
    with outbox.db.unit_of_work() as uow:
        claimed = claim_due(
            uow, channels=ALL, limit=2, lease=LEASE, max_attempts=POLICY.max_attempts
        )
    assert [c.id for c in claimed] == [other]
    stored = outbox.row(row_id)
    assert (stored.status, stored.attempts, stored.claimed_until) == ("dead", 3, None)
    assert stored.last_error == f"gave up after 3 attempts: {ABANDONED}"


def test_rows_are_claimed_oldest_due_first_in_batches_and_future_rows_wait(
    outbox: Outbox, clock: Clock
) -> None:
    later = outbox.queue(due=clock.now + timedelta(minutes=1))
    first, second, third = (outbox.queue() for _ in range(3))
    assert [c.id for c in claim(outbox.db, limit=2)] == [first, second]
    assert [c.id for c in claim(outbox.db, limit=2)] == [third]
    clock.advance(minutes=1)
    assert [c.id for c in claim(outbox.db)] == [later]


def test_only_the_asked_channels_are_claimed(outbox: Outbox) -> None:
    email = outbox.queue("email", "ann@example.com")
    outbox.queue("whatsapp", "+14155550123")
    assert [c.id for c in claim(outbox.db, channels=("telegram", "email"))] == [email]
    assert claim(outbox.db, channels=()) == []


def test_a_sent_row_is_marked_sent_with_its_time_and_never_claimed_again(
    outbox: Outbox, clock: Clock
) -> None:
    outbox.queue()
    (claimed,) = claim(outbox.db)
    clock.advance(seconds=2)
    settle(outbox.db, claimed, Outcome.sent())
    stored = outbox.row(claimed.id)
    assert (stored.status, stored.sent_at, stored.claimed_until) == ("sent", clock.now, None)
    clock.advance(hours=1)
    assert claim(outbox.db) == []


def test_transient_failures_back_off_exponentially_then_the_row_is_dead_with_the_last_error(
    outbox: Outbox, clock: Clock
) -> None:
    row_id = outbox.queue()
    waits = []
    for attempt in range(1, 4):
        (claimed,) = claim(outbox.db)
        assert claimed.attempts == attempt
        settle(outbox.db, claimed, Outcome.retry(f"timeout {attempt}"))
        stored = outbox.row(row_id)
        if stored.status == "dead":
            break
        waits.append(stored.next_attempt_at - clock.now)
        assert claim(outbox.db) == []  # not due before its backoff
        clock.now = stored.next_attempt_at
    assert waits == [timedelta(seconds=10), timedelta(seconds=20)]
    stored = outbox.row(row_id)
    assert stored.status == "dead"
    assert stored.attempts == 3
    assert stored.last_error == "gave up after 3 attempts: timeout 3"


def test_backoff_is_jittered_within_the_upper_half_and_capped() -> None:
    low = RetryPolicy(base=timedelta(seconds=10), cap=timedelta(seconds=60), jitter=lambda: 0.0)
    high = RetryPolicy(base=timedelta(seconds=10), cap=timedelta(seconds=60), jitter=lambda: 1.0)
    assert [low.delay(n).total_seconds() for n in (1, 2, 3, 4, 30)] == [5, 10, 20, 30, 30]
    assert [high.delay(n).total_seconds() for n in (1, 2, 3, 4, 30)] == [10, 20, 40, 60, 60]
    spread = {RetryPolicy().delay(3) for _ in range(20)}
    assert len(spread) > 1
    assert all(timedelta(seconds=30) <= d <= timedelta(seconds=60) for d in spread)


def test_a_permanent_failure_is_dead_after_one_attempt_with_its_reason(outbox: Outbox) -> None:
    row_id = outbox.queue("whatsapp", "+14155550123")
    (claimed,) = claim(outbox.db)
    settle(outbox.db, claimed, Outcome.dead("Twilio error 400 (code 21211): invalid number"))
    stored = outbox.row(row_id)
    assert (stored.status, stored.attempts) == ("dead", 1)
    assert stored.last_error == "Twilio error 400 (code 21211): invalid number"
    assert claim(outbox.db) == []


def test_a_deferred_row_waits_as_told_without_using_up_an_attempt(
    outbox: Outbox, clock: Clock
) -> None:
    row_id = outbox.queue()
    for _ in range(5):  # more than max_attempts: deferring never kills a row
        (claimed,) = claim(outbox.db)
        settle(outbox.db, claimed, Outcome.defer("retry after 7s", timedelta(seconds=7)))
        assert claim(outbox.db) == []
        clock.advance(seconds=7)
    stored = outbox.row(row_id)
    assert (stored.status, stored.attempts, stored.last_error) == ("pending", 0, "retry after 7s")


def test_a_split_message_remembers_how_many_parts_went_out(outbox: Outbox) -> None:
    row_id = outbox.queue()
    (claimed,) = claim(outbox.db)
    settle(outbox.db, claimed, Outcome.retry("timed out", parts_sent=2))
    assert outbox.row(row_id).payload == {**claimed.payload, "parts_sent": 2}


def test_releasing_gives_rows_back_at_once_without_using_up_an_attempt(outbox: Outbox) -> None:
    ids = [outbox.queue() for _ in range(3)]
    claimed = claim(outbox.db)
    with outbox.db.unit_of_work() as uow:
        assert release(uow, claimed[:2]) == 2
    assert [(r.attempts, r.claimed_until is None) for r in outbox.rows()] == [
        (0, True),
        (0, True),
        (1, False),
    ]
    assert [c.id for c in claim(outbox.db)] == ids[:2]


def test_rows_of_a_channel_switched_off_wait_pending_and_are_counted_for_it(
    outbox: Outbox,
) -> None:
    telegram = outbox.queue()
    email = outbox.queue("email", "ann@example.com")
    with outbox.db.unit_of_work() as uow:
        assert waiting_for_channels(uow, channels_on={"telegram", "whatsapp"}) == {"email": 1}
    assert [c.id for c in claim(outbox.db, channels=("telegram", "whatsapp"))] == [telegram]
    stored = outbox.row(email)
    assert (stored.status, stored.attempts, stored.last_error) == ("pending", 0, None)


def test_a_recovered_channel_makes_its_backing_off_rows_due_now(
    outbox: Outbox, clock: Clock
) -> None:
    failed = [outbox.queue("email", "ann@example.com") for _ in range(2)]
    other = outbox.queue("whatsapp", "+14155550123")
    for claimed in claim(outbox.db, channels=("email", "whatsapp")):
        settle(outbox.db, claimed, Outcome.retry("connection refused"))
    with outbox.db.unit_of_work() as uow:
        assert hasten(uow, channel="email") == 2
    assert [c.id for c in claim(outbox.db)] == failed
    assert outbox.row(other).next_attempt_at > clock.now


def test_dead_notifications_are_listed_with_their_reason_and_can_be_sent_again(
    outbox: Outbox,
) -> None:
    row_id = outbox.queue("email", "ann@example.com")
    (claimed,) = claim(outbox.db)
    settle(outbox.db, claimed, Outcome.dead("recipient refused: 550 no such user"))
    with outbox.db.unit_of_work() as uow:
        (dead,) = list_dead(uow)
        counts = delivery_counts(uow)
    assert (dead.id, dead.channel, dead.recipient, dead.reason) == (
        row_id,
        "email",
        "ann@example.com",
        "recipient refused: 550 no such user",
    )
    assert (counts.pending, counts.sent, counts.dead) == (0, 0, 1)
    with outbox.db.unit_of_work() as uow:
        assert requeue_dead(uow, ids=[row_id, row_id + 99]) == 1
    (again,) = claim(outbox.db)
    assert (again.id, again.attempts) == (row_id, 1)


def test_a_migrated_chat_moves_the_member_and_their_pending_telegram_rows(outbox: Outbox) -> None:
    sent, pending = outbox.queue(), outbox.queue()
    settle(outbox.db, claim(outbox.db, limit=1)[0], Outcome.sent())
    with outbox.db.unit_of_work() as uow:
        assert chats.move_chat(uow, old_chat_id=ADMIN, new_chat_id=-100123) == 1
    with outbox.db.unit_of_work() as uow:
        assert members.get_member(uow, ADMIN).chat_id == -100123
    assert outbox.row(pending).recipient == "-100123"
    assert outbox.row(sent).recipient == str(ADMIN)  # history keeps where it went


def test_a_per_recipient_claim_takes_each_chats_oldest_row_and_skips_busy_chats(
    outbox: Outbox,
) -> None:
    a1, a2, b1, c1 = outbox.queue_many(
        [("telegram", "1"), ("telegram", "1"), ("telegram", "2"), ("telegram", "3")]
    )
    with outbox.db.unit_of_work() as uow:
        first = claim_due(
            uow, channels={"telegram"}, limit=10, lease=LEASE, one_per_recipient=True,
            skip_recipients={"3"},
        )  # fmt: skip
    assert [c.id for c in first] == [a1, b1]
    with outbox.db.unit_of_work() as uow:
        second = claim_due(
            uow, channels={"telegram"}, limit=10, lease=LEASE, one_per_recipient=True
        )
    assert [c.id for c in second] == [a2, c1]
