"""What the bot says to anything that is not a known command, and when it fails."""

from __future__ import annotations

from bot.render import esc

USE_COMMANDS = (
    "I work with commands, like <code>/stock</code> or <code>/add Green tea 10</code>. "
    "Send /help to see them all."
)
EDITED = (
    "I don't act on edited messages, so nothing is counted twice. "
    "Send the corrected command as a new message."
)
NOT_TEXT = "I only read text. Send /help to see my commands."
SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on my side. Please check with /stock or /item whether your "
    "last change was made before you send it again."
)


def unknown_command(name: str) -> str:
    """A command the bot does not have, quoted back."""
    return f"I don't know {esc(name)}. Send /help to see what I can do."
