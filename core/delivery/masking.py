"""How recipients are shown in logs and to operators: enough to tell them apart, no more."""

from __future__ import annotations


def mask_email(address: str) -> str:
    """`tea.shop@example.com` → `t***@e***.com`: enough for an operator, not a full address."""
    local, at, domain = address.rpartition("@")
    if not at:
        return _mask_word(address)
    host, dot, tld = domain.rpartition(".")
    masked_domain = f"{_mask_word(host)}.{tld}" if dot else _mask_word(domain)
    return f"{_mask_word(local)}@{masked_domain}"


def mask_number(number: str) -> str:
    """`+14155550123` → `+1******0123`: the country and the last digits only."""
    digits = number.removeprefix("whatsapp:")
    if len(digits) <= 6:
        return "*" * len(digits)
    return digits[:2] + "*" * (len(digits) - 6) + digits[-4:]


def mask_recipient(channel: str, recipient: str) -> str:
    """A recipient as logs may show it; Telegram chat ids are not personal data on their own."""
    if channel == "email":
        return mask_email(recipient)
    if channel == "whatsapp":
        return mask_number(recipient)
    if channel == "webhook":  # the endpoint's id, never its URL or secret
        return f"webhook {recipient}"
    return f"chat {recipient}"


def _mask_word(word: str) -> str:
    return f"{word[:1]}***" if word else "***"
