"""Vectorized engine, vectorized surrogate, cluster batching, sampled records, memory guard."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from econsim.economy.best_response import best_response_menu
from econsim.llm.surrogate import agents as text_surrogate
from econsim.population import Population
from econsim.population.attitudes import ATTITUDE_SCORES
from econsim.scale import MemoryEstimateError, agent_uniforms
from econsim.scale.surrogate_vec import MENU, VectorSurrogateWorkers
from econsim.simulation import SimConfig, Simulation, make_simulation, resume_simulation
from econsim.simulation.array_workers import SurrogateVecWorkers
from econsim.simulation.cluster_workers import MEMBER_JITTER
from econsim.simulation.memory import check_memory
from econsim.simulation.vectorized import VectorSimulation

SMALL = dict(n_agents=24, n_steps=12, K=4, tax_preset="three", seed=5)


def _same_tables(a, b, tables=("steps", "agents")) -> None:
    for t in tables:
        pd.testing.assert_frame_equal(a.tables[t], b.tables[t])


@pytest.mark.parametrize("worker", ["rational", "fixed"])
@pytest.mark.parametrize(("scenario", "planner"), [("rational", "llm"), ("bounded", "saez"),
                                                    ("bounded", "llm")])
def test_exact_workers_give_identical_records_through_both_engines(worker, scenario, planner):
    cfg = SimConfig(**SMALL, worker=worker, scenario=scenario, planner=planner)
    loop, vec = make_simulation(cfg), VectorSimulation(cfg)
    assert type(loop) is Simulation
    a, b = loop.run(), vec.run()
    _same_tables(a, b, ("steps", "agents", "elections"))
    assert len(a.calls) == len(b.calls)
    if len(a.calls):
        pd.testing.assert_frame_equal(a.calls.drop(columns=["latency_s", "request_latency_s"]),
                                      b.calls.drop(columns=["latency_s", "request_latency_s"]))


@pytest.mark.parametrize("scenario", ["rational", "bounded"])
def test_llm_workers_one_archetype_per_agent_equal_the_loop(scenario):
    """K = N: each agent its own representative, same prompts, call ids and answers."""
    cfg = SimConfig(**{**SMALL, "n_agents": 10}, worker="llm", planner="llm", scenario=scenario,
                    utility_mix={"egotistical": 60, "altruistic": 20, "adversarial": 20})
    a = make_simulation(cfg).run()
    b = VectorSimulation(cfg.replace(batching="clusters", n_clusters=10)).run()
    _same_tables(a, b)
    cols = ["call_id", "step", "agent", "kind", "prompt", "reply", "parsed"]
    pd.testing.assert_frame_equal(a.calls[cols], b.calls[cols])


def test_vectorized_surrogate_is_the_text_surrogates_rule_on_exploit_steps():
    """Fed the loop's own history, the array rule picks exactly the text surrogate's choice on
    every deterministic ("choose the best") step."""
    cfg = SimConfig(n_agents=30, n_steps=100, K=10, worker="llm", planner="fixed",
                    tax_preset="three", fixed_rates=(0.1, 0.3, 0.5), seed=1)
    res = make_simulation(cfg).run()
    policy = VectorSurrogateWorkers.build(["egotistical"] * 30, np.zeros(30), H=cfg.H, K=cfg.K,
                                          n_steps=cfg.n_steps, seed=0, bounded=False)
    level = {h: i for i, h in enumerate(MENU)}
    rates = np.array(cfg.fixed_rates)
    checked = 0
    for t, rows in res.agents.groupby("step"):
        if t > 0 and (t % cfg.K == cfg.K - 1 or t >= 0.9 * cfg.n_steps):
            np.testing.assert_array_equal(MENU[policy.choose(t, rates)], rows.labour.to_numpy())
            checked += 1
        score = rows.utility.to_numpy() - res.steps.rebate[t]
        policy.observe(t, np.array([level[h] for h in rows.labour]), score, rates)
    assert checked >= 15


def test_first_step_rule_matches_the_text_surrogate_distribution():
    pol = VectorSurrogateWorkers.build(["egotistical"] * 20_000, np.zeros(20_000), H=5, K=5,
                                       n_steps=10, seed=3, bounded=False)
    hours = MENU[pol.choose(0, np.array([0.5]))]
    share = {h: float(np.mean(hours == h)) for h in (30.0, 40.0, 50.0)}
    assert sum(share.values()) == 1.0
    assert abs(share[40.0] - 0.5) < 0.02 and abs(share[30.0] - 0.25) < 0.02


@pytest.mark.parametrize("seed", [1, 2])
def test_vectorized_surrogate_is_statistically_equivalent_to_the_text_surrogate(seed):
    """Same rule, different random streams: both converge to the exact best responses and give
    similar welfare trajectories (within 6 % on average, 2 % over the last quarter)."""
    cfg = SimConfig(n_agents=30, n_steps=200, K=25, worker="llm", planner="fixed",
                    tax_preset="three", fixed_rates=(0.1, 0.3, 0.5), seed=seed)
    loop = make_simulation(cfg).run()
    vec = make_simulation(cfg.replace(worker="surrogate_vec")).run()
    sim = make_simulation(cfg.replace(worker="rational"))
    br = best_response_menu(sim.skills, sim.context.schedule(np.array(cfg.fixed_rates)),
                            sim.utility_params)
    for res in (loop, vec):
        last = res.agents[res.agents.step >= 150]
        assert np.mean(last.labour.to_numpy() == np.tile(br, 50)) >= 0.9
    a, b = loop.steps.utilitarian.to_numpy(), vec.steps.utilitarian.to_numpy()
    assert np.mean(np.abs(a - b)) / np.mean(np.abs(a)) < 0.06
    assert abs(a[150:].mean() - b[150:].mean()) / abs(a[150:].mean()) < 0.02


def test_bounded_vectorized_satisfaction_matches_the_text_surrogate():
    cfg = SimConfig(n_agents=60, n_steps=60, K=10, worker="llm", planner="fixed",
                    scenario="bounded", tax_preset="three", seed=4)
    loop = make_simulation(cfg).run()
    vec = make_simulation(cfg.replace(worker="surrogate_vec")).run()
    assert abs(loop.steps.mean_satisfaction.mean() - vec.steps.mean_satisfaction.mean()) < 0.05
    assert abs(loop.steps.mean_labour[-20:].mean() - vec.steps.mean_labour[-20:].mean()) < 5.0


def test_population_attitude_fields_are_what_the_text_surrogate_reads():
    pop = Population.sample(200, seed=9)
    read = [text_surrogate.attitudes(p)[0] for p in pop.personas]
    fields = pop.agents.tax_attitude.map(ATTITUDE_SCORES["tax_attitude"]).to_numpy(float)
    np.testing.assert_array_equal(read, fields)


def test_agent_uniforms_are_per_agent_streams():
    a, b = agent_uniforms(7, 3, 0, 1000), agent_uniforms(7, 3, 0, 50_000)
    np.testing.assert_array_equal(a, b[:1000])  # an agent's draw does not depend on N
    assert not np.array_equal(a, agent_uniforms(7, 4, 0, 1000))
    assert not np.array_equal(a, agent_uniforms(8, 3, 0, 1000))
    assert abs(b.mean() - 0.5) < 0.01 and 0.0 <= b.min() and b.max() < 1.0
    assert np.histogram(b, bins=10, range=(0, 1))[0].min() > 4700


def test_cluster_batching_makes_k_plus_one_calls_per_step():
    k = 6
    cfg = SimConfig(n_agents=60, n_steps=12, K=4, worker="llm", planner="llm",
                    batching="clusters", n_clusters=k, tax_preset="three", seed=2)
    res = make_simulation(cfg).run()
    per_step = res.calls.groupby("step").size()
    labour = res.calls[res.calls.kind == "labour"].groupby("step").size()
    assert (labour == k).all() and len(labour) == 12
    starts = [t for t in range(12) if t % 4 == 0 and t > 0]
    assert per_step[starts].eq(k + 1).all() and per_step.max() == k + 1
    assert res.ledger["calls"] == 12 * k + len(starts)
    # members work their representative's answer, one menu step away with P = MEMBER_JITTER
    sim = make_simulation(cfg)
    w = sim.workers
    ans = res.calls[res.calls.kind == "labour"].assign(
        hours=lambda d: d.parsed.str.extract(r"([\d.]+)")[0].astype(float))
    rep_hours = ans.pivot(index="step", columns="agent", values="hours")
    lab = res.agents.pivot(index="step", columns="agent", values="labour").to_numpy()
    expected = rep_hours[w.representatives].to_numpy()[:, w.labels]
    diff = np.abs(lab - expected)
    assert set(np.unique(diff)) <= {0.0, 10.0}
    members = ~w.is_rep
    assert abs(np.mean(diff[:, members] > 0) - MEMBER_JITTER) < 0.08
    assert (diff[:, w.is_rep] == 0).all()


def test_bounded_cluster_batching_asks_satisfaction_per_cluster():
    cfg = SimConfig(n_agents=40, n_steps=5, K=5, worker="llm", planner="fixed",
                    scenario="bounded", batching="clusters", n_clusters=4, seed=1)
    res = make_simulation(cfg).run()
    assert res.calls.groupby(["step", "kind"]).size().eq(4).all()
    assert set(res.calls.kind) == {"labour", "satisfaction"}


def test_sampled_records_keep_a_subset_and_distribution_summaries():
    cfg = SimConfig(n_agents=2_000, n_steps=6, K=3, worker="surrogate_vec", planner="saez",
                    record_agents=50, seed=3)
    res = make_simulation(cfg).run()
    assert len(res.agents) == 6 * 50 and res.agents.agent.nunique() == 50
    for col in ("labour_p10", "labour_p50", "labour_p90", "income_p50", "utility_p90"):
        assert col in res.steps
    np.testing.assert_allclose(res.steps.mean_labour,
                               make_simulation(cfg.replace(record_agents=None)).run().steps
                               .mean_labour)
    auto = make_simulation(cfg.replace(n_agents=12_000, n_steps=2, record_agents=None)).run()
    assert len(auto.agents) == 2 * 1_000


def test_vectorized_run_resumes_to_the_uninterrupted_result(tmp_path, monkeypatch):
    cfg = SimConfig(n_agents=300, n_steps=20, K=5, worker="surrogate_vec", planner="llm",
                    scenario="bounded", seed=8)
    full = make_simulation(cfg, tmp_path / "full").run()
    real = SurrogateVecWorkers.labour

    def crash(self, s, t):
        if t == 12:
            raise KeyboardInterrupt
        return real(self, s, t)

    monkeypatch.setattr(SurrogateVecWorkers, "labour", crash)
    with pytest.raises(KeyboardInterrupt):
        make_simulation(cfg, tmp_path / "cut").run()
    monkeypatch.undo()
    resumed = resume_simulation(tmp_path / "cut")
    assert isinstance(resumed, VectorSimulation) and resumed.state.step == 10
    _same_tables(full, resumed.run())


def test_memory_guard_refuses_unless_forced(monkeypatch):
    cfg = SimConfig(n_agents=1_000_000, n_steps=100, worker="surrogate_vec", planner="saez")
    with pytest.raises(MemoryEstimateError, match=r"exceeds available memory 0\.50 GiB"):
        check_memory(cfg, available=2**29)
    assert check_memory(cfg, available=2**29, force=True).total > 2**29
    monkeypatch.setattr("econsim.simulation.memory.available_memory", lambda: 2**28)
    with pytest.raises(ValueError, match="force=True"):
        make_simulation(cfg)
    monkeypatch.setenv("ECONSIM_FORCE_MEMORY", "1")
    assert check_memory(cfg).total > 2**28


@pytest.mark.parametrize(("changes", "message"), [
    ({"batching": "clusters", "n_clusters": 25}, r"n_clusters must be in \[1, n_agents=20\]"),
    ({"batching": "clusters", "n_clusters": 0}, "n_clusters must be an integer >= 1"),
    ({"batching": "clusters", "worker": "rational"}, "batching 'clusters' needs worker"),
    ({"batching": "groups"}, "valid: agents, clusters"),
    ({"worker": "surrogate_vec", "scenario": "democratic"}, "rational, bounded"),
    ({"worker": "vectorised"}, "surrogate_vec"),
    ({"record_agents": -1}, "record_agents must be an integer >= 1"),
])
def test_bad_scale_options_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        SimConfig(**{"n_agents": 20, "worker": "llm", "n_clusters": 10, **changes})
