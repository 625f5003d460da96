"""How many LLM calls a configuration makes, counted from the engines' rules (no run needed).

A *decision* is one row of a run's ``calls`` table: one agent asked once in one phase. A decision
costs one request, plus one per re-ask of an invalid reply (at most ``max_reasks``), so a run
sends between ``decisions`` and ``decisions × (1 + max_reasks)`` requests. LLM-written personas
are requests too, but they are written before the first step and are not rows of ``calls``.

With ``T`` steps, tax years of ``K`` steps and ``W`` warm-up steps, the rates are revised at the
*update steps* ``t = jK`` (``j ≥ 1``, ``t < T``, ``t ≥ W``); ``U`` is their number. For ``k`` asked
workers (every agent, or one representative per cluster):

* ``labour``: ``k·T`` (LLM workers);
* ``satisfaction``: ``k·T`` (LLM workers, bounded and democratic scenarios);
* ``planner``: ``U`` (LLM planner, rational and bounded scenarios);
* democratic scenario with LLM workers: elections at update step ``j`` with
  ``(j − 1) mod election_every = 0`` (``E`` of them); with platforms, ``run``: ``n·E`` decisions
  to stand; ``vote``: ``n·E`` (with platforms: ``0`` for an election nobody stands in);
  ``leader``: ``U`` (a binding platform replaces the leader's call in its election year, so with
  platforms and binding platforms ``U − E`` when everyone's election has a winner with a platform);
* ``persona`` requests: ``k`` (``personas='llm'`` outside the rational scenario, no saved
  population; the vectorised engine writes them for LLM workers only, the lean engine never).

Only platforms make the count depend on the replies; otherwise ``low == high``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from econsim.simulation.config import SimConfig, uses_vector_engine
from econsim.simulation.lean_engine import uses_lean_engine

#: Kinds of decisions, in the order the tables list them.
CALL_KINDS = ("labour", "satisfaction", "planner", "run", "vote", "leader")


@dataclass(frozen=True)
class CallCount:
    """Decisions per kind (``low``/``high`` differ only when replies decide who stands).

    Attributes
    ----------
    engine
        ``per_agent``, ``vectorized`` or ``lean`` (the engine the factory would choose).
    asked
        Workers asked per step: ``n_agents``, or ``n_clusters`` with cluster batching.
    low, high
        Decisions (``calls`` table rows) per kind.
    personas
        Persona-writing requests before the first step (not rows of ``calls``).
    max_reasks
        Re-asks allowed per decision.
    """

    engine: str
    asked: int
    low: dict[str, int] = field(default_factory=dict)
    high: dict[str, int] = field(default_factory=dict)
    personas: int = 0
    max_reasks: int = 0

    @property
    def decisions(self) -> tuple[int, int]:
        """Rows of the ``calls`` table (low, high)."""
        return sum(self.low.values()), sum(self.high.values())

    @property
    def requests(self) -> tuple[int, int]:
        """Requests sent (ledger ``calls`` + ``cache_hits``): no re-ask at the low end, every
        decision and persona re-asked ``max_reasks`` times at the high end."""
        lo, hi = self.decisions
        return lo + self.personas, (hi + self.personas) * (1 + self.max_reasks)


def engine_of(cfg: SimConfig) -> str:
    """The engine :func:`econsim.simulation.factory.choose_engine` picks (same rules, without
    importing the engines)."""
    if uses_lean_engine(cfg):
        return "lean"
    return "vectorized" if uses_vector_engine(cfg) else "per_agent"


def update_steps(cfg: SimConfig) -> list[int]:
    """Steps ``t = jK`` (``j ≥ 1``) before ``n_steps`` and not before ``warmup``: where the
    planner (or the democratic leader) revises the rates."""
    return [t for t in range(cfg.K, cfg.n_steps, cfg.K) if t >= cfg.warmup]


def election_steps(cfg: SimConfig) -> list[int]:
    """Update steps at which the democratic scenario holds an election."""
    return [t for t in update_steps(cfg) if (t // cfg.K - 1) % cfg.election_every == 0]


def count_calls(cfg: SimConfig) -> CallCount:
    """Decisions per kind for ``cfg`` (see the module docstring for the formulas)."""
    engine = engine_of(cfg)
    n, steps = cfg.n_agents, cfg.n_steps
    llm_workers = cfg.worker_spec.asks_model
    asked = cfg.n_clusters if llm_workers and cfg.batching_spec.per_cluster else n
    low = dict.fromkeys(CALL_KINDS, 0)
    if llm_workers:
        low["labour"] = asked * steps
        if cfg.scenario_spec.satisfaction:
            low["satisfaction"] = asked * steps
    n_updates = len(update_steps(cfg))
    high = dict(low)
    if cfg.scenario_spec.elections:
        if llm_workers:
            n_elections = len(election_steps(cfg))
            votes = n * n_elections
            low["leader"] = high["leader"] = n_updates
            low["vote"] = high["vote"] = votes
            if cfg.platforms:
                low["run"] = high["run"] = votes
                low["vote"] = 0  # nobody stands: no vote, the incumbent stays
                if cfg.binding_platforms:  # a winner's platform replaces the leader's call
                    low["leader"] = n_updates - n_elections
    elif cfg.planner_spec.asks_model:
        low["planner"] = high["planner"] = n_updates
    personas = 0
    # the per-agent loop writes every agent's persona; the vectorised engine only the asked
    # LLM workers' (its other workers read attitudes, not texts); the lean engine none
    writes = engine == "per_agent" or (engine == "vectorized" and llm_workers)
    if cfg.writes_personas and cfg.population is None \
            and writes:
        personas = asked
    return CallCount(engine, asked, {k: v for k, v in low.items() if high[k]},
                     {k: v for k, v in high.items() if v}, personas, cfg.max_reasks)
