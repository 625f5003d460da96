"""The cost estimate (econsim.analysis.estimate): calls counted from the configuration equal the
calls a stand-in run makes, on every scenario and engine; tokens, USD and hours are ranges that
hold the actuals of recorded runs; budgets refuse and warn; the CLI answers."""

import pytest

from econsim.analysis.call_count import count_calls
from econsim.simulation import SimConfig, make_simulation

#: Small stand-in runs covering every scenario, engine and call kind.
STAND_IN = {
    "rational": dict(scenario="rational", n_agents=3, n_steps=11, K=3),
    "warmup": dict(scenario="rational", n_agents=3, n_steps=11, K=3, warmup=5),
    "bounded_llm_personas": dict(scenario="bounded", n_agents=3, n_steps=10, K=3,
                                 personas="llm"),
    "bounded_rational_workers": dict(scenario="bounded", n_agents=3, n_steps=10, K=3,
                                     worker="rational", personas="llm"),
    "democratic": dict(scenario="democratic", n_agents=3, n_steps=13, K=3, election_every=2),
    "democratic_platforms": dict(scenario="democratic", n_agents=3, n_steps=13, K=3,
                                 platforms=True, binding_platforms=True),
    "democratic_rational": dict(scenario="democratic", n_agents=3, n_steps=13, K=3,
                                worker="rational"),
    "archetypes": dict(scenario="bounded", n_agents=30, n_steps=7, K=3, batching="archetypes",
                       n_archetypes=4, personas="llm"),
    "vector_agents": dict(scenario="rational", n_agents=4, n_steps=7, K=3, record_agents=2),
    "surrogate_vec": dict(scenario="bounded", n_agents=40, n_steps=7, K=3,
                          worker="surrogate_vec"),
    "lean": dict(scenario="bounded", n_agents=2000, n_steps=7, K=3, engine="lean",
                 batching="archetypes", n_archetypes=5),
}


@pytest.mark.parametrize("name", sorted(STAND_IN))
def test_counted_calls_equal_a_stand_in_runs_calls(name):
    cfg = SimConfig(**STAND_IN[name])
    result = make_simulation(cfg).run()
    calls = result.tables["calls"]
    actual = calls.groupby("kind").size().to_dict() if len(calls) else {}
    est = count_calls(cfg)
    for kind in set(actual) | set(est.high):
        assert est.low.get(kind, 0) <= actual.get(kind, 0) <= est.high.get(kind, 0), kind
    if not cfg.platforms:
        assert actual == est.high == est.low
    sent = result.ledger.get("calls", 0) + result.ledger.get("cache_hits", 0)
    assert sent == sum(actual.values()) + est.personas + result.ledger.get("reasks", 0)
    assert est.requests[0] <= sent <= est.requests[1]


def test_counts_follow_the_formulas():
    cfg = SimConfig(scenario="bounded", n_agents=100, n_steps=2500, K=25, worker="llm",
                    planner="llm", personas="llm")
    est = count_calls(cfg)
    assert est.high == {"labour": 250_000, "satisfaction": 250_000, "planner": 99}
    assert est.personas == 100 and est.requests == (500_199, 3 * 500_199)
    arch = count_calls(cfg.replace(batching="archetypes", n_archetypes=10, personas="offline"))
    assert arch.engine == "vectorised" and arch.high["labour"] == 25_000
    dem = count_calls(SimConfig(scenario="democratic", n_agents=25, n_steps=1000, K=25,
                                election_every=4, platforms=True))
    # 39 update steps (25..975), elections at j = 1, 5, ..., 37: 10 of them
    assert dem.high["leader"] == 39 and dem.high["run"] == 250 and dem.low["vote"] == 0
    assert count_calls(cfg.replace(worker="fixed", planner="saez", personas="offline")).high == {}
