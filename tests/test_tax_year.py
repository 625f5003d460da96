"""The tax-year logic of the simulation: when the planner acts, and on which incomes."""

import numpy as np
import pytest

from econsim.baselines.saez import saez_rates
from econsim.economy.utility import CALIBRATED_UTILITY
from econsim.simulation import SimConfig, make_simulation


def _rates(res):
    return res.steps.sort_values("step").filter(like="rate_").to_numpy()


@pytest.mark.parametrize("engine", ["auto", "lean"])
@pytest.mark.parametrize("warmup, first", [(0, 2), (3, 4), (4, 4), (5, 6)])
def test_planner_first_acts_at_the_first_tax_year_from_warmup(engine, warmup, first):
    """Tax years start every K = 2 steps; the planner updates at the start of each one from
    step ``warmup`` on (never at step 0, where the start rates hold), and not before."""
    cfg = SimConfig(worker="rational", planner="llm", n_agents=4, n_steps=8, K=2,
                    warmup=warmup, tax_preset="three", utility="calibrated", seed=5,
                    engine=engine)
    res = make_simulation(cfg).run()
    planner_steps = sorted(set(res.calls.loc[res.calls.kind == "planner", "step"]))
    assert planner_steps == list(range(first, 8, 2))


def _saez_run(warmup):
    cfg = SimConfig(worker="rational", planner="saez", n_agents=40, n_steps=6, K=2,
                    warmup=warmup, tax_preset="three", utility="calibrated", seed=5,
                    elasticity=0.25)
    sim = make_simulation(cfg)
    res = sim.run()
    income = res.agents.pivot(index="step", columns="agent", values="pre_tax_income")
    return sim, cfg, _rates(res), income


def test_saez_planner_updates_on_last_years_realised_incomes():
    """Year 1 rates: Saez on incomes at 40 h (skill x 40), nothing being realised yet. Every
    later year: Saez on the pre-tax incomes realised in the last step of the year before."""
    sim, cfg, rates, income = _saez_run(warmup=0)
    np.testing.assert_allclose(rates[0], saez_rates(sim.cutoffs, income=sim.skills * 40.0,
                                                    elasticity=cfg.elasticity), rtol=1e-12)
    for t in (2, 4):
        realised = income.loc[t - 1].to_numpy()
        np.testing.assert_allclose(rates[t], saez_rates(sim.cutoffs, income=realised,
                                                        elasticity=cfg.elasticity), rtol=1e-12)
        np.testing.assert_array_equal(rates[t + 1], rates[t])  # held through the year
    # the realised incomes are not the 40-hour ones, so the two rules are told apart
    assert not np.allclose(income.loc[1].to_numpy(), sim.skills * 40.0)
    assert not np.allclose(rates[2], rates[0])


def test_saez_planner_holds_its_start_rates_through_warmup():
    sim, cfg, rates, income = _saez_run(warmup=4)
    np.testing.assert_array_equal(rates[:4], np.repeat(rates[:1], 4, axis=0))
    np.testing.assert_allclose(rates[4], saez_rates(sim.cutoffs, income=income.loc[3].to_numpy(),
                                                    elasticity=cfg.elasticity), rtol=1e-12)
    assert not np.allclose(rates[4], rates[0])


def _run(planner, **kw):
    cfg = SimConfig(worker="rational", planner=planner, n_agents=12, n_steps=4, K=2,
                    tax_preset=kw.pop("tax_preset", "three"), utility="calibrated", seed=3, **kw)
    sim = make_simulation(cfg)
    return sim, cfg, _rates(sim.run())


