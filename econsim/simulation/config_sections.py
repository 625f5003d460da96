"""The sections of a run's configuration: economy, agents, run, llm, scale.

Each section is a frozen pydantic model. Pydantic (already the package's library for the LLM
reply schemas and the class board's bodies) does the structure: typed fields with their defaults,
declared bounds (``Field(ge=1)``), unknown keys refused, a JSON schema for editors
(:func:`econsim.simulation.config.config_schema`). This module adds what a user needs on top: every
error is one :class:`~econsim.simulation.config_types.ConfigError` naming its key, in the words the
rest of the package uses (``n_agents must be an integer >= 1; got 0``), and the allowed values of
a choice are read from its registry, so a registered scenario, planner or tax preset is valid here
without a second list. Rules that relate keys of different sections (cluster counts against
``n_agents``, the lean engine's limits) live in :mod:`econsim.simulation.config`.

Why pydantic rather than attrs validators: the models carry their own schema and bounds as data
(``model_fields``), which the command line reads to build and type its flags, and the package
already depends on pydantic v2; attrs would add a dependency for the same checks written by hand.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo

from econsim.economy.tax import TAX_PRESETS
from econsim.economy.utility import UTILITY_PRESETS
from econsim.economy.welfare import OBJECTIVES, get_objective
from econsim.llm.store import STORE_MODES
from econsim.llm.structured import STRUCTURED_OUTPUT
from econsim.population.skill_modes import SKILL_MODES
from econsim.prompts import PROMPT_STYLES, UTILITY_TYPES
from econsim.simulation.config_types import ConfigError, check_choice, check_value_type
from econsim.simulation.specs import (
    BATCHINGS,
    ENGINE_SPECS,
    PERSONA_SPECS,
    PLANNER_SPECS,
    SCENARIOS,
    SURROGATE_READINGS,
    WORKER_SPECS,
)

#: Skills: the population's modes (:data:`~econsim.population.skill_modes.SKILL_MODES`) and
#: ``uniform``, which the simulation draws itself (econsim.simulation.population).
UNIFORM_SKILLS = "uniform"
#: Upper bounds of the transport settings: a run against a server that hangs ends within
#: about request_timeout x (max_retries + 1) per call (econsim.llm.sdk.call_deadline).
MAX_RETRIES = 10
MAX_REQUEST_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Choice:
    """A key whose value is a name: the valid names (read when asked, so a part registered
    after import is valid too) and, where a registry has one, its own lookup (whose error lists
    the names); otherwise the value is checked against the names."""

    names_of: Callable[[], Sequence[str]]
    lookup: Callable[[str], Any] | None = None

    def names(self) -> tuple[str, ...]:
        return tuple(self.names_of())

    def check(self, value: str, key: str) -> None:
        if self.lookup is not None:
            self.lookup(value)
        else:
            check_choice(value, key, self.names())


def _workers() -> tuple[str, ...]:
    # agent-by-agent kinds first, then those that exist only as array operations
    return tuple(sorted(WORKER_SPECS, key=lambda n: WORKER_SPECS.get(n).vector_only))


#: Keys whose value is a name, and their valid names: read from the registries, so a registered
#: scenario, planner or tax preset is valid without a second list.
CHOICES: dict[str, Choice] = {
    "scenario": Choice(SCENARIOS.names, SCENARIOS.get),
    "tax_preset": Choice(TAX_PRESETS.names, TAX_PRESETS.get),
    "utility": Choice(UTILITY_PRESETS.names, UTILITY_PRESETS.get),
    "objective": Choice(lambda: OBJECTIVES, get_objective),
    "skills": Choice(lambda: (*SKILL_MODES.names(), UNIFORM_SKILLS)),
    "worker": Choice(_workers),
    "planner": Choice(PLANNER_SPECS.names),
    "personas": Choice(PERSONA_SPECS.names),
    "prompt_style": Choice(PROMPT_STYLES.names, PROMPT_STYLES.get),
    "store_mode": Choice(STORE_MODES.names, STORE_MODES.get),
    "structured_output": Choice(lambda: tuple(STRUCTURED_OUTPUT)),
    "surrogate_reads": Choice(SURROGATE_READINGS.names),
    "batching": Choice(BATCHINGS.names),
    "engine": Choice(ENGINE_SPECS.names),
}


def annotation_kinds(annotation: Any) -> tuple[str, ...]:
    """Base types an annotation accepts (``float | None`` → ``('float', 'None')``)."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        return tuple(k for a in typing.get_args(annotation) for k in annotation_kinds(a))
    if annotation is type(None):
        return ("None",)
    base = typing.get_origin(annotation) or annotation
    return (base.__name__,)


