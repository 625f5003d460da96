"""The classroom game, its scoreboard, the class store and the exercises."""

import json
import threading

import numpy as np
import pytest

from econsim.baselines.saez import saez_rates
from econsim.baselines.stackelberg import stackelberg
from econsim.baselines.welfare_weights import social_weights
from econsim.classroom.exercises import EXERCISES, Attempts, check
from econsim.classroom.game import SETUP_ENV, Game, GameSetup, replay_welfare
from econsim.classroom.scoreboard import SAEZ_TOL, scoreboard
from econsim.classroom.store import ClassStore
from econsim.economy.outcomes import rational_step
from econsim.economy.tax import TAX_PRESETS, TaxSchedule
from econsim.economy.utility import CALIBRATED_UTILITY


def test_rational_round_is_the_exact_best_response():
    game = Game(GameSetup(n_agents=300, n_rounds=2, objective="utilitarian"))
    r = game.play([0.1, 0.3, 0.5])
    ref = rational_step(game.skill, TaxSchedule.preset(TAX_PRESETS.get("three"), [0.1, 0.3, 0.5]),
                        CALIBRATED_UTILITY)
    np.testing.assert_array_equal(r.outcome.labour, ref.labour)
    assert r.welfare == pytest.approx(ref.utility.mean())  # utilitarian = mean utility
    game.play([0.2, 0.2, 0.2])
    assert game.finished and [h["round"] for h in game.history()] == [1, 2]
    with pytest.raises(ValueError, match="game is over"):
        game.play([0.2, 0.2, 0.2])


def test_surrogate_vec_learners_learn_and_are_reproducible():
    setup = GameSetup(n_agents=400, worker="surrogate_vec", n_rounds=3, steps_per_round=3)
    a, b = Game(setup), Game(setup)
    for g in (a, b):
        for _ in range(3):
            g.play([0.2, 0.3, 0.4])
    np.testing.assert_array_equal(a.rounds[-1].outcome.labour, b.rounds[-1].outcome.labour)
    # under fixed rates the learners' welfare rises towards the rational response (each
    # worker hill-climbs to its best hours on the menu)
    rational = Game(GameSetup(n_agents=400)).play([0.2, 0.3, 0.4])
    welfare = [r.welfare for r in a.rounds]
    assert welfare[0] < welfare[1] < welfare[2] <= rational.welfare + 1e-9
    gaps = [(r.outcome.labour != rational.outcome.labour).mean() for r in a.rounds]
    assert gaps[0] > 0.3 and gaps[2] < 0.05


def test_bad_settings_and_rates_are_named():
    with pytest.raises(ValueError, match="brackets must be one of"):
        GameSetup(brackets=5)
    with pytest.raises(ValueError, match="unknown worker .psychic.; valid names: rational, surrogate_vec"):
        GameSetup(worker="psychic")
    with pytest.raises(ValueError, match="one entry per bracket"):
        Game(GameSetup(n_agents=50)).play([0.1, 0.2])
    with pytest.raises(ValueError, match=r"fractions in \[0, 1\]"):
        Game(GameSetup(n_agents=50)).play([0.1, 0.2, 1.5])


def test_setup_from_env(monkeypatch):
    monkeypatch.setenv(SETUP_ENV, json.dumps({"brackets": 7, "objective": "rawlsian"}))
    s = GameSetup.from_env(n_agents=100)
    assert (s.brackets, s.objective, s.n_agents) == (7, "rawlsian", 100)
    monkeypatch.setenv(SETUP_ENV, json.dumps({"bracket": 7}))
    with pytest.raises(ValueError, match="unknown game settings"):
        GameSetup.from_env()


