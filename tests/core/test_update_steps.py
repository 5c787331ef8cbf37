"""The steps of an update's handling: a step that changed something keeps its answer (or its
refusal) with the change; the same step made again gets that instead of running; a read
keeps nothing; the steps go with the update when it is forgotten."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from core.db.models import UpdateStep, VerificationCode
from core.db.session import Database
from core.errors import InvalidInput
from core.shops import prefs, verification
from core.shops.update_steps import run_step
from core.shops.updates import forget_old_updates, mark_handled, receive
from core.stock import changes, queries
from tests.conftest import Clock
from tests.core.conftest import ShopFixture

UPDATE_ID = 77


def _step(db: Database, step: int, *, again: bool, service: Any, **kwargs: Any) -> Any:
    with db.unit_of_work() as uow:
        return run_step(
            uow, update_id=UPDATE_ID, step=step, again=again, service=service, kwargs=kwargs
        )


def _steps(db: Database) -> int:
    with db.unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(UpdateStep)) or 0)


@pytest.fixture
def update(shop: ShopFixture) -> ShopFixture:
    with shop.db.unit_of_work() as uow:
        receive(uow, update_id=UPDATE_ID, chat_id=shop.admin, payload={"update_id": UPDATE_ID})
    return shop


def test_a_change_made_again_answers_as_the_first_time_and_changes_nothing(
    update: ShopFixture,
) -> None:
    update.add_item("Green tea", 10)
    remove = {"telegram_user_id": update.admin, "name": "Green tea", "amount": 3}

    first = _step(update.db, 1, again=False, service=changes.remove_stock, **remove)
    again = _step(update.db, 1, again=True, service=changes.remove_stock, **remove)
    later = _step(update.db, 2, again=True, service=changes.remove_stock, **remove)

    assert again == first
    assert first.item.quantity == 7
    assert later.item.quantity == 4  # a step not made before runs


def test_a_refusal_that_counted_something_is_given_again_without_counting_twice(
    update: ShopFixture,
) -> None:
    update.run(prefs.set_email, telegram_user_id=update.admin, email="ann@example.com")
    wrong = {"telegram_user_id": update.admin, "code": "000000"}

    with pytest.raises(InvalidInput) as first:
        _step(update.db, 1, again=False, service=verification.verify, **wrong)
    with pytest.raises(InvalidInput) as again:
        _step(update.db, 1, again=True, service=verification.verify, **wrong)

    assert str(again.value) == str(first.value)
    with update.db.unit_of_work() as uow:
        tries = uow.session.scalars(select(VerificationCode.wrong_tries)).all()
    assert tries == [1]


def test_a_read_keeps_nothing_and_the_steps_go_with_their_update(
    update: ShopFixture, clock: Clock
) -> None:
    update.add_item("Green tea", 10)
    read = {"telegram_user_id": update.admin, "name": "Green tea"}
    _step(update.db, 1, again=False, service=queries.item_details, **read)
    assert _steps(update.db) == 0
    _step(update.db, 2, again=False, service=changes.add_stock, amount=2, **read)
    assert _steps(update.db) == 1

    with update.db.unit_of_work() as uow:
        mark_handled(uow, update_id=UPDATE_ID, chat_id=None)
    clock.advance(days=3)
    with update.db.unit_of_work() as uow:
        assert forget_old_updates(uow) == 1
    assert _steps(update.db) == 0
