"""The classroom game's rounds are tax years of the one game loop: the same numbers as the
vectorised holder of ``econsim run`` and as the game's own loop gave before it was replaced."""

from __future__ import annotations

import numpy as np
import pytest

from econsim.classroom.game import GAME_WORKERS, Game, GameSetup, replay_welfare
from econsim.simulation.vectorized import VectorSimulation

RATES_3 = [[0.3, 0.4, 0.6], [0.1, 0.5, 0.9], [0.0, 0.2, 0.45]]
RATES_7 = [[0.1, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37], [0.5] * 7]
FIELDS = ("labour", "pre_tax_income", "tax", "post_tax_income", "utility")


@pytest.mark.parametrize("worker", GAME_WORKERS)
def test_rounds_equal_the_vectorized_holders_tax_years(worker):
    """Each round's outcome and welfare equal, bit for bit, the last step of the same tax year
    of the vectorised holder (``VectorSimulation``) run on the game's configuration and
    population with the student's rates handed to its planner."""
    setup = GameSetup(n_agents=60, seed=3, worker=worker, n_rounds=3, steps_per_round=4)
    game = Game(setup)
    sim = VectorSimulation(setup.loop_config())
    sim.use_skills(game.skill)
    for rates in RATES_3:
        played = game.play(rates)
        sim.planner.hand_in(rates)
        sim.advance_year()
        for f in FIELDS:
            assert np.array_equal(getattr(played.outcome, f),
                                  getattr(sim.state.last_outcome, f)), (worker, f)
        assert played.outcome.rebate == sim.state.last_outcome.rebate
    steps = sim.run().steps  # every step is played: the run only finishes
    K = setup.loop_config().K  # a learner's tax year is steps_per_round steps, a best response
    assert K == (1 if worker == "rational" else 4)  # is the same every step: one
    last = steps.set_index("step").loc[[K - 1, 2 * K - 1, 3 * K - 1]]
    assert last["objective"].tolist() == [r.welfare for r in game.rounds]
    assert last[["rate_0", "rate_1", "rate_2"]].to_numpy().tolist() == RATES_3


@pytest.mark.parametrize(("setup", "rates", "expected"), [
    (dict(n_agents=60, seed=3, worker="rational", n_rounds=3), RATES_3,
     [45296.63305155859, 39835.928218085304, 39176.38736383168]),
    (dict(n_agents=60, seed=3, worker="surrogate_vec", n_rounds=3, steps_per_round=4), RATES_3,
     [44748.640360950696, 41764.33684896516, 39818.15803981598]),
    (dict(n_agents=80, seed=11, brackets=7, worker="surrogate_vec", n_rounds=2,
          steps_per_round=3, utility="paper", objective="utilitarian"), RATES_7,
     [62144.61911184467, 82852.2683642456]),
    (dict(n_agents=80, seed=11, brackets=7, worker="rational", n_rounds=2,
          objective="rawlsian"), RATES_7, [15651.01966744141, 31351.819407443003]),
])
def test_replayed_welfare_equals_what_the_board_stored(setup, rates, expected):
    """Welfare of games recorded with the classroom's own round loop (before the game loop
    played its rounds): the class board replays stored games and must find the same values
    (equal bit for bit on the machine that recorded them; 1e-12 allows another CPU's libm)."""
    assert replay_welfare(GameSetup(**setup), rates) == pytest.approx(expected, rel=1e-12,
                                                                      abs=0)


def test_the_game_offers_the_engines_array_workers_that_answer_the_rates():
    assert GAME_WORKERS == ("rational", "surrogate_vec")
    with pytest.raises(ValueError, match="unknown worker 'fixed'; valid names: rational, "
                                         "surrogate_vec"):
        GameSetup(worker="fixed")


def test_the_student_planner_plays_the_rates_handed_in():
    """Planner ``student`` (PLANNERS): each hand-in holds for one tax year, a year without one
    keeps the rates in force, a batch run (nothing handed in) is the fixed planner's 50 %."""
    from econsim.simulation import SimConfig, make_simulation

    cfg = SimConfig(scenario="rational", worker="rational", planner="student", n_agents=5,
                    n_steps=6, K=2, tax_preset="three", seed=1)
    assert (make_simulation(cfg).run().steps.filter(like="rate_").to_numpy() == 0.5).all()
    sim = make_simulation(cfg)
    for handed in ([0.1, 0.2, 0.3], None, [0.0, 0.5, 1.0]):
        if handed is not None:
            sim.planner.hand_in(handed)
        sim.advance_year()
    rates = sim.run().steps.filter(like="rate_").to_numpy().tolist()
    assert rates == [[0.1, 0.2, 0.3]] * 4 + [[0.0, 0.5, 1.0]] * 2
    sim = make_simulation(cfg)
    sim.planner.hand_in([0.1, 1.2, 0.3])
    with pytest.raises(ValueError, match=r"planner 'student': the rates handed in must be 3 "
                                         r"fractions in \[0, 1\]"):
        sim.advance_year()


def test_answers_rates_says_whose_hours_follow_the_rates():
    """The spec flag that picks the game's workers: over one tax year under two very different
    schedules, hours differ exactly for the kinds whose spec says they answer the rates."""
    from econsim.simulation.array_workers import ARRAY_WORKERS
    from econsim.simulation.interactive import InteractiveArrays
    from econsim.simulation.specs import WORKER_SPECS

    skills = Game(GameSetup(n_agents=60, seed=5)).skill
    for kind in ARRAY_WORKERS:
        cfg = GameSetup(n_agents=60, seed=5).loop_config().replace(worker=kind, K=3, H=6,
                                                                    n_steps=6)
        hours = []
        for rates in ([0.0, 0.0, 0.0], [0.9, 0.9, 0.9]):
            holder = InteractiveArrays(cfg, skills)
            holder.play_year(rates)
            hours.append(holder.play_year(rates).labour)
        assert (not np.array_equal(*hours)) == WORKER_SPECS.get(kind).answers_rates, kind
