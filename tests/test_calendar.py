"""The tax-year calendar (econsim.simulation.calendar): hand-counted cases and its invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from econsim.simulation import SimConfig
from econsim.simulation.calendar import TaxCalendar


def test_hand_counted_calendar():
    cal = TaxCalendar(K=10, warmup=25, n_steps=64, election_every=2)
    assert cal.acting_steps() == [30, 40, 50, 60]  # first start not before warmup 25
    assert [t for t in range(64) if cal.holds_election(t)] == [30, 50]  # years 3, 5: (y-1) even
    assert [d for d in range(1, 65) if cal.closes_year(d)] == [10, 20, 30, 40, 50, 60, 64]
    assert [cal.year_start(d) for d in (10, 11, 60, 64)] == [0, 10, 50, 60]
    assert not cal.planner_acts(0)  # step 0 puts the planner's start in force, not an update
    assert TaxCalendar(K=5, warmup=0, n_steps=12).acting_steps() == [5, 10]


def test_calendar_of_a_config():
    cfg = SimConfig(K=7, warmup=3, n_steps=30, election_every=2)
    assert TaxCalendar.of(cfg) == TaxCalendar(7, 3, 30, 2)


@given(K=st.integers(1, 30), warmup=st.integers(0, 120), n=st.integers(1, 120),
       every=st.integers(1, 4))
def test_calendar_invariants(K, warmup, n, every):
    cal = TaxCalendar(K, warmup, n, every)
    closes = [d for d in range(1, n + 1) if cal.closes_year(d)]
    assert len(closes) == -(-n // K)  # one close per tax year, the last one possibly short
    assert closes[-1] == n
    for d in closes:  # a closing year starts at a year start and holds the d-th step
        start = cal.year_start(d)
        assert cal.starts_year(start) and start <= d - 1 < start + K
    acts = cal.acting_steps()
    assert acts == [t for t in range(1, n) if t % K == 0 and t >= warmup]
    elections = [t for t in range(n) if cal.holds_election(t)]
    assert set(elections) <= set(acts)
    assert all((cal.year_of(t) - 1) % every == 0 for t in elections)


@pytest.mark.parametrize(("K", "warmup"), [(25, 0), (25, 30), (10, 10)])
def test_the_engine_acts_on_the_calendar(K, warmup):
    """A run's rates change only at the calendar's acting steps (random planner: it moves at
    nearly every chance)."""
    from econsim.simulation import make_simulation

    cfg = SimConfig(scenario="rational", worker="rational", planner="random", n_agents=4,
                    n_steps=100, K=K, warmup=warmup)
    steps = make_simulation(cfg).run().steps
    rates = steps[[c for c in steps.columns if c.startswith("rate_")]]
    changed = steps.step[rates.diff().abs().sum(axis=1).gt(0)].tolist()
    acts = TaxCalendar.of(cfg).acting_steps()
    assert set(changed) <= set(acts) and len(changed) >= len(acts) - 1
