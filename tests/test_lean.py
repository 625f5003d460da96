"""Lean populations, chunked economy steps and the lean/Dask engines (docs/scale.md)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from econsim.economy.skills import ACS_2023_GB2
from econsim.economy.tax import TaxSchedule, tax_due
from econsim.economy.welfare import all_metrics
from econsim.population.attitudes import tax_attitude_probs
from econsim.prompts import PlannerView, build
from econsim.scale.chunked import StepSpec, combine, metrics, step_chunk, tax_of
from econsim.scale.lean_memory import check_lean_memory, estimate_lean_memory
from econsim.scale.lean_population import (
    SKILL_BINS,
    LeanClusters,
    cell_counts,
    demographics_of,
    gb2_skill_from_percentile,
    sample_chunk,
    uniforms_range,
)
from econsim.scale.surrogate_vec import agent_uniforms
from econsim.simulation import SimConfig
from econsim.simulation.lean_engine import LeanSimulation, check_lean_config, uses_lean_engine
from econsim.simulation.memory import MemoryEstimateError

BOUNDED = dict(scenario="bounded", worker="llm", batching="clusters", n_clusters=40,
               planner="llm", n_steps=4, K=2)


def test_uniforms_are_counter_based_and_match_the_vectorized_stream():
    assert np.array_equal(uniforms_range(3, 7, 4, 0, 1000), agent_uniforms(3, 7, 4, 1000))
    assert np.array_equal(uniforms_range(3, 7, 4, 250, 600), agent_uniforms(3, 7, 4, 1000)[250:600])


def test_population_does_not_depend_on_the_chunk_size():
    whole = sample_chunk(5, 0, 10_000)
    parts = [sample_chunk(5, s, min(s + 777, 10_000)) for s in range(0, 10_000, 777)]
    assert np.array_equal(whole[0], np.concatenate([p[0] for p in parts]))
    assert np.array_equal(whole[1], np.concatenate([p[1] for p in parts]))
    assert whole[0].dtype == np.float32 and whole[1].dtype == np.uint16


def test_gb2_skill_table_matches_the_exact_quantile():
    p = np.linspace(1e-7, 1 - 1e-7, 20_001)
    exact = ACS_2023_GB2.quantile(p) / 40.0
    assert np.max(np.abs(gb2_skill_from_percentile(p) / exact - 1.0)) < 1e-6


def test_lean_attitudes_follow_the_census_population_law():
    skill, cell = sample_chunk(1, 0, 400_000)
    att, pbin = cell // SKILL_BINS, cell % SKILL_BINS
    p = (pbin + 0.5) / SKILL_BINS
    expected = tax_attitude_probs(p).mean(axis=0)
    shares = np.bincount(att, minlength=3) / att.size
    assert np.allclose(shares, expected, atol=0.004)
    low, high = pbin < 200, pbin >= 800  # richer agents lean against redistribution
    assert (att[low] == 0).mean() > (att[high] == 0).mean() + 0.05


def test_representative_demographics_are_census_fields_and_reproducible():
    demo = demographics_of(2, np.array([0, 9, 123_456_789]))
    again = demographics_of(2, np.array([123_456_789]))
    assert demo.iloc[2].to_dict() == again.iloc[0].to_dict()
    assert demo.skill.iloc[0] == pytest.approx(float(sample_chunk(2, 0, 1)[0][0]))
    assert set(demo.columns) >= {"occupation", "sex", "age", "tax_attitude", "household"}


def test_clusters_partition_the_population_and_refuse_bad_k():
    _, cell = sample_chunk(0, 0, 100_000)
    counts = cell_counts(cell)
    for k in (3, 17, 30, 100, 500):
        g = LeanClusters.build(counts, k)
        assert g.k == k and g.sizes.sum() == 100_000 and (g.sizes > 0).all()
        assert np.array_equal(np.bincount(g.lut[cell], minlength=k), g.sizes)
    with pytest.raises(ValueError, match="n_clusters must be in"):
        LeanClusters.build(counts, 10_000)


def test_tax_matches_the_schedule():
    sched = TaxSchedule(np.array([0.0, 11_600, 47_150, 100_525, 191_950, 243_725, 609_350]),
                        np.array([0.1, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37]))
    z = np.random.default_rng(0).gamma(1.2, 60_000, 10_000)
    z[:7] = sched.cutoffs
    spec = StepSpec(0, 0, sched.cutoffs, sched.rates, 0.0005, 3.5)
    got, b = tax_of(z, sched.cutoffs, sched.rates, spec.cum_tax)
    assert np.allclose(got, tax_due(z, sched), rtol=1e-12, atol=1e-6)
    assert np.array_equal(b, np.searchsorted(sched.cutoffs, z, side="right") - 1)


@pytest.mark.parametrize("worker", ["clusters", "rational", "fixed"])
def test_chunked_metrics_equal_the_exact_welfare_functions(worker):
    n = 60_000
    skill, cell = sample_chunk(4, 0, n)
    cut = np.array([0.0, 11_600, 47_150, 100_525, 191_950, 243_725, 609_350])
    rates = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
    g = LeanClusters.build(cell_counts(cell), 20)
    hours = np.arange(20) % 11 * 10.0 if worker == "clusters" else None
    spec = StepSpec(4, 3, cut, rates, 0.0005, 3.5, hours=hours, lut=g.lut,
                    rational=worker == "rational", fixed_hours=37.0,
                    record=np.arange(n, dtype=np.int64))
    parts = [step_chunk(spec, skill[s:s + 7_000], cell[s:s + 7_000], s) for s in range(0, n, 7_000)]
    tot = combine(parts)
    rebate, got, bound = metrics(tot, cut.size)
    z = tot.rows["pre_tax_income"]
    post = z - tot.rows["tax"] + rebate
    exact = all_metrics(tot.rows["v"] + rebate, z, post)
    assert rebate == pytest.approx(tot.rows["tax"].mean(), rel=1e-12)
    for name in ("paper_swf", "inverse_income", "utilitarian", "rawlsian"):
        assert got[name] == pytest.approx(exact[name], rel=1e-10), name
    assert abs(got["gini"] - exact["gini"]) <= bound + 1e-12
    assert bound < 1e-5
    for name in ("theil", "atkinson", "equality_productivity"):
        assert got[name] == pytest.approx(exact[name], rel=1e-5, abs=1e-9), name
    if worker == "fixed":
        assert np.all(tot.rows["labour"] == 37.0)


def test_planner_prompt_from_bin_counts_equals_the_prompt_from_every_worker():
    z = np.repeat([5_000.0, 30_000.0, 90_000.0, 250_000.0], [3, 5, 2, 1])
    u = np.repeat([1_000.0, 2_000.0, 7_000.0], [4, 4, 3])
    base = dict(step=2, n_steps=10, K=2, cutoffs=(0.0, 11_600.0, 47_150.0),
                rates=(0.1, 0.2, 0.3), swf=1.5)
    full = build("paper", "planner", PlannerView(incomes=z, utilities=u, **base))
    zv, zc = np.unique(z, return_counts=True)
    uv, uc = np.unique(u, return_counts=True)
    grouped = build("paper", "planner", PlannerView(incomes=zv, utilities=uv,
                                                    income_weights=zc.astype(float),
                                                    utility_weights=uc.astype(float), **base))
    assert full == grouped


def _cfg(**kw):
    return SimConfig(**{**BOUNDED, "n_agents": 30_000, **kw})


def test_lean_run_calls_k_representatives_and_does_not_depend_on_the_chunk_size():
    a = LeanSimulation(_cfg(chunk_size=4_096)).run()
    b = LeanSimulation(_cfg(chunk_size=10_000)).run()
    calls = a.calls.groupby(["step", "kind"]).size()
    assert calls.loc[(0, "labour")] == 40 and calls.loc[(0, "satisfaction")] == 40
    assert calls.loc[(2, "planner")] == 1
    exact = [c for c in a.steps.columns if c.startswith(("rate_", "workers_bracket_"))
             ] + ["mean_labour", "mean_satisfaction"]
    pd.testing.assert_frame_equal(a.steps[exact], b.steps[exact])
    pd.testing.assert_frame_equal(a.steps, b.steps, check_exact=False, rtol=1e-9)
    assert len(a.agents) == 4 * 1000
    assert a.steps.workers_bracket_0.add(a.steps.filter(like="workers_bracket_").iloc[:, 1:]
                                         .sum(axis=1)).eq(30_000).all()


def test_lean_run_writes_its_folder(tmp_path):
    res = LeanSimulation(_cfg(worker="fixed", batching="agents", planner="fixed",
                              scenario="rational", chunk_size=8_192), tmp_path / "run").run()
    assert (tmp_path / "run" / "steps.parquet").exists()
    assert (tmp_path / "run" / "manifest.json").exists()
    assert res.steps.mean_labour.eq(40.0).all() and len(res.calls) == 0
    with pytest.raises(ValueError, match="not empty"):
        LeanSimulation(_cfg(), tmp_path / "run")


def test_dask_shards_give_identical_results_to_the_in_memory_engine():
    cfg = _cfg(n_agents=20_000, chunk_size=3_000, record_agents=500, engine="lean")
    a = LeanSimulation(cfg).run()
    b = LeanSimulation(cfg.replace(engine="dask", dask_workers=2)).run()
    pd.testing.assert_frame_equal(a.steps, b.steps, check_exact=True)
    pd.testing.assert_frame_equal(a.agents, b.agents, check_exact=True)
    assert a.calls.call_id.tolist() == b.calls.call_id.tolist()


def test_unreachable_scheduler_fails_within_its_timeout_naming_the_address():
    from econsim.scale.cluster import SchedulerUnreachable

    start = time.perf_counter()
    with pytest.raises(SchedulerUnreachable, match="tcp://127.0.0.1:9"):
        LeanSimulation(_cfg(engine="dask", scheduler="tcp://127.0.0.1:9"), timeout=1).run()
    assert time.perf_counter() - start < 15


def test_a_population_that_cannot_fit_is_refused_before_sampling(monkeypatch):
    est = estimate_lean_memory(161_000_000, 1 << 20)
    assert est.agents == 6 * 161_000_000 and est.total < 16 * 2**30
    with pytest.raises(MemoryEstimateError, match=r"n_agents=161000000.*GiB available"):
        check_lean_memory(161_000_000, 1 << 20, available=2**30)
    import econsim.scale.lean_memory as lm

    monkeypatch.setattr(lm, "available_memory", lambda: 2**28)
    monkeypatch.delenv("ECONSIM_FORCE_MEMORY", raising=False)
    with pytest.raises(MemoryEstimateError, match="estimated"):
        LeanSimulation(_cfg(n_agents=100_000_000))  # refused in the constructor, nothing sampled


@pytest.mark.parametrize(("change", "match"), [
    ({"scenario": "democratic", "batching": "agents"}, "scenarios rational, bounded"),
    ({"worker": "surrogate_vec", "batching": "agents"}, "workers llm, fixed, rational"),
    ({"planner": "saez"}, "planners llm, us_federal, fixed, keep_start, random, student; got .saez."),
    ({"skills": "joint"}, "skills gb2, uniform"),
])
def test_lean_engine_refuses_what_it_cannot_run(change, match):
    with pytest.raises(ValueError, match=match):
        check_lean_config(_cfg(**change))
    with pytest.raises(ValueError, match=match):  # refused when the config is built
        _cfg(engine="lean", **change)


def test_engine_keys_are_checked_and_auto_picks_the_lean_engine_at_large_n():
    with pytest.raises(ValueError, match="unknown engine 'spark'; valid: auto, lean, dask"):
        _cfg(engine="spark")
    with pytest.raises(ValueError, match="scheduler is used by engine 'dask' only"):
        _cfg(scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="chunk_size must be an integer >= 1"):
        _cfg(chunk_size=0)
    assert uses_lean_engine(_cfg(n_agents=161_000_000))
    assert not uses_lean_engine(_cfg(n_agents=1_000_000))
    assert not uses_lean_engine(_cfg(n_agents=161_000_000, planner="saez"))
    assert uses_lean_engine(_cfg(engine="dask"))
    from econsim.simulation import make_simulation
    from econsim.simulation.factory import choose_engine

    assert choose_engine(_cfg(n_agents=161_000_000)) == "lean"
    assert isinstance(make_simulation(_cfg(engine="lean")), LeanSimulation)
    with pytest.raises(ValueError, match="cannot be resumed"):
        LeanSimulation.resume("somewhere")
