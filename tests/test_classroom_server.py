"""The class board over HTTP: 30 simultaneous submissions, all stored, ranked correctly."""

import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import numpy as np
import pytest

from econsim.classroom.game import GameSetup, replay_welfare
from econsim.classroom.server import BoardServer, submit_over_http
from econsim.classroom.store import ClassStore
from econsim.cli.main import main


def _payload(student, top):
    return {"student": student, "setup": GameSetup(n_agents=100).to_dict(),
            "rates": [[0.1, 0.2, 0.3], [0.2, 0.3, 0.4], [0.3, 0.4, top]]}


def _final(top):
    return replay_welfare(GameSetup(n_agents=100), _payload("x", top)["rates"])[-1]


@pytest.fixture
def board(tmp_path):
    store = ClassStore(tmp_path / "class.sqlite")
    server = BoardServer(store, "blue-fox", "teacher-key").start()
    yield f"http://127.0.0.1:{server.port}", store
    server.stop()


def _get(url):
    with urllib.request.urlopen(url, timeout=60) as resp:
        return resp.status, resp.read().decode()


def test_thirty_simultaneous_submissions_are_all_stored_and_ranked(board):
    url, store = board
    barrier = threading.Barrier(30)
    answers, errors = {}, []
    tops = {f"student {i:02d}": round(0.4 + 0.02 * ((i * 7) % 30), 2) for i in range(30)}
    welfare = {name: _final(top) for name, top in tops.items()}

    def send(name):
        barrier.wait()  # all 30 requests leave at the same moment
        try:
            answers[name] = submit_over_http(url, "blue-fox", _payload(name, tops[name]))
        except Exception as err:  # pragma: no cover - reported by the assertion
            errors.append(err)

    threads = [threading.Thread(target=send, args=(n,)) for n in welfare]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({a["id"] for a in answers.values()}) == 30
    status, body = _get(f"{url}/api/ranking?key=teacher-key")
    ranking = json.loads(body)
    assert status == 200 and len(ranking) == 30
    expected = sorted(welfare, key=lambda n: -welfare[n])
    assert [r["student"] for r in ranking] == expected
    assert [r["rank"] for r in ranking] == list(range(1, 31))
    np.testing.assert_allclose([r["final_welfare"] for r in ranking],
                               sorted(welfare.values(), reverse=True), rtol=1e-12)
    status, csv = _get(f"{url}/export.csv?key=teacher-key")
    lines = csv.strip().splitlines()
    assert status == 200 and len(lines) == 31 and lines[1].startswith(f"1,{expected[0]},")
    status, page = _get(f"{url}/teacher?key=teacher-key")
    assert status == 200 and expected[0] in page and "data:image/png;base64," in page
    assert "30 submissions" in page


def test_wrong_code_bad_body_and_missing_key_are_refused(board):
    url, store = board
    with pytest.raises(ValueError, match="403.*wrong class code"):
        submit_over_http(url, "red-fox", _payload("eve", 1.0))
    with pytest.raises(ValueError, match="400.*student"):
        submit_over_http(url, "blue-fox", {**_payload("eve", 1.0), "student": ""})
    with pytest.raises(ValueError, match="400.*brackets"):
        bad = _payload("eve", 1.0)
        bad["setup"]["brackets"] = 4
        submit_over_http(url, "blue-fox", bad)
    for page in ("teacher", "export.csv", "api/ranking"):
        with pytest.raises(urllib.error.HTTPError) as err:
            _get(f"{url}/{page}?key=wrong")
        assert err.value.code == 403
    assert store.ranking().empty
    assert _get(f"{url}/health") == (200, "ok")


def test_forged_welfare_on_api_submit_is_ignored(board):
    url, store = board
    forged = {**_payload("mallory", 0.9), "rates": [[0.9, 0.9, 0.9]] * 3,
              "welfare": [99_999_999.0] * 3}
    submit_over_http(url, "blue-fox", forged)
    submit_over_http(url, "blue-fox", _payload("honest", 0.5))
    ranking = json.loads(_get(f"{url}/api/ranking?key=teacher-key")[1])
    assert [r["student"] for r in ranking] == ["honest", "mallory"]
    truth = replay_welfare(GameSetup(n_agents=100), forged["rates"])[-1]
    assert ranking[1]["final_welfare"] == pytest.approx(truth) and truth < 1e6


def test_cli_refuses_a_network_host_without_a_class_code(capsys):
    with pytest.raises(SystemExit):
        main(["classroom", "--host", "0.0.0.0", "--class-code", ""])
    assert "--class-code must not be empty" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["classroom", "--brackets", "5"])
    assert "brackets must be one of [3, 7]" in capsys.readouterr().err


