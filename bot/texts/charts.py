"""What the bot says with a stock chart, or instead of one."""

from __future__ import annotations

from bot.render import bold, esc
from core.stock.history import SPANS, StockHistory
from core.wording import count

CHART_BUTTON = "📈 Chart"


def chart_caption(history: StockHistory) -> str:
    """The photo's caption: the item, what is in stock, and the span."""
    item = history.item
    low = "" if item.muted or item.threshold == 0 else f", low below {count(item.threshold)}"
    return f"{bold(item.name)}: {count(item.quantity)} in stock{low} · the last {history.days} days"


def no_movements(history: StockHistory) -> str:
    """Instead of a flat picture: nothing changed in the span."""
    item = history.item
    text = (
        f"{bold(item.name)} has not changed in the last {history.days} days: "
        f"{count(item.quantity)} in stock all along."
    )
    longest = max(SPANS.values())
    if history.days < longest:
        text += f" <code>/chart {esc(item.name)} {longest}d</code> looks further back."
    return text
