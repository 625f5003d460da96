"""Planners: who sets the bracket rates once per tax year (MODEL.md §2, §7).

Each planner has ``start(ctx) -> rates`` (rates in force at step 0) and ``update(ctx, t) -> rates``
(called at the start of every later tax year). Registered by name in :data:`PLANNERS`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from econsim.baselines.saez import saez_rates
from econsim.economy.tax import DELTA_CHOICES_PP, PLANNER_START_RATE, US_FEDERAL_2024, apply_delta
from econsim.llm import delta_schema
from econsim.prompts import PlannerView
from econsim.registry import Registry
from econsim.simulation.context import AgentContext

Array = NDArray[np.float64]


class Planner(Protocol):
    def start(self, ctx: AgentContext) -> Array: ...
    def update(self, ctx: AgentContext, t: int) -> Array: ...


class FixedPlanner:
    """Rates that never change: ``fixed_rates`` from the config, or 50 % in every bracket."""

    def start(self, ctx: AgentContext) -> Array:
        rates = ctx.config.fixed_rates or (PLANNER_START_RATE,) * ctx.config.n_brackets
        return np.asarray(rates, dtype=float)

    def update(self, ctx: AgentContext, t: int) -> Array:
        return ctx.state.rates.copy()


class USFederalPlanner(FixedPlanner):
    """The 2024 US federal statutory rates (single filer), held fixed."""

    def start(self, ctx: AgentContext) -> Array:
        return np.asarray(US_FEDERAL_2024.statutory_rates, dtype=float)


class SaezPlanner:
    """Saez (2001) rates recomputed every tax year from the last step's realised incomes.

    At step 0 no income has been realised yet; the rates then come from incomes at 40 h a week
    (skill × 40). Recomputing on the incomes the previous rates produced iterates the formula
    towards its fixed point, as the paper's "Saez planner" does each tax year.
    """

    def start(self, ctx: AgentContext) -> Array:
        return self._rates(ctx, ctx.skills * 40.0)

    def update(self, ctx: AgentContext, t: int) -> Array:
        return self._rates(ctx, ctx.state.last_outcome.pre_tax_income)

    def _rates(self, ctx: AgentContext, income: Array) -> Array:
        return saez_rates(ctx.cutoffs, income=income, elasticity=ctx.config.elasticity)


class SaezV1Planner(FixedPlanner):
    """The v1 code's Saez rates: evaluated once on skills × 100 at bracket midpoints."""

    def start(self, ctx: AgentContext) -> Array:
        return saez_rates(ctx.cutoffs, skill=ctx.skills, elasticity=ctx.config.elasticity,
                          mode="v1")


class SaezEmpiricalPlanner(SaezPlanner):
    """Saez rates with per-bracket elasticities measured by perturbing each bracket's rate.

    Each tax year the planner moves one bracket's rate at a time by ±5 pp, computes the rational
    labour response of the population, and estimates the arc elasticity of taxable income with
    respect to the net-of-tax rate, ``e_k = Δlog z / Δlog(1 − τ_k)`` (see
    :func:`econsim.baselines.elasticities.empirical_elasticity`). Where labour does not respond (e = 0, e.g. workers
    at the 100 h cap under the paper preset) the formula gives 100 %: the honest answer for
    inelastic labour.
    """

    def _rates(self, ctx: AgentContext, income: Array) -> Array:
        from econsim.baselines.elasticities import empirical_elasticity

        e = empirical_elasticity(ctx.skills, ctx.schedule(), ctx.utility_params)
        return saez_rates(ctx.cutoffs, income=income, elasticity=e)


class StackelbergPlanner(FixedPlanner):
    """The exact Stackelberg optimum for this population (rational followers), held fixed."""

    def start(self, ctx: AgentContext) -> Array:
        from econsim.baselines.stackelberg import stackelberg

        return np.asarray(stackelberg(ctx.skills, ctx.cutoffs, ctx.utility_params,
                                      objective=ctx.config.objective, seed=ctx.config.seed).rates,
                          dtype=float)


