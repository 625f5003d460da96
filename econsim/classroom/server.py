"""The class board: a small HTTP server next to the Voilà app (``econsim classroom``).

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

A :class:`~http.server.ThreadingHTTPServer` handles each request on its own thread; the store
(SQLite, WAL) serialises the writes, so simultaneous submissions are all kept.

No client is trusted (:class:`BoardLimits`): a body is at most :data:`MAX_BODY` bytes with a
``Content-Length`` that is a whole number (else ``400``/``413``) and must arrive within the
request timeout (else ``408``; a client cannot hold a thread); JSON nested too deeply is a
``400``; each address and each student name per address has a token bucket (``429`` with
``Retry-After``); names are strings without control characters; a class accepts at most
:data:`MAX_SETTINGS` game settings (``409``; each costs an optimum on the lecturer's page); an
unexpected failure is a ``500`` with one line, never a dropped connection. The CSV exports
prefix cells starting with ``=``, ``+``, ``-``, ``@`` with ``'`` (no formula runs in a
spreadsheet). The server stays on the standard library: its handful of endpoints needs these
checks, not a framework (tornado would add routing, not the limits).
"""

from __future__ import annotations

import hmac
import json
import math
import os
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlencode, urlparse

from econsim.classroom.game import Game, GameSetup
from econsim.classroom.limits import Limit, RateLimiter
from econsim.classroom.store import ClassStore, setting_key

#: Largest request body accepted (bytes).
MAX_BODY = 64_000
#: Most game settings one class's board takes submissions and tries for (each new setting costs
#: an optimum on the lecturer's page; the console caches 8).
MAX_SETTINGS = 6


@dataclass(frozen=True)
class BoardLimits:
    """What one client may ask of the board.

    ``per_client``: every request from one address (a class behind one NAT address included);
    ``per_student``: posts naming one student or page from one address; ``request_timeout``:
    seconds to send a request (headers and body) before the board answers 408 and closes; a
    ``Content-Length`` larger than the body sent is such a request. ``max_settings``: distinct
    game settings accepted per class (the lecturer's current one always is).
    """

    per_client: Limit = field(default_factory=lambda: Limit(capacity=300, rate=30))
    per_student: Limit = field(default_factory=lambda: Limit(capacity=20, rate=1))
    request_timeout: float = 10.0
    max_settings: int = MAX_SETTINGS


