"""Run the daily check once, alone in this process, and print its wall time and peak RSS.

`python -m bench.check_child URL` prints one JSON object on stdout. A process of its own makes
the peak resident set size (getrusage's ru_maxrss) the check's own, not the benchmark's."""

from __future__ import annotations

import json
import resource
import sys
import time
from dataclasses import asdict

from bench.dataset import CHANNELS
from core.alerts.check import run_check
from core.db.session import CoreConfig, Database, create_db_engine


def main(url: str) -> None:
    """Check every shop of the database at `url` with every channel on."""
    database = Database(create_db_engine(url), CoreConfig(channels=frozenset(CHANNELS)))
    try:
        started = time.perf_counter()
        with database.unit_of_work() as uow:
            report = run_check(uow)
        elapsed = time.perf_counter() - started
    finally:
        database.dispose()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    json.dump({"seconds": elapsed, "peak_rss_kib": peak_kib, "report": asdict(report)}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
