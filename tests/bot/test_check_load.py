"""Commands stay answered while the daily check runs (SPEC 2.7): a check held up in one shop
pins no core thread but its own, however many admins of other shops send /check meanwhile."""

from __future__ import annotations

import asyncio

from bot.jobs import daily_check
from tests.bot.harness import Shopfront
from tests.conftest import Clock
from tests.core.conftest import build_shop
from tests.core.locks import until_waiting
from tests.core.test_check_concurrency import slow_transaction_on_alerts_of

PROMPTLY = 5
CHECKING_ADMINS = [1000 * number for number in range(1, 8)]  # seven shops, as many /checks
STOCKIST = 8000  # the admin of an eighth shop, who only looks at the stock list
BOB = 9000  # the admin of the shop where a slow transaction holds the alerts


async def test_stock_and_other_shops_checks_are_answered_while_the_daily_check_is_held_up(
    shopfront: Shopfront, clock: Clock
) -> None:
    shops = [build_shop(shopfront.db, admin=admin) for admin in [*CHECKING_ADMINS, STOCKIST, BOB]]
    bob = shops[-1]
    for shop in shops:
        shop.add_item("Tea", 2)
    clock.advance(hours=25)  # 09:00, when the daily check is due
    assert shopfront.app.job_queue is not None

    with slow_transaction_on_alerts_of(bob):
        bobs_check = asyncio.create_task(shopfront.say(BOB, "/check"))
        await asyncio.to_thread(until_waiting, shopfront.db, 1)
        shopfront.app.job_queue.run_once(daily_check, when=0)
        await asyncio.to_thread(until_waiting, shopfront.db, 2)

        checks = [asyncio.create_task(shopfront.say(admin, "/check")) for admin in CHECKING_ADMINS]
        await asyncio.sleep(0.2)  # the /checks reach the core threads first
        stock = await asyncio.wait_for(shopfront.say(STOCKIST, "/stock"), PROMPTLY)
        answered = await asyncio.wait_for(asyncio.gather(*checks), PROMPTLY)
        assert not bobs_check.done()

    assert "Tea" in (stock.plain_text or "")
    assert all("Check done" in (reply.plain_text or "") for reply in answered)
    assert "1 reminder queued" in ((await bobs_check).plain_text or "")
