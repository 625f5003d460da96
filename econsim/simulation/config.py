"""Run configuration: every knob of a simulation, validated before anything is written.

Defaults follow the paper's v1 code: N = 5 workers, 2,500 steps, K = 25 steps per tax year,
history window H = 50, seed 42, temperature 0.7, US 2024 brackets, c = 0.0005 and δ = 3.5.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from econsim.baselines.elasticities import resolve_elasticity
from econsim.economy.tax import TAX_PRESETS, TaxPreset
from econsim.economy.utility import UTILITY_PRESETS, UtilityParams
from econsim.economy.welfare import get_objective
from econsim.llm.backends import check_backend_spec
from econsim.llm.structured import STRUCTURED_OUTPUT
from econsim.prompts import PROMPT_STYLES, UTILITY_TYPES
from econsim.renamed import GivenTwice, accepts_renamed, renamed_keys
from econsim.simulation.config_types import (
    ConfigError,
    annotation_kinds,
    check_field_type,
    check_field_types,
)
from econsim.simulation.config_types import about as _about
from econsim.simulation.config_types import check_choice as _check_choice
from econsim.simulation.config_types import check_int as _check_int
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
SKILL_SOURCES = ("gb2", "joint", "uniform")
#: How the offline surrogate reads its calls (econsim.llm.surrogate.standin).
SURROGATE_READS = tuple(SURROGATE_READINGS)


@accepts_renamed("SimConfig")
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
        ``Population.archetypes(n_clusters)``, applied to its members; docs/scale.md). Formerly
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
    max_fallback_share: float = 0.05
    request_timeout: float = 60.0
    max_retries: int = 4
    structured_output: str = "auto"
    store: str | None = None
    store_mode: str = "record"
    replay_backend: str | None = None
    budget_calls: int | None = None
    budget_usd: float | None = None
    checkpoint_every: int = 1
    personas: str = "offline"
    election_every: int = 1
    platforms: bool = False
    binding_platforms: bool = False
    fixed_hours: float = 40.0
    fixed_rates: tuple[float, ...] | None = None
    elasticity: float | str = 0.4
    record_prompts: bool = True
    record_calls: bool = True
    surrogate_reads: str = "auto"
    batching: str = "agents"
    n_clusters: int = 100
    record_agents: int | None = None
    engine: str = "auto"
    scheduler: str | None = None
    dask_workers: int = 2
    chunk_size: int = 1 << 20

    def __post_init__(self) -> None:
        check_field_types(self)
        _check_int(self.n_agents, "n_agents", 1)
        _check_int(self.n_steps, "n_steps", 1)
        _check_int(self.K, "K", 1)
        _check_int(self.H, "H", 1)
        _check_int(self.warmup, "warmup", 0)
        _check_int(self.seed, "seed", 0)
        _check_int(self.election_every, "election_every", 1)
        _check_int(self.checkpoint_every, "checkpoint_every", 1)
        _check_int(self.max_tokens, "max_tokens", 1)
        _check_int(self.concurrency, "concurrency", 1)
        _check_int(self.max_reasks, "max_reasks", 0)
        if not 0.0 <= float(self.max_fallback_share) <= 1.0:
            raise ConfigError(f"max_fallback_share must be in [0, 1]; got "
                              f"{self.max_fallback_share!r}", "max_fallback_share")
        _check_int(self.max_retries, "max_retries", 0)
        if self.max_retries > MAX_RETRIES:
            raise ConfigError(f"max_retries must be in [0, {MAX_RETRIES}] (each retry waits up "
                              f"to request_timeout); got {self.max_retries!r}", "max_retries")
        _check_timeout(self.request_timeout)
        for key, lookup in (("scenario", SCENARIOS.get), ("tax_preset", TAX_PRESETS.get),
                            ("utility", UTILITY_PRESETS.get), ("prompt_style", PROMPT_STYLES.get),
                            ("objective", get_objective)):
            with _about(key):
                lookup(getattr(self, key))
        _check_choice(self.skills, "skills", SKILL_SOURCES)
        _check_choice(self.worker, "worker", WORKER_KINDS + VECTOR_WORKER_KINDS)
        _check_choice(self.planner, "planner", PLANNER_KINDS)
        _check_choice(self.personas, "personas", PERSONA_SOURCES)
        _check_choice(self.store_mode, "store_mode", ("off", "record", "replay"))
        _check_choice(self.structured_output, "structured_output", tuple(STRUCTURED_OUTPUT))
        _check_choice(self.surrogate_reads, "surrogate_reads", SURROGATE_READS)
        if self.replay_backend is not None and "/" not in str(self.replay_backend).strip("/"):
            raise ConfigError("replay_backend looks like '<backend>/<model>' (e.g. "
                              f"'surrogate/surrogate-seed7'); got {self.replay_backend!r}",
                              "replay_backend")
        if self.surrogate_reads == "arrays" and (self.backend != "surrogate" or self.record_prompts
                                                 or (self.store is not None
                                                     and self.store_mode != "off")):
            raise ConfigError("surrogate_reads 'arrays' needs backend 'surrogate', no call store "
                              "and record_prompts false (a text is needed otherwise); use 'auto' "
                              "or 'text'", "surrogate_reads")
        if self.record_prompts and not self.record_calls:
            raise ConfigError("record_prompts keeps texts in the calls table: it needs "
                              "record_calls true", "record_prompts")
        if self.planner == "us_federal" and self.tax_preset != "us_federal_2024":
            raise ConfigError("planner 'us_federal' needs tax_preset 'us_federal_2024' "
                              f"(got {self.tax_preset!r})", "planner")
        if not 0.0 <= float(self.temperature) <= 2.0:
            raise ConfigError(f"temperature must be in [0, 2]; got {self.temperature!r}",
                              "temperature")
        if not 0.0 <= float(self.fixed_hours) <= 100.0:
            raise ConfigError(f"fixed_hours must be in [0, 100]; got {self.fixed_hours!r}",
                              "fixed_hours")
        unknown = sorted(set(self.utility_mix) - set(UTILITY_TYPES))
        if unknown:
            raise ConfigError(f"utility_mix has unknown type(s) {unknown}; valid: "
                              f"{', '.join(UTILITY_TYPES)}", "utility_mix")
        shares = [float(v) for v in self.utility_mix.values()]
        if any(v < 0 for v in shares) or abs(sum(shares) - 100.0) > 1e-6:
            raise ConfigError(f"utility_mix percentages must be >= 0 and sum to 100; got "
                              f"{dict(self.utility_mix)} (sum {sum(shares):g})", "utility_mix")
        if self.fixed_rates is not None:
            n = len(TAX_PRESETS.get(self.tax_preset).cutoffs)
            if len(self.fixed_rates) != n or not all(0 <= r <= 1 for r in self.fixed_rates):
                raise ConfigError(f"fixed_rates must be {n} fractions in [0, 1] (one per "
                                  f"bracket of {self.tax_preset!r}); got {self.fixed_rates!r}",
                                  "fixed_rates")
        if self.budget_calls is not None:
            _check_int(self.budget_calls, "budget_calls", 1)
        if self.budget_usd is not None and not float(self.budget_usd) > 0:
            raise ConfigError(f"budget_usd must be > 0; got {self.budget_usd!r}", "budget_usd")
        with _about("elasticity"):
            resolve_elasticity(self.elasticity, TAX_PRESETS.get(self.tax_preset).cutoffs)
        _check_scale_options(self)
        _check_llm_options(self)
        for message in inactive_planner(self):
            # 4: past __post_init__, the dataclass __init__ and accepts_renamed's wrapper
            warnings.warn(message, ConfigWarning, stacklevel=4)

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
        d = dataclasses.asdict(self)
        if d["fixed_rates"] is not None:
            d["fixed_rates"] = list(d["fixed_rates"])
        return d

    def replace(self, **changes: Any) -> SimConfig:
        return SimConfig.from_dict({**self.to_dict(), **_new_names(changes)})

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SimConfig:
        """Build from a mapping, refusing unknown keys (they name the valid ones) and values of
        the wrong type (the error names the key and the type its annotation allows). Old names
        (:mod:`econsim.renamed`) are read as their new ones, with a warning."""
        values = _new_names(values)
        valid = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(values) - set(valid))
        if unknown:
            raise ConfigError(f"unknown config key(s) {unknown}; valid keys: {', '.join(valid)}")
        vals = dict(values)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for key, value in vals.items():
            check_field_type(fields[key], value)
        if vals.get("fixed_rates") is not None:
            vals["fixed_rates"] = tuple(float(r) for r in vals["fixed_rates"])
        return cls(**vals)

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
    _check_choice(cfg.batching, "batching", BATCHING)
    _check_int(cfg.n_clusters, "n_clusters", 1)
    if cfg.record_agents is not None:
        _check_int(cfg.record_agents, "record_agents", 1)  # 0 would keep an empty table
    if cfg.batching_spec.per_cluster:
        if cfg.n_clusters > cfg.n_agents:
            raise ConfigError(f"n_clusters must be in [1, n_agents={cfg.n_agents}]; "
                              f"got {cfg.n_clusters}", "n_clusters")
        if not cfg.worker_spec.asks_model:
            raise ConfigError(f"batching 'clusters' needs worker 'llm' (got {cfg.worker!r}); "
                              "valid batching for other workers: agents", "batching")
    _check_choice(cfg.engine, "engine", tuple(ENGINE_SPECS))
    _check_int(cfg.dask_workers, "dask_workers", 1)
    _check_int(cfg.chunk_size, "chunk_size", 1)
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


#: Upper bounds of the transport settings: a run against a server that hangs ends within
#: about request_timeout x (max_retries + 1) per call (econsim.llm.sdk.call_deadline).
MAX_RETRIES = 10
MAX_REQUEST_TIMEOUT_S = 600.0


def _check_timeout(value: Any) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not 0 < value <= MAX_REQUEST_TIMEOUT_S:
        raise ConfigError(f"request_timeout must be a number of seconds in (0, "
                          f"{MAX_REQUEST_TIMEOUT_S:g}]; got {value!r}", "request_timeout")


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
    return annotation_kinds({f.name: f for f in dataclasses.fields(SimConfig)}[name])


def _check_llm_options(cfg: SimConfig) -> None:
    """The backend string (used or not) and the call store, checked before anything is written."""
    with _about("backend"):
        check_backend_spec(cfg.backend)
    replay = cfg.store_mode == "replay" or cfg.backend.startswith("replay:")
    if cfg.store_mode == "replay" and not (cfg.store or cfg.backend.startswith("replay:")):
        raise ConfigError("store_mode 'replay' needs store=<path> (or backend "
                          "'replay:<path>')", "store_mode")
    if replay:
        path = cfg.backend[len("replay:"):] if cfg.backend.startswith("replay:") else cfg.store
        if path and not Path(path).exists():  # a store file or a replay pack folder
            raise ConfigError(f"replay store {path} does not exist (replay answers only from a "
                              "recorded call store or pack; record one with store_mode "
                              "'record' or --pack)",
                              "backend" if cfg.backend.startswith("replay:") else "store")


def uses_vector_engine(cfg: SimConfig) -> bool:
    """Whether ``cfg`` needs the vectorized engine: array-only workers, cluster batching or a
    sampled agents table (see :mod:`econsim.simulation.factory`)."""
    return (cfg.worker_spec.vector_only or cfg.batching_spec.per_cluster
            or cfg.record_agents is not None)
