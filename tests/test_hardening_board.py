"""The class board trusts no client (issue 25), over loopback HTTP: malformed or endless
requests are refused or cut off by tornado's HTTP layer instead of crashing or holding the
board, bodies are checked field by field, one client cannot flood the board, names cannot
carry control characters, a class cannot be made to compute optima for any number of game
settings, and the CSV exports cannot run formulas in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import socket
import time
import urllib.error
import urllib.request

import pytest

from econsim.classroom.game import GameSetup
from econsim.classroom.limits import Limit, RateLimiter
from econsim.classroom.server import (
    MAX_BODY,
    MAX_SETTINGS,
    BoardLimits,
    BoardServer,
    submit_over_http,
)
from econsim.classroom.store import ClassStore, csv_safe

CODE, KEY = "blue-fox", "teacher-key"
SETUP = GameSetup(n_agents=100)


@pytest.fixture
def board(tmp_path):
    store = ClassStore(tmp_path / "class.sqlite")
    server = BoardServer(store, CODE, KEY, setup=SETUP,
                         limits=BoardLimits(request_timeout=0.5)).start()
    yield f"http://127.0.0.1:{server.port}", server.port, store
    server.stop()


def _raw(port: int, request: bytes, wait: float = 5.0) -> tuple[int, dict]:
    """Send raw bytes; the status and JSON body of the reply (the connection must not just
    close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head, "the board closed the connection without a reply"
    return int(head.split()[1]), json.loads(body or b"{}")


def _post(port: int, body: bytes, length: str | None = None) -> tuple[int, dict]:
    length = str(len(body)) if length is None else length
    return _raw(port, b"POST /api/submit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                b"\r\nConnection: close\r\nContent-Length: " + length.encode() + b"\r\n\r\n"
                + body)


def _submission(student: object, setup: GameSetup = SETUP) -> dict:
    return {"student": student, "setup": setup.to_dict(), "rates": [[0.1, 0.2, 0.3]]}


def test_malformed_lengths_and_deep_json_are_answered(board):
    _, port, store = board
    # tornado's HTTP layer refuses these before reading a byte of body: a bare 400 (its reply)
    for length in ("abc", "-5", str(10**9), str(MAX_BODY + 1)):
        assert _post(port, b"{}", length) == (400, {})
    assert _post(port, b" " * (MAX_BODY + 1)) == (400, {})
    assert _post(port, b" " * MAX_BODY) == (400, {"error": "body must be JSON"})  # read whole
    deep = b"[" * 30_000 + b"]" * 30_000
    status, answer = _post(port, deep)
    assert status == 400 and "nests too deeply" in answer["error"]
    assert store.ranking().empty


def test_a_request_that_stops_arriving_does_not_hold_the_board(board):
    """A body shorter than its Content-Length, or headers that never end: the board serves
    others meanwhile and closes that connection after the request timeout (0.5 s here)."""
    url, port, _ = board
    for stalled in (b"POST /api/submit HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n"
                    b"{\"student\": ", b"POST /api/submit HTTP/1.1\r\nHost: x\r\n"):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            t0 = time.perf_counter()
            sock.sendall(stalled)  # and then nothing more
            with urllib.request.urlopen(f"{url}/health", timeout=5) as resp:
                assert resp.read() == b"ok"
            assert sock.recv(65536) == b""  # closed, by tornado's body / header timeout
            assert time.perf_counter() - t0 < 4


def test_names_with_control_characters_or_of_another_type_are_refused(board):
    url, _, store = board
    for name, reason in (("eve\r\nmallory,1", "control characters"),
                         ("a\x00b", "control characters"), (42, "must be a string; got int"),
                         (["eve"], "must be a string; got list")):
        with pytest.raises(ValueError, match=f"400.*{reason}"):
            submit_over_http(url, CODE, _submission(name))
    with pytest.raises(ValueError, match="400.*player must be a string"):
        submit_over_http(url, CODE, {"player": {"x": 1}, "student": "eve", "rounds": 1},
                         endpoint="/api/progress")
    assert store.ranking().empty


def test_one_client_cannot_flood_the_board(tmp_path):
    """300 requests at once from one address (the default burst: a class of 60 behind one NAT
    address posts about 180 at the start of a game), 20 posts at once naming one student; the
    refill is set near zero here so the count does not depend on the machine's speed."""
    store = ClassStore(tmp_path / "class.sqlite")
    limits = BoardLimits(per_client=Limit(capacity=300, rate=0.01))
    server = BoardServer(store, CODE, KEY, setup=SETUP, limits=limits).start()
    try:
        _flood(f"http://127.0.0.1:{server.port}", store)
    finally:
        server.stop()


def _flood(url: str, store: ClassStore) -> None:
    codes = []
    for _ in range(25):  # one student's page posting in a loop
        try:
            submit_over_http(url, CODE, {"player": "p1", "student": "eve", "rounds": 1},
                             endpoint="/api/progress")
            codes.append(200)
        except ValueError as err:
            codes.append(int(str(err).split("(")[1][:3]))
    assert codes[:20] == [200] * 20 and set(codes[20:]) == {429}
    refused, retry_after = 0, None
    for i in range(330):  # a script: many names, one address
        req = urllib.request.Request(f"{url}/api/setup?code={CODE}&n={i}")
        try:
            urllib.request.urlopen(req, timeout=5).close()
        except urllib.error.HTTPError as err:
            assert err.code == 429
            refused += 1
            retry_after = err.headers["Retry-After"]
    assert refused in (330 + 25 - 300 - 1, 330 + 25 - 300) and int(retry_after) >= 60
    assert len(store.players(CODE)) == 1


def test_rate_limiter_refills_and_forgets_old_clients():
    now = [0.0]
    limiter = RateLimiter(Limit(capacity=2, rate=0.5), max_keys=2, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 2.0]  # a token every 2 s
    now[0] = 2.0
    assert limiter.take("a") == 0.0 and limiter.take("a") == pytest.approx(2.0)
    limiter.take("b"), limiter.take("c")  # "a" is the least recently used of three: dropped
    assert "a" not in limiter._buckets and len(limiter._buckets) == 2


def test_a_class_plays_a_bounded_number_of_game_settings(board):
    url, _, store = board
    refused = 0
    for i in range(12):  # distinct settings: each would cost an optimum on /teacher
        try:
            submit_over_http(url, CODE, _submission(f"s{i}", GameSetup(n_agents=10 + i)))
        except ValueError as err:
            assert "409" in str(err) and f"at most {MAX_SETTINGS}" in str(err)
            refused += 1
    assert refused == 12 - (MAX_SETTINGS - 1)  # the lecturer's game holds one of the places
    submit_over_http(url, CODE, _submission("late", SETUP))  # the class's own game: always
    assert len(store.settings(CODE)) == MAX_SETTINGS


def test_csv_exports_do_not_run_formulas(board):
    url, _, store = board
    names = ['=HYPERLINK("http://evil.example","win")', "+1+1", "-2", "@SUM(A1)", "Ann"]
    for name in names:
        submit_over_http(url, CODE, _submission(name))
        store.log_attempt(CODE, name, "diamond_saez_top_rate", 50.0, False)
    for page in ("export.csv", "export_exercises.csv"):
        with urllib.request.urlopen(f"{url}/{page}?key={KEY}", timeout=10) as resp:
            rows = list(csv.DictReader(io.StringIO(resp.read().decode())))
        exported = sorted(r["student"] for r in rows)
        assert exported == sorted(["'" + n for n in names[:4]] + ["Ann"])
        assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values()
                       if v and not v.lstrip("-").replace(".", "").isdigit())
    import pandas as pd

    frame = pd.DataFrame({"n": [-1.5], "s": ["-x"]})  # numbers stay numbers
    assert csv_safe(frame).to_dict("list") == {"n": [-1.5], "s": ["'-x"]}


