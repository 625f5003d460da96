"""What a configuration's names mean: each choice of :class:`~econsim.simulation.config.SimConfig`
that changes the game is a registered spec, so the engine, the agents and the estimates ask the
spec (``cfg.scenario_spec.elections``) instead of comparing strings (``cfg.scenario ==
"democratic"``) in every layer. A new scenario, worker kind, planner kind, persona source or
batching is one registration here.
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
    answers_rates: bool = False  # hours respond to the rates in force (the classroom offers it)


WORKER_SPECS: Registry[WorkerKind] = Registry("worker")
for _w in (
    WorkerKind("llm", "a language model (or the offline stand-in) learning in context",
               asks_model=True, answers_rates=True),
    WorkerKind("rational", "the exact best response to the rates in force", best_responds=True,
               answers_rates=True),
    WorkerKind("fixed", "the same hours every step", fixed_hours=True),
    WorkerKind("random", "hours drawn from the menu at random"),
    WorkerKind("surrogate_vec", "the stand-in's learning rule as array operations",
               vector_only=True, answers_rates=True),
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



@dataclass(frozen=True)
class PlannerKind:
    """Who sets the rates and what it needs (the classes are in
    :data:`econsim.simulation.planners.PLANNERS`, registered under the same names)."""

    name: str
    about: str
    asks_model: bool = False  # one language-model (or stand-in) call per tax year
    reads_population: bool = False  # needs every worker's skill or income (not histograms)
    static: bool = False  # its rates never change after the first step
    tax_preset: str | None = None  # the only bracket preset its rates are for (None: any)


PLANNER_SPECS: Registry[PlannerKind] = Registry("planner")
for _k in (
    PlannerKind("llm", "in-context RL: a DELTA per bracket each tax year", asks_model=True),
    PlannerKind("saez", "Saez (2001) rates from last year's incomes", reads_population=True),
    PlannerKind("saez_v1", "the v1 code's Saez rates, evaluated once", reads_population=True,
                static=True),
    PlannerKind("saez_empirical", "Saez rates with measured per-bracket elasticities",
                reads_population=True),
    PlannerKind("us_federal", "the 2024 US federal statutory rates", static=True,
                tax_preset="us_federal_2024"),
    PlannerKind("fixed", "fixed_rates (or 50 %) held fixed", static=True),
    PlannerKind("stackelberg", "the exact Stackelberg optimum, held fixed",
                reads_population=True, static=True),
    PlannerKind("keep_start", "null baseline: the LLM planner's start, never changed",
                static=True),
    PlannerKind("random", "null baseline: a random DELTA from the menu each tax year"),
    PlannerKind("student", "rates handed in before each tax year (the classroom's student); "
                "none handed in: the rates in force (fixed_rates or 50 % at the start)"),
):
    PLANNER_SPECS.register(_k.name, _k)



@dataclass(frozen=True)
class EngineChoice:
    """The ``engine`` key: let the configuration pick the holder, or hold a lean population
    (chunks in this process, or shards on Dask workers). The holders themselves are
    registered in :data:`econsim.simulation.factory.ENGINES`."""

    name: str
    about: str
    lean: bool = False  # a lean population in chunks (econsim.simulation.lean_engine)
    shards: bool = False  # the chunks live on Dask workers


ENGINE_SPECS: Registry[EngineChoice] = Registry("engine")
for _e in (
    EngineChoice("auto", "per-agent or vectorised from the configuration; lean above 5e6 agents"),
    EngineChoice("lean", "a lean population in chunks, in this process", lean=True),
    EngineChoice("dask", "a lean population as shards on Dask workers", lean=True, shards=True),
):
    ENGINE_SPECS.register(_e.name, _e)


@dataclass(frozen=True)
class SurrogateReading:
    """The ``surrogate_reads`` key: how the offline stand-in reads its calls."""

    name: str
    about: str
    arrays: bool  # may decide from the prompt views' arrays (no text rendered)
    required: bool = False  # arrays or an error (no silent fall-back to text)


SURROGATE_READINGS: Registry[SurrogateReading] = Registry("surrogate_reads")
for _r in (
    SurrogateReading("auto", "arrays whenever no text is needed, else text", arrays=True),
    SurrogateReading("arrays", "arrays, or an error when a text is needed", arrays=True,
                     required=True),
    SurrogateReading("text", "render every prompt and read it", arrays=False),
):
    SURROGATE_READINGS.register(_r.name, _r)

__all__ = ["BATCHINGS", "ENGINE_SPECS", "SURROGATE_READINGS", "EngineChoice", "SurrogateReading", "PERSONA_SPECS", "PLANNER_SPECS", "SCENARIOS", "WORKER_SPECS",
           "Batching", "PersonaSource", "PlannerKind", "Scenario", "WorkerKind"]