def test_every_planner_sets_its_reference_rates():
    """Year-1 rates of each planner equal its reference computed here from the same
    population; planners that hold their rates keep them in year 2."""
    from econsim.baselines.elasticities import empirical_elasticity
    from econsim.baselines.stackelberg import stackelberg
    from econsim.economy.tax import TAX_PRESETS, TaxSchedule

    sim, _, r = _run("fixed")
    np.testing.assert_array_equal(r, 0.5)
    sim, _, r = _run("fixed", fixed_rates=(0.1, 0.2, 0.3))
    np.testing.assert_array_equal(r, np.tile([0.1, 0.2, 0.3], (4, 1)))
    sim, _, r = _run("us_federal", tax_preset="us_federal_2024")
    np.testing.assert_array_equal(r, np.tile(TAX_PRESETS.get("us_federal_2024").statutory_rates,
                                             (4, 1)))
    sim, cfg, r = _run("saez_v1", elasticity=0.25)
    np.testing.assert_array_equal(r, np.tile(saez_rates(sim.cutoffs, skill=sim.skills,
                                                        elasticity=0.25, mode="v1"), (4, 1)))
    sim, cfg, r = _run("stackelberg", objective="utilitarian")
    best = stackelberg(sim.skills, sim.cutoffs, CALIBRATED_UTILITY, objective=cfg.objective, seed=3)
    np.testing.assert_array_equal(r, np.tile(best.rates, (4, 1)))
    sim, cfg, r = _run("saez_empirical")  # year 2: elasticities measured under year 1's rates
    e = empirical_elasticity(sim.skills, TaxSchedule(sim.cutoffs, r[0]), sim.utility_params)
    res = make_simulation(cfg).run()
    z = res.agents.pivot(index="step", columns="agent", values="pre_tax_income").loc[1]
    np.testing.assert_allclose(r[2], saez_rates(sim.cutoffs, income=z.to_numpy(), elasticity=e),
                               rtol=1e-12)


def test_the_llm_planner_call_is_the_planners_and_shows_the_year():
    """One planner call per tax year after the first: agent -1, its own call id, and a prompt
    that carries the year length and the policy history so far."""
    cfg = SimConfig(worker="rational", planner="llm", n_agents=4, n_steps=6, K=2,
                    tax_preset="three", utility="calibrated", seed=5)
    calls = make_simulation(cfg).run().calls
    planner = calls[calls.kind == "planner"].sort_values("step")
    assert planner.call_id.tolist() == ["seed5/t000002/planner/planner",
                                        "seed5/t000004/planner/planner"]
    assert (planner.agent == -1).all()
    last = planner.prompt.iloc[-1]
    assert "a tax year lasts 2 steps" in last
    assert "Tax year starting at step 0: rates 50%, 50%, 50%" in last
    assert "Tax year starting at step 2:" in last


def test_an_elected_leader_starts_from_the_llm_planners_start_whatever_the_planner_key():
    """With elections nobody but the leader sets rates: the start is the LLM planner's (50 %
    in every bracket) even when the configuration names another planner."""
    cfg = SimConfig(scenario="democratic", worker="llm", planner="us_federal", n_agents=4,
                    n_steps=4, K=2, tax_preset="us_federal_2024", seed=5)
    res = make_simulation(cfg).run()
    assert np.all(_rates(res)[:2] == 0.5)


def test_a_closing_year_records_its_start_and_the_ledger_without_budget_settings():
    """Each closed tax year adds one own-utility record per worker starting at the year's first
    step (the leader's prompt shows them), and the state keeps the ledger for a resume — its
    counts, never the budget's settings (those come from the configuration)."""
    cfg = SimConfig(scenario="democratic", worker="llm", n_agents=4, n_steps=7, K=3, seed=5,
                    budget_calls=10_000)
    sim = make_simulation(cfg)
    sim.run()
    assert [r.step for r in sim.state.own_history[0]] == [0, 3, 6]
    assert [r.step for r in sim.state.policy_history] == [0, 3, 6]
    summary = sim.client.ledger.summary()
    assert any(k.startswith("budget") for k in summary)
    assert sim.state.ledger == {k: v for k, v in summary.items() if not k.startswith("budget")}


@pytest.mark.parametrize("engine", ["auto", "lean"])
def test_a_budget_spent_by_the_last_step_still_completes(engine):
    """The budget stops a run only when steps remain: spent exactly by the last step, the run
    is complete (not 'budget exhausted')."""
    extra = dict(batching="clusters", n_clusters=3, n_agents=3000) if engine == "lean" \
        else dict(n_agents=3)
    cfg = SimConfig(scenario="rational", worker="llm", planner="llm", n_steps=6, K=2, seed=5,
                    engine=engine, **extra)
    calls = len(make_simulation(cfg).run().calls)
    res = make_simulation(cfg.replace(budget_calls=calls)).run()
    assert res.status == "complete" and len(res.calls) == calls
    stopped = make_simulation(cfg.replace(budget_calls=1)).run()  # spent in year 1
    assert stopped.status.startswith("budget exhausted") and len(stopped.steps) < cfg.n_steps
