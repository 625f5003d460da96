"""Run configuration: every knob of a simulation, validated before anything is written.

Defaults follow the paper's v1 code: N = 5 workers, 2,500 steps, K = 25 steps per tax year,
history window H = 50, seed 42, temperature 0.7, US 2024 brackets, c = 0.0005 and δ = 3.5.
"""

from __future__ import annotations

import dataclasses
import difflib
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from econsim.baselines.elasticities import resolve_elasticity
from econsim.economy.tax import TAX_PRESETS, TaxPreset
from econsim.economy.utility import UTILITY_PRESETS, UtilityParams
from econsim.llm.backends import check_backend_spec
from econsim.renamed import GivenTwice, accepts_renamed, renamed_keys
from econsim.simulation.config_sections import (
    CHOICES,
    SECTIONS,
    AgentsSpec,
    EconomySpec,
    LLMSpec,
    RunSpec,
    ScaleSpec,
    Section,
    annotation_kinds,
)
from econsim.simulation.config_types import ConfigError
from econsim.simulation.config_types import about as _about
from econsim.simulation.specs import (
    BATCHINGS,
    ENGINE_SPECS,
    PERSONA_SPECS,
    PLANNER_SPECS,
    SCENARIOS,
    SURROGATE_READINGS,
    WORKER_SPECS,
    Batching,
    EngineChoice,
    PersonaSource,
    PlannerKind,
    Scenario,
    SurrogateReading,
    WorkerKind,
)

# the names of each choice, read from its registry of specs (econsim.simulation.specs)
WORKER_KINDS = tuple(n for n in WORKER_SPECS if not WORKER_SPECS.get(n).vector_only)
#: Worker kinds that exist only as array operations (econsim.simulation.vectorized).
VECTOR_WORKER_KINDS = tuple(n for n in WORKER_SPECS if WORKER_SPECS.get(n).vector_only)
#: How LLM workers are asked: one call per agent, or one per cluster (econsim.simulation.vectorized).
BATCHING = tuple(BATCHINGS)
PLANNER_KINDS = tuple(PLANNER_SPECS)
PERSONA_SOURCES = tuple(PERSONA_SPECS)
#: How the offline surrogate reads its calls (econsim.llm.surrogate.standin).
SURROGATE_READS = tuple(SURROGATE_READINGS)


@dataclass(frozen=True)
class ConfigKey:
    """One key of the configuration, as the command line and the docs see it."""

    name: str
    section: str
    kinds: tuple[str, ...]  # base types of its annotation: ('float', 'None')
    default: Any
    description: str

    @property
    def label(self) -> str:
        """The flag's metavar: ``INT``, ``FLOAT|NONE``."""
        return "|".join(self.kinds).upper()


_SECTION_OF: dict[str, type[Section]] = {k: s for s in SECTIONS for k in s.model_fields}
#: The flat order of the keys (``to_dict``, ``econsim run -h``): the order they were added in,
#: kept so that a run's ``config.yaml`` and the columns of the runs tables (keys that vary
#: between runs, in this order) read as before the keys were grouped into sections.
KEY_ORDER: tuple[str, ...] = (
    "scenario", "n_agents", "n_steps", "K", "H", "warmup", "seed", "tax_preset", "utility",
    "skills", "population", "worker", "planner", "utility_mix", "objective", "backend",
    "prompt_style", "temperature", "max_tokens", "concurrency", "max_reasks",
    "max_fallback_share", "request_timeout", "max_retries", "structured_output", "store",
    "store_mode", "replay_backend", "budget_calls", "budget_usd", "checkpoint_every",
    "personas", "election_every", "platforms", "binding_platforms", "fixed_hours",
    "fixed_rates", "elasticity", "record_prompts", "record_calls", "surrogate_reads",
    "batching", "n_clusters", "record_agents", "engine", "scheduler", "dask_workers",
    "chunk_size")
#: Every key, in :data:`KEY_ORDER`: the one table the command line's flags, ``econsim sweep``
#: and the docs test are built from.
CONFIG_KEYS: dict[str, ConfigKey] = {
    key: ConfigKey(key, _SECTION_OF[key].name, annotation_kinds(f.annotation), f.get_default(
        call_default_factory=True), f.description or "")
    for key in KEY_ORDER for f in (_SECTION_OF[key].model_fields[key],)}
