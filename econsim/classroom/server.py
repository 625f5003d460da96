"""The class board: a small tornado server next to the Voilà app (``econsim classroom``).

Endpoints (``code`` is the class code, ``key`` the teacher key printed at start-up):

``POST /api/submit``
    JSON body ``{"class_code", "student", "setup", "rates"}`` (what
    :meth:`econsim.classroom.game.Game.submission` builds, plus the class code). The board
    replays the rates on the setup's population and stores the welfare it computes; a
    ``welfare`` in the body is ignored. ``201`` with
    ``{"id": …}``; ``403`` for a wrong class code; ``400`` with a one-line reason for a bad body.
``POST /api/attempt``
    JSON body ``{"class_code", "student", "setup", "exercise", "answer"}``: the board checks the
    answer on the setup's population (:func:`econsim.classroom.exercises.check`), logs the try
    and answers ``{"correct", "message", "attempts_left"}`` — never the answer itself. ``429``
    when the student's tries are used up, ``409`` when already solved.
``POST /api/progress``
    JSON body ``{"class_code", "player", "student", "rounds"}``: a student's page is alive (the
    console's list of players).
``GET /api/setup?code=…``
    The game the lecturer chose for this class (JSON of :class:`GameSetup` fields).
``GET /api/ranking?key=…``
    The ranking as JSON.
``GET /teacher?key=…``
    The lecturer's console (:mod:`econsim.classroom.console`): the game and a form to change it,
    the players, the ranking per setting (with delete buttons), the exercise results, exports,
    reset.
``POST /teacher/reset``, ``/teacher/delete``, ``/teacher/setup``
    The console's forms (form-encoded, with ``key``): delete the class's data, delete one
    entry (``id``), change the game (``brackets``, ``worker``, ``utility``, ``objective``,
    ``n_rounds``, ``elasticity``). ``303`` back to the console; ``403`` without the key.
``GET /export.csv?key=…``, ``GET /export_exercises.csv?key=…``
    The ranking / the exercise results as CSV.
``GET /health``
    ``ok``.

The server is tornado (``tornado.web.Application`` on a ``tornado.httpserver.HTTPServer``), the
framework Jupyter and Voilà run on, so it is installed and maintained with them and adds nothing
to the environment. One event loop, in its own thread (:class:`BoardServer`), reads every
request; the work that blocks (SQLite, replays, the console's optima and figures) runs on a small
thread pool, and the store (SQLite, WAL) serialises the writes, so simultaneous submissions are
all kept and a slow client or a slow page holds no one else up.

No client is trusted (:class:`BoardLimits`). Tornado's HTTP layer refuses a ``Content-Length``
that is not a whole number or exceeds :data:`MAX_BODY` (``400``, before any body is read),
headers beyond :data:`MAX_HEADER`, and closes a connection whose headers or body do not arrive
within the request timeout. The handlers then refuse JSON nested too deeply (``400``), check
each body field by field (:mod:`econsim.classroom.bodies`: ``400`` naming the field; names are
strings without control characters), give each address and each student name per address a
token bucket (``429`` with ``Retry-After``), accept at most :data:`MAX_SETTINGS` game settings
per class (``409``; each costs an optimum on the lecturer's page, whose cache holds 8), and turn
an unexpected failure into a ``500`` with one line. The CSV exports prefix cells starting with
``=``, ``+``, ``-``, ``@`` with ``'`` (no formula runs in a spreadsheet).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs, quote, urlencode

from pydantic import BaseModel
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.netutil import bind_sockets
from tornado.web import Application, HTTPError, RequestHandler

from econsim.classroom.board import MAX_SETTINGS, Board, BoardLimits, Refused
from econsim.classroom.bodies import Attempt, Progress, Submission, parse
from econsim.classroom.game import GameSetup
from econsim.classroom.store import ClassStore

__all__ = ["CODE_ENV", "MAX_BODY", "MAX_HEADER", "MAX_SETTINGS", "URL_ENV", "BoardLimits",
           "BoardServer", "board_from_env", "checker_from_env", "make_app", "setup_from_board",
           "submit_over_http", "submitter_from_env"]

#: Largest request body accepted (bytes).
MAX_BODY = 64_000
#: Largest request head (request line and headers, bytes): tornado's default, said explicitly.
MAX_HEADER = 65_536

#: Environment variables through which the served notebook finds the board.
URL_ENV, CODE_ENV = "ECONSIM_CLASSROOM_URL", "ECONSIM_CLASSROOM_CODE"

_log = logging.getLogger(__name__)
T = TypeVar("T")


def _first(args: dict[str, list[bytes]], name: str) -> str:
    """The first value of a query field (``""`` if absent), as the client sent it."""
    values = args.get(name) or [b""]
    return values[0].decode("utf-8", errors="replace")


class _Handler(RequestHandler):
    """What every page of the board shares: the per-address rate limit, JSON replies and
    refusals (:class:`~econsim.classroom.board.Refused`), blocking work on the board's thread
    pool, and a JSON ``404`` for any other path."""

    board: Board

    def initialize(self, board: Board) -> None:
        self.board = board

    def prepare(self) -> None:
        self.board.take(self.board.per_client, self.request.remote_ip, "this address")

    def reply(self, status: int, body: str | bytes, ctype: str = "application/json") -> None:
        self.set_status(status)
        self.set_header("Content-Type", f"{ctype}; charset=utf-8")
        self.finish(body)

    def send_error(self, status_code: int = 500, **kwargs: Any) -> None:
        err = kwargs.get("exc_info", (None, None, None))[1]
        super().send_error(err.status if isinstance(err, Refused) else status_code, **kwargs)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        err = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(err, Refused):
            text = err.reason
            for name, value in err.headers.items():
                self.set_header(name, value)
        elif isinstance(err, HTTPError) or err is None:
            text = self._reason
        else:  # one line to the client (and one in the log: log_exception)
            text = (f"the board failed on this request ({type(err).__name__}); tell the "
                    "lecturer")
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps({"error": text}))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if not isinstance(value, (HTTPError, Refused)):
            _log.error("class board: %s %s failed: %s: %s", self.request.method,
                       self.request.path, typ.__name__, (str(value).splitlines() or [""])[0])

    async def blocking(self, work: Callable[..., T], *args: Any) -> T:
        """``work(*args)`` on the board's thread pool (the event loop keeps serving); a
        ``ValueError`` / ``TypeError`` of it is bad input, a ``400`` with its first line."""
        try:
            return await IOLoop.current().run_in_executor(self.board.pool, work, *args)
        except (ValueError, TypeError) as err:
            raise Refused(400, str(err).splitlines()[0]) from None

    def teacher_or_403(self, key: str) -> None:
        if not self.board.is_teacher(key):
            raise Refused(403, "wrong or missing teacher key (?key=...)")

    def get(self, *_: str) -> None:
        self.reply(404, json.dumps({"error": f"no page {self.request.path}; pages: /teacher, "
                                    "/export.csv, /export_exercises.csv, /api/ranking, "
                                    "/api/setup, /api/submit, /api/attempt"}))

    def post(self, *_: str) -> None:
        self.reply(404, json.dumps({"error": "POST only to /api/submit, /api/attempt, "
                                    "/api/progress, /teacher/{reset,delete,setup}"}))


class _Health(_Handler):
    def prepare(self) -> None:
        pass  # not rate limited: what a monitor (or a test) polls

    def get(self, *_: str) -> None:
        self.reply(200, "ok", "text/plain")


class _Setup(_Handler):
    async def get(self, *_: str) -> None:
        if not self.board.is_class(_first(self.request.query_arguments, "code")):
            raise Refused(403, "wrong class code (?code=...)")
        setup = await self.blocking(self.board.current_setup)
        self.reply(200, json.dumps(setup.to_dict()))


class _TeacherPage(_Handler):
    """A page for the lecturer (``?key=``): ``render(board)`` gives its body."""

    def initialize(self, board: Board, render: Callable[[Board], str],  # type: ignore[override]
                   ctype: str) -> None:
        super().initialize(board)
        self.render_page, self.ctype = render, ctype

    async def get(self, *_: str) -> None:
        self.teacher_or_403(_first(self.request.query_arguments, "key"))
        self.reply(200, await self.blocking(self.render_page, self.board), self.ctype)


class _TeacherAction(_Handler):
    """``POST /teacher/{reset,delete,setup}`` (a form with the teacher key), ``303`` back."""

    async def post(self, action: str) -> None:
        form = parse_qs(self.request.body.decode("utf-8", errors="replace"))
        self.teacher_or_403(form.get("key", [""])[0])
        await self.blocking(self.board.teacher_action, action, form)
        self.redirect(f"/teacher?key={quote(self.board.teacher_key)}", status=303)


class _Api(_Handler):
    """A JSON ``POST`` of a student's page: its class code, then its body as ``model``
    (:mod:`econsim.classroom.bodies`), then ``serve(board, body)`` on the pool, which answers
    (HTTP status, JSON body)."""

    def initialize(self, board: Board, model: type[BaseModel],  # type: ignore[override]
                   serve: Callable[[Board, Any], tuple[int, dict]]) -> None:
        super().initialize(board)
        self.model, self.serve = model, serve

    def json_object(self) -> dict:
        """The body as a JSON object with the class's code (which is removed from it)."""
        if not self.request.body:
            raise Refused(400, f"body must be 1..{MAX_BODY} bytes of JSON")
        try:
            payload = json.loads(self.request.body)
        except RecursionError:  # e.g. [[[[…]]]] 30,000 deep
            raise Refused(400, "body nests too deeply to be a submission") from None
        except ValueError:
            raise Refused(400, "body must be JSON") from None
        if not isinstance(payload, dict):
            raise Refused(400, "body must be a JSON object")
        if not self.board.is_class(str(payload.pop("class_code", ""))):
            raise Refused(403, "wrong class code")
        return payload

    async def post(self, *_: str) -> None:
        payload = self.json_object()
        name = payload.get("student") or payload.get("player")
        if isinstance(name, str):  # counted before the body is checked: bad posts count too
            self.board.take(self.board.per_student, (self.request.remote_ip, name.strip()[:200]),
                            "this student")
        try:
            body = parse(self.model, payload)
        except ValueError as err:
            raise Refused(400, str(err)) from None
        status, answer = await self.blocking(self.serve, self.board, body)
        self.reply(status, json.dumps(answer))


