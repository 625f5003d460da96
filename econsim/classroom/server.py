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
``GET /api/ranking?key=…``
    The ranking as JSON.
``GET /teacher?key=…``
    The teacher's page: ranking per setting, the class's schedules over the optimum, CSV link.
``GET /export.csv?key=…``
    The ranking as CSV.
``GET /health``
    ``ok``.

A :class:`~http.server.ThreadingHTTPServer` handles each request on its own thread; the store
(SQLite, WAL) serialises the writes, so simultaneous submissions are all kept.
"""

from __future__ import annotations

import base64
import hmac
import html
import json
import os
import threading
import urllib.request
from collections.abc import Callable
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from econsim.classroom.game import Game, GameSetup
from econsim.classroom.store import ClassStore

#: Largest request body accepted (bytes).
MAX_BODY = 64_000
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


def exercise_table(store: ClassStore, class_code: str) -> str:
    """HTML table: one row per student, one column per exercise (solved? in how many tries)."""
    results = store.exercise_results(class_code)
    if results.empty:
        return "<p>No exercise tries yet.</p>"
    names = sorted(results.exercise.unique())
    cells = {(r.student, r.exercise): ("right" if r.solved else "not yet") + f" ({r.tries})"
             for r in results.itertuples()}
    head = "".join(f"<th>{html.escape(n.replace('_', ' '))}</th>" for n in names)
    rows = "".join("<tr><td>" + html.escape(st) + "</td>" + "".join(
        f"<td>{cells.get((st, n), '')}</td>" for n in names) + "</tr>"
        for st in sorted(results.student.unique()))
    solved = results.groupby("exercise").solved.mean()
    foot = "".join(f"<td>{solved.get(n, 0):.0%} right</td>" for n in names)
    return ("<table class='exercises' border='1' cellpadding='4'><tr><th>student</th>" + head
            + "</tr>" + rows + "<tr><td><i>class</i></td>" + foot + "</tr></table>"
            "<p>Cells: right / not yet, and the number of tries.</p>")


@lru_cache(maxsize=8)
def _optimum(setup_json: str):  # noqa: ANN202 - TaxSchedule
    from econsim.baselines.stackelberg import stackelberg

    game = Game(GameSetup(**json.loads(setup_json)))
    return stackelberg(game.skill, game.cutoffs, game.setup.utility,
                       objective=game.setup.welfare, seed=game.setup.seed).schedule


def teacher_page(store: ClassStore, class_code: str, key: str) -> str:
    """The teacher's HTML page (one section per setting)."""
    from econsim.figures.classroom_game import class_board_figure, png_bytes

    ranking = store.ranking(class_code)
    parts = [f"<h1>Class board · {html.escape(class_code or 'local')}</h1>",
             f"<p>{len(ranking)} submissions · <a id='csv' href='/export.csv?key="
             f"{html.escape(key)}'>export CSV</a></p>"]
    subs = store.submissions(class_code).set_index("id")
    for setting, group in ranking.groupby("setting", sort=False):
        setup = subs.loc[int(group.id.iloc[0]), "setup"]
        optimum = _optimum(json.dumps(setup, sort_keys=True))
        png = png_bytes(class_board_figure(group, optimum, setting), dpi=80)
        rows = "".join(
            f"<tr><td>{r['rank']}</td><td>{html.escape(r.student)}</td>"
            f"<td>{r.final_welfare:,.6g}</td><td>{html.escape(r.final_rates)}</td>"
            f"<td>{r.n_rounds}</td></tr>" for _, r in group.iterrows())
        parts.append(
            f"<h2>{html.escape(setting)}</h2><table class='ranking' border='1' cellpadding='4'>"
            "<tr><th>rank</th><th>student</th><th>welfare (last round)</th>"
            "<th>final rates (%)</th><th>rounds</th></tr>" + rows + "</table>"
            f"<p><img alt='class schedules over the optimum' "
            f"src='data:image/png;base64,{base64.b64encode(png).decode()}'></p>")
    parts.append("<h2>Exercises</h2>" + exercise_table(store, class_code))
    return ("<!doctype html><html><head><meta charset='utf-8'><title>econsim class board"
            "</title><meta http-equiv='refresh' content='30'></head><body style='font-family:"
            "sans-serif'>" + "".join(parts) + "</body></html>")


def make_handler(store: ClassStore, class_code: str, teacher_key: str) -> type:
    """The request handler class bound to one store and its codes."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "econsim-classroom"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # quiet: the console shows the URLs, not every request

        def _send(self, status: int, body: str | bytes, ctype: str = "application/json"
                  ) -> None:
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", f"{ctype}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _teacher(self, query: dict) -> bool:
            given = query.get("key", [""])[0]
            if hmac.compare_digest(given, teacher_key):
                return True
            self._send(403, json.dumps({"error": "wrong or missing teacher key (?key=...)"}))
            return False

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            url = urlparse(self.path)
            query = parse_qs(url.query)
            if url.path == "/health":
                self._send(200, "ok", "text/plain")
            elif url.path == "/api/ranking" and self._teacher(query):
                rank = store.ranking(class_code).drop(columns=["rates"])
                self._send(200, rank.to_json(orient="records"))
            elif url.path == "/teacher" and self._teacher(query):
                self._send(200, teacher_page(store, class_code, teacher_key), "text/html")
            elif url.path == "/export.csv" and self._teacher(query):
                self._send(200, store.export_csv(class_code), "text/csv")
            elif url.path not in ("/api/ranking", "/teacher", "/export.csv"):
                self._send(404, json.dumps({"error": f"no page {url.path}; pages: /teacher, "
                                            "/export.csv, /api/ranking, /api/submit"}))

        def _body(self) -> dict | None:
            """The JSON body with a matching class code (``None``: an error was sent)."""
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 < length <= MAX_BODY:
                self._send(400, json.dumps({"error": f"body must be 1..{MAX_BODY} bytes"}))
                return None
            try:
                payload = json.loads(self.rfile.read(length))
            except ValueError:
                self._send(400, json.dumps({"error": "body must be JSON"}))
                return None
            if not isinstance(payload, dict):
                self._send(400, json.dumps({"error": "body must be a JSON object"}))
                return None
            code = str(payload.pop("class_code", ""))
            if not hmac.compare_digest(code, class_code):
                self._send(403, json.dumps({"error": "wrong class code"}))
                return None
            return payload

        def do_POST(self) -> None:  # noqa: N802
            path = urlparse(self.path).path
            if path not in ("/api/submit", "/api/attempt"):
                self._send(404, json.dumps({"error": "POST only to /api/submit, /api/attempt"}))
                return
            payload = self._body()
            if payload is None:
                return
            try:
                if path == "/api/submit":
                    status, answer = 201, {"id": store.submit(payload, class_code)}
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
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.httpd = _Server((host, port), make_handler(store, class_code, teacher_key))
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


def checker_from_env() -> Callable[[dict], dict] | None:
    """How the served notebook checks exercise tries in class mode (on the board, which counts
    and logs them); ``None`` outside class mode (the app checks locally)."""
    url = os.environ.get(URL_ENV)
    if not url:
        return None
    code = os.environ.get(CODE_ENV, "")
    return lambda payload: submit_over_http(url, code, payload, endpoint="/api/attempt")
