"""The WhatsApp channel: Twilio's Messages API through the twilio SDK, `whatsapp:` addresses."""

from __future__ import annotations

import logging
from collections.abc import Generator, Sequence
from typing import Any, ClassVar

from jinja2 import Environment
from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from typing_extensions import override

from core.delivery.channel import ChannelSetup, ChannelTraits, KeepGoing, Settled, one_by_one
from core.delivery.config import DeliveryConfig
from core.delivery.content import read_notice
from core.delivery.masking import mask_number
from core.delivery.templating import render_whatsapp, template_environment, whatsapp_variables
from core.delivery.types import Claim, Outcome
from core.settings import Settings
from core.vocabulary import Channel

log = logging.getLogger(__name__)

TWILIO_BASE_URL = "https://api.twilio.com"
# Twilio error codes that name a bad recipient, not a passing problem (21211: invalid 'To').
PERMANENT_CODES = frozenset({21211, 21214, 21610, 21612, 21614, 63024})


class _QuietHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """Twilio's HTTP client, pointed at another base URL if asked, logging one masked line."""

    def __init__(self, base_url: str | None, timeout: float) -> None:
        super().__init__(timeout=timeout, logger=log)
        self._base_url = base_url.rstrip("/") if base_url else None

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        """Send the SDK's request, to TWILIO_API_BASE_URL instead of api.twilio.com if set."""
        if self._base_url and url.startswith(TWILIO_BASE_URL):
            url = self._base_url + url[len(TWILIO_BASE_URL) :]
        return super().request(method, url, *args, **kwargs)

    @override
    def log_request(self, kwargs: dict[str, Any]) -> None:
        # The SDK logs URLs (with the account SID) and headers at INFO; the body holds numbers.
        log.debug("Twilio request: %s %s", kwargs["method"], kwargs["url"].rsplit("/", 1)[-1])

    @override
    def log_response(self, status_code: int, response: Any) -> None:
        log.debug("Twilio response: %s", status_code)


class WhatsAppSender:
    """Sends notifications as WhatsApp messages from TWILIO_WHATSAPP_FROM."""

    traits: ClassVar[ChannelTraits] = ChannelTraits(
        Channel.WHATSAPP,
        hastens_after_outage=True,
        hourly_cap=True,
        off_hint="set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM to turn it on",
    )
    batches_at_once: ClassVar[int] = 1

    def __init__(
        self,
        settings: Settings,
        config: DeliveryConfig,
        *,
        environment: Environment | None = None,
    ) -> None:
        sid, token, sender = (
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_whatsapp_from,
        )
        if sid is None or token is None or sender is None:
            raise ValueError("WhatsApp is off: the Twilio settings are incomplete")
        http_client = _QuietHttpClient(settings.twilio_api_base_url, config.twilio_timeout)
        self._client = Client(sid, token.get_secret_value(), http_client=http_client)
        self._sender = _address(sender)
        self._content_sid = settings.twilio_whatsapp_content_sid
        self._environment = environment or template_environment()

    @classmethod
    def open(cls, setup: ChannelSetup) -> WhatsAppSender:
        """The sender the relay uses while the Twilio settings are complete."""
        return cls(setup.settings, setup.config)

    def send_batch(
        self, claims: Sequence[Claim], keep_going: KeepGoing
    ) -> Generator[Settled, None, None]:
        """Send the claims one by one, in order; Twilio's Messages API takes one at a time."""
        return one_by_one(claims, keep_going, self.send)

    def message_fields(self, claim: Claim) -> dict[str, str]:
        """The Messages API fields for one notification: a template with variables, or a body."""
        notice = read_notice(claim.kind, claim.payload)
        fields = {"to": _address(claim.recipient), "from_": self._sender}
        if self._content_sid:
            fields["content_sid"] = self._content_sid
            fields["content_variables"] = whatsapp_variables(notice)
        else:
            fields["body"] = render_whatsapp(self._environment, notice)
        return fields

    def send(self, claim: Claim) -> Outcome:
        """Send one notification: 5xx and timeouts are retried, a 4xx (bad number) is final."""
        try:
            fields = self.message_fields(claim)
        except ValueError as exc:
            return Outcome.dead(f"cannot build the message: {exc}")
        try:
            self._client.messages.create(**fields)
        except TwilioRestException as exc:
            return _classify(exc, claim)
        except (RequestException, TwilioException, OSError) as exc:
            return Outcome.retry(f"Twilio unreachable: {type(exc).__name__}")
        return Outcome.sent()


def _classify(exc: TwilioRestException, claim: Claim) -> Outcome:
    reason = f"Twilio error {exc.status}" + (f" (code {exc.code})" if exc.code else "")
    # The message is Twilio's own text, which quotes the number: mask it for logs and the table.
    detail = str(exc.msg or "").replace(claim.recipient, mask_number(claim.recipient))
    reason = f"{reason}: {detail}" if detail else reason
    if exc.code in PERMANENT_CODES:
        return Outcome.dead(reason)
    if exc.status == 429 or exc.status >= 500:
        return Outcome.retry(reason)
    if exc.status in (401, 403):
        # Our credentials or account, not this message: keep it for when they are fixed.
        log.error("Twilio refused our credentials (%s): check the TWILIO_* settings", reason)
        return Outcome.retry(reason)
    return Outcome.dead(reason)


def _address(number: str) -> str:
    number = number.strip()
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"
