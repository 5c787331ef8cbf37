"""Several `stockbot run` processes on one PostgreSQL database, as an operator runs them
behind nginx: started, killed with SIGKILL, restarted and stopped by the tests, with each
readiness awaited as an event (the fake's setWebhook or getUpdates, GET /readyz)."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text

from core.db.session import create_db_engine
from tests.e2e.test_runtime import bot_env
from tests.fakes.telegram_api import ApiRequest, FakeBotApi

START_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0
SECRET = "replicas-secret-0123456789abcdef"


@dataclass
class Replica:
    """One process: its port, its arguments and its output files, one pair per start."""

    index: int
    port: int
    arguments: tuple[str, ...]
    directory: Path
    process: asyncio.subprocess.Process | None = None
    starts: int = 0
    outputs: list[Path] = field(default_factory=list)

    def output(self) -> str:
        """Everything it printed and logged, over all its starts."""
        return "".join(path.read_text() for path in self.outputs if path.exists())


class Cluster:
    """The processes, each with HTTP_PORT its own and the same settings otherwise."""

    def __init__(
        self,
        directory: Path,
        bot_api: FakeBotApi,
        ports: Sequence[int],
        settings: dict[str, str],
        api_only: Sequence[int] = (),
    ) -> None:
        self.bot_api = bot_api
        self.settings = settings
        self.replicas = [
            Replica(i, port, ("--api-only",) if i in api_only else (), directory / f"run-{i}")
            for i, port in enumerate(ports)
        ]

    @property
    def webhook_mode(self) -> bool:
        return "TELEGRAM_WEBHOOK_URL" in self.settings

    async def _spawn(self, replica: Replica) -> None:
        replica.directory.mkdir(parents=True, exist_ok=True)
        env = bot_env(replica.directory, self.bot_api, HTTP_PORT=str(replica.port))
        env.update(self.settings)
        out = replica.directory / f"output-{replica.starts}.txt"
        replica.starts += 1
        replica.outputs.append(out)
        with out.open("wb") as sink:
            replica.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                *replica.arguments,
                cwd=replica.directory,
                env=env,
                stdout=sink,
                stderr=sink,
            )

    async def start(self, indexes: Sequence[int] | None = None) -> None:
        """Start these processes (all by default) and wait until each takes updates (the
        fake saw its setWebhook or getUpdates) and answers GET /readyz with 200."""
        chosen = [self.replicas[i] for i in indexes or range(len(self.replicas))]
        marker = self.bot_api.mark()
        for replica in chosen:
            await self._spawn(replica)
        takers = [r for r in chosen if not r.arguments]
        if self.webhook_mode and takers:
            await self._await_requests("setWebhook", len(takers), marker)
        elif takers:
            await self._await_requests("getUpdates", 1, marker)
        await asyncio.gather(*(self._await_ready(replica) for replica in chosen))

    async def _await_requests(self, method: str, count: int, marker: int) -> None:
        """Until the fake has seen `count` calls of method since marker."""

        def enough(_: ApiRequest) -> bool:
            calls = [r for r in self.bot_api.requests if r.method == method and r.seq > marker]
            return len(calls) >= count

        await self.bot_api.await_request(method, enough, after=marker, timeout=START_TIMEOUT)

    async def _await_ready(self, replica: Replica) -> None:
        assert replica.process is not None
        await await_ready(replica.port, replica.process, replica.output)

    async def kill(self, index: int) -> None:
        """SIGKILL: no clean-up of any kind, as when the machine loses power."""
        process = self.replicas[index].process
        assert process is not None
        assert process.returncode is None
        process.send_signal(signal.SIGKILL)
        await process.wait()

    async def stop(self, indexes: Sequence[int] | None = None) -> list[int | None]:
        """SIGTERM to these running processes (all by default), as a rolling stop sends; the
        exit status of every process (None for one never started)."""
        chosen = [self.replicas[i] for i in indexes or range(len(self.replicas))]
        running = [r.process for r in chosen if r.process and r.process.returncode is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(asyncio.gather(*(p.wait() for p in running)), STOP_TIMEOUT)
        return [r.process.returncode if r.process else None for r in self.replicas]

    def kill_all(self) -> None:
        """After a failed test: nothing may outlive it."""
        for replica in self.replicas:
            if replica.process is not None and replica.process.returncode is None:
                replica.process.kill()

    def output(self) -> str:
        return "\n".join(f"--- process {r.index}\n{r.output()}" for r in self.replicas)


async def await_ready(
    port: int, process: asyncio.subprocess.Process, output: Callable[[], str]
) -> None:
    """GET /readyz until it answers 200: the server listens and the database is ready."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    async with httpx.AsyncClient(timeout=5) as client:
        while True:
            if process.returncode is not None:
                raise AssertionError(f"the process on port {port} exited:\n{output()}")
            try:
                answer = await client.get(f"http://127.0.0.1:{port}/readyz")
                if answer.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if loop.time() > deadline:
                raise AssertionError(f"the process on port {port} is not ready:\n{output()}")
            await asyncio.sleep(0.05)  # the port opens in a moment; nothing else to await


def query(database_url: str, sql: str) -> list[tuple[object, ...]]:
    """The rows of one query on the processes' database, as an operator would look."""
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()
