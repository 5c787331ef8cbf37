"""Result rows and the Markdown tables they are printed as."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

_STARTED = time.monotonic()
DASH = "—"
TIMES = "\u00d7"  # the multiplication sign


def progress(message: str) -> None:
    """Tell the operator what is happening, on stderr, with the time since start."""
    print(f"[{time.monotonic() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Row:
    """One line of the results table: a figure, its baseline, and whether the target is met."""

    benchmark: str
    figure: str
    baseline: str = DASH
    ratio: str = DASH
    target: str = DASH
    met: bool | None = None


@dataclass(frozen=True)
class Table:
    """A titled Markdown table."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass
class Outcome:
    """What one benchmark produced: rows of the main table and any extra tables."""

    rows: list[Row] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


RESULTS_HEADER = ("benchmark", "figure", "baseline", "ratio", "target", "met")


def results_table(rows: Sequence[Row]) -> Table:
    """The one table of all benchmarks."""
    cells = tuple(
        (
            row.benchmark,
            row.figure,
            row.baseline,
            row.ratio,
            row.target,
            DASH if row.met is None else ("yes" if row.met else "no"),
        )
        for row in rows
    )
    return Table(title="Results", header=RESULTS_HEADER, rows=cells)


def markdown(table: Table) -> str:
    """The table as GitHub-flavoured Markdown, with its title as a heading."""
    lines = [f"### {table.title}", "", _line(table.header), _line(("---",) * len(table.header))]
    lines.extend(_line(row) for row in table.rows)
    return "\n".join(lines)


def _line(cells: Sequence[str]) -> str:
    # A pipe inside a cell would split it into two columns.
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def number(value: float, digits: int = 3) -> str:
    """A figure with about `digits` significant digits and thousands separators."""
    if value == 0:
        return "0"
    magnitude = len(str(int(abs(value)))) if abs(value) >= 1 else 0
    decimals = max(0, digits - magnitude) if abs(value) >= 1 else digits
    return f"{value:,.{decimals}f}"


def seconds(value: float) -> str:
    """A duration in the unit that reads best."""
    if value < 1e-3:
        return f"{number(value * 1e6)} µs"
    if value < 1:
        return f"{number(value * 1e3)} ms"
    return f"{number(value)} s"


def megabytes(kib: float) -> str:
    """A size given in KiB (as getrusage reports it), shown in decimal megabytes."""
    return f"{number(kib * 1024 / 1e6)} MB"


def ratio(value: float) -> str:
    """A ratio between a figure and its baseline."""
    return f"{number(value)} {TIMES}"