_SECTION_NAMED: dict[str, type[Section]] = {s.name: s for s in SECTIONS}


@accepts_renamed("SimConfig")
class SimConfig:
    """All parameters of one run (mirrors the notebooks' ``parameters`` cells and ``econsim run``).

    Five sections, each a frozen pydantic model validated on its own
    (:mod:`econsim.simulation.config_sections`): ``economy``, ``agents``, ``run``, ``llm`` and
    ``scale``; then the rules that relate keys of different sections (:func:`_check_across`).
    Keys are given flat (``SimConfig(n_agents=10)``) or by section (``SimConfig(economy={
    "n_agents": 10})``), and read flat (``cfg.n_agents``) or by section (``cfg.economy.n_agents``):
    one name per key, the same as its YAML key and ``--flag``. Every error is a
    :class:`ConfigError` naming its key.

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
    max_fallback_share
        The largest share of decisions that may end in the fallback action (invalid replies after
        every re-ask) before ``econsim run`` exits non-zero (3) and says so; the results are
        kept. Default 5 %.
    request_timeout, max_retries
        Seconds one HTTP request may take and retries after a failed one (429, 5xx, timeout,
        dropped connection), handed to the ``openai``/``anthropic`` SDKs: a hung server stops
        a run after about ``request_timeout × (max_retries + 1)`` s plus the SDK's back-off
        (``Retry-After`` clamped to 8 s); at most 600 s and 10 retries.
    structured_output
        How ``openai-compatible/...`` servers are asked for structured output: ``auto``
        (negotiate: json_schema, json_object, ollama_format, none), or one of those forced
        (docs/llm.md).
    store, store_mode
        Call store path (SQLite) and mode (``off``, ``record``, ``replay``).
    replay_backend
        With a ``replay:`` backend whose store holds several backend/model pairs: which
        ``<backend>/<model>`` to replay (default: the one recorded with the run's seed, when
        exactly one was).
    budget_calls, budget_usd
        Optional budget; the run stops cleanly at the next tax-year checkpoint when exceeded.
    checkpoint_every
        Tax years between checkpoints of a run in a folder (its records are written with each
        checkpoint, and kept in memory between them); a resumed run continues from the last
        checkpoint, so a crash repeats at most this many tax years (their calls too: keep 1,
        the default, when calls are paid). A budget is checked at every tax year; a run that
        stops or ends checkpoints then. Larger values save time in long cheap runs: a
        100 × 2,500 offline run spends about a third of its time writing 100 checkpoints.
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
    record_calls
        Keep the ``calls`` table (one row per call). ``False`` writes none (the ledger still
        counts calls, tokens and fallbacks): a paper-size persona run makes 500,000 calls, and
        writing their rows took a quarter of the run. Needs ``record_prompts`` false.
    surrogate_reads
        How the offline surrogate reads: ``arrays`` (decides from the views prompts are rendered
        from, without building the text: the same replies and token counts, many times faster),
        ``text`` (renders and parses every prompt, as a language model's calls are built), or
        ``auto`` (arrays whenever no text is needed: surrogate backend, no call store,
        ``record_prompts`` false). See docs/llm.md.
    batching, n_clusters
        ``agents`` (one LLM call per worker) or ``clusters`` (one call per cluster of
        ``Population.clusters(n_clusters)``, applied to its members; docs/scale.md). Formerly
        ``archetypes`` and ``n_archetypes``: the old names work for one release, with a
        warning (:mod:`econsim.renamed`).
    record_agents
        Agents whose per-step rows are kept: ``None`` = all of them (a seeded 1,000 above
        10,000 agents in the vectorised engine), an integer = a seeded random subset of that size
        (the steps table then also gets distribution summaries). See docs/scale.md.
    engine, scheduler, dask_workers, chunk_size
        ``auto`` (per-agent loop or vectorised engine; the lean engine for cluster-batched,
        fixed or rational workers above 5·10⁶ agents), ``lean`` (a few bytes per agent, stepped
        in chunks of ``chunk_size``) or ``dask`` (the lean population as shards on Dask workers:
        a LocalCluster of ``dask_workers`` processes, or the ``scheduler`` address). See
        docs/scale.md.
    """

    economy: EconomySpec
    agents: AgentsSpec
    run: RunSpec
    llm: LLMSpec
    scale: ScaleSpec
    # every key also reads flat (cfg.n_agents is cfg.economy.n_agents): one name per key, the
    # name of its YAML key and --flag
    scenario: str
    n_agents: int
    tax_preset: str
    utility: str
    skills: str
    population: str | None
    objective: str
    worker: str
    planner: str
    personas: str
    utility_mix: dict[str, float]
    H: int
    fixed_hours: float
    fixed_rates: tuple[float, ...] | None
    elasticity: float | str
    election_every: int
    platforms: bool
    binding_platforms: bool
    n_steps: int
    K: int
    warmup: int
    seed: int
    checkpoint_every: int
    record_prompts: bool
    record_calls: bool
    record_agents: int | None
    backend: str
    prompt_style: str
    temperature: float
    max_tokens: int
    concurrency: int
    max_reasks: int
    max_fallback_share: float
    request_timeout: float
    max_retries: int
    structured_output: str
    store: str | None
    store_mode: str
    replay_backend: str | None
    budget_calls: int | None
    budget_usd: float | None
    surrogate_reads: str
    batching: str
    n_clusters: int
    engine: str
    scheduler: str | None
    dask_workers: int
    chunk_size: int

    def __init__(self, **values: Any) -> None:
        given = _by_section(values)
        own = self.__dict__
        for section in SECTIONS:
            spec = section.build(given[section.name])
            own[section.name] = spec
            own.update((key, getattr(spec, key)) for key in section.model_fields)
        _check_across(self)
        for message in inactive_planner(self):
            # 3: past __init__ and accepts_renamed's wrapper, at the caller
            warnings.warn(message, ConfigWarning, stacklevel=3)

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}: a SimConfig is "
                                              "frozen (use cfg.replace(...))")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SimConfig) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # a mapping value (utility_mix) inside

    def __repr__(self) -> str:
        return f"SimConfig({', '.join(f'{k}={v!r}' for k, v in self.to_dict().items())})"

    @property
    def n_brackets(self) -> int:
        return len(self.tax_brackets.cutoffs)

    # presets resolved to their objects: code below the configuration takes these, not names
    @property
    def tax_brackets(self) -> TaxPreset:
        """The bracket preset ``tax_preset`` names (cutoffs, statutory rates)."""
        return TAX_PRESETS.get(self.tax_preset)

    @property
    def utility_params(self) -> UtilityParams:
        """The labour-cost parameters ``utility`` names (c, δ)."""
        return UTILITY_PRESETS.get(self.utility)

    # the specs of the names above (econsim.simulation.specs): ask them, not the strings
    @property
    def scenario_spec(self) -> Scenario:
        return SCENARIOS.get(self.scenario)

    @property
    def worker_spec(self) -> WorkerKind:
        return WORKER_SPECS.get(self.worker)

    @property
    def planner_spec(self) -> PlannerKind:
        return PLANNER_SPECS.get(self.planner)

    @property
    def engine_spec(self) -> EngineChoice:
        return ENGINE_SPECS.get(self.engine)

    @property
    def surrogate_reading(self) -> SurrogateReading:
        return SURROGATE_READINGS.get(self.surrogate_reads)

    @property
    def persona_spec(self) -> PersonaSource:
        return PERSONA_SPECS.get(self.personas)

    @property
    def batching_spec(self) -> Batching:
        return BATCHINGS.get(self.batching)

    @property
    def writes_personas(self) -> bool:
        """Persona texts are written by the model before the run (scenarios with personas,
        ``personas: llm``)."""
        return self.scenario_spec.personas and self.persona_spec.written_by_model

    @property
    def uses_llm(self) -> bool:
        return (self.worker_spec.asks_model or self.planner_spec.asks_model
                or self.scenario_spec.elections or self.writes_personas)

    def to_dict(self) -> dict[str, Any]:
        """Every key and its value, flat, in :data:`KEY_ORDER` (lists for tuples)."""
        d = {key: getattr(self, key) for key in CONFIG_KEYS}
        d["utility_mix"] = dict(d["utility_mix"])
        if d["fixed_rates"] is not None:
            d["fixed_rates"] = list(d["fixed_rates"])
        return d

    def to_nested(self) -> dict[str, dict[str, Any]]:
        """The keys by section (``{'economy': {'n_agents': 5, ...}, ...}``), as a nested YAML
        file gives them."""
        flat = self.to_dict()
        return {s.name: {k: flat[k] for k in s.model_fields} for s in SECTIONS}

    def replace(self, **changes: Any) -> SimConfig:
        return SimConfig.from_dict({**self.to_dict(), **_new_names(changes)})

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SimConfig:
        """Build from a mapping of keys — flat (``n_agents: 10``) or by section (``economy:
        {n_agents: 10}``) — refusing unknown keys (they name the valid ones) and values of the
        wrong type (the error names the key and the type its annotation allows). Old names
        (:mod:`econsim.renamed`) are read as their new ones, with a warning."""
        return cls(**_new_names(values))

    @classmethod
    def from_yaml(cls, path: str | Path) -> SimConfig:
        """Read a YAML mapping of config keys; a missing, unreadable, empty or malformed file
        raises ``ConfigError`` naming the file (an empty file would silently run the defaults)."""
        p = Path(path)
        try:
            if p.is_file() and p.stat().st_size > MAX_CONFIG_BYTES:
                raise ConfigError(f"config file {p} is {p.stat().st_size:,} bytes; a config is "
                                  f"at most {MAX_CONFIG_BYTES:,} bytes")
            with p.open("rb") as fh:  # bounded even for /dev/zero or a FIFO
                raw = fh.read(MAX_CONFIG_BYTES + 1)
            if len(raw) > MAX_CONFIG_BYTES:
                raise ConfigError(f"config file {p} is longer than {MAX_CONFIG_BYTES:,} bytes, "
                                  "the most a config may be")
            text = raw.decode()
        except FileNotFoundError:
            raise ConfigError(f"config file {p} does not exist") from None
        except (OSError, UnicodeDecodeError) as err:
            raise ConfigError(f"config file {p} cannot be read: {err}") from None
        try:
            data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader
        except yaml.YAMLError as err:
            where = getattr(err, "problem_mark", None)
            at = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
            problem = getattr(err, "problem", None) or str(err).splitlines()[0]
            raise ConfigError(f"config file {p} is not valid YAML{at}: {problem}") from None
        if data is None or data == {}:
            raise ConfigError(f"config file {p} is empty: set at least one key (e.g. "
                              "'scenario: rational'); an empty file would run every default")
        if not isinstance(data, dict):
            raise ConfigError(f"config file {p} must be a mapping of keys to values; got "
                              f"{type(data).__name__}")
        try:
            return cls.from_dict(data)
        except ConfigError as err:
            raise ConfigError(f"{p}: {err}", err.key) from None


