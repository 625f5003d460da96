"""The vectorised engine: the same game for populations up to 10⁶ agents (docs/scale.md).

:class:`VectorSimulation` is a :class:`~econsim.simulation.engine.Simulation` whose workers are
array operations over the whole population — no per-agent Python objects or prompt strings on the
hot path — while the planner, the economics (:func:`econsim.economy.outcomes.economy_step`,
:func:`econsim.economy.welfare.all_metrics`), the tables, checkpoints and resume are shared with the
per-agent loop. The factory (:func:`econsim.simulation.factory.make_simulation`) chooses it when
:func:`econsim.simulation.config.uses_vector_engine` says so.

Workers (:data:`VECTOR_WORKERS`): the array workers of :mod:`econsim.simulation.array_workers` —
``surrogate_vec`` (the surrogate's rule over statistics arrays, :mod:`econsim.scale.surrogate_vec`),
``rational``, ``fixed`` and ``random`` (identical records to the loop) —,
``llm`` (one call per cluster, :mod:`econsim.simulation.cluster_workers`; with ``batching='agents'`` one per
agent, identical to the loop). The democratic scenario is not supported (every worker votes).

Records: every agent's per-step row is kept up to :data:`AUTO_RECORD_LIMIT` agents; above it (or
with ``record_agents=M``) a seeded random subset of agents is kept and the steps table gains
per-step distribution summaries (labour, income and utility quantiles).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.economy.outcomes import StepOutcome, economy_step
from econsim.economy.skills import sample_skills
from econsim.economy.welfare import all_metrics
from econsim.population import Population
from econsim.population.attitudes import ATTITUDE_SCORES
from econsim.population.llm_personas import write_llm_personas
from econsim.registry import Registry
from econsim.scale.surrogate_vec import VectorSurrogateWorkers
from econsim.simulation.array_workers import ARRAY_WORKERS, ExactWorkers, SurrogateVecWorkers
from econsim.simulation.cluster_workers import ClusterWorkers
from econsim.simulation.config import SimConfig
from econsim.simulation.engine import Simulation
from econsim.simulation.memory import AUTO_RECORD_LIMIT, AUTO_RECORD_SAMPLE, check_memory
from econsim.simulation.population import allocate_types, census_population
from econsim.simulation.records import Recorder
from econsim.simulation.state import SimState
from econsim.simulation.workers import WORKERS

Array = NDArray[np.float64]
_QUANTILES = (0.1, 0.5, 0.9)


class _Names:
    """``worker_<i>`` names without a million strings."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> str:
        if not -self.n <= i < self.n:
            raise IndexError(i)
        return f"worker_{i % self.n}"


@dataclass
class VectorState(SimState):
    """:class:`SimState` plus the workers' learning state (checkpointed with it)."""

    workers: Any = None


def _tax_attitudes(pop: Population) -> Array:
    """Every worker's tax attitude score in {−1, 0, 1} (the bounded scenario's satisfaction)."""
    scores = ATTITUDE_SCORES["tax_attitude"]
    return pop.agents["tax_attitude"].map(scores).to_numpy(float)


def _llm_workers(sim: VectorSimulation, pop: Population) -> ClusterWorkers:
    cfg = sim.config
    if cfg.batching_spec.per_cluster:
        groups = pop.clusters(cfg.n_clusters)
        order = np.argsort(groups.representatives, kind="stable")  # clusters in agent order
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        labels = rank[groups.labels].astype(np.int64)
        reps = groups.representatives[order].astype(np.int64)
    else:
        labels = reps = np.arange(cfg.n_agents, dtype=np.int64)
    personas: list[str | None] = [None] * reps.size
    if cfg.scenario_spec.personas:
        if cfg.persona_spec.written_by_model and cfg.population is None:
            personas = list(write_llm_personas(pop.subset(reps), sim.client,
                                               style=cfg.prompt_style).personas)
        elif "persona" in pop.agents:
            personas = pop.agents["persona"].iloc[reps].astype(str).tolist()
        else:
            personas = pop.persona_texts(reps)
    return ClusterWorkers(labels, reps, personas, [sim.utility_types[i] for i in reps])


#: Worker kind → factory(simulation, population) of the vectorised engine: the array workers
#: (:data:`~econsim.simulation.array_workers.ARRAY_WORKERS`) and cluster-batched LLM workers.
VECTOR_WORKERS: Registry[Any] = Registry("vectorised worker kind")
VECTOR_WORKERS.register("llm", _llm_workers)


def _array_workers(kind: str) -> Any:
    """The factory of the array workers ``kind``, built as every array holder builds them."""
    make = ARRAY_WORKERS.get(kind)
    return lambda sim, pop: make(sim.config, sim.utility_types, lambda: _tax_attitudes(pop))


for _kind in ARRAY_WORKERS:
    VECTOR_WORKERS.register(_kind, _array_workers(_kind))