#: Lecturer's pages: path → (what renders it, content type).
TEACHER_PAGES: dict[str, tuple[Callable[[Board], str], str]] = {
    r"/api/ranking": (Board.ranking_json, "application/json"),
    r"/teacher": (Board.console, "text/html"),
    r"/export\.csv": (Board.export_csv, "text/csv"),
    r"/export_exercises\.csv": (Board.exercise_csv, "text/csv"),
}
#: A student page's posts: name → (body model, what serves it).
STUDENT_POSTS: dict[str, tuple[type[BaseModel], Callable[[Board, Any], tuple[int, dict]]]] = {
    "submit": (Submission, Board.submit),
    "attempt": (Attempt, Board.attempt),
    "progress": (Progress, Board.progress),
}


def make_app(board: Board) -> Application:
    """The board's routes as a tornado application (quiet: no log line per request)."""
    routes: list[tuple] = [(r"/health", _Health, {"board": board}),
                           (r"/api/setup", _Setup, {"board": board})]
    routes += [(path, _TeacherPage, {"board": board, "render": render, "ctype": ctype})
               for path, (render, ctype) in TEACHER_PAGES.items()]
    routes += [(rf"/api/{name}", _Api, {"board": board, "model": model, "serve": serve})
               for name, (model, serve) in STUDENT_POSTS.items()]
    routes += [(r"/teacher/(reset|delete|setup)", _TeacherAction, {"board": board}),
               (r".*", _Handler, {"board": board})]
    return Application(routes, log_function=lambda handler: None)