def _by_section(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The given keys grouped by section; a section may also be given as a mapping of its own
    keys. Unknown keys, keys in the wrong section and keys given twice are refused."""
    out: dict[str, dict[str, Any]] = {s.name: {} for s in SECTIONS}
    for key, value in values.items():
        if key in _SECTION_NAMED:
            section = _SECTION_NAMED[key]
            if not isinstance(value, dict):
                raise ConfigError(f"{key} is a section of keys ({', '.join(section.model_fields)}"
                                  f"); got {value!r}", key)
            for inner, v in _new_names(value).items():
                home = _SECTION_OF.get(inner)
                if home is not section:
                    where = f"it belongs to {home.name}" if home else "no such key"
                    raise ConfigError(f"{key}.{inner} is not a key of section {key} ({where}); "
                                      f"valid: {', '.join(section.model_fields)}", inner)
                if inner in out[key]:
                    raise ConfigError(f"{inner} is given twice (flat and in {key})", inner)
                out[key][inner] = v
            continue
        home = _SECTION_OF.get(key)
        if home is None:
            raise _unknown_keys(sorted(k for k in values
                                       if k not in _SECTION_OF and k not in _SECTION_NAMED))
        if key in out[home.name]:
            raise ConfigError(f"{key} is given twice (flat and in {home.name})", key)
        out[home.name][key] = value
    return out


def _unknown_keys(unknown: list[str]) -> ConfigError:
    """The error for unknown keys: the closest valid names first (the full list is long)."""
    close = {k: difflib.get_close_matches(k, list(CONFIG_KEYS) + list(_SECTION_NAMED), n=1)
             for k in unknown}
    hints = [f"{k!r} → {m[0]!r}" for k, m in close.items() if m][:5]
    hint = f" (did you mean {', '.join(hints)}?)" if hints else ""
    shown = unknown if len(unknown) <= 5 else [*unknown[:5], f"... {len(unknown) - 5} more"]
    return ConfigError(f"unknown config key(s) {shown}{hint}; valid keys: "
                       f"{', '.join(CONFIG_KEYS)}; or sections {', '.join(_SECTION_NAMED)}",
                       unknown[0] if len(unknown) == 1 else None)


def _check_across(cfg: SimConfig) -> None:
    """The rules that relate keys of different sections (each section checked its own)."""
    if cfg.surrogate_reading.required and (not cfg.llm.surrogate or cfg.record_prompts
                                           or cfg.llm.store_in_use is not None):
        raise ConfigError("surrogate_reads 'arrays' needs backend 'surrogate', no call store "
                          "and record_prompts false (a text is needed otherwise); use 'auto' "
                          "or 'text'", "surrogate_reads")
    if cfg.record_prompts and not cfg.record_calls:
        raise ConfigError("record_prompts keeps texts in the calls table: it needs "
                          "record_calls true", "record_prompts")
    needs = cfg.planner_spec.tax_preset
    if needs is not None and cfg.tax_preset != needs:
        raise ConfigError(f"planner {cfg.planner!r} needs tax_preset {needs!r} "
                          f"(got {cfg.tax_preset!r})", "planner")
    if cfg.fixed_rates is not None:
        n = cfg.n_brackets
        if len(cfg.fixed_rates) != n or not all(0 <= r <= 1 for r in cfg.fixed_rates):
            raise ConfigError(f"fixed_rates must be {n} fractions in [0, 1] (one per "
                              f"bracket of {cfg.tax_preset!r}); got {list(cfg.fixed_rates)!r}",
                              "fixed_rates")
    with _about("elasticity"):
        resolve_elasticity(cfg.elasticity, cfg.tax_brackets.cutoffs)
    _check_scale_options(cfg)
    _check_llm_options(cfg)


def _new_names(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with renamed keys and values under their new names (each old one warns)."""
    try:
        return renamed_keys("SimConfig", values)
    except GivenTwice as err:
        raise ConfigError(str(err), err.key) from None


class ConfigWarning(UserWarning):
    """A configuration that runs but probably not as meant (``econsim run`` prints it as one
    ``warning:`` line)."""


def inactive_planner(cfg: SimConfig) -> list[str]:
    """Why the planner (or the elected leader) would never update the rates in this run: a
    tax year (``K``) longer than the run, or a ``warmup`` that lasts the whole run. Empty for
    planners that never update anyway."""
    if cfg.planner_spec.static and not cfg.scenario_spec.elections:
        return []
    out = []
    if cfg.K > cfg.n_steps:
        out.append(f"K={cfg.K} is longer than n_steps={cfg.n_steps}: the run ends inside its "
                   "first tax year and the planner never updates the rates; lower K or raise "
                   "n_steps")
    if cfg.warmup >= cfg.n_steps:
        out.append(f"warmup={cfg.warmup} is not below n_steps={cfg.n_steps}: the planner never "
                   "acts after its start; lower warmup or raise n_steps")
    return out


#: The largest config file read (a config is a few hundred bytes; this bounds /dev/zero).
MAX_CONFIG_BYTES = 1 << 20


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a key given twice in one mapping (the second would
    silently win)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _check_scale_options(cfg: SimConfig) -> None:
    """Options of the vectorized engine / cluster batching (docs/scale.md)."""
    if cfg.batching_spec.per_cluster:
        if cfg.n_clusters > cfg.n_agents:
            raise ConfigError(f"n_clusters must be in [1, n_agents={cfg.n_agents}]; "
                              f"got {cfg.n_clusters}", "n_clusters")
        if not cfg.worker_spec.asks_model:
            raise ConfigError(f"batching 'clusters' needs worker 'llm' (got {cfg.worker!r}); "
                              "valid batching for other workers: agents", "batching")
    if cfg.scheduler is not None and not cfg.engine_spec.shards:
        raise ConfigError(f"scheduler is used by engine 'dask' only (engine is {cfg.engine!r})",
                          "scheduler")
    if cfg.engine_spec.lean:
        check_lean_config(cfg)
    vector = cfg.worker_spec.vector_only or cfg.batching_spec.per_cluster
    if vector and cfg.scenario_spec.elections:
        raise ConfigError("the vectorized engine (worker 'surrogate_vec' or batching "
                          "'clusters') runs the scenarios rational, bounded; democratic "
                          "elections need every worker's vote: use worker 'llm' with batching "
                          "'agents'", "scenario")
    if cfg.worker_spec.vector_only and cfg.writes_personas:
        raise ConfigError("worker 'surrogate_vec' reads attitudes from the population's fields, "
                          "not persona texts; valid personas: offline, archetypes", "personas")


#: What the lean engine (econsim.simulation.lean_engine) runs: planners that need only totals,
#: workers with a few bytes of state, skills independent of occupation.
LEAN_PLANNERS = tuple(n for n in PLANNER_SPECS if not PLANNER_SPECS.get(n).reads_population)
LEAN_WORKERS = ("llm", "fixed", "rational")
LEAN_SKILLS = ("gb2", "uniform")


def check_lean_config(cfg: SimConfig) -> None:
    """Refuse what the lean engine cannot run, naming the allowed values."""
    if cfg.scenario_spec.elections:
        raise ConfigError(f"the lean engine runs the scenarios rational, bounded; got "
                          f"{cfg.scenario!r}", "scenario")
    if cfg.worker not in LEAN_WORKERS:
        raise ConfigError(f"the lean engine runs the workers {', '.join(LEAN_WORKERS)}; got "
                          f"{cfg.worker!r} (surrogate_vec keeps ~0.5 KB per agent: use the "
                          "vectorised engine)", "worker")
    if cfg.worker_spec.asks_model and not cfg.batching_spec.per_cluster:
        raise ConfigError("the lean engine asks LLM workers by cluster: set batching "
                          "'clusters' (valid batching: clusters)", "batching")
    if cfg.planner not in LEAN_PLANNERS:
        raise ConfigError(f"the lean engine runs the planners {', '.join(LEAN_PLANNERS)}; got "
                          f"{cfg.planner!r}", "planner")
    if cfg.skills not in LEAN_SKILLS:
        raise ConfigError(f"the lean engine samples skills {', '.join(LEAN_SKILLS)}; got "
                          f"{cfg.skills!r}", "skills")
    if cfg.population is not None:
        raise ConfigError("the lean engine samples its own population (population must be "
                          "None)", "population")
    if cfg.personas != "offline":
        raise ConfigError("the lean engine samples its own population with offline personas "
                          "(valid personas: offline)", "personas")


def field_kinds(name: str) -> tuple[str, ...]:
    """Base types a config key accepts, from its annotation (``'float | None'`` → float, None)."""
    return CONFIG_KEYS[name].kinds


def config_schema() -> dict[str, Any]:
    """A JSON schema of a nested config file (one object per section), for editors and
    validators outside Python; the cross-section rules are checked by :class:`SimConfig` only."""
    return {"title": "econsim run configuration", "type": "object",
            "additionalProperties": False,
            "properties": {s.name: _with_names(s.model_json_schema()) for s in SECTIONS}}


def _with_names(schema: dict[str, Any]) -> dict[str, Any]:
    """A section's schema with the valid names of every choice key (from the registries)."""
    for key, prop in schema["properties"].items():
        if key in CHOICES:
            prop["enum"] = list(CHOICES[key].names())
    return schema


def _check_llm_options(cfg: SimConfig) -> None:
    """The backend string (used or not) and the call store, checked before anything is written."""
    with _about("backend"):
        check_backend_spec(cfg.backend)
    llm = cfg.llm
    if llm.replays and not llm.replay_source:
        raise ConfigError("store_mode 'replay' needs store=<path> (or backend "
                          "'replay:<path>')", "store_mode")
    if llm.replays and not Path(llm.replay_source).exists():  # a store file or a pack folder
        raise ConfigError(f"replay store {llm.replay_source} does not exist (replay answers "
                          "only from a recorded call store or pack; record one with "
                          "store_mode 'record' or --pack)",
                          "backend" if llm.backend.startswith(llm.REPLAY_PREFIX) else "store")


def uses_vector_engine(cfg: SimConfig) -> bool:
    """Whether ``cfg`` needs the vectorized engine: array-only workers, cluster batching or a
    sampled agents table (see :mod:`econsim.simulation.factory`)."""
    return (cfg.worker_spec.vector_only or cfg.batching_spec.per_cluster
            or cfg.record_agents is not None)
