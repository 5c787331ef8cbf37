"""Updates taken by webhook are handled once: the first to record an update's id takes it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from core.db.session import Database
from core.shops.updates import first_sight, forget_old_updates
from tests.conftest import Clock


def _first(db: Database, update_id: int) -> bool:
    with db.unit_of_work() as uow:
        return first_sight(uow, update_id=update_id)


def test_an_update_is_taken_once_and_its_id_is_forgotten_after_two_days(
    db: Database, clock: Clock
) -> None:
    assert _first(db, 7) is True
    assert _first(db, 7) is False
    assert _first(db, 8) is True

    clock.advance(days=2, seconds=1)
    with db.unit_of_work() as uow:
        assert forget_old_updates(uow) == 2
    assert _first(db, 7) is True


def test_two_processes_taking_one_update_at_once_take_it_once(pg_db: Database) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        taken = list(pool.map(lambda _: _first(pg_db, 42), range(8)))

    assert taken.count(True) == 1