def test_the_board_is_tornado_with_its_limits(board):
    """The claim of docs/hardening.md: a tornado application on a tornado HTTP server whose
    connection parameters carry the board's size and time limits."""
    import tornado.web

    url, _, _ = board
    with urllib.request.urlopen(f"{url}/health", timeout=5) as resp:
        assert resp.headers["Server"].startswith("TornadoServer/")
    server = BoardServer(ClassStore(board[2].path), CODE, KEY,
                         limits=BoardLimits(request_timeout=0.5))
    try:
        assert isinstance(server.app, tornado.web.Application)
        params = server.http_server().conn_params
        assert (params.max_body_size, params.body_timeout, params.header_timeout) == (
            MAX_BODY, 0.5, 0.5)
    finally:
        server.stop()
    with pytest.raises(ValueError, match="request_timeout must be > 0"):
        BoardLimits(request_timeout=0)


def test_bodies_are_checked_field_by_field(board):
    """Typed bodies (econsim.classroom.bodies): a refusal names the field that is wrong."""
    url, _, store = board
    cases = [({"student": "eve", "setup": SETUP.to_dict()}, "/api/submit", "rates: Field required"),
             (_submission("eve") | {"rates": [["x", 0.2, 0.3]]}, "/api/submit", "rates.0.0"),
             (_submission("eve") | {"setup": {"brackets": 3, "colour": 1}}, "/api/submit",
              "setup: .*unexpected keyword argument 'colour'"),
             ({"player": "p1", "rounds": 51}, "/api/progress", "rounds: .*less than or equal to 50"),
             ({"player": "p1", "rounds": "2"}, "/api/progress", "rounds: .*valid integer"),
             ({"student": "eve", "setup": SETUP.to_dict(), "exercise": "nope", "answer": 1},
              "/api/attempt", "unknown exercise 'nope'"),
             ({"student": "eve", "setup": SETUP.to_dict(), "exercise": "revenue_max_flat_rate",
               "answer": "NaN"}, "/api/attempt", "answer: .*finite number")]
    for payload, endpoint, reason in cases:
        with pytest.raises(ValueError, match=f"refused \\(400\\): {reason}"):
            submit_over_http(url, CODE, payload, endpoint=endpoint)
    assert store.ranking().empty and store.players(CODE).empty


