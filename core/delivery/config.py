"""How the delivery relay and its channels are tuned: one frozen object, production defaults."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from datetime import timedelta

from core.delivery.types import RetryPolicy


@dataclass(frozen=True)
class DeliveryConfig:
    """Polling, leases, retries and batches of the relay, and the timeouts of its channels."""

    # How often a worker looks for due rows when nothing woke it.
    poll_interval: float = 3.0
    # How long a claimed row is this relay's alone; see docs/delivery.md.
    lease: timedelta = timedelta(seconds=60)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # Rows claimed at once: an SMTP connection's batch, or the Telegram rows in flight.
    batch_size: int = 50
    # How long stopping waits for sends in flight before it cancels them.
    stop_timeout: float = 30.0
    smtp_timeout: float = 30.0
    # None: the system's trusted certificates.
    smtp_ssl_context: ssl.SSLContext | None = None
    twilio_timeout: float = 15.0
    # A webhook receiver should answer at once and do its work later (docs/webhooks.md).
    webhook_timeout: float = 10.0
