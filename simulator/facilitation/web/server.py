"""The web console's HTTP server: the standard library's, on one machine or a room's network.

Routes (JSON in and out; every other path is 404, every other method 405):

``GET  /room``                the room view (read-only; for the projector)
``GET  /console?token=T``     the facilitator's view
``GET  /static/NAME``         the pages' script and style (shipped in the package)
``GET  /api/map``             the map's fixed part (:mod:`.mapdata`)
``GET  /api/state``           the view now (:mod:`.view`)
``GET  /api/events``          server-sent events: ``state`` with the view, at once and
                              after every change
``POST /api/ACTION``          a control (:data:`~.console.ACTIONS`), with the header
                              ``X-Tabletop-Token: T``
``GET  /debrief``             the debrief page, once the session is over

Security: the server binds to 127.0.0.1 unless told otherwise.  The controls
need the token of the facilitator's address (``secrets.token_urlsafe``,
compared in constant time), so on a room's network the room can only read.
A request body must be JSON (``Content-Type: application/json``, which a
page of another site cannot send without the browser asking first) and at
most :data:`MAX_BODY` bytes.  On the loopback address the ``Host`` header
must name the server, so a page of another site cannot reach it through a
name that resolves to 127.0.0.1.  Bad requests get a 4xx answer with a
one-line message, never a traceback; pages get a Content-Security-Policy
that allows nothing from outside the server.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import secrets
import socket
import threading
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from simulator.facilitation.lifecycle import Saved
from simulator.facilitation.web.console import BadRequest, Console, refused
from simulator.scenario.errors import Problem, ScenarioError

logger = logging.getLogger(__name__)

MAX_BODY = 16 * 1024
"""The largest request body taken, in bytes (a note or a change is at most 2,000 characters)."""

KEEPALIVE_S = 15.0
"""Seconds between comments on an idle event stream (so a proxy or a browser keeps it open)."""

STATIC = {
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}
PAGES = {"/room": "room.html", "/console": "console.html"}

POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
DEBRIEF_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
)


def _asset(name: str) -> bytes:
    return resources.files("simulator.facilitation.web").joinpath("static", name).read_bytes()


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ConsoleServer(ThreadingHTTPServer):
    """A threading HTTP server holding one :class:`Console` and the facilitator's token."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, console: Console, host: str, port: int, token: str) -> None:
        if ":" in host:
            self.address_family = socket.AF_INET6
        # Set before binding: a failed bind closes the server, which wakes the console.
        self.console = console
        self.token = token
        self.host = host
        super().__init__((host, port), Handler)

    @property
    def port(self) -> int:
        """The port bound (a free one when 0 was asked)."""
        return int(self.server_address[1])

    def urls(self, shown_host: str | None = None) -> tuple[str, str]:
        """The facilitator's address (with the token) and the room's."""
        host = shown_host or self.host
        if ":" in host:
            host = f"[{host}]"
        base = f"http://{host}:{self.port}"
        return f"{base}/console?token={self.token}", f"{base}/room"

    def server_close(self) -> None:
        self.console.close()
        super().server_close()


