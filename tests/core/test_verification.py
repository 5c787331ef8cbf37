"""Verified channel addresses: codes, their limits, and who receives alerts (SPEC 1, SPEC 3)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db.models import Member, VerificationCode
from core.delivery.content import read_notice
from core.errors import InvalidInput, TryLater
from core.shops import prefs, verification, zones
from tests.conftest import Clock
from tests.core.conftest import ShopFixture, snapshot
from tests.core.test_concurrency import service, together, unexpected

ANA = "ana@example.com"
ANA_PHONE = "+14155552671"


def codes(shop: ShopFixture) -> list[VerificationCode]:
    """Every verification code row, oldest first."""
    with shop.db.unit_of_work() as uow:
        rows = list(uow.session.scalars(select(VerificationCode).order_by(VerificationCode.id)))
        uow.session.expunge_all()
        return rows


def set_email(shop: ShopFixture, address: str | None, user: int | None = None) -> object:
    return shop.run(prefs.set_email, telegram_user_id=user or shop.admin, email=address)


def verify(shop: ShopFixture, code: str, user: int | None = None) -> object:
    return shop.run(verification.verify, telegram_user_id=user or shop.admin, code=code)


def wrong(code: str) -> str:
    """A 6-digit code that is not this one."""
    return f"{(int(code) + 1) % 10**6:06d}"


def alert_recipients(shop: ShopFixture) -> set[tuple[str, str]]:
    return {(row.channel, row.recipient) for row in shop.notifications(kind="alert")}


def test_a_new_email_gets_a_code_in_the_outbox_and_only_its_hash_is_kept(
    shop: ShopFixture, clock: Clock
) -> None:
    result = set_email(shop, ANA)

    assert (result.email, result.email_verified) == (ANA, False)  # type: ignore[attr-defined]
    [queued] = shop.notifications(kind="verification")
    code = queued.payload["code"]
    assert len(code) == 6
    assert code.isdigit()
    assert (queued.channel, queued.recipient, queued.status) == ("email", ANA, "pending")
    [row] = codes(shop)
    assert code not in row.code_hash
    assert (
        row.code_hash == hashlib.sha256(f"{row.member_id}:email:{ANA}:{code}".encode()).hexdigest()
    )
    assert (row.address, row.expires_at, row.closed_as) == (
        ANA,
        clock.now + timedelta(hours=1),
        None,
    )


def test_an_unverified_address_gets_no_alerts_and_a_verified_one_does(shop: ShopFixture) -> None:
    set_email(shop, ANA)
    shop.add_item("Tea", 1)
    assert ("email", ANA) not in alert_recipients(shop)

    verified = verify(shop, shop.code_sent(shop.admin))
    shop.add_item("Milk", 1)

    assert (verified.channel, verified.address) == ("email", ANA)  # type: ignore[attr-defined]
    assert verified.prefs.email_verified  # type: ignore[attr-defined]
    emailed = [row for row in shop.notifications(kind="alert") if row.channel == "email"]
    assert [(row.recipient, row.payload["item_name"]) for row in emailed] == [(ANA, "Milk")]
    [row] = codes(shop)
    assert row.closed_as == "verified"
    # The code does not outlive its use: its outbox row no longer holds it.
    assert [row.payload for row in shop.notifications(kind="verification")] == [{}]


def test_a_whatsapp_number_is_verified_the_same_way(shop: ShopFixture) -> None:
    shop.run(prefs.set_whatsapp, telegram_user_id=shop.admin, number="+1 415 555 2671")
    [queued] = shop.notifications(kind="verification")
    assert (queued.channel, queued.recipient) == ("whatsapp", ANA_PHONE)

    verify(shop, shop.code_sent(shop.admin))

    assert shop.run(prefs.get_prefs, telegram_user_id=shop.admin).whatsapp_verified


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "12a456", "code"])
def test_a_malformed_code_is_refused_and_changes_nothing(shop: ShopFixture, typed: str) -> None:
    set_email(shop, ANA)
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput, match="6 digits"):
        verify(shop, typed)
    assert snapshot(shop.db) == before


def test_verify_without_a_code_waiting_is_refused(shop: ShopFixture) -> None:
    before = snapshot(shop.db)
    with pytest.raises(InvalidInput, match="no code waiting"):
        verify(shop, "123456")
    assert snapshot(shop.db) == before


def test_a_code_expires_after_an_hour(shop: ShopFixture, clock: Clock) -> None:
    set_email(shop, ANA)
    code = shop.code_sent(shop.admin)
    clock.advance(hours=1)
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput, match="expired"):
        verify(shop, code)
    assert snapshot(shop.db) == before

    set_email(shop, ANA)  # the same unverified address again: a new code
    verify(shop, shop.code_sent(shop.admin))
    assert shop.run(prefs.get_prefs, telegram_user_id=shop.admin).email_verified


def test_when_to_try_again_is_said_on_the_shops_clock(shop: ShopFixture) -> None:
    shop.run(zones.set_timezone, telegram_user_id=shop.admin, zone="Asia/Kathmandu")
    for address in ("a@example.com", "b@example.com", "c@example.com"):
        set_email(shop, address)

    with pytest.raises(TryLater, match=r"in 60 minutes \(at 14:45\)"):  # 09:00 UTC
        set_email(shop, "d@example.com")


def test_a_fourth_code_within_the_hour_is_refused_until_the_first_is_an_hour_old(
    shop: ShopFixture, clock: Clock
) -> None:
    first = clock.now
    set_email(shop, "a@example.com")
    clock.advance(minutes=10)
    set_email(shop, "b@example.com")
    clock.advance(minutes=10)
    shop.run(prefs.set_whatsapp, telegram_user_id=shop.admin, number=ANA_PHONE)
    clock.advance(minutes=10)
    before = snapshot(shop.db)

    with pytest.raises(TryLater, match=r"in 30 minutes \(at 09:00\)") as refused:
        set_email(shop, "c@example.com")
    assert refused.value.retry_at == first + timedelta(hours=1)
    assert snapshot(shop.db) == before
    # Clearing needs no code, so it is never refused.
    set_email(shop, None)

    clock.now = first + timedelta(hours=1)
    set_email(shop, "c@example.com")
    assert shop.run(prefs.get_prefs, telegram_user_id=shop.admin).email == "c@example.com"


def test_five_wrong_codes_burn_the_code_and_the_member_waits_an_hour(
    shop: ShopFixture, clock: Clock
) -> None:
    set_email(shop, ANA)
    code = shop.code_sent(shop.admin)
    for left in (4, 3, 2, 1):
        with pytest.raises(InvalidInput, match=f"{left} tr"):
            verify(shop, wrong(code))
    with pytest.raises(TryLater, match="Wrong code 5 times") as burnt:
        verify(shop, wrong(code))
    assert burnt.value.retry_at == clock.now + timedelta(hours=1)
    assert [row.closed_as for row in codes(shop)] == ["burnt"]

    clock.advance(minutes=30)
    with pytest.raises(TryLater, match=r"in 30 minutes"):
        verify(shop, code)  # the right code, but burnt and waiting
    with pytest.raises(TryLater, match="Too many wrong codes"):
        set_email(shop, "other@example.com")
    assert not shop.run(prefs.get_prefs, telegram_user_id=shop.admin).email_verified

    clock.advance(minutes=30)
    set_email(shop, ANA)
    verify(shop, shop.code_sent(shop.admin))
    assert shop.run(prefs.get_prefs, telegram_user_id=shop.admin).email_verified


def test_a_code_verifies_only_the_address_it_was_sent_to(shop: ShopFixture) -> None:
    set_email(shop, "old@example.com")
    old_code = shop.code_sent(shop.admin)
    set_email(shop, ANA)
    new_code = shop.code_sent(shop.admin)
    assert [row.closed_as for row in codes(shop)] == ["void", None]

    if old_code != new_code:
        with pytest.raises(InvalidInput, match="not right"):
            verify(shop, old_code)
    verified = verify(shop, new_code)

    assert verified.address == ANA  # type: ignore[attr-defined]


def test_the_same_verified_address_again_changes_nothing_and_sends_no_code(
    shop: ShopFixture,
) -> None:
    shop.verified_email(shop.admin, ANA)
    before = snapshot(shop.db)

    again = set_email(shop, "  ana@EXAMPLE.com ")

    assert again.email_verified  # type: ignore[attr-defined]
    assert snapshot(shop.db) == before


def test_a_changed_or_cleared_address_cancels_what_was_queued_for_it(shop: ShopFixture) -> None:
    shop.verified_email(shop.admin, ANA)
    shop.add_item("Tea", 1)  # an alert queued for ANA, not sent yet
    set_email(shop, "new@example.com")  # its code is queued for the new address

    by_recipient = {
        (row.kind, row.recipient): row.status
        for row in shop.notifications(channel="email", member_id=member_id(shop))
    }
    assert by_recipient[("alert", ANA)] == "cancelled"
    assert by_recipient[("verification", "new@example.com")] == "pending"

    set_email(shop, None)

    statuses = {row.status for row in shop.notifications(channel="email")}
    assert statuses == {"cancelled"}
    assert [row.closed_as for row in codes(shop)] == ["verified", "void"]
    telegram = shop.notifications(channel="telegram", kind="alert")
    assert {row.status for row in telegram} == {"pending"}


def test_a_new_address_waits_for_verify_and_the_old_stops_receiving(shop: ShopFixture) -> None:
    shop.verified_email(shop.admin, ANA)
    set_email(shop, "new@example.com")

    shop.add_item("Tea", 1)

    assert not [row for row in shop.notifications(kind="alert") if row.channel == "email"]


def member_id(shop: ShopFixture) -> int:
    with shop.db.unit_of_work() as uow:
        found = uow.session.scalar(select(Member.id).where(Member.telegram_user_id == shop.admin))
    assert found is not None
    return found


def test_a_scrubbed_or_malformed_code_payload_cannot_be_sent() -> None:
    assert read_notice("verification", {"code": "042917"}).summary == "Your Stockbot code: 042917"
    for payload in ({}, {"code": "12345"}, {"code": 42917}):
        with pytest.raises(ValueError, match="verification"):
            read_notice("verification", payload)


def test_six_simultaneous_address_changes_issue_at_most_three_codes(pg_shop: ShopFixture) -> None:
    shop = pg_shop
    results = together(
        [
            service(shop, prefs.set_email, telegram_user_id=shop.admin, email=f"a{n}@example.com")
            for n in range(6)
        ]
    )

    assert unexpected(results) == []
    refused = [result for result in results if isinstance(result, TryLater)]
    assert len(refused) == 3
    assert len(codes(shop)) == 3
    assert [row.closed_as for row in codes(shop)] == ["void", "void", None]
    assert len(shop.notifications(kind="verification", status="pending")) == 1


def test_six_simultaneous_wrong_codes_burn_the_code_once_and_count_every_try(
    pg_shop: ShopFixture,
) -> None:
    shop = pg_shop
    set_email(shop, ANA)
    code = shop.code_sent(shop.admin)

    results = together(
        [
            service(shop, verification.verify, telegram_user_id=shop.admin, code=wrong(code))
            for _ in range(6)
        ]
    )

    assert unexpected(results) == []
    assert sum(isinstance(result, InvalidInput) for result in results) == 4
    assert sum(isinstance(result, TryLater) for result in results) == 2
    [row] = codes(shop)
    assert (row.wrong_tries, row.closed_as) == (5, "burnt")
