"""Requests the bot turns down, with the reason the user is told."""

from __future__ import annotations

from bot.texts.common import NOT_A_MEMBER
from core.errors import CoreError, InvalidInput, NotAMember


class Refusal(Exception):
    """A request the bot turns down with a reason for the user (plain text, not yet escaped).

    `show_usage` asks for the command's usage line to be added: the arguments were wrong."""

    def __init__(self, text: str, *, show_usage: bool = False) -> None:
        super().__init__(text)
        self.text = text
        self.show_usage = show_usage

    @classmethod
    def from_core(cls, error: CoreError) -> Refusal:
        """The reply for an error the core raised on purpose."""
        if isinstance(error, NotAMember):
            return cls(NOT_A_MEMBER)
        return cls(error.message, show_usage=isinstance(error, InvalidInput))