class Section(BaseModel):
    """A section of the configuration: frozen, unknown keys refused, every value first checked
    against the type table of :mod:`econsim.simulation.config_types` (so a string where a number
    belongs is refused with the key's name, never coerced), then against the field's bounds and,
    for names, its registry."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True,
                              validate_default=False)
    #: The section's name in a nested YAML file and in ``SimConfig`` (``cfg.economy``).
    name: ClassVar[str]

    @field_validator("*", mode="before")
    @classmethod
    def _typed(cls, value: Any, info: Any) -> Any:
        field = cls.model_fields[info.field_name]
        kinds = annotation_kinds(field.annotation)
        example = field.default_factory() if field.default_factory is not None else None
        check_value_type(info.field_name, kinds, value, example)
        if "tuple" in kinds and isinstance(value, list):
            return tuple(float(v) for v in value)
        if info.field_name in CHOICES:
            CHOICES[info.field_name].check(value, info.field_name)
        return value

    @classmethod
    def build(cls, values: dict[str, Any]) -> Section:
        """The section from its keys; a bad value raises :class:`ConfigError` naming the key."""
        try:
            return cls(**values)
        except ValidationError as err:
            raise config_error(cls, err) from None


def config_error(section: type[Section], err: ValidationError) -> ConfigError:
    """The first error of ``err`` as a :class:`ConfigError` in the package's words."""
    first = err.errors(include_url=False)[0]
    key = str(first["loc"][0]) if first["loc"] else None
    ctx = first.get("ctx") or {}
    if isinstance(ctx.get("error"), ValueError):  # ours: already names the key and valid values
        raised = ctx["error"]
        return ConfigError(str(raised), getattr(raised, "key", None) or key)
    if key is None or key not in section.model_fields:
        return ConfigError(first["msg"], key)
    return ConfigError(f"{key} must be {_allowed(section.model_fields[key])}; got "
                       f"{first['input']!r}", key)


def _allowed(field: FieldInfo) -> str:
    """What a bounded field allows, from its declared bounds: a lower one (``ge`` or ``gt``) and
    perhaps a closed upper one (``le``): ``an integer >= 1``, ``in [0, 2]``, ``> 0``,
    ``a number of seconds in (0, 600]``."""
    bounds = {attr: getattr(m, attr) for m in field.metadata for attr in ("ge", "gt", "le")
              if getattr(m, attr, None) is not None}
    integer = "int" in annotation_kinds(field.annotation)
    above = "gt" in bounds
    lo = bounds["gt"] if above else bounds["ge"]
    if "le" not in bounds:
        rel = ">" if above else ">="
        return f"an integer {rel} {lo:g}" if integer else f"{rel} {lo:g}"
    interval = f"{'(' if above else '['}{lo:g}, {bounds['le']:g}]"
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    what = "an integer" if integer else (f"a number of {extra['unit']}" if "unit" in extra
                                         else None)
    return f"{what} in {interval}" if what else f"in {interval}"


class EconomySpec(Section):
    """The world: who lives in it, what taxes exist, what the planner maximises."""

    name: ClassVar[str] = "economy"
    scenario: str = Field("rational", description="rational, bounded or democratic")
    n_agents: int = Field(5, ge=1, description="workers")
    tax_preset: str = Field("us_federal_2024", description="bracket edges")
    utility: str = Field("paper", description="labour-cost preset (c, delta)")
    skills: str = Field("gb2", description="how skills are sampled")
    population: str | None = Field(None, description="folder of a saved Population")
    objective: str = Field("paper_swf", description="welfare function the planner maximises")

    @property
    def uniform_skills(self) -> bool:
        """Skills are drawn uniformly by the simulation, not taken from the population."""
        return self.skills == UNIFORM_SKILLS


class AgentsSpec(Section):
    """Who plays: the workers, the planner (or the elected leaders) and what they remember."""

    name: ClassVar[str] = "agents"
    worker: str = Field("llm", description="worker kind")
    planner: str = Field("llm", description="planner kind")
    personas: str = Field("offline", description="where persona texts come from")
    utility_mix: dict[str, float] = Field(default_factory=lambda: {"egotistical": 100.0},
                                          description="percent of LLM workers per utility type")
    H: int = Field(50, ge=1, description="history window (steps an agent sees)")
    fixed_hours: float = Field(40.0, ge=0.0, le=100.0, description="hours of fixed workers")
    fixed_rates: tuple[float, ...] | None = Field(None, description="rates of the fixed planner")
    elasticity: float | str = Field(0.4, description="Saez planners: a number or a preset")
    election_every: int = Field(1, ge=1, description="democratic: tax years between elections")
    platforms: bool = Field(False, description="democratic: candidates publish platforms")
    binding_platforms: bool = Field(False, description="democratic: the platform binds")

    @field_validator("utility_mix")
    @classmethod
    def _percentages(cls, mix: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(mix) - set(UTILITY_TYPES))
        if unknown:
            raise ConfigError(f"utility_mix has unknown type(s) {unknown}; valid: "
                              f"{', '.join(UTILITY_TYPES)}", "utility_mix")
        shares = [float(v) for v in mix.values()]
        if any(v < 0 for v in shares) or abs(sum(shares) - 100.0) > 1e-6:
            raise ConfigError(f"utility_mix percentages must be >= 0 and sum to 100; got "
                              f"{dict(mix)} (sum {sum(shares):g})", "utility_mix")
        return mix


