"""Sixty students on the class board at once (HTTP on loopback): every page reports, checks an
exercise and submits a full-size game at the same moment; nothing is lost and the board's
recomputed ranking is right. (The Voilà kernels are not part of this test: see the README.)"""

import json
import threading
import time
import urllib.request

import numpy as np

from econsim.classroom.game import GameSetup, replay_welfare
from econsim.classroom.server import BoardServer, submit_over_http
from econsim.classroom.store import ClassStore

N_STUDENTS = 60


def test_sixty_students_at_once_lose_nothing(tmp_path):
    store = ClassStore(tmp_path / "class.sqlite")
    server = BoardServer(store, "oak-sun-42", "tkey").start()
    url = f"http://127.0.0.1:{server.port}"
    setup = GameSetup()  # the default game: 2,000 workers, 3 rounds
    tops = {f"student {i:02d}": round(0.35 + 0.01 * i, 2) for i in range(N_STUDENTS)}
    barrier = threading.Barrier(N_STUDENTS)
    latency, errors = [], []

    def student(name):
        rates = [[0.3, 0.4, 0.6], [0.3, 0.4, 0.6], [0.3, 0.4, tops[name]]]
        barrier.wait()
        try:
            for payload, endpoint in (
                    ({"player": name, "student": name, "rounds": 3}, "/api/progress"),
                    ({"student": name, "setup": setup.to_dict(), "exercise":
                      "diamond_saez_top_rate", "answer": 50.0}, "/api/attempt"),
                    ({"student": name, "setup": setup.to_dict(), "rates": rates},
                     "/api/submit")):
                start = time.perf_counter()
                submit_over_http(url, "oak-sun-42", payload, endpoint=endpoint)
                latency.append(time.perf_counter() - start)
        except Exception as err:  # pragma: no cover - reported by the assertion
            errors.append(err)

    threads = [threading.Thread(target=student, args=(n,)) for n in tops]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with urllib.request.urlopen(f"{url}/api/ranking?key=tkey", timeout=60) as resp:
            ranking = json.loads(resp.read())
    finally:
        server.stop()
    assert not errors
    assert len(ranking) == N_STUDENTS and len(store.players("oak-sun-42")) == N_STUDENTS
    assert store.exercise_results("oak-sun-42").tries.sum() == N_STUDENTS
    final = {n: replay_welfare(setup, [[0.3, 0.4, 0.6]] * 2 + [[0.3, 0.4, t]])[-1]
             for n, t in tops.items()}
    np.testing.assert_allclose([r["final_welfare"] for r in ranking],
                               sorted(final.values(), reverse=True), rtol=1e-12)
    p50, p95 = np.percentile(latency, [50, 95])
    print(f"{N_STUDENTS} students x 3 requests: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
