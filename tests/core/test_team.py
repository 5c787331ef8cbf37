"""Team control in the core: who leaves gets nothing more, keeps their name on the ledger,
and the shop always keeps an admin, also when two admins act at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.alerts import check
from core.errors import NotAllowed, NotAMember
from core.shops import onboarding, team
from core.stock import changes, queries
from core.vocabulary import Status
from tests.core.conftest import ShopFixture

STAFF_A, STAFF_B = 1001, 1002


def test_dismissing_a_member_cancels_their_queued_notifications_and_no_one_elses(
    shop: ShopFixture,
) -> None:
    shop.add_item("Green tea", 3)
    queued = {row.id: row.member_id for row in shop.notifications(status=Status.PENDING)}
    assert len(queued) == 3

    change = shop.run(team.dismiss, telegram_user_id=shop.admin, member=f"Staff {STAFF_A}")

    assert change.cancelled == 1
    statuses = {row.id: row.status for row in shop.notifications()}
    dismissed_member = next(row.member_id for row in shop.notifications(status=Status.CANCELLED))
    assert [
        status for row_id, status in statuses.items() if queued[row_id] == dismissed_member
    ] == [Status.CANCELLED]
    assert sorted(statuses.values()) == [Status.CANCELLED, Status.PENDING, Status.PENDING]


def test_a_member_who_left_gets_no_new_alert_and_no_reminder(shop: ShopFixture) -> None:
    shop.run(team.dismiss, telegram_user_id=shop.admin, member="#2")
    shop.add_item("Green tea", 3)
    shop.run(check.check_shop, telegram_user_id=shop.admin)

    with pytest.raises(NotAMember):
        shop.run(queries.item_details, telegram_user_id=STAFF_A, name="Green tea")
    recipients = {row.recipient for row in shop.notifications()}
    assert recipients == {str(shop.admin), str(STAFF_B)}


def test_who_left_and_joined_again_is_a_new_member_and_the_ledger_keeps_their_old_name(
    shop: ShopFixture,
) -> None:
    shop.add_item("Green tea", 30)
    shop.run(changes.remove_stock, telegram_user_id=STAFF_A, name="Green tea", amount=2)
    change = shop.run(team.may_leave, telegram_user_id=STAFF_A)
    shop.run(team.leave, telegram_user_id=STAFF_A, number=change.member.number)
    invite = shop.run(onboarding.create_invite, telegram_user_id=shop.admin)
    shop.run(
        onboarding.join,
        telegram_user_id=STAFF_A,
        chat_id=STAFF_A,
        display_name="Renamed",
        code=invite.code,
    )

    listing = shop.run(team.list_members, telegram_user_id=shop.admin)
    details = shop.run(queries.item_details, telegram_user_id=shop.admin, name="Green tea")

    assert [(m.number, m.name) for m in listing] == [
        (1, f"Admin {shop.admin}"),
        (3, f"Staff {STAFF_B}"),
        (4, "Renamed"),
    ]
    assert f"Staff {STAFF_A}" in [movement.member_name for movement in details.movements]


def test_two_admins_demoting_each_other_at_once_leave_the_shop_one_admin(
    pg_shop: ShopFixture,
) -> None:
    names = {pg_shop.admin: f"Admin {pg_shop.admin}", STAFF_A: f"Staff {STAFF_A}"}
    other = {pg_shop.admin: STAFF_A, STAFF_A: pg_shop.admin}
    admin = pg_shop.admin
    start = threading.Barrier(2)

    def demote_the_other(by: int) -> bool:
        start.wait()
        try:
            pg_shop.run(team.demote, telegram_user_id=by, member=names[other[by]])
        except NotAllowed:
            return False
        return True

    for _ in range(8):
        pg_shop.run(team.promote, telegram_user_id=admin, member=names[other[admin]])
        with ThreadPoolExecutor(2) as pool:
            done = dict(zip(names, pool.map(demote_the_other, names), strict=True))

        assert sorted(done.values()) == [False, True]
        admin = next(user for user, demoted in done.items() if demoted)
        listing = pg_shop.run(team.list_members, telegram_user_id=admin)
        assert [m.name for m in listing if m.role == "admin"] == [names[admin]]
