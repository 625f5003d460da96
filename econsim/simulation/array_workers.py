"""Workers as array operations over the whole population: the worker protocol of the vectorised
holder (:mod:`econsim.simulation.vectorized`) and the classroom's holder
(:mod:`econsim.simulation.interactive`).

A worker object has two methods, called by the holder once per step:

* ``labour(ctx, t) -> hours`` — every worker's hours at step ``t`` under the rates in force
  (``ctx.state.rates``);
* ``observe(ctx, t, labour, outcome, objective) -> satisfaction`` — the step's outcome (and its
  welfare ``objective``), from which learners update; returns every worker's satisfaction
  ``r`` (1 where none is asked).

:data:`ARRAY_WORKERS` builds them by worker kind (the names of
:data:`~econsim.simulation.specs.WORKER_SPECS`), from the configuration and the population's
utility types and tax attitudes; language-model workers are built by the vectorised holder
itself (they need the population frame and the client).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.economy.outcomes import StepOutcome
from econsim.registry import Registry
from econsim.scale.surrogate_vec import MENU, VectorSurrogateWorkers
from econsim.simulation.config import SimConfig
from econsim.simulation.context import AgentContext
from econsim.simulation.workers import WORKERS

Array = NDArray[np.float64]


class ExactWorkers:
    """The loop's ``rational``/``fixed``/``random`` workers (:data:`WORKERS`) in the array
    protocol: they learn nothing and are always satisfied."""

    def __init__(self, kind: str) -> None:
        self.inner = WORKERS.get(kind)()

    def labour(self, ctx: AgentContext, t: int) -> Array:
        return self.inner.labour(ctx, t)

    def observe(self, ctx: AgentContext, t: int, labour: Array, outcome: StepOutcome,
                objective: float) -> Array:
        return self.inner.observe(ctx, t, labour, outcome, objective)


class SurrogateVecWorkers:
    """The offline stand-in's learning rule over the population's statistics arrays
    (:class:`~econsim.scale.surrogate_vec.VectorSurrogateWorkers`) in the array protocol."""

    def __init__(self, policy: VectorSurrogateWorkers) -> None:
        self.policy = policy
        self.index: NDArray[np.int64] | None = None

    def labour(self, ctx: AgentContext, t: int) -> Array:
        self.index = self.policy.choose(t, ctx.state.rates)
        return MENU[self.index]

    def observe(self, ctx: AgentContext, t: int, labour: Array, outcome: StepOutcome,
                objective: float) -> Array:
        r = self.policy.satisfaction(t, outcome.pre_tax_income, outcome.tax, outcome.rebate)
        score = self.policy.scores(outcome.utility, outcome.rebate, r, objective)
        self.policy.observe(t, self.index, score, ctx.state.rates)
        return r


def surrogate_vec_workers(cfg: SimConfig, utility_types: Sequence[str] | NDArray[np.integer],
                          attitude: Callable[[], Array]) -> SurrogateVecWorkers:
    """``surrogate_vec`` workers of a run: history window ``H``, tax year ``K``, episode
    ``n_steps`` and seed from ``cfg``; satisfaction asked in a bounded scenario.
    ``utility_types`` are names or codes (:data:`~econsim.prompts.UTILITY_TYPES` order);
    ``attitude()`` gives every worker's tax attitude in {−1, 0, 1}."""
    return SurrogateVecWorkers(VectorSurrogateWorkers.build(
        utility_types, attitude(), H=cfg.H, K=cfg.K, n_steps=cfg.n_steps, seed=cfg.seed,
        bounded=cfg.scenario_spec.satisfaction))


#: Worker kind → ``factory(cfg, utility_types, attitude)`` of the array workers that need
#: neither a language model nor the population frame (``attitude``: a function giving every
#: worker's tax attitude, called only by the workers that read it).
ARRAY_WORKERS: Registry[Callable[..., Any]] = Registry("worker")
ARRAY_WORKERS.register("rational", lambda cfg, types, attitude: ExactWorkers("rational"))
ARRAY_WORKERS.register("fixed", lambda cfg, types, attitude: ExactWorkers("fixed"))
ARRAY_WORKERS.register("random", lambda cfg, types, attitude: ExactWorkers("random"))
ARRAY_WORKERS.register("surrogate_vec", surrogate_vec_workers)

__all__ = ["ARRAY_WORKERS", "ExactWorkers", "SurrogateVecWorkers", "surrogate_vec_workers"]