def test_exercise_tries_are_checked_limited_logged_and_shown_to_the_teacher(board):
    from econsim.classroom.exercises import EXERCISES
    from econsim.classroom.game import Game

    url, store = board
    setup = GameSetup(n_agents=100)
    answer = EXERCISES.get("revenue_max_flat_rate").solve(Game(setup))

    def attempt(student, value):
        return submit_over_http(url, "blue-fox", {"student": student, "setup": setup.to_dict(),
                                                  "exercise": "revenue_max_flat_rate",
                                                  "answer": value}, endpoint="/api/attempt")

    first = attempt("ann", answer + 30)
    assert not first["correct"] and first["attempts_left"] == 2
    assert f"{answer:g}" not in first["message"] and "too high" in first["message"]
    assert attempt("ann", answer)["correct"]
    with pytest.raises(ValueError, match="409.*already solved"):
        attempt("ann", answer)
    for _ in range(3):
        attempt("bob", answer - 40)
    with pytest.raises(ValueError, match="429.*no tries left"):
        attempt("bob", answer)
    with pytest.raises(ValueError, match="403"):
        submit_over_http(url, "red-fox", {"student": "eve"}, endpoint="/api/attempt")
    results = store.exercise_results("blue-fox").set_index("student")
    assert results.loc["ann", "tries"] == 2 and results.loc["ann", "solved"] == 1
    assert results.loc["bob", "tries"] == 3 and results.loc["bob", "solved"] == 0
    page = _get(f"{url}/teacher?key=teacher-key")[1]
    assert "right (2)" in page and "not yet (3)" in page and "50% right" in page
    csv = _get(f"{url}/export_exercises.csv?key=teacher-key")[1].splitlines()
    assert csv[0] == "student,exercise,tries,solved,last_answer" and len(csv) == 3


def _post_form(url, fields):
    req = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(),
                                 method="POST")
    with urllib.request.urlopen(req, timeout=60) as resp:  # follows the 303 to the console
        return resp.status, resp.read().decode()


def test_the_lecturers_console_resets_deletes_changes_the_game_and_lists_players(board):
    url, store = board
    ids = [submit_over_http(url, "blue-fox", _payload(n, 0.6))["id"] for n in ("ann", "bob")]
    submit_over_http(url, "blue-fox", {"player": "p1", "student": "ann", "rounds": 2},
                     endpoint="/api/progress")
    submit_over_http(url, "blue-fox", {"player": "p2", "student": "", "rounds": 0},
                     endpoint="/api/progress")
    page = _get(f"{url}/teacher?key=teacher-key")[1]
    assert "2 playing now" in page and "(no name yet)" in page and "blue-fox" in page
    # every action needs the teacher key
    for action in ("reset", "delete", "setup"):
        with pytest.raises(urllib.error.HTTPError) as err:
            _post_form(f"{url}/teacher/{action}", {"key": "wrong", "id": ids[0]})
        assert err.value.code == 403
    assert len(store.ranking("blue-fox")) == 2
    status, page = _post_form(f"{url}/teacher/delete", {"key": "teacher-key", "id": ids[0]})
    assert status == 200 and list(store.ranking("blue-fox").student) == ["bob"]
    # the game chosen on the console is what student pages load
    _post_form(f"{url}/teacher/setup", {"key": "teacher-key", "objective": "rawlsian",
                                        "brackets": "7", "n_rounds": "4"})
    chosen = json.loads(_get(f"{url}/api/setup?code=blue-fox")[1])
    assert (chosen["objective"], chosen["brackets"], chosen["n_rounds"]) == ("rawlsian", 7, 4)
    with pytest.raises(urllib.error.HTTPError) as err:
        _get(f"{url}/api/setup?code=red-fox")
    assert err.value.code == 403
    with pytest.raises(urllib.error.HTTPError) as err:
        _post_form(f"{url}/teacher/setup", {"key": "teacher-key", "brackets": "5"})
    assert err.value.code == 400
    _post_form(f"{url}/teacher/reset", {"key": "teacher-key"})
    assert store.ranking("blue-fox").empty and store.players("blue-fox").empty
    assert store.session_setup("blue-fox").objective == "rawlsian"  # the game stays chosen


def test_classroom_works_from_any_folder_with_a_generated_code(tmp_path, monkeypatch):
    import re
    from pathlib import Path

    from econsim.cli.classroom import DEFAULT_NOTEBOOK, generated_code
    from econsim.compendium.paths import project_path

    monkeypatch.chdir(tmp_path)
    notebook = project_path(DEFAULT_NOTEBOOK)
    assert notebook.is_file() and Path(DEFAULT_NOTEBOOK).is_absolute()
    assert notebook.parent.name == "classroom"  # shipped in the package (package data)
    codes = {generated_code() for _ in range(20)}
    assert len(codes) > 1 and all(re.fullmatch(r"[a-z]+-[a-z]+-\d\d", c) for c in codes)


def test_a_student_page_plays_the_lecturers_game_and_shows_up_as_a_player(board, monkeypatch):
    from econsim.classroom.app import classroom_game_app
    from econsim.classroom.server import CODE_ENV, URL_ENV

    url, store = board
    store.set_session_setup("blue-fox", GameSetup(n_agents=150, objective="rawlsian",
                                                  n_rounds=2))
    monkeypatch.setenv(URL_ENV, url)
    monkeypatch.setenv(CODE_ENV, "blue-fox")
    app = classroom_game_app()
    assert app.game.setup.objective == "rawlsian" and app.game.setup.n_agents == 150
    app.name.value = "Ada"
    app.play_button.click()
    players = store.players("blue-fox")
    assert list(players.student) == ["Ada"] and list(players.rounds) == [1]
    store.set_session_setup("blue-fox", GameSetup(n_agents=150, objective="atkinson"))
    app.new_button.click()
    assert "reload the page" in app.status.value and app.game.rounds  # the game is kept