class Handler(BaseHTTPRequestHandler):
    """One request: a page, the data, the event stream or a control."""

    server: ConsoleServer
    server_version = "tabletop"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    # ----------------------------------------------------------- answers
    def _headers(self, status: int, kind: str, length: int | None, policy: str = POLICY) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Content-Security-Policy", policy)

    def _send(self, status: int, body: bytes, kind: str, policy: str = POLICY) -> None:
        self._headers(status, kind, len(body), policy)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode(),
                   "application/json; charset=utf-8")  # fmt: skip

    def _error(self, status: int, message: str | list[str]) -> None:
        self._json(status, {"error": [message] if isinstance(message, str) else message})

    # ----------------------------------------------------------- checks
    def _host_ok(self) -> bool:
        if not is_loopback(self.server.host):
            return True  # on a room's network the token guards the controls
        host = (self.headers.get("Host") or "").rsplit(":", 1)
        name = host[0].strip("[]")
        return is_loopback(name) and (len(host) == 2 and host[1] == str(self.server.port))

    def _token_ok(self, given: str | None) -> bool:
        return given is not None and secrets.compare_digest(given, self.server.token)

    def _body(self) -> dict[str, Any]:
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise BadRequest(415, "the body must be JSON (Content-Type: application/json)")
        length_text = self.headers.get("Content-Length")
        if length_text is None or not length_text.isdigit():
            raise BadRequest(411, "a Content-Length is needed")
        length = int(length_text)
        if length > MAX_BODY:
            raise BadRequest(413, f"the body is larger than {MAX_BODY} bytes")
        raw = self.rfile.read(length)
        try:
            data = json.loads(raw.decode("utf-8") or "{}", parse_constant=_no_constant)
        except (UnicodeDecodeError, ValueError):
            raise BadRequest(400, "the body is not JSON") from None
        if not isinstance(data, dict):
            raise BadRequest(400, "the body must be a JSON object")
        return data

    # ----------------------------------------------------------- methods
    def do_GET(self) -> None:
        self._guarded(self._get)

    def do_HEAD(self) -> None:
        self._guarded(self._get)

    def do_POST(self) -> None:
        self._guarded(self._post)

    def _not_allowed(self) -> None:
        self.close_connection = True
        self._error(405, f"method {self.command} not allowed")

    def __getattr__(self, name: str) -> Any:
        # Any other method (PUT, DELETE, OPTIONS, ...) is 405, not the base's 501.
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def _guarded(self, handle: Any) -> None:
        """Answer, turning what went wrong into a 4xx (bad request) or a bare 500."""
        try:
            if not self._host_ok():
                raise BadRequest(400, "this server answers to its own address only")
            handle()
        except BadRequest as error:
            self.close_connection = True
            self._error(error.status, error.message)
        except ScenarioError as error:
            self._error(400, refused(error))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # an internal error: logged here, never shown to the page
            logger.exception("error answering %s %s", self.command, self.path)
            self.close_connection = True
            self._error(500, "internal error (see the server's log)")

    def _get(self) -> None:
        url = urlsplit(self.path)
        path = url.path
        console = self.server.console
        if path in ("/", ""):
            self.send_response(303)
            self.send_header("Location", "/room")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/console":
            token = parse_qs(url.query).get("token", [None])[0]
            if not self._token_ok(token):
                raise BadRequest(403, "the facilitator's view needs its token")
        if path in PAGES:
            self._send(200, _asset(PAGES[path]), "text/html; charset=utf-8")
        elif path.startswith("/static/") and path[len("/static/") :] in STATIC:
            name = path[len("/static/") :]
            self._send(200, _asset(name), STATIC[name])
        elif path == "/api/map":
            self._json(200, {**console.map, "targets": console.targets})
        elif path == "/api/state":
            _, data = console.snapshot()
            self._send(200, data, "application/json; charset=utf-8")
        elif path == "/api/events":
            self._events()
        elif path == "/debrief":
            page = console.debrief_page()
            if page is None:
                raise BadRequest(404, "no debrief yet: the session is not over")
            self._send(200, page, "text/html; charset=utf-8", DEBRIEF_POLICY)
        else:
            raise BadRequest(404, f"no page {path}")

    def _events(self) -> None:
        """The event stream: the view now, then every new one, until the page goes."""
        self.close_connection = True
        self._headers(200, "text/event-stream; charset=utf-8", None)
        self.send_header("Connection", "close")
        self.end_headers()
        console = self.server.console
        version, data = console.snapshot()
        self._event(data)
        while not console.closing:
            found = console.wait(version, KEEPALIVE_S)
            if found is None:
                if console.closing:
                    return
                self.wfile.write(b": still here\n\n")
                self.wfile.flush()
                continue
            version, data = found
            self._event(data)

    def _event(self, data: bytes) -> None:
        self.wfile.write(b"event: state\ndata: " + data + b"\n\n")
        self.wfile.flush()

    def _post(self) -> None:
        path = urlsplit(self.path).path
        if not path.startswith("/api/"):
            raise BadRequest(404, f"no page {path}")
        if not self._token_ok(self.headers.get("X-Tabletop-Token")):
            raise BadRequest(403, "controls need the facilitator's token")
        body = self._body()
        self._json(200, self.server.console.act(path[len("/api/") :], body))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def serve(
    file: Path,
    seed: int,
    stop_at: Sequence[str],
    out: Path,
    host: str | None,
    port: int,
    echo: Callable[[str], None],
) -> Saved:
    """Start a session on ``file`` and serve its console until Ctrl-C; then save it.

    Args:
        file: The scenario.
        seed: The seed of the session's runs.
        stop_at: Where the clock stops besides decision points.
        out: Folder of the session log and the run folder.
        host: The address to bind (``None``: 127.0.0.1).
        port: The port (0: a free one).
        echo: Prints a line for the facilitator.

    Raises:
        ScenarioError: if the scenario is bad input or the address cannot be bound.
    """
    from simulator.facilitation.lifecycle import open_session
    from simulator.facilitation.web.console import Ending

    bind = host or "127.0.0.1"
    loaded, log, session = open_session(file, seed, stop_at, out)
    command = ["tabletop", "play", str(file), "--replay", str(log.path)]
    try:
        console = Console(session, Ending(loaded, log, out, command))
        server = ConsoleServer(console, bind, port, secrets.token_urlsafe(24))
    except OSError as error:
        log.close()
        reason = error.strerror or str(error)
        problem = Problem("--host/--port", None, "", f"cannot listen on {bind}:{port} ({reason})")
        raise ScenarioError(problem) from None
    except BaseException:
        log.close()
        raise
    facilitator, room = server.urls()
    echo(f"session log: {log.path}")
    echo(f"facilitator: {facilitator}")
    echo(f"room view:   {room}")
    if not is_loopback(bind):
        echo("the facilitator's address carries its token: keep it off the projector")
    echo("Ctrl-C ends the session (it is saved as it stands)")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2})
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
    saved = console.end()
    echo(f"run folder: {saved.folder} (tabletop report {saved.folder})")
    echo(f"debrief page: {saved.page}")
    return saved
