"""Child processes of the benchmarks: `stockbot run` and baselines, and their memory."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from core.settings import Settings

REPO = Path(__file__).resolve().parent.parent
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|TimedOut|Timeout)\b")
STOP_TIMEOUT = 30.0


def clean_environment(settings: Mapping[str, str]) -> dict[str, str]:
    """The environment for a child: inherited, minus every Stockbot setting, plus `settings`."""
    ours = {name.upper() for name in Settings.model_fields}
    environment = {key: value for key, value in os.environ.items() if key.upper() not in ours}
    environment["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(REPO), environment.get("PYTHONPATH", "")) if part
    )
    environment.update(settings)
    return environment


@dataclass(frozen=True)
class Child:
    """A running child process and the file its output goes to."""

    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.process.pid

    def errors(self) -> list[str]:
        """The exceptions its output reports so far (the last line of each traceback)."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [line for line in lines if _EXCEPTION.match(line)]


@contextmanager
def running(arguments: list[str], settings: Mapping[str, str], *, label: str) -> Iterator[Child]:
    """Run `python ARGUMENTS` with these settings in an empty directory (so no .env file is
    read), its output in a log file; stop it with SIGTERM afterwards."""
    with tempfile.TemporaryDirectory(prefix=f"stockbot-bench-{label}-") as workdir:
        log_path = Path(workdir) / "output.log"
        with log_path.open("wb") as log:
            child = subprocess.Popen(
                [sys.executable, *arguments],
                cwd=workdir,
                env=clean_environment(settings),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                yield Child(child, log_path)
            finally:
                _stop(child)
        if child.returncode not in (0, -signal.SIGTERM):
            output = log_path.read_text(errors="replace")[-4000:]
            raise RuntimeError(f"{label} exited with {child.returncode}:\n{output}")


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is not None:
        return
    child.send_signal(signal.SIGTERM)
    try:
        child.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def memory_kib(pid: int) -> tuple[int, int]:
    """(current, peak) resident set size of a live process, in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return _kib(fields["VmRSS"]), _kib(fields["VmHWM"])


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a live process has used so far, in seconds."""
    # The command name (field 2) may hold spaces: the fields after it start past its ")".
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    user, system = int(fields[11]), int(fields[12])
    return (user + system) / os.sysconf("SC_CLK_TCK")


def _kib(value: str) -> int:
    number, _, unit = value.partition(" ")
    if unit != "kB":
        raise ValueError(f"unexpected unit in /proc status: {value!r}")
    return int(number)


def run_to_end(arguments: list[str], settings: Mapping[str, str], *, label: str) -> None:
    """Run `python ARGUMENTS` to completion in an empty directory; raise if it fails."""
    with tempfile.TemporaryDirectory(prefix=f"stockbot-bench-{label}-") as workdir:
        completed = subprocess.run(
            [sys.executable, *arguments],
            cwd=workdir,
            env=clean_environment(settings),
            capture_output=True,
            text=True,
        )
    if completed.returncode != 0:
        raise RuntimeError(f"{label} exited with {completed.returncode}:\n{completed.stderr}")
