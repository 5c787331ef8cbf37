"""The stock chart as a picture: a PNG of the promised size with the quantity line and the
threshold line in their colours, alerts shaded, no threshold line for a muted item, and the
same history drawn once."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from matplotlib import colors
from matplotlib import image as mpimg

from core.charts import (
    ALERT_COLOUR,
    QUANTITY_COLOUR,
    THRESHOLD_COLOUR,
    draw_stock_chart,
)
from core.results import ItemView
from core.stock.history import StockHistory

END = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
START = END - timedelta(days=30)


def _history(*, muted: bool = False, threshold: int = 10) -> StockHistory:
    movements = tuple(
        (START + timedelta(days=day), quantity, reason)
        for day, quantity, reason in ((3, 30, "remove"), (12, 6, "remove"), (15, 40, "add"))
    )
    return StockHistory(
        item=ItemView(1, "Green tea", 40, threshold, threshold, muted=muted),
        start=START,
        end=END,
        zone=ZoneInfo("Europe/Berlin"),
        opening=36,
        movements=movements,
        alerts=((START + timedelta(days=12), START + timedelta(days=15)),),
        orders=(START + timedelta(days=13),),
    )


def _pixels(png: bytes) -> np.ndarray:
    return mpimg.imread(io.BytesIO(png), format="png")[:, :, :3]


def _share_of(pixels: np.ndarray, colour: str) -> float:
    """The share of the picture's pixels in (nearly) this colour."""
    wanted = np.array(colors.to_rgb(colour))
    return float((np.abs(pixels - wanted).max(axis=2) < 0.04).mean())


def _rows_with(pixels: np.ndarray, colour: str, share: float) -> list[int]:
    """The pixel rows of which at least `share` is in this colour (a horizontal line)."""
    wanted = np.array(colors.to_rgb(colour))
    close = np.abs(pixels - wanted).max(axis=2) < 0.04
    return [int(row) for row in np.nonzero(close.mean(axis=1) >= share)[0]]


def test_the_chart_is_a_phone_sized_png_with_the_quantity_threshold_and_alert_drawn() -> None:
    png = draw_stock_chart(_history())
    pixels = _pixels(png)

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert pixels.shape[:2] == (750, 1200)
    assert _share_of(pixels, QUANTITY_COLOUR) > 0.002
    # The threshold is a dashed line across the plot: rows where a good part is its colour.
    assert _rows_with(pixels, THRESHOLD_COLOUR, share=0.4)
    shaded = colors.to_rgb(ALERT_COLOUR)
    blend = tuple(0.22 * c + 0.78 for c in shaded)  # the colour at 22 % over white
    assert _share_of(pixels, colors.to_hex(blend)) > 0.01


def test_a_muted_item_has_no_threshold_line() -> None:
    pixels = _pixels(draw_stock_chart(_history(muted=True)))

    assert _rows_with(pixels, THRESHOLD_COLOUR, share=0.4) == []


def test_the_same_history_is_drawn_once_and_a_changed_one_again() -> None:
    history = _history(threshold=7)
    first = draw_stock_chart(history)
    again = draw_stock_chart(dataclasses.replace(history))
    changed = draw_stock_chart(dataclasses.replace(history, opening=35))

    assert again is first
    assert changed != first


def test_an_item_name_with_dollars_and_backslashes_is_drawn_as_typed() -> None:
    history = dataclasses.replace(
        _history(), item=ItemView(1, r"Tea $\frac{1}{0 pack $^", 40, 10, 10)
    )

    assert _pixels(draw_stock_chart(history)).shape[:2] == (750, 1200)


def test_a_process_that_never_draws_or_reads_a_spreadsheet_never_loads_their_libraries() -> None:
    # They cost a running bot some 120 MB of memory that most processes never use.
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, bot.app; print(sorted(m for m in "
            "('matplotlib', 'openpyxl', 'numpy') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )

    assert loaded.stdout.strip() == "[]"
