"""The per-agent holder of the game loop (:mod:`econsim.simulation.loop`, MODEL.md §2).

The loop sets the rates; here each step (2) every worker chooses hours; (3–7) incomes, taxes,
the rebate, utilities and welfare; (bounded/democratic) workers report satisfaction; (8) each
worker's outcome joins its history. After the last step of every tax year (every
``checkpoint_every`` years) the records are written and the state is checkpointed, so
:meth:`Simulation.resume` continues an interrupted run to exactly the results an uninterrupted
run gives.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from numpy.typing import NDArray

from econsim.economy.outcomes import StepOutcome, economy_step
from econsim.economy.welfare import WELFARE_FUNCTIONS, get_objective, metric_rows
from econsim.llm import LLMClient
from econsim.llm.backends import SurrogateBackend
from econsim.llm.surrogate.standin import StandIn
from econsim.llm.types import LLMError
from econsim.prompts import PlannerView, PolicyRecord, StepRecord
from econsim.simulation.calendar import TaxCalendar
from econsim.simulation.config import SimConfig
from econsim.simulation.config_types import ConfigError
from econsim.simulation.context import AgentContext
from econsim.simulation.loop import GameLoop, client_for
from econsim.simulation.memory import check_memory
from econsim.simulation.planners import PLANNERS, planner_view
from econsim.simulation.population import build_population
from econsim.simulation.records import Recorder
from econsim.simulation.result import SimResult
from econsim.simulation.run_folder import (
    CHECKPOINT,
    CONFIG_FILE,
    MANIFEST,
    FolderLock,
    abandoned_start,
    discard_aside,
    make_room,
    read_checkpoint,
    restore_aside,
    verify_chunks,
    write_checkpoint,
    write_run_manifest,
)
from econsim.simulation.state import SimState
from econsim.simulation.status import next_step_hint
from econsim.simulation.workers import WORKERS

Array = NDArray[np.float64]


class Simulation(GameLoop):
    """One run of the LLM-Economist game.

    Parameters
    ----------
    config
        A validated :class:`SimConfig` (or a dict of its keys).
    folder
        Where to write records, checkpoints and the manifest; ``None`` keeps everything in memory.
    client
        An :class:`~econsim.llm.LLMClient` to use instead of building one from ``config.backend``.
    progress
        Show a progress bar (steps, calls, tokens, cost, ETA).
    overwrite
        Replace the records of an earlier run in ``folder``.
    force
        Vectorised engine only: run even if the memory estimate exceeds available memory.
    """

    #: The classes a checkpoint of this engine may hold (resuming builds no other).
    CHECKPOINT_CLASSES: tuple[type, ...] = (SimState, StepRecord, PolicyRecord, StepOutcome)

    def __init__(self, config: SimConfig | dict[str, Any], folder: str | Path | None = None, *,
                 client: LLMClient | None = None, progress: bool = False,
                 overwrite: bool = False, force: bool = False,
                 _state: SimState | None = None, _lock: FolderLock | None = None) -> None:
        self.config = cfg = config if isinstance(config, SimConfig) \
            else SimConfig.from_dict(config)
        self.folder = Path(folder) if folder is not None else None
        self._lock = _lock
        try:
            self._setup(cfg, client, progress, overwrite, force, _state)
        except BaseException:
            self.close(remove_empty=True)
            raise

    def _setup(self, cfg: SimConfig, client: LLMClient | None, progress: bool, overwrite: bool,
               force: bool, _state: SimState | None) -> None:
        """Everything is validated (engine, memory, client, population) before the folder is
        locked and prepared: a refused run leaves an earlier one as it was."""
        self._check_engine(cfg, force=force or _state is not None)
        self.progress = progress
        self.cutoffs = np.asarray(cfg.tax_brackets.cutoffs, dtype=float)
        self.utility_params = cfg.utility_params
        self._objective = get_objective(cfg.objective)
        self.planner = PLANNERS.get(cfg.planner)()
        self.calendar = TaxCalendar.of(cfg)
        self.client = client
        if self.client is None and cfg.uses_llm:
            self.client = client_for(cfg.llm, cfg.seed)
        self.standin = standin_for(cfg, self.client)
        self._build_agents(cfg)
        self.rng = np.random.default_rng(np.random.SeedSequence(cfg.seed).spawn(2)[1])
        if _state is not None:
            self.state = _state
            self.rng.bit_generator.state = _state.rng_state
            if self.client is not None:
                for k, v in _state.ledger.items():
                    if hasattr(self.client.ledger, k) and not k.startswith("budget"):
                        setattr(self.client.ledger, k, v)
                # calls recorded after the checkpoint were paid: their store hits count as calls
                self.client.paid_since = getattr(_state, "checkpoint_time", None)
        else:
            self.state = self._initial_state()
        self._attach_state()
        if self.folder is not None:
            if self._lock is None:
                self._lock = FolderLock(self.folder).acquire()
            if _state is None:
                make_room(self.folder, overwrite)
        self.recorder = self._make_recorder()
        self._year_outcomes: list[StepOutcome] = []  # the open tax year's, for its metrics
        self.context = self._make_context()
        if self.folder is not None and _state is None:
            (self.folder / CONFIG_FILE).write_text(yaml.safe_dump(cfg.to_dict(), sort_keys=False))
        self._started = time.time()
        self._checkpoint_step = _state.step if _state is not None else None

    # -- construction hooks (the vectorised engine overrides these) -------------------------------
    def _check_engine(self, cfg: SimConfig, force: bool) -> None:
        """Refuse configurations this engine cannot run: more memory than is available."""
        self.memory_estimate = check_memory(cfg, force=force)

    def _build_agents(self, cfg: SimConfig) -> None:
        """Sample the workers (skills, personas, names, utility types) and their policy."""
        pop = build_population(cfg, self.client)
        self.skills, self.personas, self.names = pop.skills, pop.personas, pop.names
        self.utility_types = pop.utility_types
        self.workers = WORKERS.get(cfg.worker)()

    def _initial_state(self) -> SimState:
        n = self.config.n_agents
        return SimState(step=0, rates=np.zeros(self.config.n_brackets),
                        rng_state=self.rng.bit_generator.state,
                        histories=[[] for _ in range(n)], last_labour=np.zeros(n),
                        satisfaction=np.ones(n), own_history=[[] for _ in range(n)])

    def _attach_state(self) -> None:
        """Link objects that live in the (checkpointed) state; nothing for per-agent workers."""

    def _make_recorder(self) -> Recorder:
        return Recorder(self.folder, self.config.record_prompts, self.config.record_calls)

    def _make_context(self) -> AgentContext:
        """The agents' view of this run (they never see the engine itself)."""
        return AgentContext(
            config=self.config, cutoffs=self.cutoffs, utility_params=self.utility_params,
            skills=self.skills, names=self.names, personas=self.personas,
            utility_types=self.utility_types, state=self.state, rng=self.rng, call=self.call,
            ask=self.ask, record_election=self.recorder.election_rows, objective_fn=self._objective,
            planner_view=self.planner_view)

    def use_skills(self, skills: Array) -> None:
        """Replace the sampled skills by a constructed population (before the first step)."""
        s = np.asarray(skills, dtype=float)
        if self.state.step != 0:
            raise ValueError("skills can be replaced only before the run starts (step 0)")
        if s.shape != (self.config.n_agents,) or not np.all(np.isfinite(s)) or np.any(s < 0):
            raise ValueError(f"skills must be {self.config.n_agents} finite non-negative numbers "
                             f"(n_agents); got shape {s.shape}")
        self.skills = s
        self.context = self._make_context()

    # -- what the loop asks of this holder ---------------------------------------------------------
    def planner_view(self, t: int) -> PlannerView:
        """The planner's observation at the start of a tax year: every worker's last outcome."""
        return planner_view(self.context, t)

    def _on_failure(self, err: BaseException) -> BaseException | None:
        """Status ``failed``/``interrupted``; a replacement that never checkpointed puts the run
        it replaced back; an LLM error is re-raised saying where the run stopped."""
        failed = self._write_status("failed" if isinstance(err, Exception) else "interrupted",
                                    err)
        if self.folder is not None and self._checkpoint_step is None \
                and restore_aside(self.folder):  # a replacement that never checkpointed
            failed = None
            err.add_note(f"the run {self.folder} held before was put back unchanged")
        if isinstance(err, LLMError) and failed is not None:
            return type(err)(f"{err}; run stopped at step {self.state.step}, status, error and "
                             f"ledger written to {failed}; "
                             f"{next_step_hint(self.folder, self._checkpoint_step)}")
        return None

    def _step(self, t: int) -> None:
        cfg, st = self.config, self.state
        labour = self.workers.labour(self.context, t)
        outcome = economy_step(self.skills, labour, self.context.schedule(), self.utility_params)
        objective = self._objective(outcome.utility, outcome.pre_tax_income,
                                    outcome.post_tax_income)
        satisfaction = self.workers.observe(self.context, t, labour, outcome, objective)
        leader = self.names[st.leader] if cfg.scenario_spec.elections else None
        self._keep_step(t, labour, outcome, objective, None, satisfaction, {"leader": leader})

    def _keep_step(self, t: int, labour: Array, outcome: StepOutcome, objective: float,
                   metrics: dict[str, float] | None, satisfaction: Array,
                   extra: dict[str, Any]) -> None:
        """Carry one step's outcome into the state and write its ``steps`` and ``agents`` rows
        (``extra``: more ``steps`` columns, e.g. the leader). ``metrics`` ``None``: every welfare
        metric of the step is computed when its tax year closes, for the year's steps at once
        (:func:`~econsim.economy.welfare.metric_rows`: the same values, a fraction of the cost
        in small populations)."""
        cfg, st = self.config, self.state
        if metrics is None:
            self._year_outcomes.append(outcome)
            metrics = dict.fromkeys(WELFARE_FUNCTIONS)  # filled by _fill_year_metrics
        st.last_labour, st.satisfaction, st.last_outcome = labour, satisfaction, outcome
        st.year_objective.append(objective)
        st.year_utility = outcome.utility.copy() if st.year_utility is None \
            else st.year_utility + outcome.utility
        self.recorder.step_row({
            "step": t, "tax_year": t // cfg.K,
            **{f"rate_{k}": r for k, r in enumerate(st.rates.tolist())},
            "leader": extra.pop("leader", None), "rebate": outcome.rebate,
            "revenue": outcome.revenue, "mean_labour": float(labour.mean()),
            "mean_satisfaction": float(satisfaction.mean()), "objective": objective, **metrics,
            **extra})
        self.recorder.agent_rows(t, {
            "labour": labour, "pre_tax_income": outcome.pre_tax_income, "tax": outcome.tax,
            "post_tax_income": outcome.post_tax_income, "utility": outcome.utility,
            "satisfaction": satisfaction, "adjusted_utility": satisfaction * outcome.utility})

    def _score_year(self, start: int) -> None:
        """The closing year's own-utility histories and deferred welfare metrics."""
        self._record_own_histories(start)
        self.state.year_utility = None
        self._fill_year_metrics()

    def _save_year(self, year: int) -> None:
        """Every ``checkpoint_every`` tax years (and when the run ends or stops) write the
        records kept since the last checkpoint and checkpoint the state."""
        cfg, st = self.config, self.state
        if (year + 1) % cfg.checkpoint_every and st.step < cfg.n_steps and st.stopped is None:
            return  # records stay buffered; the chunk is named by its last tax year
        self.recorder.flush(year)
        st.rng_state = self.rng.bit_generator.state
        if self.folder is not None:
            st.checkpoint_time = time.time()
            write_checkpoint(self.folder, st, self.config.to_dict(), self.recorder.digests)
            # only a written checkpoint counts: a failed first one must still put back the run
            # that --overwrite set aside
            self._checkpoint_step = st.step
            discard_aside(self.folder)  # the run it replaced is no longer needed

    def _fill_year_metrics(self) -> None:
        """Every welfare metric of the closing year's deferred steps, into their rows."""
        done, self._year_outcomes = self._year_outcomes, []
        if done:
            block = metric_rows(*(np.stack([getattr(o, f) for o in done]) for f in
                                  ("utility", "pre_tax_income", "post_tax_income")))
            self.recorder.fill_steps(block)

    def _record_own_histories(self, start: int) -> None:
        """Each agent's mean utility under the closing year's rates (the democratic leader's
        own-utility history)."""
        st = self.state
        n_steps = len(st.year_objective)
        for i in range(self.config.n_agents):
            st.own_history[i].append(PolicyRecord(start, st.year_rates,
                                                  float(st.year_utility[i] / n_steps)))

    def workers_table(self) -> pd.DataFrame:
        """One row per worker: index, name, skill, utility type and persona (if any)."""
        n = self.config.n_agents
        table = pd.DataFrame({"agent": np.arange(n, dtype=np.int64),
                              "name": [self.names[i] for i in range(n)],
                              "skill": np.asarray(self.skills, dtype=float),
                              "utility_type": list(self.utility_types)})
        if len(self.personas) == n:
            table["persona"] = list(self.personas)
        return table

    def _finish(self) -> SimResult:
        status = self.state.stopped or "complete"
        if self.folder is not None:
            verify_chunks(self.folder, self.recorder.digests)  # "complete" only if all is there
        tables = self.recorder.finalize()
        tables["workers"] = self.workers_table()
        if self.folder is not None:
            tables["workers"].to_parquet(self.folder / "workers.parquet", index=False)
        ledger = self.client.ledger.summary() if self.client is not None else {}
        if self.folder is not None:
            write_run_manifest(self.folder, config=self.config, client=self.client,
                               calls=tables["calls"], started=self._started, status=status,
                               ledger=ledger)
            self._write_status(status)
        if self.client is not None and self.client.store is not None:
            self.client.store.close()
        return SimResult(self.config, tables, self.folder, status, ledger)

    # -- resuming ----------------------------------------------------------------------------------
    @classmethod
    def resume(cls, folder: str | Path, *, client: LLMClient | None = None,
               progress: bool = False) -> Simulation:
        """Continue an interrupted run from its last tax-year checkpoint."""
        folder = Path(folder)
        if (folder / MANIFEST).exists():
            raise ValueError(f"{folder} holds a finished run (manifest.json exists)")
        if not (folder / CHECKPOINT).exists():
            hint = (f"it stopped before its first checkpoint; start it again with: econsim run "
                    f"--config {folder / CONFIG_FILE} --out {folder}"
                    if abandoned_start(folder) else "start a new run")
            raise ValueError(f"{folder} has no checkpoint to resume from; {hint}")
        lock = FolderLock(folder).acquire()
        try:
            config = SimConfig.from_yaml(folder / CONFIG_FILE)
            state, meta = read_checkpoint(folder, cls.CHECKPOINT_CLASSES)
        except BaseException:
            lock.release()
            raise
        sim = cls(config, folder, client=client, progress=progress, _state=state, _lock=lock)
        sim.recorder.discard_after(state.step // config.K - 1 if state.step % config.K == 0
                                   else state.step // config.K)
        sim.recorder.digests = dict(meta["chunks"])
        return sim


def standin_for(cfg: SimConfig, client: LLMClient | None) -> StandIn | None:
    """The array stand-in when the run's calls go to the in-process surrogate and nothing needs
    their text (``surrogate_reads``: ``auto`` or ``arrays``; no call store; prompts not kept),
    else ``None`` (prompts are rendered and sent through the client)."""
    if not cfg.surrogate_reading.arrays or client is None:
        return None
    backend = client.backend
    usable = (isinstance(backend, SurrogateBackend) and client.store is None
              and not cfg.record_prompts)
    if not usable:
        if cfg.surrogate_reading.required:
            raise ConfigError("surrogate_reads 'arrays' needs the in-process surrogate backend, "
                              "no call store and record_prompts false (a text is needed "
                              "otherwise); use 'auto' or 'text'", "surrogate_reads")
        return None
    return StandIn(backend.surrogate, cfg.prompt_style)
