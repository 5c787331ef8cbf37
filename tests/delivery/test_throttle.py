"""The hourly limit at claim time (SPEC 2.12): budgets per address, held rows folded into one
digest due when the hour allows, and every row accounted for. On PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import timedelta

from core.db.session import Database
from core.delivery.claims import claim_due
from core.delivery.content import NoticeItem, read_notice
from core.delivery.dead_letters import delivery_counts
from core.delivery.held import merge_items
from core.delivery.outcomes import record_outcome
from core.delivery.types import Claim, Outcome, RetryPolicy
from tests.conftest import Clock
from tests.delivery.conftest import Outbox, item

ANN = "ann@example.com"
BOB = "bob@example.com"
POLICY = RetryPolicy(base=timedelta(seconds=10), max_attempts=5, jitter=lambda: 1.0)


def claim(db: Database, *, cap: int = 10, limit: int = 50) -> list[Claim]:
    with db.unit_of_work() as uow:
        return claim_due(
            uow, channels={"email"}, limit=limit, lease=timedelta(seconds=60), hourly_cap=cap
        )


def settle(db: Database, claims: list[Claim], outcome: Outcome | None = None) -> None:
    for one in claims:
        with db.unit_of_work() as uow:
            assert record_outcome(uow, one, outcome or Outcome.sent(), POLICY) is not None


def test_a_burst_sends_the_budget_and_folds_the_rest_into_one_digest_due_in_an_hour(
    outbox: Outbox, clock: Clock
) -> None:
    ids = outbox.queue_many([("email", ANN)] * 25)
    sent = claim(outbox.db)
    assert [c.id for c in sent] == ids[:10]
    (digest,) = outbox.rows(kind="held_digest")
    assert (digest.status, digest.attempts, digest.next_attempt_at) == (
        "pending",
        0,
        clock.now + timedelta(hours=1),
    )
    folded = outbox.rows(status="folded")
    assert [row.id for row in folded] == ids[10:]
    assert {row.folded_into for row in folded} == {digest.id}
    assert all(row.attempts == 0 for row in folded)  # waiting is not an attempt
    notice = read_notice(digest.kind, digest.payload)
    assert [i.name for i in notice.items] == [f"Item {n}" for n in range(11, 26)]
    assert (notice.held, notice.limit) == (15, 10)
    assert (
        notice.summary == "Stock alerts: 15 items \N{EM DASH} Item 11, Item 12, Item 13 and 12 more"
    )

    settle(outbox.db, sent)
    clock.advance(minutes=59, seconds=59)
    assert claim(outbox.db) == []
    clock.advance(seconds=1)
    (released,) = claim(outbox.db)
    assert released.id == digest.id
    settle(outbox.db, [released])
    with outbox.db.unit_of_work() as uow:
        counts = delivery_counts(uow)
    assert (counts.pending, counts.sent) == (0, 11)


def test_rows_arriving_while_the_budget_is_spent_join_the_waiting_digest(
    outbox: Outbox, clock: Clock
) -> None:
    """A flapping item: a new alert every five minutes, the same item each time."""
    for flap in range(12):
        outbox.queue("email", ANN, payload=item(flap + 1, item_name="Tea", quantity=flap % 5))
        settle(outbox.db, claim(outbox.db))
        clock.advance(minutes=5)
    # Ten went out (at 08:00 … 08:45); two (08:50, 08:55) wait in one digest.
    assert len(outbox.rows(status="sent")) == 10
    (digest,) = outbox.rows(kind="held_digest")
    assert len(outbox.rows(status="folded", folded_into=digest.id)) == 2
    notice = read_notice(digest.kind, digest.payload)
    assert [(i.alert_id, i.name, i.quantity) for i in notice.items] == [(12, "Tea", 1)]
    assert notice.held == 2
    # Due when the first of the ten leaves the window: at 09:00, which it is now.
    assert digest.next_attempt_at == clock.now
    outbox.queue("email", ANN, payload=item(13, item_name="Tea", quantity=4))
    # One place is free: the digest takes it, and the new alert goes out in it.
    (released,) = claim(outbox.db)
    assert (released.id, released.attempts) == (digest.id, 1)
    notice = read_notice(released.kind, released.payload)
    assert ([i.alert_id for i in notice.items], notice.held) == ([13], 3)
    settle(outbox.db, [released])
    clock.advance(minutes=1)
    outbox.queue("email", ANN, payload=item(14, item_name="Tea", quantity=2))
    assert claim(outbox.db) == []
    (later,) = outbox.rows(kind="held_digest", status="pending")
    assert later.next_attempt_at == clock.now + timedelta(minutes=4)  # when 08:05 leaves


def test_an_address_is_not_held_by_another_ones_limit(outbox: Outbox) -> None:
    outbox.queue_many([("email", ANN)] * 12 + [("email", BOB)] * 3)
    claimed = claim(outbox.db)
    assert sorted(c.recipient for c in claimed) == [ANN] * 10 + [BOB] * 3
    (digest,) = outbox.rows(kind="held_digest")
    assert digest.recipient == ANN


def test_one_addresss_flood_does_not_keep_the_next_claim_from_the_others(outbox: Outbox) -> None:
    outbox.queue_many([("email", ANN)] * 120)
    bob = outbox.queue_many([("email", BOB)] * 3)
    assert len(claim(outbox.db)) == 10
    assert [c.id for c in claim(outbox.db)] == bob  # Ann's 110 are folded on the way
    (digest,) = outbox.rows(kind="held_digest")
    assert len(outbox.rows(folded_into=digest.id)) == 110


def test_messages_in_flight_count_and_a_failed_one_frees_its_place(
    outbox: Outbox, clock: Clock
) -> None:
    outbox.queue_many([("email", ANN)] * 3)
    in_flight = claim(outbox.db, cap=3)
    assert len(in_flight) == 3
    outbox.queue("email", ANN)
    assert claim(outbox.db, cap=3) == []  # three leased: the fourth waits
    (digest,) = outbox.rows(kind="held_digest")
    settle(outbox.db, in_flight[:1], Outcome.dead("refused"))  # not sent: not counted
    settle(outbox.db, in_flight[1:])
    clock.advance(hours=1)
    assert [c.id for c in claim(outbox.db, cap=3)] == [digest.id]


def test_verification_codes_are_neither_held_nor_counted(outbox: Outbox) -> None:
    outbox.queue_many([("email", ANN)] * 10)
    settle(outbox.db, claim(outbox.db))
    code = outbox.queue("email", ANN, kind="verification", payload={"code": "123456"})
    assert [c.id for c in claim(outbox.db)] == [code]
    assert outbox.rows(kind="held_digest") == []
    outbox.queue("email", BOB, kind="verification", payload={"code": "654321"})
    outbox.queue_many([("email", BOB)] * 10)
    assert len(claim(outbox.db)) == 11  # the code took none of Bob's ten


def test_a_digest_that_fails_is_retried_and_keeps_its_folded_rows(
    outbox: Outbox, clock: Clock
) -> None:
    outbox.queue_many([("email", ANN)] * 4)
    settle(outbox.db, claim(outbox.db, cap=2))
    clock.advance(hours=1)
    (digest,) = claim(outbox.db, cap=2)
    settle(outbox.db, [digest], Outcome.retry("451 try later"))
    row = outbox.row(digest.id)
    assert (row.status, row.attempts) == ("pending", 1)
    clock.advance(seconds=10)
    (retried,) = claim(outbox.db, cap=2)
    assert (retried.id, retried.attempts) == (digest.id, 2)
    settle(outbox.db, [retried])
    assert outbox.row(digest.id).status == "sent"
    folded = outbox.rows(status="folded")
    assert len(folded) == 2
    assert {f.folded_into for f in folded} == {digest.id}


def test_a_row_whose_payload_cannot_be_read_dies_instead_of_breaking_the_digest(
    outbox: Outbox,
) -> None:
    outbox.queue_many([("email", ANN)] * 2)
    broken = outbox.queue("email", ANN, payload={"what": "not an alert"})
    fine = outbox.queue("email", ANN)
    claim(outbox.db, cap=2)
    assert outbox.row(broken).status == "dead"
    assert outbox.row(fine).status == "folded"


def test_items_of_one_alert_or_one_name_collapse_to_the_latest() -> None:
    items = [
        NoticeItem(1, "Tea", 3, 5),
        NoticeItem(2, "Milk", 1, 5),
        NoticeItem(1, "Tea", 2, 5),
        NoticeItem(3, "tea", 0, 5),
    ]
    assert merge_items(items) == [NoticeItem(2, "Milk", 1, 5), NoticeItem(3, "tea", 0, 5)]
