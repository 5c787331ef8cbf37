"""When the daily check runs (SPEC 2.6): at ALERT_CHECK_TIME in each shop's own zone, once
per local day, catching up after downtime, and once however many processes look."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.alerts import daily
from core.db.session import Database
from core.errors import InvalidInput, NotAllowed
from core.results import CheckReport
from core.shops import zones
from tests.conftest import Clock
from tests.core.conftest import ShopFixture, build_shop, snapshot
from tests.core.test_concurrency import service, together

BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"


def low_shop(db: Database, admin: int, zone: str | None) -> ShopFixture:
    """A shop with one low item, in its own zone (or ALERT_TIMEZONE, UTC here)."""
    shop = build_shop(db, admin=admin)
    if zone is not None:
        shop.run(zones.set_timezone, telegram_user_id=admin, zone=zone)
    shop.add_item("Tea", 2)
    return shop


def reminded(shop: ShopFixture) -> int:
    """The reminder digests queued for the shop's admin so far."""
    return len(shop.notifications(kind="reminder_digest", recipient=str(shop.admin)))


def due_checks(shop: ShopFixture) -> CheckReport:
    return shop.run(daily.run_due_checks)


def test_shops_in_different_zones_each_get_their_check_at_nine_of_their_own_clock(
    db: Database, clock: Clock
) -> None:
    clock.now = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
    berlin, new_york, utc = (
        low_shop(db, 1000, BERLIN),
        low_shop(db, 2000, NEW_YORK),
        low_shop(db, 3000, None),
    )

    clock.now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin, 03:00 in New York
    due_checks(berlin)
    assert [reminded(s) for s in (berlin, new_york, utc)] == [1, 0, 0]

    clock.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 09:00 in UTC
    due_checks(berlin)
    assert [reminded(s) for s in (berlin, new_york, utc)] == [1, 0, 1]

    clock.now = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 in New York
    due_checks(berlin)
    assert [reminded(s) for s in (berlin, new_york, utc)] == [1, 1, 1]


def test_a_shops_check_runs_once_a_local_day_however_often_due_checks_run(
    db: Database, clock: Clock
) -> None:
    clock.now = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
    shop = low_shop(db, 1000, BERLIN)
    clock.now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert due_checks(shop).alerts_reminded == 1

    for hours in (0, 1, 6, 14):  # later the same Berlin day, up to 23:00 there
        clock.now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC) + timedelta(hours=hours)
        assert due_checks(shop) == CheckReport(0, 0, 0, 0, 0)

    clock.now = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # the next day, 09:00 in Berlin
    assert due_checks(shop).alerts_reminded == 1
    assert reminded(shop) == 2


def test_a_check_missed_while_nothing_ran_runs_as_soon_as_due_checks_run_again(
    db: Database, clock: Clock
) -> None:
    clock.now = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
    shop = low_shop(db, 1000, BERLIN)

    clock.now = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)  # the bot was down at 09:00

    assert due_checks(shop).alerts_reminded == 1


def test_before_nine_of_the_shops_clock_nothing_is_due(db: Database, clock: Clock) -> None:
    clock.now = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
    shop = low_shop(db, 1000, NEW_YORK)
    clock.now = datetime(2026, 3, 2, 13, 59, tzinfo=UTC)  # 08:59 in New York

    assert due_checks(shop) == CheckReport(0, 0, 0, 0, 0)
    assert reminded(shop) == 0


def test_the_next_check_is_the_earliest_nine_among_the_zones_in_use(
    db: Database, clock: Clock
) -> None:
    clock.now = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # after nine in Berlin, before in UTC
    shop = low_shop(db, 1000, BERLIN)

    assert shop.run(daily.time_to_next_check) == timedelta(minutes=30)  # 09:00 UTC
    shop.run(zones.set_timezone, telegram_user_id=shop.admin, zone=NEW_YORK)
    clock.now = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert shop.run(daily.time_to_next_check) == timedelta(hours=4, minutes=30)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # The day Berlin springs forward (29 Mar 2026): 09:00 CEST is 07:00 UTC.
        (datetime(2026, 3, 28, 9, 0, tzinfo=UTC), datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),
        # The day it falls back (25 Oct 2026): 09:00 CET is 08:00 UTC.
        (datetime(2026, 10, 24, 8, 0, tzinfo=UTC), datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),
        (datetime(2026, 10, 25, 7, 59, tzinfo=UTC), datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),
    ],
)
def test_nine_oclock_in_berlin_follows_daylight_saving_time(
    now: datetime, expected: datetime
) -> None:
    assert zones.next_local_time(time(9), ZoneInfo(BERLIN), now) == expected


def test_due_checks_of_four_processes_at_once_remind_each_shop_once(
    pg_db: Database, clock: Clock
) -> None:
    clock.now = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
    shops = [low_shop(pg_db, admin, BERLIN) for admin in (1000, 2000, 3000)]
    clock.now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

    reports = together([service(shops[0], daily.run_due_checks) for _ in range(4)])

    assert sum(report.alerts_reminded for report in reports) == 3
    assert [reminded(shop) for shop in shops] == [1, 1, 1]


def test_timezone_takes_iana_names_in_any_case_and_refuses_the_rest_changing_nothing(
    shop: ShopFixture,
) -> None:
    changed = shop.run(zones.set_timezone, telegram_user_id=shop.admin, zone=" europe/berlin ")
    assert changed.zone == ZoneInfo(BERLIN)
    assert changed.chosen
    before = snapshot(shop.db)

    for wrong in ("Mars/Olympus", "", "../../etc/passwd", "CET+1", "Europe/Berlin; DROP"):
        with pytest.raises(InvalidInput, match="not a time zone I know"):
            shop.run(zones.set_timezone, telegram_user_id=shop.admin, zone=wrong)
    with pytest.raises(NotAllowed):
        shop.run(zones.set_timezone, telegram_user_id=shop.staff[0], zone=NEW_YORK)

    assert snapshot(shop.db) == before