class RunSpec(Section):
    """Time, randomness and what is kept: steps, tax years, seed, checkpoints, records."""

    name: ClassVar[str] = "run"
    n_steps: int = Field(2500, ge=1, description="episode length (steps)")
    K: int = Field(25, ge=1, description="steps per tax year")
    warmup: int = Field(0, ge=0, description="steps before the planner first acts")
    seed: int = Field(42, ge=0, description="seeds every random choice")
    checkpoint_every: int = Field(1, ge=1, description="tax years between checkpoints")
    record_prompts: bool = Field(True, description="keep prompt and reply texts")
    record_calls: bool = Field(True, description="keep the calls table")
    record_agents: int | None = Field(None, ge=1, description="agents whose rows are kept")


class LLMSpec(Section):
    """How language models are asked: backend, prompts, sampling, transport, store, budget."""

    name: ClassVar[str] = "llm"
    backend: str = Field("surrogate", description="backend spec (surrogate works offline)")
    prompt_style: str = Field("paper", description="prompt templates")
    temperature: float = Field(0.7, ge=0.0, le=2.0, description="sampling temperature")
    max_tokens: int = Field(256, ge=1, description="reply tokens")
    concurrency: int = Field(32, ge=1, description="calls in flight")
    max_reasks: int = Field(2, ge=0, description="re-asks after an invalid reply")
    max_fallback_share: float = Field(0.05, ge=0.0, le=1.0,
                                      description="largest share of fallback decisions")
    request_timeout: float = Field(60.0, gt=0.0, le=MAX_REQUEST_TIMEOUT_S,
                                   json_schema_extra={"unit": "seconds"},
                                   description="seconds one HTTP request may take")
    max_retries: int = Field(4, ge=0, le=MAX_RETRIES, description="retries of a failed request")
    structured_output: str = Field("auto", description="how servers are asked for JSON")
    store: str | None = Field(None, description="call store path (SQLite)")
    store_mode: str = Field("record", description="off, record or replay")
    replay_backend: str | None = Field(None, description="<backend>/<model> to replay")
    budget_calls: int | None = Field(None, ge=1, description="stop after this many calls")
    budget_usd: float | None = Field(None, gt=0.0, description="stop after this many dollars")
    surrogate_reads: str = Field("auto", description="how the offline surrogate reads its calls")

    #: The backend prefix that names a recorded store or pack to answer from.
    REPLAY_PREFIX: ClassVar[str] = "replay:"

    @property
    def surrogate(self) -> bool:
        """The built-in offline stand-in answers (the ``surrogate`` backend, no model)."""
        return self.backend == "surrogate"

    @property
    def replays(self) -> bool:
        """Every answer comes from a recorded call store or pack (nothing is asked or paid)."""
        return self.store_mode == "replay" or self.backend.startswith(self.REPLAY_PREFIX)

    @property
    def replay_source(self) -> str | None:
        """The store file or pack folder answers are replayed from (``None``: not replaying,
        or a ``store_mode: replay`` without a store, which the configuration refuses)."""
        if self.backend.startswith(self.REPLAY_PREFIX):
            return self.backend[len(self.REPLAY_PREFIX):]
        return self.store if self.store_mode == "replay" else None

    @property
    def store_in_use(self) -> str | None:
        """The call store the client reads and writes, or ``None`` (no store, or mode off)."""
        return None if self.store is None or self.store_mode == "off" else self.store

    @field_validator("replay_backend")
    @classmethod
    def _model_named(cls, value: str | None) -> str | None:
        if value is not None and "/" not in value.strip("/"):
            raise ConfigError("replay_backend looks like '<backend>/<model>' (e.g. "
                              f"'surrogate/surrogate-seed7'); got {value!r}", "replay_backend")
        return value


class ScaleSpec(Section):
    """How a large population is run: batching by clusters, the engine, chunks and shards."""

    name: ClassVar[str] = "scale"
    batching: str = Field("agents", description="one LLM call per agent or per cluster")
    n_clusters: int = Field(100, ge=1, description="clusters of cluster batching")
    engine: str = Field("auto", description="auto, lean or dask")
    scheduler: str | None = Field(None, description="Dask scheduler address")
    dask_workers: int = Field(2, ge=1, description="LocalCluster processes")
    chunk_size: int = Field(1 << 20, ge=1, description="agents per chunk of the lean engine")


#: The sections in the order their keys are listed (``SimConfig.to_dict``, ``econsim run -h``).
SECTIONS: tuple[type[Section], ...] = (EconomySpec, AgentsSpec, RunSpec, LLMSpec, ScaleSpec)


__all__ = ["CHOICES", "Choice", "MAX_REQUEST_TIMEOUT_S", "MAX_RETRIES", "SECTIONS", "UNIFORM_SKILLS",
           "AgentsSpec", "EconomySpec", "LLMSpec", "RunSpec", "ScaleSpec",
           "Section", "annotation_kinds", "config_error"]
