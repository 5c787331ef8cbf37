"""The daily list of unknown SKUs, pushed over Telegram through the local Bot API server."""

from __future__ import annotations

from core.db.session import Database
from tests.delivery.conftest import ADMIN, Outbox, delivery_settings, running_relay
from tests.fakes.telegram_api import FakeBotApi

HOSTILE = '<b>S&"1"</b>'


async def test_unknown_skus_reach_the_admin_listed_with_how_often_they_came(
    bot_api: FakeBotApi, live_db: Database, live_outbox: Outbox
) -> None:
    payload = {
        "skus": [
            {"sku": HOSTILE, "times": 3, "source": "shopify"},
            {"sku": "FGQ5JJ6BNUEPQH27YQ23UDWB", "times": 1, "source": "square-2"},
        ],
        "more": 4,
    }
    row_id = live_outbox.queue(kind="unknown_skus", payload=payload)
    async with running_relay(delivery_settings(bot_api), live_db) as relay:
        message = await bot_api.await_message(ADMIN)
        await relay.wait_settled(1)

    assert (message.plain_text or "").splitlines() == [
        "\N{BLACK QUESTION MARK ORNAMENT} 6 unknown SKUs from your point of sale: no item has "
        "them, so their counts were not applied. Give an item its code with /sku NAME CODE.",
        f"\N{BULLET} {HOSTILE} \N{MIDDLE DOT} 3\N{MULTIPLICATION SIGN} from shopify",
        "\N{BULLET} FGQ5JJ6BNUEPQH27YQ23UDWB \N{MIDDLE DOT} 1\N{MULTIPLICATION SIGN} from square-2",
        "\N{BULLET} and 4 more",
    ]
    assert message.buttons == []
    assert live_outbox.row(row_id).status == "sent"