class LLMPlanner:
    """In-context RL planner: shown its history of rates and welfare, answers one DELTA per
    bracket (pp); rates start at 50 % and are kept inside [0, 1]. Invalid replies are re-asked,
    then fall back to no change (counted in the ledger)."""

    def start(self, ctx: AgentContext) -> Array:
        return np.full(ctx.config.n_brackets, PLANNER_START_RATE)

    def update(self, ctx: AgentContext, t: int) -> Array:
        (done,) = ctx.ask("planner", [ctx.planner_view(t)],
                          schema=delta_schema(ctx.config.n_brackets),
                          call_ids=[ctx.call_id(t, "planner", "planner")], agents=[-1], step=t)
        return apply_delta(ctx.state.rates, done.parsed.DELTA)


class KeepStartPlanner(FixedPlanner):
    """Null baseline: the LLM planner's own starting schedule (50 % in every bracket), never
    changed. A claim that the planner's schedule moved somewhere (towards Saez, to higher
    welfare) is answered against it: had the planner done nothing, where would it be?"""

    def start(self, ctx: AgentContext) -> Array:
        return np.full(ctx.config.n_brackets, PLANNER_START_RATE)


class RandomPlanner(LLMPlanner):
    """Null baseline: each tax year a DELTA per bracket drawn uniformly from the planner's menu
    (−20, −10, 0, +10, +20 pp), rates kept in [0, 1] as the LLM planner's are. Starts where the
    LLM planner starts. Draws come from ``default_rng([seed, 202, t])``: a pure function of the
    seed and the step, so a resumed run draws exactly as an uninterrupted one."""

    def update(self, ctx: AgentContext, t: int) -> Array:
        rng = np.random.default_rng([ctx.config.seed, 202, t])
        delta = rng.choice(np.asarray(DELTA_CHOICES_PP), size=ctx.config.n_brackets)
        return apply_delta(ctx.state.rates, delta)


class HandedInPlanner(FixedPlanner):
    """Rates handed in before each tax year (:meth:`hand_in`) — the classroom's student typing
    them (:mod:`econsim.classroom.game`). Each hand-in holds for one tax year; a year with none
    handed in keeps the rates in force (at the start: ``fixed_rates``, or 50 %), so a batch run,
    where nobody types rates, plays the ``fixed`` planner."""

    def __init__(self) -> None:
        self.pending: Array | None = None

    def hand_in(self, rates: ArrayLike) -> None:
        """The rates of the next tax year: fractions in [0, 1], one per bracket (checked when
        the year starts, against the run's brackets)."""
        self.pending = np.array(rates, dtype=float)

    def start(self, ctx: AgentContext) -> Array:
        return super().start(ctx) if self.pending is None else self._take(ctx)

    def update(self, ctx: AgentContext, t: int) -> Array:
        return super().update(ctx, t) if self.pending is None else self._take(ctx)

    def _take(self, ctx: AgentContext) -> Array:
        rates, self.pending = self.pending, None
        n = ctx.config.n_brackets
        if rates.shape != (n,) or not (np.isfinite(rates).all() and (rates >= 0).all()
                                       and (rates <= 1).all()):
            raise ValueError(f"planner 'student': the rates handed in must be {n} fractions in "
                             f"[0, 1] (one per bracket); got {rates.tolist()}")
        return rates


PLANNERS: Registry[type] = Registry("planner")
for _name, _cls in (("llm", LLMPlanner), ("saez", SaezPlanner), ("saez_v1", SaezV1Planner),
                    ("saez_empirical", SaezEmpiricalPlanner), ("us_federal", USFederalPlanner),
                    ("fixed", FixedPlanner), ("stackelberg", StackelbergPlanner),
                 ("keep_start", KeepStartPlanner), ("random", RandomPlanner),
                    ("student", HandedInPlanner)):
    PLANNERS.register(_name, _cls)


def planner_view(ctx: AgentContext, t: int) -> PlannerView:
    """The planner's observation at the start of a tax year (last step's outcome + history)."""
    out = ctx.state.last_outcome
    return PlannerView(step=t, n_steps=ctx.config.n_steps, K=ctx.config.K,
                       cutoffs=tuple(ctx.cutoffs.tolist()), rates=tuple(ctx.state.rates.tolist()),
                       incomes=out.pre_tax_income, utilities=out.utility,
                       swf=ctx.objective(out), history=tuple(ctx.state.policy_history),
                       H=ctx.config.H)
