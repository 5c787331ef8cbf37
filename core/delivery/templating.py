"""Email and WhatsApp texts rendered from the Jinja2 templates in core/delivery/templates."""

from __future__ import annotations

import json
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from core.delivery.content import Notice
from core.vocabulary import Kind
from core.wording import count

# Twilio refuses WhatsApp bodies over 1,600 characters; long digests list the first items only.
WHATSAPP_MAX_BODY = 1600
WHATSAPP_DIGEST_ITEMS = 15
# WhatsApp template variables may not hold new lines and are kept short.
TEMPLATE_VARIABLE_MAX = 900


@dataclass(frozen=True)
class EmailContent:
    """A subject and the two bodies of a multipart/alternative email."""

    subject: str
    text: str
    html: str


def template_environment() -> Environment:
    """The templates, with HTML autoescaped: an item called `<b>` shows as typed."""
    environment = Environment(
        loader=PackageLoader("core.delivery", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.globals["count"] = count
    return environment


def render_email(environment: Environment, notice: Notice) -> EmailContent:
    """Subject, plain text and HTML of a notification email."""
    text = environment.get_template(f"email_{notice.kind}.txt").render(notice=notice)
    html = environment.get_template(f"email_{notice.kind}.html").render(notice=notice)
    return EmailContent(subject=notice.summary, text=text, html=html)


def render_whatsapp(environment: Environment, notice: Notice) -> str:
    """A WhatsApp body within Twilio's 1,600 characters; a long digest names its first items."""
    template = environment.get_template(f"whatsapp_{notice.kind}.txt")
    shown = notice.items[:WHATSAPP_DIGEST_ITEMS]
    while True:
        body = template.render(notice=notice, shown=shown, hidden=len(notice.items) - len(shown))
        if len(body) <= WHATSAPP_MAX_BODY or len(shown) <= 1:
            return body.strip()[:WHATSAPP_MAX_BODY]
        shown = shown[:-1]


def whatsapp_variables(notice: Notice) -> str:
    """ContentVariables for an approved template: {{1}} the headline, {{2}} the details."""
    if notice.kind == Kind.VERIFICATION:
        return verification_variables(notice)
    if notice.is_digest:
        details = "; ".join(f"{item.name}: {item.line}" for item in notice.items)
        if notice.kind == Kind.HELD_DIGEST:
            why = "until your quiet hours ended" if notice.quiet else "by the hourly limit"
            details = f"Held back {why}: {details}"
    elif notice.kind == "back_in_stock":
        details = f"{count(notice.first.quantity)} in stock now"
    else:
        details = notice.first.low
    variables = {"1": _one_line(notice.summary), "2": _one_line(details)}
    return json.dumps(variables, ensure_ascii=False)


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEMPLATE_VARIABLE_MAX else text[: TEMPLATE_VARIABLE_MAX - 1] + "…"


# What a verification message says under its code; core.shops.verification sets the hour.
VERIFICATION_DETAILS = (
    "Send /verify and this code to the Stockbot chat in Telegram within 1 hour. "
    "If you did not ask for it, ignore this message."
)


def verification_variables(notice: Notice) -> str:
    """A verification code as an approved template's variables: {{1}} the headline with the
    code, {{2}} what to do with it."""
    variables = {"1": _one_line(notice.summary), "2": VERIFICATION_DETAILS}
    return json.dumps(variables, ensure_ascii=False)