def test_scoreboard_ranks_the_stackelberg_optimum_first():
    game = Game(GameSetup(n_agents=400, objective="utilitarian"))
    game.play([0.9, 0.9, 0.9])
    board = scoreboard(game)
    t = board.table
    assert list(t["rank"]) == [1, 2, 3, 4, 5]
    assert set(t.contender) == {"you", "US federal 2024", "Saez (e = 0.4)",
                                "Stackelberg optimum", "LLM planner"}
    opt = stackelberg(game.skill, game.cutoffs, CALIBRATED_UTILITY, objective="utilitarian")
    assert t.welfare.iloc[0] == pytest.approx(opt.welfare)
    # utilitarian weights are all 1 (G = 1): Saez with the game's weights is the optimum, 0 %
    assert (board.schedules["Saez (e = 0.4)"].rates == 0).all()
    assert (opt.schedule.rates == 0).all()
    assert set(t.contender.iloc[:2]) == {"Saez (e = 0.4)", "Stackelberg optimum"}
    assert t.welfare.is_monotonic_decreasing
    you = t[t.contender == "you"].iloc[0]
    assert you.rates == [0.9, 0.9, 0.9]
    assert set(board.inverse) == set(t.contender)


def test_the_saez_row_uses_the_games_welfare_weights_and_inverts_back_to_them():
    game = Game(GameSetup(n_agents=400))  # default welfare: atkinson
    game.play([0.3, 0.4, 0.6])
    board = scoreboard(game)
    saez = board.schedules["Saez (e = 0.4)"]
    out = rational_step(game.skill, saez, game.params)
    g = social_weights("atkinson", out.utility, out.pre_tax_income, out.post_tax_income)
    own = saez_rates(game.cutoffs, income=out.pre_tax_income, elasticity=0.4, weights=g,
                     mode="local")
    np.testing.assert_allclose(saez.rates, own, atol=SAEZ_TOL)  # a fixed point of these weights
    default = saez_rates(game.cutoffs, income=out.pre_tax_income, elasticity=0.4, mode="local")
    assert np.abs(default - saez.rates).max() > 0.05  # not Saez's inverse-income default
    inv = board.inverse["Saez (e = 0.4)"]
    group = np.searchsorted(inv.points, out.pre_tax_income, side="left")
    mean_g = [g[group == j].mean() for j in range(inv.weights.size)]
    np.testing.assert_allclose(inv.weights, mean_g, atol=0.02)
    assert inv.rationalisable
    t = board.table.set_index("contender").welfare
    assert t["Saez (e = 0.4)"] > t["US federal 2024"]


def _payload(student, top, rounds=3):
    """A game whose last round taxes the top bracket at ``top``: welfare falls as it rises
    past the optimum, so students rank by ``top`` (the board computes the welfare)."""
    return {"student": student, "setup": GameSetup(n_agents=100).to_dict(),
            "rates": [[0.3, 0.4, 0.6]] * (rounds - 1) + [[0.3, 0.4, top]]}


def test_store_ranks_within_a_setting_and_exports_csv(tmp_path):
    store = ClassStore(tmp_path / "class.sqlite")
    store.submit(_payload("ann", 0.8), "c1")
    store.submit(_payload("bob", 0.6), "c1")
    store.submit(_payload("cid", 0.8), "c1")  # tie with ann: the earlier submission first
    store.submit(_payload("dan", 0.5), "other")
    rank = store.ranking("c1")
    assert list(rank.student) == ["bob", "ann", "cid"] and list(rank["rank"]) == [1, 2, 3]
    bob = replay_welfare(GameSetup(n_agents=100), _payload("bob", 0.6)["rates"])[-1]
    csv = store.export_csv("c1").splitlines()
    assert csv[0].startswith("rank,student,final_welfare")
    assert csv[1].startswith(f"1,bob,{bob!r}"[:12])
    assert len(store.ranking()) == 4
    with pytest.raises(ValueError, match="student"):
        store.submit({**_payload("x", 1.0), "student": " "})
    with pytest.raises(ValueError, match="rates must be one list"):
        store.submit({**_payload("x", 1.0), "rates": [[0.1, 0.2]] * 3})


