"""pgbench, PostgreSQL's own load generator, run against a benchmark's database as a baseline."""

from __future__ import annotations

import re
import shutil
import subprocess

from bench.pg import libpq_environment
from bench.report import progress

_TPS = re.compile(r"^tps = ([0-9.]+) \(without initial connection time\)", re.MULTILINE)


def _pgbench() -> str:
    return shutil.which("pgbench") or "/usr/bin/pgbench"


def initialise(url: str, *, scale: int = 1) -> None:
    """Create pgbench's tables (`pgbench -i -s SCALE`) in the database."""
    subprocess.run(
        [_pgbench(), "-i", "-q", "-s", str(scale)],
        env=libpq_environment(url),
        check=True,
        capture_output=True,
        text=True,
    )


def simple_update_tps(url: str, *, clients: int, threads: int, seconds: int) -> float:
    """Transactions a second of pgbench's built-in simple-update script (`-N`)."""
    command = [_pgbench(), "-N", "-c", str(clients), "-j", str(threads), "-T", str(seconds)]
    progress(f"running {' '.join(command[1:])}")
    completed = subprocess.run(
        command, env=libpq_environment(url), check=True, capture_output=True, text=True
    )
    match = _TPS.search(completed.stdout)
    if match is None:
        raise RuntimeError(f"no tps figure in pgbench's output:\n{completed.stdout}")
    return float(match.group(1))