def vector_population(cfg: SimConfig) -> Population:
    """The run's census population without persona texts (the loop's agents, same seed)."""
    mode = "archetypes" if cfg.persona_spec.archetypes and cfg.scenario_spec.personas else "none"
    return census_population(cfg, personas=mode)


class SampledRecorder(Recorder):
    """A :class:`Recorder` keeping per-agent rows of ``rows`` only (all agents if ``None``)."""

    def __init__(self, folder: Path | None, record_prompts: bool, record_calls: bool,
                 rows: NDArray[np.int64] | None) -> None:
        super().__init__(folder, record_prompts, record_calls)
        self.rows = rows

    def agent_rows(self, step: int, columns: dict[str, np.ndarray]) -> None:
        if self.rows is None:
            return super().agent_rows(step, columns)
        self.agent_columns(step, self.rows, {k: v[self.rows] for k, v in columns.items()})


def distribution_summary(labour: Array, outcome: StepOutcome) -> dict[str, float]:
    """Per-step quantiles (10/50/90 %) of labour, pre-tax income and utility, plus sd of labour."""
    out: dict[str, float] = {"labour_sd": float(labour.std())}
    for name, x in (("labour", labour), ("income", outcome.pre_tax_income),
                    ("utility", outcome.utility)):
        for q, v in zip(_QUANTILES, np.quantile(x, _QUANTILES), strict=True):
            out[f"{name}_p{round(100 * q)}"] = float(v)
    return out


class VectorSimulation(Simulation):
    """One run on the vectorised engine (same parameters as :class:`Simulation`).

    Parameters
    ----------
    force
        Run even if the memory estimate exceeds the available memory (:mod:`econsim.simulation.memory`).
    """

    CHECKPOINT_CLASSES = (*Simulation.CHECKPOINT_CLASSES, VectorState, ExactWorkers,
                          SurrogateVecWorkers, VectorSurrogateWorkers, ClusterWorkers,
                          *(WORKERS.get(n) for n in WORKERS.names()))

    def _check_engine(self, cfg: SimConfig, force: bool) -> None:
        if cfg.scenario_spec.elections:
            raise ValueError("the vectorised engine runs the scenarios rational, bounded; "
                             "democratic elections need the per-agent loop")
        self.memory_estimate = check_memory(cfg, force=force)

    def _build_agents(self, cfg: SimConfig) -> None:
        type_seq, uniform_seq = np.random.SeedSequence(cfg.seed).spawn(2)
        self._pop = vector_population(cfg)
        self.skills = sample_skills(cfg.n_agents, np.random.default_rng(uniform_seq), "uniform") \
            if cfg.economy.uniform_skills else self._pop.skills.copy()
        self.utility_types = allocate_types(cfg.utility_mix, cfg.n_agents,
                                            np.random.default_rng(type_seq))
        self.names = _Names(cfg.n_agents)
        self.personas: list[str | None] = []

    def _initial_state(self) -> VectorState:
        n = self.config.n_agents
        return VectorState(step=0, rates=np.zeros(self.config.n_brackets),
                           rng_state=self.rng.bit_generator.state, histories=[],
                           last_labour=np.zeros(n), satisfaction=np.ones(n),
                           workers=VECTOR_WORKERS.get(self.config.worker)(self, self._pop))

    def _attach_state(self) -> None:
        self.workers = self.state.workers
        del self._pop  # the population's frame is large at 10^6 agents; workers keep what they need

    def _make_recorder(self) -> Recorder:
        return SampledRecorder(self.folder, self.config.record_prompts, self.config.record_calls,
                               record_rows(self.config))

    def _step(self, t: int) -> None:
        labour = self.workers.labour(self.context, t)
        outcome = economy_step(self.skills, labour, self.context.schedule(), self.utility_params)
        metrics = all_metrics(outcome.utility, outcome.pre_tax_income, outcome.post_tax_income)
        satisfaction = self.workers.observe(self.context, t, labour, outcome,
                                            metrics[self.config.objective])
        summary = distribution_summary(labour, outcome) if self.recorder.rows is not None else {}
        self._keep_step(t, labour, outcome, metrics[self.config.objective], metrics,
                        satisfaction, summary)

    def _record_own_histories(self, start: int) -> None:
        """Not kept: only the democratic leader reads them, and this engine refuses that
        scenario; the workers' learning state is checkpointed with the run state."""


def record_rows(cfg: SimConfig) -> NDArray[np.int64] | None:
    """Agents whose per-step rows are kept (``None`` = all), seeded by ``cfg.seed``."""
    n = cfg.n_agents
    m = cfg.record_agents
    if m is None:
        m = n if n <= AUTO_RECORD_LIMIT else AUTO_RECORD_SAMPLE
    if m >= n and cfg.record_agents is None:
        return None
    rng = np.random.default_rng(np.random.SeedSequence(cfg.seed, spawn_key=(101,)))
    return np.sort(rng.choice(n, size=min(m, n), replace=False)).astype(np.int64)
