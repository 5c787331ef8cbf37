"""/chart and the Chart button of /item: a picture of the item's stock, sent as a photo with
a caption; a sentence instead when nothing changed; a span that is not offered refused."""

from __future__ import annotations

import io

from matplotlib import image as mpimg

from tests.bot.harness import ADMIN, STAFF, Shopfront
from tests.conftest import Clock


def _photos(shopfront: Shopfront, chat: int) -> list[bytes]:
    return [
        m.file_bytes
        for m in shopfront.api.messages(chat)
        if m.method == "sendPhoto" and m.file_bytes is not None
    ]


async def test_chart_sends_the_items_stock_as_a_photo_with_a_caption(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green <tea> 20 5")
    await shopfront.say(STAFF, "/remove Green <tea> 17")

    sent = await shopfront.say(STAFF, "/chart green <tea> 7d")

    assert sent.method == "sendPhoto"
    assert sent.plain_text == "Green <tea>: 3 in stock, low below 5 · the last 7 days"
    assert sent.file_bytes is not None
    assert mpimg.imread(io.BytesIO(sent.file_bytes), format="png").shape[:2] == (750, 1200)


async def test_the_chart_button_of_item_sends_the_last_thirty_days(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem Oat milk 8 2")
    details = await shopfront.say(ADMIN, "/item Oat milk")

    marker = shopfront.api.mark()
    await shopfront.press(ADMIN, details, "Chart")
    photo = await shopfront.api.await_message(ADMIN, after=marker)

    assert photo.method == "sendPhoto"
    assert "the last 30 days" in (photo.plain_text or "")


async def test_an_item_unchanged_in_the_span_gets_a_sentence_instead_of_a_picture(
    shopfront: Shopfront, clock: Clock
) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem Oat milk 8 2")
    clock.advance(days=8)

    reply = await shopfront.say(ADMIN, "/chart Oat milk 7d")

    assert reply.plain_text == (
        "Oat milk has not changed in the last 7 days: 8 in stock all along. "
        "/chart Oat milk 90d looks further back."
    )
    assert _photos(shopfront, ADMIN) == []


async def test_a_span_not_offered_or_an_unknown_item_is_refused_with_the_reason(
    shopfront: Shopfront,
) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem Oat milk 8 2")

    span = await shopfront.say(ADMIN, "/chart Oat milk 12d")
    missing = await shopfront.say(ADMIN, "/chart Rooibos")
    bare = await shopfront.say(ADMIN, "/chart")

    assert "Say how far back: 7d, 30d or 90d." in (span.plain_text or "")
    assert "Rooibos" in (missing.plain_text or "")
    assert "/chart NAME [7d|30d|90d]" in (bare.plain_text or "")
    assert _photos(shopfront, ADMIN) == []
