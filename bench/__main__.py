"""`python -m bench [--quick] [--only B1,B2]`: run the benchmarks, print one Markdown table.

Progress goes to stderr and the tables to stdout. The exit status is 0 whether or not the
targets are met (benchmarks measure, they do not judge); it is 1 only if a benchmark crashed."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from bench.report import markdown, progress, results_table
from bench.runner import Context, benchmark_ids, run_all


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes and short runs: a smoke check that the benchmarks work, in minutes",
    )
    parser.add_argument(
        "--only",
        default="",
        help=f"comma-separated benchmark ids to run, of {', '.join(benchmark_ids())}",
    )
    return parser


def _stop_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    # Turn SIGTERM into an exception so that scratch databases and servers are cleaned up.
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks and print their results."""
    arguments = _parser().parse_args(argv)
    only = [part.strip().upper() for part in arguments.only.split(",") if part.strip()]
    unknown = set(only) - set(benchmark_ids())
    if unknown:
        print(f"Unknown benchmark ids: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    # aiosmtpd, under the local SMTP server, warns about its own deprecated API at every login.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    mode = "quick" if arguments.quick else "full"
    progress(f"running the {mode} benchmarks")
    results = run_all(Context(quick=arguments.quick), only)
    tables = [results_table(results.rows), *results.tables]
    print("\n\n".join(markdown(table) for table in tables))
    if results.crashed:
        progress(f"crashed: {', '.join(results.crashed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
