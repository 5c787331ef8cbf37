"""The conversations kept in the database: one open question per user, replaced by the next,
gone when left, stale after a day and with the user's membership; long searches kept per
user for a week."""

from __future__ import annotations

from typing import Any

from core.db.session import Database
from core.shops import team
from core.shops.conversations import (
    ask_question,
    close_question,
    forget_old_conversations,
    open_question,
    save_search,
    saved_search,
)
from tests.conftest import Clock
from tests.core.conftest import ShopFixture

USER = 1001
QUESTION = {"kind": "restock", "alert_id": 7, "item_name": "Green tea"}


def _ask(db: Database, payload: dict[str, Any], user: int = USER) -> None:
    with db.unit_of_work() as uow:
        ask_question(uow, telegram_user_id=user, payload=payload)


def _open(db: Database, user: int = USER) -> dict[str, Any] | None:
    with db.unit_of_work() as uow:
        return open_question(uow, telegram_user_id=user)


def _close(db: Database, user: int = USER) -> dict[str, Any] | None:
    with db.unit_of_work() as uow:
        return close_question(uow, telegram_user_id=user)


def test_a_users_next_question_replaces_the_last_and_closing_it_leaves_none(
    db: Database,
) -> None:
    _ask(db, {"kind": "name"})
    _ask(db, QUESTION)
    _ask(db, {"kind": "name"}, user=USER + 1)

    assert _open(db) == QUESTION
    assert _close(db) == QUESTION
    assert _open(db) is None
    assert _close(db) is None
    assert _open(db, user=USER + 1) == {"kind": "name"}


def test_a_question_left_a_day_is_no_longer_open_and_housekeeping_drops_it(
    db: Database, clock: Clock
) -> None:
    _ask(db, QUESTION)
    clock.advance(hours=23, minutes=59)
    assert _open(db) == QUESTION
    clock.advance(minutes=1)

    assert _open(db) is None
    with db.unit_of_work() as uow:
        assert forget_old_conversations(uow) == 1
    assert _close(db) is None


def test_a_dismissed_members_question_ends_with_their_membership(
    shop: ShopFixture, db: Database
) -> None:
    staff = shop.staff[0]
    _ask(db, QUESTION, user=staff)
    _ask(db, QUESTION, user=shop.admin)

    shop.run(team.dismiss, telegram_user_id=shop.admin, member=f"Staff {staff}")

    assert _open(db, user=staff) is None
    assert _open(db, user=shop.admin) == QUESTION


def test_a_kept_search_answers_only_its_user_and_only_for_a_week(
    db: Database, clock: Clock
) -> None:
    with db.unit_of_work() as uow:
        kept = save_search(uow, telegram_user_id=USER, text="Tea from the far north")

    def recall(user: int, search_id: int) -> str | None:
        with db.unit_of_work() as uow:
            return saved_search(uow, telegram_user_id=user, search_id=search_id)

    assert recall(USER, kept) == "Tea from the far north"
    assert recall(USER + 1, kept) is None
    assert recall(USER, 2**63) is None  # beyond any id: out of date, not an error
    clock.advance(days=7)
    assert recall(USER, kept) is None
    with db.unit_of_work() as uow:
        assert forget_old_conversations(uow) == 1
