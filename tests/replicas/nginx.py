"""nginx in front of the processes, run from the file operators install:
deploy/nginx/stockbot.conf, with only its ports and TLS lines changed for the test."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SHIPPED = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "stockbot.conf"
START_TIMEOUT = 15.0
UPSTREAM = re.compile(r"^(\s*server\s+)127\.0\.0\.1:\d+(\s)", re.MULTILINE)
LISTEN = re.compile(r"^\s*listen\s+443\s[^;]*;\n", re.MULTILINE)
LISTEN_V6 = re.compile(r"^\s*listen\s+\[::\]:443\s[^;]*;\n", re.MULTILINE)
TLS = re.compile(r"^\s*ssl_\w+\s[^;]*;\n", re.MULTILINE)
# Which process answered each request, to see that nginx spread the load.
LOG_FORMAT = "replicas '$request_method $uri $status $upstream_addr'"


def nginx_binary() -> str:
    """The nginx executable; without one, a skip locally and a failure under CI."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        message = "nginx is needed by tests/replicas: apt-get install nginx-light"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return found


def render_site(listen_port: int, upstream_ports: Sequence[int]) -> str:
    """The shipped server block and upstream, listening on plain HTTP on listen_port and
    passing to upstream_ports; anything else in the file stays as operators get it."""
    text = SHIPPED.read_text()
    servers = UPSTREAM.findall(text)
    assert len(servers) == len(upstream_ports), f"{SHIPPED} has {len(servers)} upstream servers"
    ports = iter(upstream_ports)
    text = UPSTREAM.sub(lambda m: f"{m[1]}127.0.0.1:{next(ports)}{m[2]}", text)
    text, listens = LISTEN.subn(f"    listen 127.0.0.1:{listen_port};\n", text)
    assert listens == 1, f"{SHIPPED} should listen on 443 once"
    text = LISTEN_V6.sub("", text)
    text, tls_lines = TLS.subn("", text)
    assert tls_lines >= 2, f"{SHIPPED} should hold its certificate lines"
    return text


def main_config(directory: Path, site: Path) -> str:
    """A minimal nginx.conf whose files all live in directory, including the site."""
    temp = "\n".join(
        f"    {kind}_temp_path {directory / kind};" for kind in ("client_body", "proxy")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers may read the test's files
    return (
        f"{user}worker_processes 1;\npid {directory / 'nginx.pid'};\n"
        f"error_log {directory / 'error.log'} info;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n    log_format {LOG_FORMAT};\n"
        f"    access_log {directory / 'access.log'} replicas;\n{temp}\n"
        f"    include {site};\n}}\n"
    )


@dataclass
class Nginx:
    """A running nginx on 127.0.0.1:port."""

    port: int
    directory: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answered_by(self) -> list[str]:
        """The upstream address of every request logged so far."""
        log = self.directory / "access.log"
        lines = log.read_text().splitlines() if log.exists() else []
        return [line.rsplit(" ", 1)[-1] for line in lines]

    def error_log(self) -> str:
        return (self.directory / "error.log").read_text()


def _errors(log: Path) -> str:
    return log.read_text() if log.exists() else "(no error log)"


def write_configs(directory: Path, port: int, upstream_ports: Sequence[int]) -> Path:
    """The rendered site and the nginx.conf around it, in directory; the latter's path."""
    directory.mkdir(parents=True, exist_ok=True)
    site = directory / "stockbot.conf"
    site.write_text(render_site(port, upstream_ports))
    config = directory / "nginx.conf"
    config.write_text(main_config(directory, site))
    return config


async def _listening(port: int, process: asyncio.subprocess.Process, log: Path) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if process.returncode is not None or loop.time() > deadline:
                raise AssertionError(f"nginx did not start:\n{_errors(log)}") from None
            await asyncio.sleep(0.02)  # the port opens in a moment; nothing else to await
            continue
        writer.close()
        await writer.wait_closed()
        return


@asynccontextmanager
async def running_nginx(
    directory: Path, port: int, upstream_ports: Sequence[int]
) -> AsyncIterator[Nginx]:
    """nginx in the foreground as a child process, stopped (gracefully) afterwards."""
    binary = nginx_binary()
    config = write_configs(directory, port, upstream_ports)
    with (directory / "stderr.txt").open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            binary, "-p", str(directory), "-c", str(config), "-g", "daemon off;", stderr=err
        )
    try:
        await _listening(port, process, directory / "error.log")
        yield Nginx(port, directory)
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()
