"""What any command may answer: refusals, usage lines, not being in a shop, failures."""

from __future__ import annotations

from bot.render import esc

NOT_A_MEMBER = (
    "You are not in a shop yet. Send /start to open your own shop, "
    "or /join CODE with an invite code from your shop's admin."
)
# Answers to buttons (plain text): one the bot no longer knows, one whose handler failed.
BUTTON_GONE = "This button no longer works."
BUTTON_FAILED = "Sorry, something went wrong. Please try again."
# The one reply to a user who sent more commands in a minute than the bot acts on (HTML).
SLOW_DOWN = (
    "⏳ That is more commands than I take in a minute, so I am not acting on the rest. "
    "Please slow down, and send them again in a minute."
)


def refusal_text(reason: str) -> str:
    """A refused request: its reason (plain text), marked as a warning."""
    return f"⚠️ {esc(reason)}"


def usage_line(usage: str, example: str) -> str:
    """`Usage: /add NAME N, e.g. /add Green tea 10` (plain text)."""
    return f"Usage: {usage}, e.g. {example}"
