"""The providers' documented example webhook bodies, byte for byte, with signatures computed
by `openssl dgst -sha256 -hmac KEY -binary | base64` over what each provider signs."""

from __future__ import annotations

# Shopify's example `inventory_levels/update` body (its webhook reference).
SHOPIFY_BODY = (
    b'{"inventory_item_id":271878346596884015,"location_id":24826418,"available":6,'
    b'"updated_at":"2021-12-31T19:00:00-05:00","admin_graphql_api_id":'
    b'"gid://shopify/InventoryLevel/24826418?inventory_item_id=271878346596884015"}'
)
SHOPIFY_SECRET = "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"
# X-Shopify-Hmac-Sha256 of SHOPIFY_BODY with SHOPIFY_SECRET.
SHOPIFY_HMAC = "FQXgr65erkpuDJmRzb4r5yqur/i8/syZqHlPfoerOrw="

# Square's example `inventory.count.updated` body (its webhook reference).
SQUARE_BODY = (
    b'{"merchant_id":"MLEFBHHSJGVHD","type":"inventory.count.updated",'
    b'"event_id":"df5f3813-a913-45a1-94e9-fdc3f7d5e3b6",'
    b'"created_at":"2019-10-29T18:38:45.455006797Z","data":{"type":"inventory",'
    b'"id":"84e4ac73-d605-4dbd-a9e5-ffff794ddb9d","object":{"inventory_counts":[{'
    b'"calculated_at":"2019-10-29T18:38:45.10296Z","catalog_object_id":"FGQ5JJ6BNUEPQH27YQ23UDWB",'
    b'"catalog_object_type":"ITEM_VARIATION","location_id":"YYQR0J9TKXCCB","quantity":"10",'
    b'"state":"IN_STOCK"}]}}}'
)
SQUARE_KEY = "asdf1234"
SQUARE_URL = "https://stock.example.com/v1/integrations/square/Zq3"
# x-square-hmacsha256-signature of SQUARE_URL + SQUARE_BODY with SQUARE_KEY.
SQUARE_SIGNATURE = "ARHRpzKh+jQLykIlnqbhmKTV6IM/fLSQiLAzaWpMZCw="
SQUARE_EVENT_ID = "df5f3813-a913-45a1-94e9-fdc3f7d5e3b6"
SQUARE_VARIATION = "FGQ5JJ6BNUEPQH27YQ23UDWB"
