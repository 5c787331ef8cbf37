"""The webhook channel (SPEC 7): each event posted to its endpoint, signed as Standard
Webhooks do (`webhook-id`, `webhook-timestamp`, `webhook-signature`)."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import time
from collections.abc import Generator, Sequence
from typing import ClassVar

import httpx

from core.delivery.channel import ChannelSetup, ChannelTraits, KeepGoing, Settled, one_by_one
from core.delivery.config import DeliveryConfig
from core.delivery.types import Claim, Outcome
from core.shops.webhooks import SECRET_PREFIX
from core.vocabulary import Channel

USER_AGENT = "Stockbot-Webhooks/1.0"


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: `v1,` and the base64 HMAC-SHA256 of
    "id.timestamp.body", keyed with the secret's decoded bytes."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_request(claim: Claim, secret: str, timestamp: int) -> tuple[bytes, dict[str, str]]:
    """The body (the exact bytes signed) and the headers of one delivery."""
    body = json.dumps(claim.payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "webhook-id": claim.idempotency_key,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, claim.idempotency_key, timestamp, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
    return body, headers


class WebhookSender:
    """Posts events to shops' endpoints, one endpoint's events in order."""

    # On whenever the relay runs: rows exist only for endpoints a shop subscribed.
    traits: ClassVar[ChannelTraits] = ChannelTraits(
        Channel.WEBHOOK, per_recipient=1, hastens_after_outage=False
    )
    batches_at_once: ClassVar[int] = 1

    def __init__(self, config: DeliveryConfig) -> None:
        self._timeout = config.webhook_timeout

    @classmethod
    def open(cls, setup: ChannelSetup) -> WebhookSender:
        """The sender the relay uses (the channel is always on)."""
        return cls(setup.config)

    def send_batch(
        self, claims: Sequence[Claim], keep_going: KeepGoing
    ) -> Generator[Settled, None, None]:
        """Post the claims one by one, in order, over one client that the batch closes."""
        # Redirects are not followed: the signature was made for the URL the shop gave.
        with httpx.Client(timeout=self._timeout, follow_redirects=False) as client:
            yield from one_by_one(claims, keep_going, functools.partial(self.send, client))

    def send(self, client: httpx.Client, claim: Claim) -> Outcome:
        """Post one event: 2xx is sent, 410 Gone is final (the endpoint is disabled), any
        other answer, a timeout or no connection is retried."""
        target = claim.webhook
        if target is None:
            return Outcome.dead(f"webhook {claim.recipient} was deleted or disabled")
        body, headers = signed_request(claim, target.secret, int(time.time()))
        try:
            response = client.post(target.url, content=body, headers=headers)
        except httpx.TimeoutException:
            return Outcome.retry("the endpoint did not answer in time")
        except (httpx.HTTPError, OSError) as exc:
            return Outcome.retry(f"the endpoint is unreachable: {type(exc).__name__}")
        if response.is_success:
            return Outcome.sent()
        reason = f"the endpoint answered HTTP {response.status_code}"
        if response.status_code == httpx.codes.GONE:
            return Outcome.dead(reason, gone=True)
        return Outcome.retry(reason)