class _Refused(Exception):
    """A request refused with an HTTP status and a one-line reason."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.headers = status, reason, headers or {}


#: Environment variables through which the served notebook finds the board.
URL_ENV, CODE_ENV = "ECONSIM_CLASSROOM_URL", "ECONSIM_CLASSROOM_CODE"


@lru_cache(maxsize=8)
def _game(setup_json: str) -> Game:
    return Game(GameSetup(**json.loads(setup_json)))


def check_attempt(store: ClassStore, class_code: str, payload: dict) -> tuple[int, dict]:
    """Check and log one exercise try (see ``POST /api/attempt``): (HTTP status, JSON body)."""
    from econsim.classroom.exercises import EXERCISES, MAX_ATTEMPTS, check

    student = str(payload.get("student", "")).strip()
    exercise = str(payload.get("exercise", ""))
    EXERCISES.get(exercise)  # unknown names: ValueError listing the valid ones
    if not isinstance(payload.get("setup"), dict):
        raise ValueError("setup must be a JSON object of game settings")
    setup = GameSetup(**payload["setup"])
    if not student:
        raise ValueError("student must be a non-empty name (enter your name first)")
    used, solved = store.attempts_used(class_code, student, exercise)
    if solved:
        return 409, {"error": "already solved", "attempts_left": MAX_ATTEMPTS - used}
    if used >= MAX_ATTEMPTS:
        return 429, {"error": f"no tries left ({MAX_ATTEMPTS} per exercise)",
                     "attempts_left": 0}
    result = check(exercise, payload.get("answer"), _game(json.dumps(setup.to_dict(),
                                                                     sort_keys=True)), used)
    store.log_attempt(class_code, student, exercise, float(payload["answer"]), result.correct)
    return 200, {"correct": result.correct, "message": result.message,
                 "attempts_left": result.attempts_left}


def make_handler(store: ClassStore, class_code: str, teacher_key: str,
                 default_setup: GameSetup | None = None,
                 limits: BoardLimits | None = None) -> type:
    """The request handler class bound to one store, its codes, the default game and the
    limits (:class:`BoardLimits`)."""
    from econsim.classroom.console import setup_from_form, teacher_page

    limits = limits or BoardLimits()
    per_client, per_student = RateLimiter(limits.per_client), RateLimiter(limits.per_student)

    def current_setup() -> GameSetup:
        return store.session_setup(class_code) or default_setup or GameSetup()

    def check_setting(payload: dict) -> None:
        """Refuse a game setting beyond the class's :attr:`BoardLimits.max_settings`."""
        if not isinstance(payload.get("setup"), dict):
            return  # the endpoint's own validation says what is wrong
        key = setting_key(GameSetup(**payload["setup"]))
        if key == setting_key(current_setup()):
            return
        known = store.settings(class_code) | {setting_key(current_setup())}
        if key not in known and len(known) >= limits.max_settings:
            raise _Refused(409, f"this class already plays {len(known)} game settings (at "
                           f"most {limits.max_settings}); reload the page to get the "
                           "lecturer's game")

    class Handler(BaseHTTPRequestHandler):
        server_version = "econsim-classroom"
        timeout = limits.request_timeout  # a client that stops sending is cut off

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # quiet: the console shows the URLs, not every request

        def _send(self, status: int, body: str | bytes, ctype: str = "application/json",
                  headers: dict[str, str] | None = None) -> None:
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", f"{ctype}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _refuse(self, err: _Refused) -> None:
            if err.status in (408, 413):
                self.close_connection = True  # what is left of the body is not read
            try:
                self._send(err.status, json.dumps({"error": err.reason}), headers=err.headers)
            except OSError:
                self.close_connection = True  # the client is gone

        def _rate(self, limiter: RateLimiter, key: object, who: str) -> None:
            wait = limiter.take(key)
            if wait > 0:
                raise _Refused(429, f"too many requests from {who}; try again in "
                               f"{math.ceil(wait)} s", {"Retry-After": str(math.ceil(wait))})

        def _guarded(self, serve: Callable[[], None]) -> None:
            """Serve one request; a refusal is its status and reason, anything unexpected a
            500 with one line (never a dropped connection and a traceback in the log)."""
            try:
                if urlparse(self.path).path != "/health":
                    self._rate(per_client, self.client_address[0], "this address")
                serve()
            except _Refused as err:
                self._refuse(err)
            except Exception as err:  # noqa: BLE001 - one line to the client, no traceback
                self._refuse(_Refused(500, f"the board failed on this request "
                                      f"({type(err).__name__}); tell the lecturer"))

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._guarded(self._get)

        def do_POST(self) -> None:  # noqa: N802
            self._guarded(self._post)

        def _read_body(self, *, allow_empty: bool) -> bytes:
            """The request body: a ``Content-Length`` that is a whole number up to
            :data:`MAX_BODY`, and that many bytes within the request timeout."""
            raw = (self.headers.get("Content-Length") or "0").strip()
            if not raw.isdigit():
                raise _Refused(400, "Content-Length must be a whole number of bytes")
            length = int(raw)
            if length > MAX_BODY:
                raise _Refused(413, f"body must be at most {MAX_BODY} bytes; got {length}")
            if length == 0 and not allow_empty:
                raise _Refused(400, f"body must be 1..{MAX_BODY} bytes of JSON")
            try:
                data = self.rfile.read(length)
            except TimeoutError:
                raise _Refused(408, f"the body did not arrive within "
                               f"{limits.request_timeout:g} s") from None
            if len(data) < length:
                raise _Refused(400, f"body ended after {len(data)} of {length} bytes")
            return data

        def _teacher(self, query: dict) -> bool:
            given = query.get("key", [""])[0]
            if hmac.compare_digest(given, teacher_key):
                return True
            self._send(403, json.dumps({"error": "wrong or missing teacher key (?key=...)"}))
            return False

        def _redirect(self, location: str) -> None:
            self.send_response(303)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _get(self) -> None:
            url = urlparse(self.path)
            query = parse_qs(url.query)
            teacher_pages = ("/api/ranking", "/teacher", "/export.csv", "/export_exercises.csv")
            if url.path == "/health":
                self._send(200, "ok", "text/plain")
            elif url.path == "/api/setup":
                if hmac.compare_digest(query.get("code", [""])[0], class_code):
                    self._send(200, json.dumps(current_setup().to_dict()))
                else:
                    self._send(403, json.dumps({"error": "wrong class code (?code=...)"}))
            elif url.path in teacher_pages and not self._teacher(query):
                return
            elif url.path == "/api/ranking":
                rank = store.ranking(class_code).drop(columns=["rates"])
                self._send(200, rank.to_json(orient="records"))
            elif url.path == "/teacher":
                self._send(200, teacher_page(store, class_code, teacher_key, current_setup()),
                           "text/html")
            elif url.path == "/export.csv":
                self._send(200, store.export_csv(class_code), "text/csv")
            elif url.path == "/export_exercises.csv":
                self._send(200, store.exercise_csv(class_code), "text/csv")
            else:
                self._send(404, json.dumps({"error": f"no page {url.path}; pages: /teacher, "
                                            "/export.csv, /export_exercises.csv, /api/ranking,"
                                            " /api/setup, /api/submit, /api/attempt"}))

        def _teacher_action(self, path: str) -> None:
            """A console form (``application/x-www-form-urlencoded`` with the teacher key)."""
            form = parse_qs(self._read_body(allow_empty=True).decode(errors="replace"))
            if not self._teacher(form):
                return
            try:
                if path == "/teacher/reset":
                    store.reset(class_code)
                elif path == "/teacher/delete":
                    store.delete(class_code, int(form.get("id", ["-1"])[0]))
                else:
                    store.set_session_setup(class_code, setup_from_form(current_setup(), form))
            except (ValueError, TypeError) as err:
                self._send(400, json.dumps({"error": str(err).splitlines()[0]}))
                return
            self._redirect(f"/teacher?key={quote(teacher_key)}")

        def _body(self) -> dict | None:
            """The JSON body with a matching class code (``None``: an error was sent)."""
            data = self._read_body(allow_empty=False)
            try:
                payload = json.loads(data)
            except ValueError:
                self._send(400, json.dumps({"error": "body must be JSON"}))
                return None
            except RecursionError:  # e.g. [[[[…]]]] 30,000 deep
                self._send(400, json.dumps({"error": "body nests too deeply to be a "
                                                     "submission"}))
                return None
            if not isinstance(payload, dict):
                self._send(400, json.dumps({"error": "body must be a JSON object"}))
                return None
            code = str(payload.pop("class_code", ""))
            if not hmac.compare_digest(code, class_code):
                self._send(403, json.dumps({"error": "wrong class code"}))
                return None
            return payload

        def _post(self) -> None:
            path = urlparse(self.path).path
            if path in ("/teacher/reset", "/teacher/delete", "/teacher/setup"):
                self._teacher_action(path)
                return
            if path not in ("/api/submit", "/api/attempt", "/api/progress"):
                self._send(404, json.dumps({"error": "POST only to /api/submit, /api/attempt, "
                                            "/api/progress, /teacher/{reset,delete,setup}"}))
                return
            payload = self._body()
            if payload is None:
                return
            name = payload.get("student") or payload.get("player")
            if isinstance(name, str):
                self._rate(per_student, (self.client_address[0], name.strip()[:200]),
                           "this student")
            try:
                if path != "/api/progress":
                    check_setting(payload)
                if path == "/api/submit":
                    status, answer = 201, {"id": store.submit(payload, class_code)}
                elif path == "/api/progress":
                    store.see_player(class_code, payload.get("player", ""),
                                     payload.get("student", ""), payload.get("rounds", 0))
                    status, answer = 200, {"ok": True}
                else:
                    status, answer = check_attempt(store, class_code, payload)
            except (ValueError, TypeError) as err:
                self._send(400, json.dumps({"error": str(err).splitlines()[0]}))
                return
            self._send(status, json.dumps(answer))

    return Handler


class _Server(ThreadingHTTPServer):
    # the default listen backlog (5) resets connections when a class submits at once
    request_queue_size = 256
    daemon_threads = True


class BoardServer:
    """The class board on ``host:port`` (port 0 picks a free one), served from a thread."""

    def __init__(self, store: ClassStore, class_code: str, teacher_key: str,
                 host: str = "127.0.0.1", port: int = 0, setup: GameSetup | None = None,
                 limits: BoardLimits | None = None) -> None:
        self.httpd = _Server((host, port), make_handler(store, class_code, teacher_key, setup,
                                                        limits))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def start(self) -> BoardServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


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
