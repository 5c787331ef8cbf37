"""The stock chart (SPEC 8): a PNG readable on a phone, drawn off-screen from an item's
history: the quantity as a step line, the threshold as a line, alerts shaded, orders and
receipts marked, dates in the shop's zone. Pure and thread-safe (no pyplot state), so it
runs in a worker thread; the same history is drawn once (cached by its content)."""

from __future__ import annotations

import functools
import io
from datetime import datetime
from typing import TYPE_CHECKING

from core.stock.history import StockHistory

if TYPE_CHECKING:
    from matplotlib.axes import Axes

QUANTITY_COLOUR = "#1f5fbf"
THRESHOLD_COLOUR = "#d62728"
ALERT_COLOUR = "#ff9f1c"
ORDER_COLOUR = "#7b3fa0"
RECEIPT_COLOUR = "#2ca02c"
# 1200 by 750 pixels: wide enough for a phone held sideways, type large enough held upright.
SIZE_INCHES, DPI = (12.0, 7.5), 100
TYPE_SIZE = 20


@functools.lru_cache(maxsize=128)
def draw_stock_chart(history: StockHistory) -> bytes:
    """The chart of this history as PNG bytes."""
    # matplotlib costs a process some 90 MB once imported: only one that draws pays it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    times, quantities = steps(history)
    axes.step(
        [_x(at) for at in times],
        quantities,
        where="post",
        color=QUANTITY_COLOUR,
        linewidth=4,
        label="In stock",
    )
    _threshold(axes, history)
    _alerts(axes, history)
    _marks(axes, history, times, quantities)
    _style(axes, history, max(quantities, default=0))
    figure.legend(loc="outside lower center", ncols=5, fontsize=TYPE_SIZE - 2, frameon=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _x(moment: datetime) -> float:
    """A moment on the time axis: days since 1970 (matplotlib's date numbers)."""
    return moment.timestamp() / 86400


def steps(history: StockHistory) -> tuple[list[datetime], list[int]]:
    """The quantity line's corners: the opening, each movement, and on to the end."""
    times: list[datetime] = []
    quantities: list[int] = []
    if history.opening is not None:
        times.append(history.start)
        quantities.append(history.opening)
    for at, quantity, _reason in history.movements:
        times.append(at)
        quantities.append(quantity)
    if quantities:
        times.append(history.end)
        quantities.append(quantities[-1])
    return times, quantities


def _quantity_at(moment: datetime, times: list[datetime], quantities: list[int]) -> int:
    earlier = [q for t, q in zip(times, quantities, strict=True) if t <= moment]
    return earlier[-1] if earlier else (quantities[0] if quantities else 0)


def _threshold(axes: Axes, history: StockHistory) -> None:
    item = history.item
    if item.threshold > 0 and not item.muted:
        axes.axhline(
            item.threshold,
            color=THRESHOLD_COLOUR,
            linewidth=3,
            linestyle=(0, (6, 3)),
            label=f"Low below {item.threshold}",
        )


def _alerts(axes: Axes, history: StockHistory) -> None:
    for index, (opened, resolved) in enumerate(history.alerts):
        axes.axvspan(
            _x(max(opened, history.start)),
            _x(min(resolved or history.end, history.end)),
            color=ALERT_COLOUR,
            alpha=0.22,
            linewidth=0,
            label="On alert" if index == 0 else None,
        )


def _marks(axes: Axes, history: StockHistory, times: list[datetime], quantities: list[int]) -> None:
    received = [(at, quantity) for at, quantity, reason in history.movements if reason == "add"]
    if received:
        axes.scatter(
            [_x(at) for at, _ in received],
            [quantity for _, quantity in received],
            marker="^",
            s=260,
            color=RECEIPT_COLOUR,
            zorder=5,
            label="Received",
        )
    if history.orders:
        axes.scatter(
            [_x(at) for at in history.orders],
            [_quantity_at(at, times, quantities) for at in history.orders],
            marker="D",
            s=200,
            color=ORDER_COLOUR,
            zorder=5,
            label="Ordered",
        )


def _style(axes: Axes, history: StockHistory, highest: int) -> None:
    from matplotlib import dates as mdates
    from matplotlib.ticker import MaxNLocator

    zone = history.zone
    # The name is the shop's text: `$` in it must not start matplotlib's math mode.
    axes.set_title(
        f"{history.item.name}: the last {history.days} days",
        fontsize=TYPE_SIZE + 4,
        loc="left",
        parse_math=False,
    )
    axes.set_xlim(_x(history.start), _x(history.end))
    axes.set_ylim(0, max(highest, history.item.threshold, 1) * 1.15)
    locator = mdates.AutoDateLocator(tz=zone, minticks=4, maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%d %b", tz=zone))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    axes.tick_params(labelsize=TYPE_SIZE)
    axes.grid(axis="y", alpha=0.3)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
