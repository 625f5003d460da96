"""Null baselines (issue 27): a random planner, a keep-the-start planner and a random worker,
registered beside the real ones, so every claim can name the comparator that answers it."""

from __future__ import annotations

import numpy as np

from econsim.economy.tax import DELTA_CHOICES_PP, PLANNER_START_RATE
from econsim.simulation import SimConfig, Simulation, make_simulation
from econsim.simulation.planners import PLANNERS
from econsim.simulation.workers import WORKERS


def _rates(res) -> np.ndarray:
    return res.steps.filter(like="rate_").to_numpy()


def test_registered_by_name():
    assert {"random", "keep_start"} <= set(PLANNERS.names())
    assert "random" in WORKERS.names()


def test_keep_start_holds_the_llm_planners_start():
    cfg = SimConfig(worker="rational", planner="keep_start", n_agents=5, n_steps=40, K=10)
    llm = make_simulation(cfg.replace(planner="llm")).run()
    keep = make_simulation(cfg).run()
    assert np.all(_rates(keep) == PLANNER_START_RATE)
    assert np.array_equal(_rates(keep)[0], _rates(llm)[0])  # the same starting point


def test_random_planner_moves_by_the_menu_within_bounds():
    cfg = SimConfig(worker="rational", planner="random", n_agents=5, n_steps=300, K=10, seed=5)
    rates = _rates(make_simulation(cfg).run())[::10]  # one row per tax year
    steps = np.round(np.diff(rates, axis=0) * 100).astype(int)
    assert set(np.unique(steps)) <= set(DELTA_CHOICES_PP)
    assert ((rates >= 0) & (rates <= 1)).all()
    assert len(np.unique(steps)) >= 4  # it does move, both ways (0.2 + 0.1 choices used)
    again = _rates(make_simulation(cfg).run())[::10]
    other = _rates(make_simulation(cfg.replace(seed=6)).run())[::10]
    assert np.array_equal(rates, again) and not np.array_equal(rates, other)


def test_random_worker_draws_the_menu_and_ignores_the_schedule():
    cfg = SimConfig(worker="random", planner="fixed", n_agents=50, n_steps=30, K=10, seed=3)
    lab = make_simulation(cfg).run().agents.labour.to_numpy()
    assert set(np.unique(lab)) == set(np.arange(0.0, 101.0, 10.0))
    # uniform: each of the 11 levels about 1/11 of 1,500 draws
    counts = np.bincount((lab / 10).astype(int), minlength=11)
    assert counts.min() > 80 and counts.max() < 200
    flat = make_simulation(cfg.replace(fixed_rates=(0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9))).run()
    assert np.array_equal(flat.agents.labour.to_numpy(), lab)  # taxes change nothing


def test_random_baselines_resume_as_uninterrupted(tmp_path):
    cfg = SimConfig(worker="random", planner="random", n_agents=4, n_steps=30, K=5, seed=9)
    whole = make_simulation(cfg).run()
    sim = make_simulation(cfg, tmp_path / "run")
    while sim.state.step < 17:
        sim.advance()  # rates, the step, and the tax year's close when it ends
    sim.close()
    resumed = Simulation.resume(tmp_path / "run").run()
    assert resumed.steps.equals(whole.steps) and resumed.agents.equals(whole.agents)


def test_delta_ratchet_counts_the_planners_changes():
    import json

    import pandas as pd

    from econsim.analysis import RANDOM_NONNEGATIVE_SHARE, delta_ratchet

    calls = pd.DataFrame({
        "kind": ["planner", "planner", "labour", "planner"], "seed": [1, 1, 1, 2],
        "parsed": [json.dumps({"DELTA": [10, 0, -10]}), json.dumps({"DELTA": [20, 20, 20]}),
                   json.dumps({"LABOR": 40}), json.dumps({"DELTA": [-20, -10, -10]})]})
    table = delta_ratchet(calls).set_index("seed")
    assert table.loc[1, "planner_calls"] == 2 and table.loc[1, "changes"] == 6
    assert table.loc[1, "share_nonnegative"] == 5 / 6
    assert table.loc[2, "share_nonnegative"] == 0 and table.loc[2, "mean_change_pp"] == -40 / 3
    # the random planner's menu: 3 of its 5 changes are >= 0
    draws = np.random.default_rng(0).choice(np.asarray(DELTA_CHOICES_PP), size=20_000)
    assert abs((draws >= 0).mean() - RANDOM_NONNEGATIVE_SHARE) < 0.01
