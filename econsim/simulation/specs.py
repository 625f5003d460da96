"""What a configuration's names mean: each choice of :class:`~econsim.simulation.config.SimConfig`
that changes the game is a registered spec, so the engine, the agents and the estimates ask the
spec (``cfg.scenario_spec.elections``) instead of comparing strings (``cfg.scenario ==
"democratic"``) in every layer. A new scenario, worker kind, persona source or batching is one
registration here.
"""

from __future__ import annotations

from dataclasses import dataclass

from econsim.registry import Registry


@dataclass(frozen=True)
class Scenario:
    """What workers are told and who sets the rates (MODEL.md §5)."""

    name: str
    about: str
    personas: bool  # workers have a persona (and may have their persona texts written)
    satisfaction: bool  # workers rate each step (YES/NO) and maximise r·u
    elections: bool  # workers elect the leader who sets the rates: no planner


SCENARIOS: Registry[Scenario] = Registry("scenario")
for _s in (
    Scenario("rational", "workers maximise their own utility; no personas", False, False, False),
    Scenario("bounded", "persona workers report satisfaction; they maximise r·u", True, True,
             False),
    Scenario("democratic", "bounded workers elect a leader who sets the rates", True, True,
             True),
):
    SCENARIOS.register(_s.name, _s)


@dataclass(frozen=True)
class WorkerKind:
    """How workers choose their hours."""

    name: str
    about: str
    asks_model: bool = False  # one language-model (or stand-in) call per worker and step
    vector_only: bool = False  # exists only as array operations (the vectorised engine)
    best_responds: bool = False  # the exact best response on the labour menu
    fixed_hours: bool = False  # the same hours every step (``fixed_hours``)


WORKER_SPECS: Registry[WorkerKind] = Registry("worker")
for _w in (
    WorkerKind("llm", "a language model (or the offline stand-in) learning in context",
               asks_model=True),
    WorkerKind("rational", "the exact best response to the rates in force", best_responds=True),
    WorkerKind("fixed", "the same hours every step", fixed_hours=True),
    WorkerKind("random", "hours drawn from the menu at random"),
    WorkerKind("surrogate_vec", "the stand-in's learning rule as array operations",
               vector_only=True),
):
    WORKER_SPECS.register(_w.name, _w)


@dataclass(frozen=True)
class PersonaSource:
    """Where persona texts come from."""

    name: str
    about: str
    written_by_model: bool = False  # one language-model call per worker before the run
    archetypes: bool = False  # the paper's fixed personas, by archetype


PERSONA_SPECS: Registry[PersonaSource] = Registry("personas")
for _p in (
    PersonaSource("offline", "a deterministic generator from the population's fields"),
    PersonaSource("llm", "written by the backend", written_by_model=True),
    PersonaSource("archetypes", "the paper's archetype personas", archetypes=True),
):
    PERSONA_SPECS.register(_p.name, _p)


@dataclass(frozen=True)
class Batching:
    """How LLM workers are asked."""

    name: str
    about: str
    per_cluster: bool  # one call per cluster of the population, applied to its members


BATCHINGS: Registry[Batching] = Registry("batching")
for _b in (
    Batching("agents", "one call per worker", False),
    Batching("clusters", "one call per cluster of similar workers, applied to its members", True),
):
    BATCHINGS.register(_b.name, _b)

__all__ = ["BATCHINGS", "PERSONA_SPECS", "SCENARIOS", "WORKER_SPECS", "Batching",
           "PersonaSource", "Scenario", "WorkerKind"]