def test_the_store_recomputes_welfare_and_ignores_a_forged_number(tmp_path):
    store = ClassStore(tmp_path / "class.sqlite")
    forged = {**_payload("mallory", 0.9), "rates": [[0.9, 0.9, 0.9]] * 3,
              "welfare": [99_999_999.0] * 3}
    store.submit(forged, "c")
    store.submit(_payload("honest", 0.6), "c")
    rank = store.ranking("c")
    assert list(rank.student) == ["honest", "mallory"]
    truth = replay_welfare(GameSetup(n_agents=100), forged["rates"])
    assert rank.final_welfare.iloc[1] == pytest.approx(truth[-1]) and truth[-1] < 1e6


def test_store_loses_nothing_under_concurrent_writers(tmp_path):
    path = tmp_path / "class.sqlite"
    ClassStore(path)
    barrier = threading.Barrier(30)
    errors = []

    def submit(i):
        store = ClassStore(path)  # each student its own connection
        barrier.wait()
        try:
            store.submit(_payload(f"s{i:02d}", 0.5 + 0.01 * i), "c")
        except Exception as err:  # pragma: no cover - the assertion reports it
            errors.append(err)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    rank = ClassStore(path).ranking("c")
    final = {f"s{i:02d}": replay_welfare(GameSetup(n_agents=100),
                                         _payload("x", 0.5 + 0.01 * i)["rates"])[-1]
             for i in range(30)}
    assert list(rank.student) == sorted(final, key=lambda n: -final[n])


@pytest.mark.parametrize("name", ["revenue_max_flat_rate", "diamond_saez_top_rate",
                                  "paper_swf_confiscation"])
def test_exercises_say_right_or_wrong_with_a_hint_but_never_the_answer(name):
    game = Game(GameSetup(n_agents=300, utility="calibrated"))
    expected = EXERCISES.get(name).solve(game)
    assert 0 <= expected <= 100
    assert check(name, expected + 0.5, game).correct
    wrong = check(name, expected + 20, game)
    assert not wrong.correct and "too high" in wrong.message and "Hint:" in wrong.message
    assert f"{expected:.1f}" not in wrong.message and f"{expected:g}" not in wrong.message
    assert "too low" in check(name, expected - 20, game).message
    with pytest.raises(ValueError, match="answer must be a number"):
        check(name, "lots", game)


def test_attempts_are_limited():
    game = Game(GameSetup(n_agents=300))
    tries = Attempts()
    messages = [tries.check("revenue_max_flat_rate", 100.0, game).message for _ in range(3)]
    assert "2 tries left" in messages[0] and "no tries left" in messages[2]
    with pytest.raises(ValueError, match="no tries left"):
        tries.check("revenue_max_flat_rate", 50.0, game)


def _argmax_probe(ex, game, grid, key):
    values = [ex.probe.func(game, x)[key] for x in grid]
    return grid[int(np.argmax(values))]


def test_every_exercise_is_solvable_from_what_the_student_sees():
    game = Game(GameSetup(n_agents=300))
    grid = list(range(0, 101))
    ex = EXERCISES.get("revenue_max_flat_rate")
    assert check(ex.name, _argmax_probe(ex, game, grid, "revenue per worker ($)"), game).correct
    ex = EXERCISES.get("paper_swf_confiscation")
    assert check(ex.name, _argmax_probe(ex, game, grid, "Σ u / max(z, 1)"), game).correct
    ex = EXERCISES.get("diamond_saez_top_rate")
    shown = ex.inputs(game)
    m, z_star = shown["mean income above z*, m ($)"], shown["top cutoff z* ($)"]
    a = m / (m - z_star)
    assert check(ex.name, 100 / (1 + a * shown["elasticity e"]), game).correct
    ex = EXERCISES.get("majority_exploitation")
    assert set(ex.inputs(game)) >= {"bracket 1 rate (%)", "bracket 2 rate (%)"}
    best = _argmax_probe(ex, game, list(range(0, 101, 10)), "a low-skill voter's utility ($)")
    assert check(ex.name, best, game).correct
    assert ex.solve(game) >= 50  # the majority taxes the bracket only the high earner reaches
