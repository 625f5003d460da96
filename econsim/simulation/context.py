"""The door through which agents see the run: what workers, planners and elections may read.

Agents never receive the engine. The engine builds one :class:`AgentContext` per run and hands it to
every agent call: the configuration, the population's fixed attributes, the run state (read;
elections also set the leader), the seeded generator for tie-breaks, and two callables — ``call``
(one phase of LLM requests, recorded) and ``record_election``. Agents therefore depend on this
module only, and the engines above them (per-agent loop, vectorised) import the agents, never the
other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.economy.outcomes import StepOutcome
from econsim.economy.tax import TaxSchedule
from econsim.economy.utility import UtilityParams
from econsim.prompts import PlannerView
from econsim.simulation.config import SimConfig
from econsim.simulation.state import SimState

Array = NDArray[np.float64]
#: ``call(kind, requests, agents=..., step=...)``: all calls of one phase, concurrently, recorded.
PhaseCall = Callable[..., list[Any]]
#: ``ask(kind, views, schema=..., call_ids=..., fallbacks=..., agents=..., step=...)``: one phase
#: of agent calls given as prompt views; the engine renders them for a language model, or lets the
#: offline stand-in decide from the views (:mod:`econsim.llm.surrogate.standin`).
PhaseAsk = Callable[..., list[Any]]


@dataclass(frozen=True)
class AgentContext:
    """What an agent reads (and the two things it may do) during one run.

    Parameters
    ----------
    config
        The run's validated configuration.
    cutoffs, utility_params
        Bracket lower edges (USD) and the utility constants.
    skills, names, personas, utility_types
        The population's fixed attributes, indexed by agent.
    state
        The run state; the engine advances it, agents read it (elections set the leader).
    rng
        The run's seeded generator (election tie-breaks).
    call
        Sends one phase of LLM requests and records them (:class:`~econsim.llm.Request` list in,
        completions out, in order).
    ask
        The same for a phase given as prompt views (:mod:`econsim.prompts`): agents hand over
        what they observe and the engine decides whether a text is rendered.
    record_election
        Appends rows to the run's ``elections`` table.
    objective_fn
        The configured welfare objective ``(utility, pre_tax, post_tax) -> float``.
    planner_view
        ``planner_view(t)``: what the planner (or a leader) sees at the tax-year start ``t``,
        as the holder can show it (every worker's outcome, or a lean population's histograms).
    """

    config: SimConfig
    cutoffs: Array
    utility_params: UtilityParams
    skills: Array
    names: Sequence[str]
    personas: Sequence[str | None]
    utility_types: Sequence[str]
    state: SimState
    rng: np.random.Generator
    call: PhaseCall
    ask: PhaseAsk
    record_election: Callable[[Iterable[dict[str, Any]]], None]
    objective_fn: Callable[[Array, Array, Array], float]
    planner_view: Callable[[int], PlannerView]

    def schedule(self, rates: Array | None = None) -> TaxSchedule:
        """The tax schedule with ``rates`` (default: the rates in force)."""
        return TaxSchedule(self.cutoffs, self.state.rates if rates is None else rates)

    def objective(self, outcome: StepOutcome) -> float:
        """The configured welfare objective of one step's outcome."""
        return self.objective_fn(outcome.utility, outcome.pre_tax_income,
                                 outcome.post_tax_income)

    def call_id(self, t: int, kind: str, agent: int | str) -> str:
        """Stable id of one agent call: the surrogate's randomness and the store key use it."""
        return f"seed{self.config.seed}/t{t:06d}/{kind}/{agent}"

    def call_ids(self, t: int, kind: str, n: int) -> list[str]:
        """``[call_id(t, kind, i) for i in range(n)]``, the common prefix formatted once."""
        prefix = self.call_id(t, kind, "")
        return [prefix + a for a in _agent_strings(n)]


_AGENT_STRINGS: list[str] = []


def _agent_strings(n: int) -> list[str]:
    """``["0", "1", …, str(n − 1)]`` (kept: every phase of every step needs them)."""
    if len(_AGENT_STRINGS) < n:
        _AGENT_STRINGS.extend(str(i) for i in range(len(_AGENT_STRINGS), n))
    return _AGENT_STRINGS[:n]
