"""Workers: how each kind chooses weekly hours and reports satisfaction (MODEL.md §2, §5).

``llm`` workers read their own history in a prompt and answer JSON through the LLM layer (the
offline surrogate by default); ``rational`` workers play the exact best response; ``fixed`` workers
always work ``fixed_hours``; ``random`` workers draw hours uniformly from the menu every step (a
null baseline). Registered in :data:`WORKERS`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from econsim.economy.best_response import best_response_menu
from econsim.economy.outcomes import StepOutcome
from econsim.llm import LabourChoice, Satisfaction, labour_schema, parsed_replies
from econsim.prompts import SatisfactionBatch, StepRecord, WorkerBatch
from econsim.prompts.common import MENU_HOURS
from econsim.registry import Registry
from econsim.simulation.context import AgentContext

Array = NDArray[np.float64]
FIRST_STEP_FALLBACK_HOURS = 40.0
#: Labour reply schema of worker prompts: hours on the menu they show (bounds sent to the model).
LABOUR_SCHEMA = labour_schema(MENU_HOURS)


class Workers(Protocol):
    """The one worker protocol of the game loop, for every holder: per-agent workers (this
    module), cluster-batched LLM workers (:mod:`econsim.simulation.cluster_workers`) and the
    array workers (:mod:`econsim.simulation.array_workers`, the classroom's learners too).

    ``labour`` gives every worker's hours at step ``t``; after the economy has computed the
    step, ``observe`` shows the workers its outcome and the planner's objective (they remember
    it, or learn from it) and returns each worker's satisfaction r (1 for workers without a
    persona to consult)."""

    def labour(self, ctx: AgentContext, t: int) -> Array: ...
    def observe(self, ctx: AgentContext, t: int, labour: Array, outcome: StepOutcome,
                objective: float) -> Array: ...


class FixedWorkers:
    """Always ``fixed_hours``; satisfied (r = 1) — they have no persona to consult."""

    def labour(self, ctx: AgentContext, t: int) -> Array:
        return np.full(ctx.config.n_agents, float(ctx.config.fixed_hours))

    def observe(self, ctx: AgentContext, t: int, labour: Array, outcome: StepOutcome,
                objective: float) -> Array:
        return np.ones(ctx.config.n_agents)


class RationalWorkers(FixedWorkers):
    """Exact best response on the labour menu {0, 10, …, 100} to the rates in force."""

    _last: tuple[tuple[float, ...], Array] | None = None

    def labour(self, ctx: AgentContext, t: int) -> Array:
        # the best response depends only on the rates, which change once per tax year: the
        # search runs once per schedule (it was most of a rational-worker step)
        rates = tuple(ctx.state.rates.tolist())
        if self._last is None or self._last[0] != rates:
            self._last = (rates, best_response_menu(ctx.skills, ctx.schedule(),
                                                    ctx.utility_params))
        return self._last[1].copy()


class LLMWorkers:
    """Language-model workers learning in context; one call per worker per step (and one more
    for satisfaction in the bounded and democratic scenarios). An invalid reply is re-asked, then
    falls back to the worker's previous hours (40 h on the first step) and is counted."""

    def labour(self, ctx: AgentContext, t: int) -> Array:
        cfg, st = ctx.config, ctx.state
        cutoffs, rates = tuple(ctx.cutoffs.tolist()), tuple(st.rates.tolist())
        views = WorkerBatch(ctx.names, ctx.skills, ctx.personas, ctx.utility_types,
                            st.histories, step=t, n_steps=cfg.n_steps, cutoffs=cutoffs,
                            rates=rates, K=cfg.K, H=cfg.H)
        call_ids = ctx.call_ids(t, "labour", cfg.n_agents)

        def fallbacks() -> list[LabourChoice]:  # the previous hours (40 h at the first step)
            last = st.last_labour if t > 0 else [FIRST_STEP_FALLBACK_HOURS] * cfg.n_agents
            return [LABOUR_SCHEMA(LABOR=h) for h in last]

        done = ctx.ask("labour", views, schema=LABOUR_SCHEMA, call_ids=call_ids,
                       fallbacks=fallbacks, agents=range(cfg.n_agents), step=t)
        return np.array([float(p.LABOR) for p in parsed_replies(done)])

    def observe(self, ctx: AgentContext, t: int, labour: Array, outcome: StepOutcome,
                objective: float) -> Array:
        """Append the step to every worker's history (the prompts show its last ``H`` steps)
        and, where the scenario asks, each worker's satisfaction (one more call each)."""
        cfg, st = ctx.config, ctx.state
        rates, rebate = st.year_rates, outcome.rebate
        columns = (labour.tolist(), outcome.pre_tax_income.tolist(), outcome.tax.tolist(),
                   outcome.post_tax_income.tolist(), outcome.utility.tolist())
        # prompts show the last H steps of a history and nothing reads further back: the
        # state keeps those (memory and every checkpoint O(n·H), not O(n·t))
        H = cfg.H
        for h, lab, z, tax, post, u in zip(st.histories, *columns, strict=True):
            h.append(StepRecord(t, rates, lab, z, tax, rebate, post, u, None, None, objective))
            if len(h) > H:
                del h[0]
        if not cfg.scenario_spec.satisfaction:
            return np.ones(cfg.n_agents)
        satisfaction = self.satisfaction(ctx, t)
        # the step's records again, now with the answer (records are immutable)
        for h, lab, z, tax, post, u, r in zip(st.histories, *columns, satisfaction.tolist(),
                                              strict=True):
            h[-1] = StepRecord(t, rates, lab, z, tax, rebate, post, u, r, r * u, objective)
        return satisfaction

    def satisfaction(self, ctx: AgentContext, t: int) -> Array:
        """Each worker asked whether it is satisfied with the step (r = 1 or 0)."""
        cfg, st = ctx.config, ctx.state
        cutoffs, rates = tuple(ctx.cutoffs.tolist()), tuple(st.rates.tolist())
        views = SatisfactionBatch(ctx.names, ctx.personas, cutoffs, rates,
                                  [h[-1] for h in st.histories])
        call_ids = ctx.call_ids(t, "satisfaction", cfg.n_agents)

        def fallbacks() -> list[Satisfaction]:  # the previous answer
            return [Satisfaction(SATISFIED="YES" if r == 1.0 else "NO") for r in st.satisfaction]

        done = ctx.ask("satisfaction", views, schema=Satisfaction, call_ids=call_ids,
                       fallbacks=fallbacks, agents=range(cfg.n_agents), step=t)
        return np.array([p.r for p in parsed_replies(done)])


class RandomWorkers(FixedWorkers):
    """Null baseline: hours drawn uniformly from the labour menu every step, whatever happened
    before; satisfied (r = 1). A claim that workers optimise is answered against it (and
    against ``fixed``: the same hours every step). Draws come from
    ``default_rng([seed, 303, t])``: a pure function of the seed and the step (resume-safe)."""

    def labour(self, ctx: AgentContext, t: int) -> Array:
        rng = np.random.default_rng([ctx.config.seed, 303, t])
        return rng.choice(np.asarray(MENU_HOURS, dtype=float), size=ctx.config.n_agents)


WORKERS: Registry[type] = Registry("worker kind")
WORKERS.register("llm", LLMWorkers)
WORKERS.register("rational", RationalWorkers)
WORKERS.register("fixed", FixedWorkers)
WORKERS.register("random", RandomWorkers)
