"""Cluster batching (``batching: clusters``): one LLM call per cluster per step, applied to the
cluster's members. ("Archetypes" means only the paper's 13 fixed personas: ``personas:
archetypes``.)

The population is partitioned by :meth:`econsim.population.Population.clusters` into K clusters;
each group's representative (its median-skill member) is an ordinary LLM worker — it sees its own
history in the usual prompt and its answer is its hours. Every other member works the
representative's hours moved by one menu step with probability :data:`MEMBER_JITTER` (half down,
half up, clipped to [0, 100]), drawn from the member's own seeded stream: the cluster's answer
distribution is the representative's answer plus within-cluster dispersion. In the bounded
scenario the representative is also asked for satisfaction and members take its answer. So a step
costs K labour calls (+ K satisfaction calls when bounded), and the planner adds one call at the
start of each tax year: K + 1 calls on those steps.

With K = N every agent is its own representative and nothing is jittered: the calls, call ids
and records are those of the per-agent loop (tested), which is how the vectorised engine runs
``worker='llm'`` with ``batching='agents'``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from econsim.llm import Request, Satisfaction, labour_schema
from econsim.prompts import SatisfactionView, StepRecord, WorkerView, build
from econsim.prompts.common import MENU_HOURS
from econsim.scale.surrogate_vec import agent_uniforms
from econsim.simulation.context import AgentContext

Array = NDArray[np.float64]
#: Probability that a member's hours differ from its representative's answer by one menu step.
MEMBER_JITTER = 0.2
FIRST_STEP_FALLBACK_HOURS = 40.0
#: Labour reply schema of worker prompts: hours on the menu they show (bounds sent to the model).
LABOUR_SCHEMA = labour_schema(MENU_HOURS)
_JITTER_STREAM = 4


@dataclass
class ClusterWorkers:
    """LLM workers asked one representative per cluster.

    Parameters
    ----------
    labels
        Cluster (0..K−1) of every agent.
    representatives
        Agent index of each cluster's representative.
    personas
        Persona text of each representative (``None`` in the rational scenario).
    utility_types
        Utility type of each representative.
    """

    labels: NDArray[np.int64]
    representatives: NDArray[np.int64]
    personas: list[str | None]
    utility_types: list[str]
    histories: list[list[StepRecord]] = field(init=False)
    last: Array = field(init=False)
    satisfied: Array = field(init=False)
    is_rep: NDArray[np.bool_] = field(init=False)

    def __post_init__(self) -> None:
        k = self.representatives.size
        self.histories = [[] for _ in range(k)]
        self.last = np.full(k, FIRST_STEP_FALLBACK_HOURS)
        self.satisfied = np.ones(k)
        self.is_rep = np.zeros(self.labels.size, dtype=bool)
        self.is_rep[self.representatives] = True

    @property
    def k(self) -> int:
        return int(self.representatives.size)

    def labour(self, ctx: AgentContext, t: int) -> Array:
        """K calls; members get their representative's answer, jittered."""
        cfg = ctx.config
        cutoffs, rates = tuple(ctx.cutoffs.tolist()), tuple(ctx.state.rates.tolist())
        requests = []
        for j, i in enumerate(self.representatives.tolist()):
            view = WorkerView(name=f"worker_{i}", skill=float(ctx.skills[i]), step=t,
                              n_steps=cfg.n_steps, cutoffs=cutoffs, rates=rates,
                              history=self.histories[j][-cfg.H:], persona=self.personas[j],
                              utility_type=self.utility_types[j], K=cfg.K, H=cfg.H)
            requests.append(Request(build(cfg.prompt_style, "worker", view), LABOUR_SCHEMA,
                                    ctx.call_id(t, "labour", i),
                                    LABOUR_SCHEMA(LABOR=self.last[j])))
        done = ctx.call("labour", requests, agents=self.representatives.tolist(), step=t)
        answers = np.array([float(c.parsed.LABOR) for c in done])
        self.last = answers
        return self.spread(answers, cfg.seed, t)

    def spread(self, answers: Array, seed: int, t: int) -> Array:
        """Members' hours: the representative's answer, one menu step away w.p. MEMBER_JITTER."""
        hours = answers[self.labels]
        if self.k == self.labels.size:
            return hours
        u = agent_uniforms(seed, t, _JITTER_STREAM, self.labels.size)
        move = np.where(u < MEMBER_JITTER / 2, -10.0, np.where(u > 1 - MEMBER_JITTER / 2, 10.0,
                                                                 0.0))
        move[self.is_rep] = 0.0
        return np.clip(hours + move, 0.0, 100.0)

    def observe(self, ctx: AgentContext, t: int, labour: Array, outcome, objective: float
                ) -> Array:
        """Append the representatives' outcomes to their histories; satisfaction when bounded."""
        reps = self.representatives
        rates = ctx.state.year_rates
        z, tax, post, u = (outcome.pre_tax_income[reps], outcome.tax[reps],
                           outcome.post_tax_income[reps], outcome.utility[reps])
        for j in range(self.k):
            self.histories[j].append(StepRecord(
                t, rates, float(labour[reps[j]]), float(z[j]), float(tax[j]), outcome.rebate,
                float(post[j]), float(u[j]), swf=objective))
        if not ctx.config.scenario_spec.satisfaction:
            return np.ones(self.labels.size)
        r = self._satisfaction(ctx, t)
        for j in range(self.k):
            self.histories[j][-1] = dataclasses.replace(
                self.histories[j][-1], satisfaction=float(r[j]),
                adjusted_utility=float(r[j] * u[j]))
        return r[self.labels]

    def _satisfaction(self, ctx: AgentContext, t: int) -> Array:
        cfg = ctx.config
        cutoffs, rates = tuple(ctx.cutoffs.tolist()), tuple(ctx.state.rates.tolist())
        requests = []
        for j, i in enumerate(self.representatives.tolist()):
            view = SatisfactionView(name=f"worker_{i}", persona=self.personas[j],
                                    cutoffs=cutoffs, rates=rates, last=self.histories[j][-1])
            prev = Satisfaction(SATISFIED="YES" if self.satisfied[j] == 1.0 else "NO")
            requests.append(Request(build(cfg.prompt_style, "satisfaction", view), Satisfaction,
                                    ctx.call_id(t, "satisfaction", i), prev))
        done = ctx.call("satisfaction", requests, agents=self.representatives.tolist(), step=t)
        self.satisfied = np.array([c.parsed.r for c in done])
        return self.satisfied
