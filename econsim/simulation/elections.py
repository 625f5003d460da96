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

import numpy as np
from numpy.typing import NDArray

from econsim.economy.best_response import best_response_menu
from econsim.economy.outcomes import economy_step
from econsim.economy.tax import DELTA_CHOICES_PP, apply_delta
from econsim.llm import delta_schema, run_schema, vote_schema
from econsim.prompts import Candidate, LeaderView, RunView, VoteView
from econsim.simulation.context import AgentContext

Array = NDArray[np.float64]


def hold_election(ctx: AgentContext, t: int) -> None:
    """Run one election at step ``t`` and record it; sets ``ctx.state.leader``."""
    st, cfg = ctx.state, ctx.config
    ids = [ctx.names[i] for i in range(cfg.n_agents)]
    platforms: dict[int, tuple[int, ...] | None] = {}
    if cfg.platforms:
        platforms = _decide_running(ctx, t)
        if not platforms:  # nobody stood: the incumbent stays
            ctx.record_election([dict(step=t, agent=i, ran=False, platform=None,
                                      vote=None, leader=ids[st.leader])
                                        for i in range(cfg.n_agents)])
            st.binding_platform = None
            return
    else:
        platforms = dict.fromkeys(range(cfg.n_agents))
    candidates = sorted(platforms)
    votes = _votes(ctx, t, candidates, platforms)
    tally = Counter(votes)
    top = max(tally.values())
    tied = sorted(c for c, n in tally.items() if n == top)
    winner = tied[0] if len(tied) == 1 else int(ctx.rng.choice(tied))
    st.leader = winner
    st.binding_platform = platforms.get(winner) if cfg.binding_platforms else None
    ctx.record_election([
        dict(step=t, agent=i, ran=i in platforms,
             platform=None if platforms.get(i) is None else list(platforms[i]),
             vote=ids[votes[i]], leader=ids[winner]) for i in range(cfg.n_agents)])


def leader_rates(ctx: AgentContext, t: int) -> Array:
    """The leader's proposal at the start of a tax year (binding platform, LLM or rational)."""
    st = ctx.state
    if st.binding_platform is not None:
        delta, st.binding_platform = st.binding_platform, None
        return apply_delta(st.rates, delta)
    if ctx.config.worker_spec.asks_model:
        i = st.leader
        view = LeaderView(name=ctx.names[i], persona=ctx.personas[i], planner=ctx.planner_view(t),
                          own_history=tuple(st.own_history[i]))
        (done,) = ctx.ask("leader", [view], schema=delta_schema(ctx.config.n_brackets),
                          call_ids=[ctx.call_id(t, "leader", i)], agents=[i], step=t)
        return apply_delta(st.rates, done.parsed.DELTA)
    return apply_delta(st.rates, own_best_delta(ctx, st.leader))


def _decide_running(ctx: AgentContext, t: int) -> dict[int, tuple[int, ...] | None]:
    cfg, st = ctx.config, ctx.state
    if not cfg.worker_spec.asks_model:
        return {i: own_best_delta(ctx, i) for i in range(cfg.n_agents)}
    schema = run_schema(cfg.n_brackets)
    cutoffs, rates = tuple(ctx.cutoffs.tolist()), tuple(st.rates.tolist())
    views = [RunView(name=ctx.names[i], persona=ctx.personas[i], cutoffs=cutoffs, rates=rates,
                     history=st.histories[i][-cfg.H:], H=cfg.H) for i in range(cfg.n_agents)]
    done = ctx.ask("run", views, schema=schema,
                   call_ids=[ctx.call_id(t, "run", i) for i in range(cfg.n_agents)],
                   agents=range(cfg.n_agents), step=t)
    return {i: tuple(c.parsed.PLATFORM) for i, c in enumerate(done) if c.parsed.RUN}


def _votes(ctx: AgentContext, t: int, candidates: list[int],
           platforms: dict[int, tuple[int, ...] | None]) -> list[int]:
    cfg, st = ctx.config, ctx.state
    if not cfg.worker_spec.asks_model:
        proposals = {c: platforms[c] if platforms[c] is not None else own_best_delta(ctx, c)
                     for c in candidates}
        gains = {c: sim_utilities(ctx, apply_delta(st.rates, d)) for c, d in proposals.items()}
        return [max(candidates, key=lambda c, i=i: (gains[c][i], -c))
                for i in range(cfg.n_agents)]
    ids = tuple(ctx.names[c] for c in candidates)
    cands = tuple(Candidate(ctx.names[c], float(st.last_outcome.pre_tax_income[c]), platforms[c])
                  for c in candidates)
    schema = vote_schema(ids)
    cutoffs, rates = tuple(ctx.cutoffs.tolist()), tuple(st.rates.tolist())
    incumbent = ctx.names[st.leader] if st.leader in candidates else ids[0]
    views = [VoteView(name=ctx.names[i], persona=ctx.personas[i], cutoffs=cutoffs, rates=rates,
                      last=st.histories[i][-1], candidates=cands) for i in range(cfg.n_agents)]
    done = ctx.ask("vote", views, schema=schema,
                   call_ids=[ctx.call_id(t, "vote", i) for i in range(cfg.n_agents)],
                   fallbacks=[schema(VOTE=incumbent)] * cfg.n_agents,
                   agents=range(cfg.n_agents), step=t)
    index = {ctx.names[c]: c for c in candidates}
    return [index[c.parsed.VOTE] for c in done]


def sim_utilities(ctx: AgentContext, rates: Array) -> Array:
    """Every worker's utility if ``rates`` were in force and workers responded as their kind does."""
    schedule = ctx.schedule(rates)
    if ctx.config.worker_spec.fixed_hours:
        labour = np.full(ctx.config.n_agents, float(ctx.config.fixed_hours))
    else:
        labour = best_response_menu(ctx.skills, schedule, ctx.utility_params)
    return economy_step(ctx.skills, labour, schedule, ctx.utility_params).utility


def own_best_delta(ctx: AgentContext, i: int, sweeps: int = 2) -> tuple[int, ...]:
    """Worker ``i``'s utility-maximising DELTA by coordinate search over the menu (pp)."""
    base = ctx.state.rates
    delta = [0] * base.size
    best = sim_utilities(ctx, base)[i]
    for _ in range(sweeps):
        improved = False
        for k in range(base.size):
            for d in DELTA_CHOICES_PP:
                if d == delta[k]:
                    continue
                trial = delta.copy()
                trial[k] = d
                u = sim_utilities(ctx, apply_delta(base, trial))[i]
                if u > best + 1e-9:
                    best, delta, improved = u, trial, True
        if not improved:
            break
    return tuple(delta)