class BoardServer:
    """The class board on ``host:port`` (port 0 picks a free one), served by tornado from its
    own thread: ``start()`` returns once it accepts connections, ``stop()`` closes it."""

    def __init__(self, store: ClassStore, class_code: str, teacher_key: str,
                 host: str = "127.0.0.1", port: int = 0, setup: GameSetup | None = None,
                 limits: BoardLimits | None = None) -> None:
        self.board = Board(store, class_code, teacher_key, setup, limits)
        self.app = make_app(self.board)
        # bound now, as before: a port in use fails here, and .port is known before start()
        self.sockets = bind_sockets(port, host, backlog=256)
        self.thread = threading.Thread(target=self._serve, name="class-board", daemon=True)
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._failed: BaseException | None = None

    @property
    def port(self) -> int:
        return int(self.sockets[0].getsockname()[1])

    def http_server(self) -> HTTPServer:
        """The tornado HTTP server with the board's size and time limits."""
        limits = self.board.limits
        # the read buffer holds a head and a body, twice over for a pipelined request
        return HTTPServer(self.app, max_body_size=MAX_BODY, max_header_size=MAX_HEADER,
                          max_buffer_size=2 * (MAX_BODY + MAX_HEADER),
                          idle_connection_timeout=limits.request_timeout,
                          body_timeout=limits.request_timeout)

    def _serve(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as err:  # noqa: BLE001 - start() raises it in the caller's thread
            self._failed = err
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop, self._stopped = asyncio.get_running_loop(), asyncio.Event()
        server = self.http_server()
        server.add_sockets(self.sockets)
        self._ready.set()
        await self._stopped.wait()
        server.stop()
        try:
            await asyncio.wait_for(server.close_all_connections(), timeout=5)
        except TimeoutError:
            pass  # a connection still busy: the thread is a daemon, the process may end

    def start(self) -> BoardServer:
        self.thread.start()
        self._ready.wait()
        if self._failed is not None:
            raise RuntimeError(f"the class board did not start: {self._failed}") from self._failed
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopped is not None and self.thread.is_alive():
            self._loop.call_soon_threadsafe(self._stopped.set)
            self.thread.join(timeout=10)
        else:
            for sock in self.sockets:
                sock.close()
        self.board.pool.shutdown(wait=False, cancel_futures=True)


def submit_over_http(url: str, class_code: str, payload: dict, timeout: float = 30.0,
                     endpoint: str = "/api/submit") -> dict:
    """POST one finished game (or, with ``endpoint="/api/attempt"``, one exercise try) to a
    board server; returns its JSON answer (``{"id": …}``)."""
    body = json.dumps({**payload, "class_code": class_code}).encode()
    req = urllib.request.Request(url.rstrip("/") + endpoint, data=body,
                                 headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as err:
        reason = json.loads(err.read() or b"{}").get("error", err.reason)
        raise ValueError(f"refused ({err.code}): {reason}") from None


def submitter_from_env() -> Callable[[dict], dict] | None:
    """How the served notebook submits: to ``$ECONSIM_CLASSROOM_URL`` with the class code in
    ``$ECONSIM_CLASSROOM_CODE``; ``None`` outside class mode (no board to submit to)."""
    url = os.environ.get(URL_ENV)
    if not url:
        return None
    code = os.environ.get(CODE_ENV, "")
    return lambda payload: submit_over_http(url, code, payload)


def setup_from_board(url: str, class_code: str, timeout: float = 10.0) -> GameSetup:
    """The game the lecturer chose for this class (``GET /api/setup``)."""
    query = urlencode({"code": class_code})
    with urllib.request.urlopen(f"{url.rstrip('/')}/api/setup?{query}", timeout=timeout) as r:
        return GameSetup(**json.loads(r.read()))


def board_from_env() -> tuple[str, str] | None:
    """``(board URL, class code)`` in class mode, else ``None``."""
    url = os.environ.get(URL_ENV)
    return (url, os.environ.get(CODE_ENV, "")) if url else None


def checker_from_env() -> Callable[[dict], dict] | None:
    """How the served notebook checks exercise tries in class mode (on the board, which counts
    and logs them); ``None`` outside class mode (the app checks locally)."""
    url = os.environ.get(URL_ENV)
    if not url:
        return None
    code = os.environ.get(CODE_ENV, "")
    return lambda payload: submit_over_http(url, code, payload, endpoint="/api/attempt")