def test_other_paths_are_json_404s_and_a_failure_is_a_one_line_500(board, monkeypatch):
    url, _, store = board
    for method, path, reason in (("GET", "/nope", "no page /nope"),
                                 ("POST", "/api/nope", "POST only to /api/submit")):
        req = urllib.request.Request(f"{url}{path}", data=b"{}" if method == "POST" else None,
                                     method=method)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=5)
        assert err.value.code == 404 and reason in json.loads(err.value.read())["error"]

    def broken(*_):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(ClassStore, "ranking", broken)
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{url}/api/ranking?key={KEY}", timeout=5)
    assert err.value.code == 500 and json.loads(err.value.read()) == {
        "error": "the board failed on this request (RuntimeError); tell the lecturer"}


def test_a_slow_lecturers_page_does_not_hold_up_the_students(board, monkeypatch):
    """The console and the exports run on the board's thread pool: while one is busy, a
    student's submission is served (it would time out if the event loop waited)."""
    import threading

    url, _, store = board
    submitted = threading.Event()
    original = ClassStore.export_csv

    def slow_export(self, class_code=None):
        assert submitted.wait(10), "the submission was not served while the export ran"
        return original(self, class_code)

    monkeypatch.setattr(ClassStore, "export_csv", slow_export)
    export = {}
    reader = threading.Thread(target=lambda: export.update(
        csv=urllib.request.urlopen(f"{url}/export.csv?key={KEY}", timeout=15).read()))
    reader.start()
    submit_over_http(url, CODE, _submission("ann"), timeout=5)
    submitted.set()
    reader.join()
    assert b"ann" in export["csv"]
