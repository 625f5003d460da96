"""Run configuration: every knob of a simulation, validated before anything is written.

Defaults follow the paper's v1 code: N = 5 workers, 2,500 steps, K = 25 steps per tax year,
history window H = 50, seed 42, temperature 0.7, US 2024 brackets, c = 0.0005 and δ = 3.5.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from econsim.economy.tax import TAX_PRESETS
from econsim.economy.utility import UTILITY_PRESETS
from econsim.economy.welfare import get_objective
from econsim.llm.structured import STRUCTURED_OUTPUT
from econsim.prompts import PROMPT_STYLES, UTILITY_TYPES
from econsim.registry import Registry

#: Scenarios of MODEL.md §5: what workers are told and who sets the rates.
SCENARIOS: Registry[str] = Registry("scenario")
SCENARIOS.register("rational", "workers maximise their own utility; no personas")
SCENARIOS.register("bounded", "persona workers report satisfaction; they maximise r·u")
SCENARIOS.register("democratic", "bounded workers elect a leader who sets the rates")

WORKER_KINDS = ("llm", "rational", "fixed")
#: Worker kinds that exist only as array operations (econsim.simulation.vectorized).
VECTOR_WORKER_KINDS = ("surrogate_vec",)
#: How LLM workers are asked: one call per agent, or one per archetype (econsim.simulation.vectorized).
BATCHING = ("agents", "archetypes")
PLANNER_KINDS = ("llm", "saez", "saez_v1", "saez_empirical", "us_federal", "fixed",
                 "stackelberg")
PERSONA_SOURCES = ("offline", "llm", "archetypes")
SKILL_SOURCES = ("gb2", "joint", "uniform")


@dataclass(frozen=True)
class SimConfig:
    """All parameters of one run (mirrors the notebooks' ``parameters`` cells and ``econsim run``).

    Parameters
    ----------
    scenario
        ``rational``, ``bounded`` or ``democratic``.
    n_agents, n_steps, K, H, warmup
        Workers, episode length (steps), tax-year length, history window, steps before the
        planner first acts.
    seed
        Seeds every random choice (population, surrogate, tie-breaks).
    tax_preset, utility, skills
        Bracket edges (``flat``, ``three``, ``us_federal_2024``), labour-cost preset
        (``paper``, ``calibrated``) and skills: ``gb2`` (the paper: GB2 income / 40, independent
        of occupation), ``joint`` (occupation-conditional, rescaled to the GB2 prior) or
        ``uniform``.
    population
        Folder of a saved :class:`~econsim.population.Population` to use instead of sampling
        (several runs then share exactly the same agents).
    worker, planner
        Worker kind (``llm``, ``rational``, ``fixed``, or ``surrogate_vec``: the surrogate's rule
        as array operations for large N) and planner kind (see ``PLANNER_KINDS``).
    utility_mix
        Percent of LLM workers per utility type (egotistical, altruistic, adversarial); sums to 100.
    objective
        Welfare function the planner maximises (``econsim.economy.welfare.OBJECTIVES``).
    backend, prompt_style, temperature, max_tokens, concurrency, max_reasks
        LLM settings (``surrogate`` works offline).
    request_timeout, max_retries
        Seconds one HTTP request may take and retries after a failed one (429, 5xx, timeout,
        dropped connection), handed to the ``openai``/``anthropic`` SDKs: a hung server stops
        a run after about ``request_timeout × (max_retries + 1)`` s plus the SDK's back-off.
    structured_output
        How ``openai-compatible/...`` servers are asked for structured output: ``auto``
        (negotiate: json_schema, json_object, ollama_format, none), or one of those forced
        (docs/llm.md).
    store, store_mode
        Call store path (SQLite) and mode (``off``, ``record``, ``replay``).
    budget_calls, budget_usd
        Optional budget; the run stops cleanly at the next tax-year checkpoint when exceeded.
    personas
        ``offline`` (deterministic generator), ``llm`` (written by the backend), ``archetypes``.
    election_every, platforms, binding_platforms
        Democratic scenario: elect every E tax years; candidates publish platforms; the winner's
        first DELTA must equal its platform.
    fixed_hours, fixed_rates
        Hours of ``fixed`` workers; rates of the ``fixed`` planner (fractions; default 0.5 each).
    elasticity
        Saez planners: a number or an elasticity preset name.
    record_prompts
        Keep every prompt and reply text in ``calls.parquet``.
    batching, n_archetypes
        ``agents`` (one LLM call per worker) or ``archetypes`` (one call per archetype of
        ``Population.archetypes(n_archetypes)``, applied to its members; docs/scale.md).
    record_agents
        Agents whose per-step rows are kept: ``None`` = all of them (a seeded 1,000 above
        10,000 agents in the vectorised engine), an integer = a seeded random subset of that size
        (the steps table then also gets distribution summaries). See docs/scale.md.
    """

    scenario: str = "rational"
    n_agents: int = 5
    n_steps: int = 2500
    K: int = 25
    H: int = 50
    warmup: int = 0
    seed: int = 42
    tax_preset: str = "us_federal_2024"
    utility: str = "paper"
    skills: str = "gb2"
    population: str | None = None
    worker: str = "llm"
    planner: str = "llm"
    utility_mix: dict[str, float] = field(default_factory=lambda: {"egotistical": 100.0})
    objective: str = "paper_swf"
    backend: str = "surrogate"
    prompt_style: str = "paper"
    temperature: float = 0.7
    max_tokens: int = 256
    concurrency: int = 32
    max_reasks: int = 2
    request_timeout: float = 60.0
    max_retries: int = 4
    structured_output: str = "auto"
    store: str | None = None
    store_mode: str = "record"
    budget_calls: int | None = None
    budget_usd: float | None = None
    personas: str = "offline"
    election_every: int = 1
    platforms: bool = False
    binding_platforms: bool = False
    fixed_hours: float = 40.0
    fixed_rates: tuple[float, ...] | None = None
    elasticity: float | str = 0.4
    record_prompts: bool = True
    batching: str = "agents"
    n_archetypes: int = 100
    record_agents: int | None = None

    def __post_init__(self) -> None:
        _check_int(self.n_agents, "n_agents", 1)
        _check_int(self.n_steps, "n_steps", 1)
        _check_int(self.K, "K", 1)
        _check_int(self.H, "H", 1)
        _check_int(self.warmup, "warmup", 0)
        _check_int(self.seed, "seed", 0)
        _check_int(self.election_every, "election_every", 1)
        _check_int(self.max_tokens, "max_tokens", 1)
        _check_int(self.concurrency, "concurrency", 1)
        _check_int(self.max_reasks, "max_reasks", 0)
        _check_int(self.max_retries, "max_retries", 0)
        _check_timeout(self.request_timeout)
        SCENARIOS.get(self.scenario)
        TAX_PRESETS.get(self.tax_preset)
        UTILITY_PRESETS.get(self.utility)
        _check_choice(self.skills, "skills", SKILL_SOURCES)
        PROMPT_STYLES.get(self.prompt_style)
        get_objective(self.objective)
        _check_choice(self.worker, "worker", WORKER_KINDS + VECTOR_WORKER_KINDS)
        _check_choice(self.planner, "planner", PLANNER_KINDS)
        _check_choice(self.personas, "personas", PERSONA_SOURCES)
        _check_choice(self.store_mode, "store_mode", ("off", "record", "replay"))
        _check_choice(self.structured_output, "structured_output", tuple(STRUCTURED_OUTPUT))
        if self.planner == "us_federal" and self.tax_preset != "us_federal_2024":
            raise ValueError("planner 'us_federal' needs tax_preset 'us_federal_2024' "
                             f"(got {self.tax_preset!r})")
        if not 0.0 <= float(self.temperature) <= 2.0:
            raise ValueError(f"temperature must be in [0, 2]; got {self.temperature!r}")
        if not 0.0 <= float(self.fixed_hours) <= 100.0:
            raise ValueError(f"fixed_hours must be in [0, 100]; got {self.fixed_hours!r}")
        unknown = sorted(set(self.utility_mix) - set(UTILITY_TYPES))
        if unknown:
            raise ValueError(f"utility_mix has unknown type(s) {unknown}; valid: "
                             f"{', '.join(UTILITY_TYPES)}")
        shares = [float(v) for v in self.utility_mix.values()]
        if any(v < 0 for v in shares) or abs(sum(shares) - 100.0) > 1e-6:
            raise ValueError(f"utility_mix percentages must be >= 0 and sum to 100; got "
                             f"{dict(self.utility_mix)} (sum {sum(shares):g})")
        if self.fixed_rates is not None:
            n = len(TAX_PRESETS.get(self.tax_preset).cutoffs)
            if len(self.fixed_rates) != n or not all(0 <= r <= 1 for r in self.fixed_rates):
                raise ValueError(f"fixed_rates must be {n} fractions in [0, 1] (one per bracket "
                                 f"of {self.tax_preset!r}); got {self.fixed_rates!r}")
        if self.budget_calls is not None:
            _check_int(self.budget_calls, "budget_calls", 1)
        if self.budget_usd is not None and not float(self.budget_usd) > 0:
            raise ValueError(f"budget_usd must be > 0; got {self.budget_usd!r}")
        _check_scale_options(self)
        if self.store_mode == "replay" and not (self.store or self.backend.startswith("replay:")):
            raise ValueError("store_mode 'replay' needs store=<path> (or backend 'replay:<path>')")

    @property
    def n_brackets(self) -> int:
        return len(TAX_PRESETS.get(self.tax_preset).cutoffs)

    @property
    def uses_llm(self) -> bool:
        return (self.worker == "llm" or self.planner == "llm" or self.scenario == "democratic"
                or (self.personas == "llm" and self.scenario != "rational"))

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        if d["fixed_rates"] is not None:
            d["fixed_rates"] = list(d["fixed_rates"])
        return d

    def replace(self, **changes: Any) -> SimConfig:
        return SimConfig.from_dict({**self.to_dict(), **changes})

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SimConfig:
        """Build from a mapping, refusing unknown keys (they name the valid ones)."""
        valid = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(values) - set(valid))
        if unknown:
            raise ValueError(f"unknown config key(s) {unknown}; valid keys: {', '.join(valid)}")
        vals = dict(values)
        if vals.get("fixed_rates") is not None:
            vals["fixed_rates"] = tuple(float(r) for r in vals["fixed_rates"])
        return cls(**vals)

    @classmethod
    def from_yaml(cls, path: str | Path) -> SimConfig:
        data = yaml.safe_load(Path(path).read_text()) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a config file must be a mapping of keys to values")
        return cls.from_dict(data)


def _check_scale_options(cfg: SimConfig) -> None:
    """Options of the vectorised engine / archetype batching (docs/scale.md)."""
    _check_choice(cfg.batching, "batching", BATCHING)
    _check_int(cfg.n_archetypes, "n_archetypes", 1)
    if cfg.record_agents is not None:
        _check_int(cfg.record_agents, "record_agents", 0)
    if cfg.batching == "archetypes":
        if cfg.n_archetypes > cfg.n_agents:
            raise ValueError(f"n_archetypes must be in [1, n_agents={cfg.n_agents}]; "
                             f"got {cfg.n_archetypes}")
        if cfg.worker != "llm":
            raise ValueError(f"batching 'archetypes' needs worker 'llm' (got {cfg.worker!r}); "
                             "valid batching for other workers: agents")
    vector = cfg.worker in VECTOR_WORKER_KINDS or cfg.batching == "archetypes"
    if vector and cfg.scenario == "democratic":
        raise ValueError("the vectorised engine (worker 'surrogate_vec' or batching "
                         "'archetypes') runs the scenarios rational, bounded; democratic "
                         "elections need every worker's vote: use worker 'llm' with batching "
                         "'agents'")
    if cfg.worker in VECTOR_WORKER_KINDS and cfg.personas == "llm" and cfg.scenario != "rational":
        raise ValueError("worker 'surrogate_vec' reads attitudes from the population's fields, "
                         "not persona texts; valid personas: offline, archetypes")


def _check_timeout(value: Any) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not 0 < value < float("inf"):
        raise ValueError(f"request_timeout must be a number of seconds > 0; got {value!r}")


def _check_int(value: Any, name: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")


def _check_choice(value: str, name: str, valid: tuple[str, ...]) -> None:
    if value not in valid:
        raise ValueError(f"unknown {name} {value!r}; valid: {', '.join(valid)}")


def uses_vector_engine(cfg: SimConfig) -> bool:
    """Whether ``cfg`` needs the vectorised engine: array-only workers, archetype batching or a
    sampled agents table (see :mod:`econsim.simulation.factory`)."""
    return (cfg.worker in VECTOR_WORKER_KINDS or cfg.batching == "archetypes"
            or cfg.record_agents is not None)
