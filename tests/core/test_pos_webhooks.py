"""Point-of-sale webhooks as received: signatures and bodies, the providers' own examples."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from core.pos_webhooks import (
    SkuCount,
    parse_shopify_inventory,
    parse_square_inventory,
    shopify_signature_ok,
    square_signature_ok,
)
from tests.core.pos_examples import (
    SHOPIFY_BODY,
    SHOPIFY_HMAC,
    SHOPIFY_SECRET,
    SQUARE_BODY,
    SQUARE_EVENT_ID,
    SQUARE_KEY,
    SQUARE_SIGNATURE,
    SQUARE_URL,
    SQUARE_VARIATION,
)


def test_shopify_signature_of_the_example_body_is_accepted() -> None:
    assert shopify_signature_ok(SHOPIFY_SECRET, SHOPIFY_BODY, SHOPIFY_HMAC)


@pytest.mark.parametrize(
    ("secret", "body", "header"),
    [
        (SHOPIFY_SECRET, SHOPIFY_BODY.replace(b'"available":6', b'"available":7'), SHOPIFY_HMAC),
        ("another-secret", SHOPIFY_BODY, SHOPIFY_HMAC),
        (SHOPIFY_SECRET, SHOPIFY_BODY, None),
        (SHOPIFY_SECRET, SHOPIFY_BODY, ""),
        (SHOPIFY_SECRET, SHOPIFY_BODY, "not base64 at all ✓"),
    ],
)
def test_shopify_signature_fails_for_a_tampered_body_another_key_or_no_header(
    secret: str, body: bytes, header: str | None
) -> None:
    assert not shopify_signature_ok(secret, body, header)


def test_square_signature_covers_the_notification_url_and_the_body() -> None:
    assert square_signature_ok(SQUARE_KEY, SQUARE_URL, SQUARE_BODY, SQUARE_SIGNATURE)
    assert not square_signature_ok(SQUARE_KEY, SQUARE_URL + "x", SQUARE_BODY, SQUARE_SIGNATURE)
    tampered = SQUARE_BODY.replace(b'"quantity":"10"', b'"quantity":"99"')
    assert not square_signature_ok(SQUARE_KEY, SQUARE_URL, tampered, SQUARE_SIGNATURE)
    assert not square_signature_ok("other", SQUARE_URL, SQUARE_BODY, SQUARE_SIGNATURE)
    assert not square_signature_ok(SQUARE_KEY, SQUARE_URL, SQUARE_BODY, None)


def test_shopify_example_counts_its_inventory_item_by_id() -> None:
    assert parse_shopify_inventory(SHOPIFY_BODY) == [SkuCount("271878346596884015", 6)]


def test_shopify_untracked_level_counts_nothing() -> None:
    body = b'{"inventory_item_id": 5, "location_id": 1, "available": null}'

    assert parse_shopify_inventory(body) == []


def test_square_example_gives_its_event_id_and_the_in_stock_count() -> None:
    assert parse_square_inventory(SQUARE_BODY) == (
        SQUARE_EVENT_ID,
        [SkuCount(SQUARE_VARIATION, 10)],
    )


def test_square_counts_only_in_stock_and_adds_up_locations() -> None:
    body = (
        b'{"event_id": "e1", "data": {"object": {"inventory_counts": ['
        b'{"catalog_object_id": "V1", "state": "IN_STOCK", "quantity": "4"},'
        b'{"catalog_object_id": "V1", "state": "SOLD", "quantity": "9"},'
        b'{"catalog_object_id": "V1", "state": "IN_STOCK", "quantity": "2.5"},'
        b'{"catalog_object_id": "V2", "state": "IN_STOCK", "quantity": "-3"}]}}}'
    )

    assert parse_square_inventory(body) == ("e1", [SkuCount("V1", 6), SkuCount("V2", -3)])


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b"\xff\xfe",
        b'{"location_id": 1, "available": 3}',
        b'{"inventory_item_id": 5, "available": "many"}',
        b'{"inventory_item_id": 5, "available": true}',
        b'{"inventory_item_id": "' + b"9" * 65 + b'", "available": 1}',
    ],
)
def test_malformed_shopify_bodies_are_invalid_input(body: bytes) -> None:
    with pytest.raises(InvalidInput):
        parse_shopify_inventory(body)


@pytest.mark.parametrize(
    "body",
    [
        b"{}",
        b'{"event_id": "e1"}',
        b'{"event_id": "e1", "data": {"object": {"inventory_counts": {}}}}',
        b'{"event_id": 7, "data": {"object": {"inventory_counts": []}}}',
        b'{"event_id": "e1", "data": {"object": {"inventory_counts": ["x"]}}}',
        b'{"event_id": "e1", "data": {"object": {"inventory_counts": '
        b'[{"catalog_object_id": "V1", "state": "IN_STOCK", "quantity": "lots"}]}}}',
        b'{"event_id": "e1", "data": {"object": {"inventory_counts": '
        b'[{"state": "IN_STOCK", "quantity": "1"}]}}}',
    ],
)
def test_malformed_square_bodies_are_invalid_input(body: bytes) -> None:
    with pytest.raises(InvalidInput):
        parse_square_inventory(body)
