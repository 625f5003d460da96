"""The democratic scenario: workers elect a leader who sets the rates for its own benefit.

Every ``election_every`` tax years (MODEL.md §5): optionally each worker decides whether to run and
publishes a platform (a DELTA vector; not running is valid; platforms are reset each election);
every worker votes for one candidate; plurality wins, ties broken by the run's seeded generator;
worker 0 leads before the first election. The leader then proposes DELTA every tax year to
maximise its **own** utility. With ``binding_platforms`` the winner's first DELTA is its platform.

LLM workers decide through prompts. Rational (and fixed) workers decide exactly: a rational leader
picks, bracket by bracket, the DELTA that maximises its own utility when everyone best-responds;
a rational voter votes for the candidate whose proposal (its platform, or its own optimum when
there are no platforms) gives the voter the highest utility.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from econsim.economy.best_response import best_response_menu
from econsim.economy.outcomes import economy_step
from econsim.economy.tax import DELTA_CHOICES_PP, apply_delta
from econsim.llm import Request, delta_schema, run_schema, vote_schema
from econsim.prompts import Candidate, LeaderView, RunView, VoteView, build

if TYPE_CHECKING:
    from econsim.simulation.engine import Simulation

Array = NDArray[np.float64]


def hold_election(sim: Simulation, t: int) -> None:
    """Run one election at step ``t`` and record it; sets ``sim.state.leader``."""
    st, cfg = sim.state, sim.config
    ids = [sim.names[i] for i in range(cfg.n_agents)]
    platforms: dict[int, tuple[int, ...] | None] = {}
    if cfg.platforms:
        platforms = _decide_running(sim, t)
        if not platforms:  # nobody stood: the incumbent stays
            sim.recorder.election_rows([dict(step=t, agent=i, ran=False, platform=None,
                                             vote=None, leader=st.leader)
                                        for i in range(cfg.n_agents)])
            st.binding_platform = None
            return
    else:
        platforms = dict.fromkeys(range(cfg.n_agents))
    candidates = sorted(platforms)
    votes = _votes(sim, t, candidates, platforms)
    tally = Counter(votes)
    top = max(tally.values())
    tied = sorted(c for c, n in tally.items() if n == top)
    winner = tied[0] if len(tied) == 1 else int(sim.rng.choice(tied))
    st.leader = winner
    st.binding_platform = platforms.get(winner) if cfg.binding_platforms else None
    sim.recorder.election_rows([
        dict(step=t, agent=i, ran=i in platforms,
             platform=None if platforms.get(i) is None else list(platforms[i]),
             vote=ids[votes[i]], leader=ids[winner]) for i in range(cfg.n_agents)])


def leader_rates(sim: Simulation, t: int) -> Array:
    """The leader's proposal at the start of a tax year (binding platform, LLM or rational)."""
    st = sim.state
    if st.binding_platform is not None:
        delta, st.binding_platform = st.binding_platform, None
        return apply_delta(st.rates, delta)
    if sim.config.worker == "llm":
        i = st.leader
        view = LeaderView(name=sim.names[i], persona=sim.personas[i], planner=sim.planner_view(t),
                          own_history=tuple(st.own_history[i]))
        req = Request(build(sim.config.prompt_style, "leader", view),
                      delta_schema(sim.config.n_brackets), sim.call_id(t, "leader", i))
        (done,) = sim.call("leader", [req], agents=[i], step=t)
        return apply_delta(st.rates, done.parsed.DELTA)
    return apply_delta(st.rates, own_best_delta(sim, st.leader))


def _decide_running(sim: Simulation, t: int) -> dict[int, tuple[int, ...] | None]:
    cfg, st = sim.config, sim.state
    if cfg.worker != "llm":
        return {i: own_best_delta(sim, i) for i in range(cfg.n_agents)}
    schema = run_schema(cfg.n_brackets)
    cutoffs, rates = tuple(sim.cutoffs.tolist()), tuple(st.rates.tolist())
    requests = [Request(build(cfg.prompt_style, "run",
                              RunView(name=sim.names[i], persona=sim.personas[i], cutoffs=cutoffs,
                                      rates=rates, history=st.histories[i][-cfg.H:], H=cfg.H)),
                        schema, sim.call_id(t, "run", i)) for i in range(cfg.n_agents)]
    done = sim.call("run", requests, agents=range(cfg.n_agents), step=t)
    return {i: tuple(c.parsed.PLATFORM) for i, c in enumerate(done) if c.parsed.RUN}


def _votes(sim: Simulation, t: int, candidates: list[int],
           platforms: dict[int, tuple[int, ...] | None]) -> list[int]:
    cfg, st = sim.config, sim.state
    if cfg.worker != "llm":
        proposals = {c: platforms[c] if platforms[c] is not None else own_best_delta(sim, c)
                     for c in candidates}
        gains = {c: sim_utilities(sim, apply_delta(st.rates, d)) for c, d in proposals.items()}
        return [max(candidates, key=lambda c, i=i: (gains[c][i], -c))
                for i in range(cfg.n_agents)]
    ids = tuple(sim.names[c] for c in candidates)
    cands = tuple(Candidate(sim.names[c], float(st.last_outcome.pre_tax_income[c]), platforms[c])
                  for c in candidates)
    schema = vote_schema(ids)
    cutoffs, rates = tuple(sim.cutoffs.tolist()), tuple(st.rates.tolist())
    incumbent = sim.names[st.leader] if st.leader in candidates else ids[0]
    requests = [Request(build(cfg.prompt_style, "vote",
                              VoteView(name=sim.names[i], persona=sim.personas[i],
                                       cutoffs=cutoffs, rates=rates, last=st.histories[i][-1],
                                       candidates=cands)),
                        schema, sim.call_id(t, "vote", i), schema(VOTE=incumbent))
                for i in range(cfg.n_agents)]
    done = sim.call("vote", requests, agents=range(cfg.n_agents), step=t)
    index = {sim.names[c]: c for c in candidates}
    return [index[c.parsed.VOTE] for c in done]


def sim_utilities(sim: Simulation, rates: Array) -> Array:
    """Every worker's utility if ``rates`` were in force and workers responded as their kind does."""
    schedule = sim.schedule(rates)
    if sim.config.worker == "fixed":
        labour = np.full(sim.config.n_agents, float(sim.config.fixed_hours))
    else:
        labour = best_response_menu(sim.skills, schedule, sim.utility_params)
    return economy_step(sim.skills, labour, schedule, sim.utility_params).utility


def own_best_delta(sim: Simulation, i: int, sweeps: int = 2) -> tuple[int, ...]:
    """Worker ``i``'s utility-maximising DELTA by coordinate search over the menu (pp)."""
    base = sim.state.rates
    delta = [0] * base.size
    best = sim_utilities(sim, base)[i]
    for _ in range(sweeps):
        improved = False
        for k in range(base.size):
            for d in DELTA_CHOICES_PP:
                if d == delta[k]:
                    continue
                trial = delta.copy()
                trial[k] = d
                u = sim_utilities(sim, apply_delta(base, trial))[i]
                if u > best + 1e-9:
                    best, delta, improved = u, trial, True
        if not improved:
            break
    return tuple(delta)
