"""Runs the chosen benchmarks one after another; a crash in one does not stop the others."""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import ModuleType

from bench.report import Outcome, Row, Table, progress

# Each module has ID, run(ctx) -> Outcome, and IDS when it reports more than one benchmark
# (B3's run also measures B5). Later benchmarks slot in by being listed here.
MODULES = (
    "bench.b1_stock",
    "bench.b2_check",
    "bench.b3_bot",
    "bench.b4_delivery",
    "bench.b6_replicas",
)


@dataclass(frozen=True)
class Context:
    """What every benchmark is told about the run."""

    quick: bool


@dataclass
class Results:
    """The rows and tables of every benchmark, and which ones crashed."""

    rows: list[Row] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    crashed: list[str] = field(default_factory=list)


def benchmark_ids() -> list[str]:
    """The ids (B1, B2 …) of every known benchmark, in running order."""
    return [benchmark for name in MODULES for benchmark in _ids(_load(name))]


def _ids(module: ModuleType) -> tuple[str, ...]:
    return tuple(getattr(module, "IDS", (module.ID,)))


def _load(name: str) -> ModuleType:
    return importlib.import_module(name)


def run_all(ctx: Context, only: Sequence[str] = ()) -> Results:
    """Run each benchmark (or only those named) and gather what they report."""
    results = Results()
    for name in MODULES:
        module = _load(name)
        if only and not set(_ids(module)) & set(only):
            continue
        progress(f"{module.ID}: starting")
        try:
            outcome: Outcome = module.run(ctx)
        except Exception as exc:
            # A crash is reported in the table and in the exit status; the other benchmarks
            # still run, since their figures stay valid.
            traceback.print_exc()
            results.crashed.append(module.ID)
            results.rows.append(Row(benchmark=module.ID, figure=f"crashed: {type(exc).__name__}"))
            continue
        results.rows.extend(outcome.rows)
        results.tables.extend(outcome.tables)
        progress(f"{module.ID}: done")
    return results
