"""Planners: who sets the bracket rates once per tax year (MODEL.md §2, §7).

Each planner has ``start(sim) -> rates`` (rates in force at step 0) and ``update(sim, t) -> rates``
(called at the start of every later tax year). Registered by name in :data:`PLANNERS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np
from numpy.typing import NDArray

from econsim.baselines.saez import saez_rates
from econsim.economy.tax import PLANNER_START_RATE, TAX_PRESETS, apply_delta
from econsim.llm import Request, delta_schema
from econsim.prompts import PlannerView, build
from econsim.registry import Registry

if TYPE_CHECKING:
    from econsim.simulation.engine import Simulation

Array = NDArray[np.float64]


class Planner(Protocol):
    def start(self, sim: Simulation) -> Array: ...
    def update(self, sim: Simulation, t: int) -> Array: ...


class FixedPlanner:
    """Rates that never change: ``fixed_rates`` from the config, or 50 % in every bracket."""

    def start(self, sim: Simulation) -> Array:
        rates = sim.config.fixed_rates or (PLANNER_START_RATE,) * sim.config.n_brackets
        return np.asarray(rates, dtype=float)

    def update(self, sim: Simulation, t: int) -> Array:
        return sim.state.rates.copy()


class USFederalPlanner(FixedPlanner):
    """The 2024 US federal statutory rates (single filer), held fixed."""

    def start(self, sim: Simulation) -> Array:
        return np.asarray(TAX_PRESETS.get("us_federal_2024").statutory_rates, dtype=float)


class SaezPlanner:
    """Saez (2001) rates recomputed every tax year from the last step's realised incomes.

    At step 0 no income has been realised yet; the rates then come from incomes at 40 h a week
    (skill × 40). Recomputing on the incomes the previous rates produced iterates the formula
    towards its fixed point, as the paper's "Saez planner" does each tax year.
    """

    def start(self, sim: Simulation) -> Array:
        return self._rates(sim, sim.skills * 40.0)

    def update(self, sim: Simulation, t: int) -> Array:
        return self._rates(sim, sim.state.last_outcome.pre_tax_income)

    def _rates(self, sim: Simulation, income: Array) -> Array:
        return saez_rates(sim.cutoffs, income=income, elasticity=sim.config.elasticity)


class SaezV1Planner(FixedPlanner):
    """The v1 code's Saez rates: evaluated once on skills × 100 at bracket midpoints."""

    def start(self, sim: Simulation) -> Array:
        return saez_rates(sim.cutoffs, skill=sim.skills, elasticity=sim.config.elasticity,
                          mode="v1")


class SaezEmpiricalPlanner(SaezPlanner):
    """Saez rates with per-bracket elasticities measured by perturbing each bracket's rate.

    Each tax year the planner moves one bracket's rate at a time by ±5 pp, computes the rational
    labour response of the population, and estimates the arc elasticity of taxable income with
    respect to the net-of-tax rate, ``e_k = Δlog z / Δlog(1 − τ_k)`` (see
    :func:`econsim.baselines.saez.empirical_elasticity`). Where labour does not respond (e = 0, e.g. workers
    at the 100 h cap under the paper preset) the formula gives 100 %: the honest answer for
    inelastic labour.
    """

    def _rates(self, sim: Simulation, income: Array) -> Array:
        from econsim.baselines.saez import empirical_elasticity

        e = empirical_elasticity(sim.skills, sim.schedule(), sim.utility_params)
        return saez_rates(sim.cutoffs, income=income, elasticity=e)


class StackelbergPlanner(FixedPlanner):
    """The exact Stackelberg optimum for this population (rational followers), held fixed."""

    def start(self, sim: Simulation) -> Array:
        from econsim.baselines.stackelberg import stackelberg

        return np.asarray(stackelberg(sim.skills, sim.cutoffs, sim.utility_params,
                                      objective=sim.config.objective, seed=sim.config.seed).rates,
                          dtype=float)


class LLMPlanner:
    """In-context RL planner: shown its history of rates and welfare, answers one DELTA per
    bracket (pp); rates start at 50 % and are kept inside [0, 1]. Invalid replies are re-asked,
    then fall back to no change (counted in the ledger)."""

    def start(self, sim: Simulation) -> Array:
        return np.full(sim.config.n_brackets, PLANNER_START_RATE)

    def update(self, sim: Simulation, t: int) -> Array:
        view = sim.planner_view(t)
        schema = delta_schema(sim.config.n_brackets)
        req = Request(build(sim.config.prompt_style, "planner", view), schema,
                      sim.call_id(t, "planner", "planner"))
        (done,) = sim.call("planner", [req], agents=[-1], step=t)
        return apply_delta(sim.state.rates, done.parsed.DELTA)


PLANNERS: Registry[type] = Registry("planner")
for _name, _cls in (("llm", LLMPlanner), ("saez", SaezPlanner), ("saez_v1", SaezV1Planner),
                    ("saez_empirical", SaezEmpiricalPlanner), ("us_federal", USFederalPlanner),
                    ("fixed", FixedPlanner), ("stackelberg", StackelbergPlanner)):
    PLANNERS.register(_name, _cls)


def planner_view(sim: Simulation, t: int) -> PlannerView:
    """The planner's observation at the start of a tax year (last step's outcome + history)."""
    out = sim.state.last_outcome
    return PlannerView(step=t, n_steps=sim.config.n_steps, K=sim.config.K,
                       cutoffs=tuple(sim.cutoffs.tolist()), rates=tuple(sim.state.rates.tolist()),
                       incomes=out.pre_tax_income, utilities=out.utility,
                       swf=sim.objective(out), history=tuple(sim.state.policy_history),
                       H=sim.config.H)
