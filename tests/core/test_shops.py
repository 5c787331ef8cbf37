"""Shops and members: starting, invites, roles, and each member's alert preferences."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from core.alerts import check
from core.db.models import Member, Shop
from core.db.session import Database
from core.errors import AlreadyAMember, InvalidInput, NotAllowed
from core.shops import members, onboarding
from core.shops import prefs as preferences
from core.shops.views import Prefs
from core.stock import changes, stats, thresholds
from tests.conftest import Clock
from tests.core.conftest import ShopFixture, build_shop, snapshot


def count(db: Database, model: Any) -> int:
    """How many rows a table holds."""
    with db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


def join(shop: ShopFixture, user: int, code: str) -> Any:
    """Join with an invite code as a new Telegram user."""
    return shop.run(
        onboarding.join, telegram_user_id=user, chat_id=user, display_name=f"User {user}", code=code
    )


def test_starting_creates_a_shop_with_the_user_as_its_admin(db: Database) -> None:
    # The shop's default threshold comes from the settings of the day it was started.
    configured = Database(db.engine, replace(db.config, default_threshold=7), db.clock)
    with configured.unit_of_work() as uow:
        result = onboarding.start(uow, telegram_user_id=42, chat_id=4200, display_name="Dana")

    assert result.created_shop
    assert (result.member.role, result.member.is_admin) == ("admin", True)
    assert (result.member.shop_name, result.member.chat_id) == ("Dana's shop", 4200)
    with db.unit_of_work() as uow:
        prefs = preferences.get_prefs(uow, telegram_user_id=42)
    assert (prefs.shop_default_threshold, prefs.notify, prefs.email) == (7, True, None)


def test_starting_again_welcomes_the_member_back_to_the_same_shop(shop: ShopFixture) -> None:
    first = shop.run(members.get_member, telegram_user_id=shop.admin)

    again = shop.run(onboarding.start, telegram_user_id=shop.admin, chat_id=1, display_name="X")
    staff = shop.run(onboarding.start, telegram_user_id=shop.staff[0], chat_id=1, display_name="Y")

    assert (again.created_shop, again.joined_shop, again.member) == (False, False, first)
    assert (staff.created_shop, staff.member.role, staff.member.shop_id) == (
        False,
        "staff",
        first.shop_id,
    )
    assert count(shop.db, Shop) == 1


def test_an_invite_lets_one_person_join_as_staff(shop: ShopFixture) -> None:
    invite = shop.run(onboarding.create_invite, telegram_user_id=shop.admin)

    joined = join(shop, 77, f"  {invite.code} ")

    assert (joined.joined_shop, joined.created_shop, joined.member.role) == (True, False, "staff")
    admin = shop.run(members.get_member, telegram_user_id=shop.admin)
    assert joined.member.shop_id == admin.shop_id


def test_an_invite_cannot_be_used_twice(shop: ShopFixture) -> None:
    invite = shop.run(onboarding.create_invite, telegram_user_id=shop.admin)
    join(shop, 77, invite.code)
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput) as refused:
        join(shop, 78, invite.code)

    assert "invite code is not valid" in str(refused.value)
    assert snapshot(shop.db) == before


def test_an_invite_expires_after_seven_days(shop: ShopFixture, clock: Clock) -> None:
    early = shop.run(onboarding.create_invite, telegram_user_id=shop.admin)
    late = shop.run(onboarding.create_invite, telegram_user_id=shop.admin)
    assert early.expires_at == clock.now + onboarding.INVITE_LIFETIME

    clock.advance(days=7, seconds=-1)
    join(shop, 77, early.code)
    clock.advance(seconds=1)
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput) as refused:
        join(shop, 78, late.code)

    assert "expired" in str(refused.value)
    assert snapshot(shop.db) == before


@pytest.mark.parametrize("code", ["not-a-code", "", "x" * 200])
def test_an_unknown_invite_code_is_refused(shop: ShopFixture, code: str) -> None:
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput) as refused:
        join(shop, 77, code)

    assert "invite code is not valid" in str(refused.value)
    assert snapshot(shop.db) == before


def test_a_member_cannot_join_another_shop_and_the_invite_stays_unused(
    shop: ShopFixture,
) -> None:
    other = build_shop(shop.db, admin=5000)
    invite = other.run(onboarding.create_invite, telegram_user_id=other.admin)
    before = snapshot(shop.db)

    with pytest.raises(AlreadyAMember) as refused:
        join(shop, shop.staff[0], invite.code)

    assert str(refused.value) == f"You are already a member of Admin {shop.admin}'s shop."
    assert snapshot(shop.db) == before
    assert join(other, 5555, invite.code).joined_shop


def test_two_people_racing_for_one_invite_let_exactly_one_in(pg_shop: ShopFixture) -> None:
    invite = pg_shop.run(onboarding.create_invite, telegram_user_id=pg_shop.admin)
    start = threading.Barrier(2, timeout=30)
    outcomes: dict[int, str] = {}

    def attempt(user: int) -> None:
        with pg_shop.db.unit_of_work() as uow:
            start.wait()
            try:
                onboarding.join(
                    uow, telegram_user_id=user, chat_id=user, display_name="U", code=invite.code
                )
                outcomes[user] = "joined"
            except InvalidInput:
                outcomes[user] = "refused"

    racers = [threading.Thread(target=attempt, args=(user,)) for user in (81, 82)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()

    assert sorted(outcomes.values()) == ["joined", "refused"]
    assert count(pg_shop.db, Member) == 4


@pytest.mark.parametrize(
    ("service", "arguments"),
    [
        (changes.delete_item, {"name": "Tea"}),
        (thresholds.set_default_threshold, {"threshold": 9}),
        (thresholds.set_item_threshold, {"name": "Tea", "threshold": 9}),
        (thresholds.set_item_threshold, {"name": "Tea", "threshold": None}),
        (onboarding.create_invite, {}),
        (check.check_shop, {}),
        (stats.shop_stats, {}),
    ],
)
def test_staff_cannot_do_what_only_admins_may_and_nothing_changes(
    shop: ShopFixture, service: Any, arguments: dict[str, Any]
) -> None:
    shop.add_item("Tea", 3, threshold=4)
    before = snapshot(shop.db)

    with pytest.raises(NotAllowed) as refused:
        shop.run(service, telegram_user_id=shop.staff[0], **arguments)

    assert str(refused.value) == "Only a shop admin can do that."
    assert snapshot(shop.db) == before


def test_an_admin_may_do_what_staff_may_not(shop: ShopFixture) -> None:
    shop.add_item("Tea", 3)

    assert shop.run(stats.shop_stats, telegram_user_id=shop.admin).members == 3
    assert shop.run(check.check_shop, telegram_user_id=shop.admin).items_low == 1
    assert shop.run(changes.delete_item, telegram_user_id=shop.admin, name="Tea").delta == -3


def test_a_member_sets_a_valid_email_normalized_and_clears_it_with_none(
    shop: ShopFixture,
) -> None:
    member = shop.staff[0]

    prefs = shop.run(preferences.set_email, telegram_user_id=member, email=" Ana@EXAMPLE.com ")
    assert prefs.email == "Ana@example.com"
    assert shop.run(preferences.get_prefs, telegram_user_id=member) == prefs

    cleared = shop.run(preferences.set_email, telegram_user_id=member, email=None)
    assert cleared.email is None


@pytest.mark.parametrize(
    ("service", "argument", "value", "reason"),
    [
        (preferences.set_email, "email", "ana-at-example.com", "not a valid email address"),
        (preferences.set_email, "email", "ana@example", "not a valid email address"),
        (preferences.set_whatsapp, "number", "00441234567890", "international form with +"),
        (preferences.set_whatsapp, "number", "+1 FLOWERS", "not a valid phone number"),
        (preferences.set_whatsapp, "number", "+1415", "not a valid phone number"),
    ],
)
def test_a_bad_email_or_number_is_refused_and_the_old_one_kept(
    shop: ShopFixture, service: Any, argument: str, value: str, reason: str
) -> None:
    member = shop.staff[0]
    shop.run(preferences.set_email, telegram_user_id=member, email="ana@example.com")
    shop.run(preferences.set_whatsapp, telegram_user_id=member, number="+14155552671")
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput) as refused:
        shop.run(service, telegram_user_id=member, **{argument: value})

    assert reason in str(refused.value)
    assert snapshot(shop.db) == before
    prefs = shop.run(preferences.get_prefs, telegram_user_id=member)
    assert (prefs.email, prefs.whatsapp) == ("ana@example.com", "+14155552671")


def test_a_member_sets_a_whatsapp_number_in_e164_and_clears_it(shop: ShopFixture) -> None:
    member = shop.staff[0]

    prefs = shop.run(preferences.set_whatsapp, telegram_user_id=member, number="+1 (415) 555-2671")
    assert prefs.whatsapp == "+14155552671"

    cleared = shop.run(preferences.set_whatsapp, telegram_user_id=member, number=None)
    assert cleared.whatsapp is None


def test_a_member_turns_alerts_off_and_on_again(shop: ShopFixture) -> None:
    member = shop.staff[0]

    assert shop.run(preferences.set_notify, telegram_user_id=member, on=False).notify is False
    assert shop.run(preferences.get_prefs, telegram_user_id=member).notify is False
    assert shop.run(preferences.set_notify, telegram_user_id=member, on=True).notify is True


def test_prefs_show_the_members_channels_and_the_shops_default_threshold(
    shop: ShopFixture,
) -> None:
    shop.run(thresholds.set_default_threshold, telegram_user_id=shop.admin, threshold=12)
    shop.run(preferences.set_email, telegram_user_id=shop.staff[1], email="bo@example.org")

    prefs = shop.run(preferences.get_prefs, telegram_user_id=shop.staff[1])

    assert prefs == Prefs(
        email="bo@example.org",
        whatsapp=None,
        notify=True,
        shop_default_threshold=12,
        role="staff",
        shop_name=f"Admin {shop.admin}'s shop",
        shop_zone="UTC",
        quiet=None,
    )


@pytest.mark.parametrize("code", ["a\x00b", "x" * 40, "", "not a code!"])
def test_a_code_that_cannot_exist_is_refused_and_changes_nothing(
    shop: ShopFixture, code: str
) -> None:
    before = snapshot(shop.db)
    with pytest.raises(InvalidInput, match="not valid"):
        shop.run(onboarding.join, telegram_user_id=5, chat_id=5, display_name="Eve", code=code)
    assert snapshot(shop.db) == before
