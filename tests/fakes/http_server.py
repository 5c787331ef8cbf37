"""The loopback HTTP server every HTTP fake serves from, so that all serve alike."""

from __future__ import annotations

import contextlib
import email.message
import json
import socket
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request as received by a loopback server."""

    method: str
    path: str
    query: str
    headers: email.message.Message
    body: bytes


@dataclass(frozen=True)
class HttpResponse:
    """What a loopback app answers."""

    status: int
    body: bytes
    content_type: str = "application/json"

    @classmethod
    def json(cls, status: int, payload: object) -> HttpResponse:
        """Build a JSON response."""
        return cls(status, json.dumps(payload, ensure_ascii=False).encode())


HttpApp = Callable[[HttpRequest], HttpResponse]


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, hands it to the server's app, writes the answer."""

    server: _TrackingServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes; Nagle plus delayed ACK would add ~40 ms each.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        """Serve any method the same way: the apps look at HttpRequest.method."""
        with self.server.in_flight():
            path, _, query = self.path.partition("?")
            request = HttpRequest(self.command, path, query, self.headers, self._read_body())
            response = self.server.serve(request)
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

    do_POST = do_GET
    do_PUT = do_GET
    do_DELETE = do_GET

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _read_chunked(self) -> bytes:
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline().strip():  # skip optional trailers up to the blank line
            pass
        return b"".join(chunks)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests assert on recorded requests, not on stderr."""


class _TrackingServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its open connections, so stop() can cut them."""

    # socketserver's listen backlog of 5 overflows when a client opens many connections at
    # once: the kernel drops the SYNs, and the client waits seconds to retry or gives up.
    request_queue_size = 128

    def __init__(self, app: HttpApp) -> None:
        self.app = app
        self.connections: set[socket.socket] = set()
        self.app_errors: list[str] = []
        self._conn_lock = threading.Lock()
        self._idle = threading.Condition(self._conn_lock)
        self._busy = 0
        super().__init__(("127.0.0.1", 0), _Handler)

    @contextlib.contextmanager
    def in_flight(self) -> Iterator[None]:
        """Mark a request as being answered, so stop() lets it finish."""
        with self._conn_lock:
            self._busy += 1
        try:
            yield
        finally:
            with self._conn_lock:
                self._busy -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> None:
        """Wait until no request is being answered (the stop event ends long waits)."""
        with self._conn_lock:
            self._idle.wait_for(lambda: self._busy == 0, timeout)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup, which can be slow in sandboxes."""
        TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def serve(self, request: HttpRequest) -> HttpResponse:
        """Run the app; a bug in a fake becomes a 500 that names it, never a hung client."""
        try:
            return self.app(request)
        except Exception:
            self.app_errors.append(traceback.format_exc())
            return HttpResponse(500, traceback.format_exc().encode(), "text/plain")

    def process_request(self, request: Any, client_address: Any) -> None:
        """Remember the connection before its handler thread starts."""
        with self._conn_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget the connection once its handler is done."""
        with self._conn_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def cut_connections(self) -> None:
        """Shut down open keep-alive connections so their handler threads finish."""
        with self._conn_lock:
            open_connections = list(self.connections)
        for conn in open_connections:
            # the peer may have closed it meanwhile
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that went away mid-answer (timeouts, shutdown); report the rest."""
        if not isinstance(_current_exception(), OSError):
            super().handle_error(request, client_address)


def _current_exception() -> BaseException | None:
    return sys.exc_info()[1]


class LoopbackHttpServer:
    """Serves an app callable on 127.0.0.1 (OS-chosen port) from a background thread."""

    def __init__(self, app: HttpApp) -> None:
        self._app = app
        self._server: _TrackingServer | None = None
        self._thread: threading.Thread | None = None
        self.stopping = threading.Event()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        assert self._server is not None, "server not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    @property
    def app_errors(self) -> list[str]:
        """Tracebacks of exceptions raised inside the app (bugs in a fake)."""
        return list(self._server.app_errors) if self._server else []

    def start(self) -> None:
        """Bind and start serving."""
        self._server = _TrackingServer(self._app)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, cut open connections and join every thread."""
        if self._server is None or self._thread is None:
            return
        self.stopping.set()
        self._server.shutdown()
        # Answers in progress (a released long poll, a delayed reply) finish before the cut.
        self._server.wait_idle(timeout=5)
        self._server.cut_connections()
        self._server.server_close()  # joins the handler threads, so no socket outlives us
        self._thread.join()
        self._server = None
        self._thread = None
