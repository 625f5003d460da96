"""The lean population engine: 10⁸+ census-calibrated agents in a few bytes each (docs/scale.md).

:class:`LeanSimulation` is a holder of the game loop (:mod:`econsim.simulation.loop`) for a
:mod:`lean population <econsim.scale.lean_population>` held in chunks, in this process
(``engine="lean"``) or as shards on Dask workers (``engine="dask"``). Each step:

1. the loop sets the rates on its calendar with a planner from ``PLANNERS`` — any planner that
   reads no single worker (``llm``: one call whose prompt shows the population through its
   histograms — bin means with counts — :meth:`LeanSimulation.planner_view`);
2. workers choose hours: ``llm`` with cluster batching asks the K representatives, once per step,
   on the client, and every member plays its representative's answer (rounded to the 10 h menu)
   moved one menu step with probability ``MEMBER_JITTER`` from its counter stream; ``fixed`` and
   ``rational`` workers need no call;
3. every chunk computes labour, tax and utility and returns sums and histograms
   (:mod:`econsim.scale.chunked`); the totals give the rebate and the welfare metrics;
4. representatives see their own outcome; in the bounded scenario they are asked for
   satisfaction and their members take the answer.

The same seed gives the same tables with either holder (chunks reduced in the same order).
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from econsim.economy.welfare import get_objective
from econsim.llm import (
    LabourChoice,
    LLMClient,
    Request,
    Satisfaction,
)
from econsim.prompts import (
    UTILITY_TYPES,
    PlannerView,
    SatisfactionView,
    StepRecord,
    WorkerView,
)
from econsim.scale.chunked import (
    Partial,
    StepSpec,
    combine,
    metrics,
    tax_of,
)
from econsim.scale.lean_memory import check_lean_memory
from econsim.scale.lean_population import (
    LeanClusters,
    demographics_of,
    personas_of,
    sample_chunk,
    utility_types_of,
)
from econsim.scale.shards import DaskShards, InMemoryShards
from econsim.simulation.calendar import TaxCalendar
from econsim.simulation.cluster_workers import FIRST_STEP_FALLBACK_HOURS, MEMBER_JITTER
from econsim.simulation.config import (  # noqa: F401 - re-exported
    LEAN_PLANNERS,
    LEAN_WORKERS,
    SimConfig,
    check_lean_config,
)
from econsim.simulation.context import AgentContext
from econsim.simulation.loop import GameLoop, client_for
from econsim.simulation.planners import PLANNERS
from econsim.simulation.records import Recorder
from econsim.simulation.result import SimResult
from econsim.simulation.run_folder import (
    CONFIG_FILE,
    FolderLock,
    make_room,
    verify_chunks,
    write_run_manifest,
)
from econsim.simulation.state import SimState

#: Agents whose per-step rows are kept by default.
LEAN_RECORD = 1000
TIMINGS = "timings.json"


@dataclass
class LeanResult(SimResult):
    """A :class:`~econsim.simulation.result.SimResult` of a lean run (tables ``steps``,
    ``agents``, ``calls``) with its phase timings."""

    timings: dict[str, float] = field(default_factory=dict)


#: ``engine='auto'`` runs the lean engine above this many agents when it can.
LEAN_AUTO_AGENTS = 5_000_000


def uses_lean_engine(cfg: SimConfig) -> bool:
    """Whether a configuration runs on :class:`LeanSimulation` (``engine`` lean/dask, or
    ``auto`` above :data:`LEAN_AUTO_AGENTS` agents for a configuration the lean engine runs)."""
    if cfg.engine_spec.lean:
        return True
    if cfg.n_agents <= LEAN_AUTO_AGENTS:
        return False
    try:
        check_lean_config(cfg)
    except ValueError:
        return False
    return True


class LeanSimulation(GameLoop):
    """One run on a lean population (see the module docstring).

    The configuration chooses the holder (``engine``: ``dask`` = shards on Dask workers, else
    chunks in this process), ``scheduler``, ``dask_workers``, ``chunk_size`` (results depend
    on it only through float summation order) and ``record_agents`` (a seeded sample whose
    per-step rows are kept; default 1,000, or all if fewer).

    Parameters
    ----------
    config
        A :class:`SimConfig` (checked by :func:`check_lean_config`).
    folder
        Where to write ``steps``/``agents``/``calls`` parquet files, config and manifest.
    client
        An :class:`~econsim.llm.LLMClient` instead of one built from ``config.backend``.
    force
        Run even if the memory estimate exceeds the available memory.
    timeout
        Seconds to wait for an existing Dask scheduler.
    """

    def __init__(self, config: SimConfig | dict[str, Any], folder: str | Path | None = None, *,
                 client: LLMClient | None = None, progress: bool = False,
                 overwrite: bool = False, force: bool = False, timeout: float = 10.0) -> None:
        self.config = cfg = config if isinstance(config, SimConfig) \
            else SimConfig.from_dict(config)
        check_lean_config(cfg)
        self.engine = engine = "dask" if cfg.engine_spec.shards else "lean"
        scheduler, n_workers, chunk_size = cfg.scheduler, cfg.dask_workers, cfg.chunk_size
        record_agents = cfg.record_agents
        self.memory_estimate = check_lean_memory(
            cfg.n_agents, chunk_size, force=force,
            workers=n_workers if engine == "dask" and scheduler is None else 1,
            remote=engine == "dask" and scheduler is not None)
        self.folder = Path(folder) if folder is not None else None
        self._lock: FolderLock | None = None
        self.progress = progress
        self.cutoffs = np.asarray(cfg.tax_brackets.cutoffs, dtype=float)
        self.params = cfg.utility_params
        self.client = client
        if self.client is None and cfg.uses_llm:
            self.client = client_for(cfg.llm, cfg.seed)
        self.standin = None  # lean representatives' prompts are rendered (few calls per step)
        self.planner = PLANNERS.get(cfg.planner)()
        self.calendar = TaxCalendar.of(cfg)
        if self.folder is not None:  # validated (memory, client): now the folder
            self._lock = FolderLock(self.folder).acquire()
            try:
                make_room(self.folder, overwrite)
                (self.folder / CONFIG_FILE).write_text(yaml.safe_dump(cfg.to_dict(),
                                                                      sort_keys=False))
            except BaseException:
                self.close(remove_empty=True)
                raise
        self.recorder = Recorder(self.folder, cfg.record_prompts, cfg.record_calls)
        n = cfg.n_agents
        m = min(LEAN_RECORD if record_agents is None else record_agents, n)
        rng = np.random.default_rng(np.random.SeedSequence(cfg.seed, spawn_key=(101,)))
        self.record = np.sort(rng.choice(n, size=m, replace=False)).astype(np.int64) \
            if m < n else np.arange(n, dtype=np.int64)
        self.timings = {"sample_s": 0.0, "llm_s": 0.0, "array_s": 0.0}
        self._holder_args = dict(scheduler=scheduler, n_workers=n_workers, timeout=timeout)
        self.chunk_size = chunk_size
        self._started = time.time()
        # the loop's state: rates, the year's objective, the policy history, a budget stop
        self.state = SimState(step=0, rates=np.zeros(cfg.n_brackets), rng_state={},
                              histories=[], last_labour=np.zeros(0), satisfaction=np.ones(0))
        self._year_view: tuple[Partial, float, float] | None = None
        self.context = AgentContext(
            config=cfg, cutoffs=self.cutoffs, utility_params=self.params, skills=np.zeros(0),
            names=(), personas=(), utility_types=(), state=self.state,
            rng=np.random.default_rng(np.random.SeedSequence(cfg.seed).spawn(2)[1]),
            call=self.call, ask=self.ask, record_election=self.recorder.election_rows,
            objective_fn=get_objective(cfg.objective), planner_view=self.planner_view)

    @classmethod
    def resume(cls, folder: str | Path, **options: Any) -> LeanSimulation:
        """Lean runs are not checkpointed: the tax years written so far stay in ``folder``;
        a rerun of the same configuration reproduces them exactly."""
        raise ValueError(f"{folder} is a lean-engine run, which cannot be resumed; its "
                         "finished tax years are kept in chunks/, rerun it with --overwrite "
                         "(same seed, same results)")

    # -- population -------------------------------------------------------------------------
    def _sample(self) -> None:
        cfg = self.config
        t0 = time.perf_counter()
        if self.engine == "dask":
            self.holder = DaskShards(cfg.seed, cfg.n_agents, self.chunk_size, cfg.skills,
                                     **self._holder_args)
        else:
            self.holder = InMemoryShards(cfg.seed, cfg.n_agents, self.chunk_size, cfg.skills)
        counts = np.sum(self.holder.counts(), axis=0)
        if cfg.worker_spec.asks_model:
            self.groups = LeanClusters.build(counts, cfg.n_clusters)
            cells = self.groups.median_cells
            reps = np.full(cells.size, -1, dtype=np.int64)
            for i in range(len(self.holder)):  # representatives sit in the first chunks
                found = self.holder.first_in(i, cells)
                reps = np.where(reps < 0, found, reps)
                if (reps >= 0).all():
                    break
            self.reps = reps
            self.rep_skill = np.array([float(sample_chunk(cfg.seed, i, i + 1, cfg.skills)[0][0])
                                       for i in reps.tolist()])
            self.rep_types = utility_types_of(cfg.seed, reps, cfg.utility_mix, UTILITY_TYPES)
            self.personas: list[str | None] = [None] * reps.size
            if cfg.scenario_spec.personas:
                self.rep_demographics = demographics_of(cfg.seed, reps, cfg.skills)
                self.personas = list(personas_of(self.rep_demographics))
            k = reps.size
            self.histories: list[list[StepRecord]] = [[] for _ in range(k)]
            self.last = np.full(k, FIRST_STEP_FALLBACK_HOURS)
            self.satisfied = np.ones(k)
        self.timings["sample_s"] += time.perf_counter() - t0

    # -- what the loop asks of this holder ---------------------------------------------------
    def _before_run(self) -> None:
        self._sample()

    def _after_run(self) -> None:
        if hasattr(self, "holder"):
            self.holder.close()

    def _bar_label(self) -> str:
        return f"{self.engine}/{super()._bar_label()}"

    def call(self, kind: str, requests: list[Request], *, agents: Any, step: int) -> list[Any]:
        t0 = time.perf_counter()
        done = super().call(kind, requests, agents=agents, step=step)
        self.timings["llm_s"] += time.perf_counter() - t0
        return done

    def planner_view(self, t: int) -> PlannerView:
        """The planner's prompt data: the closed year's last step as income and utility bin
        means with their counts, and the policy history."""
        tot, rebate, objective = self._year_view
        zk = tot.z_count > 0
        uk = tot.u_count > 0
        cfg = self.config
        return PlannerView(step=t, n_steps=cfg.n_steps, K=cfg.K,
                           cutoffs=tuple(self.cutoffs.tolist()),
                           rates=tuple(self.state.rates.tolist()),
                           incomes=tot.z_sum[zk] / tot.z_count[zk],
                           utilities=tot.u_sum[uk] / tot.u_count[uk] + rebate, swf=objective,
                           history=tuple(self.state.policy_history), H=cfg.H,
                           income_weights=tot.z_count[zk].astype(float),
                           utility_weights=tot.u_count[uk].astype(float))

    def _hours(self, t: int, rates: np.ndarray) -> np.ndarray:
        cfg = self.config
        cutoffs, rt = tuple(self.cutoffs.tolist()), tuple(rates.tolist())
        reps = self.reps.tolist()
        views = [WorkerView(name=f"worker_{i}", skill=float(self.rep_skill[j]), step=t,
                            n_steps=cfg.n_steps, cutoffs=cutoffs, rates=rt,
                            history=self.histories[j][-cfg.H:], persona=self.personas[j],
                            utility_type=self.rep_types[j], K=cfg.K, H=cfg.H)
                 for j, i in enumerate(reps)]
        done = self.ask("labour", views, schema=LabourChoice,
                        call_ids=[self.context.call_id(t, "labour", i) for i in reps],
                        fallbacks=[LabourChoice(LABOR=x) for x in self.last], agents=reps,
                        step=t)
        self.last = np.array([float(c.parsed.LABOR) for c in done])
        return np.clip(np.rint(self.last / 10.0) * 10.0, 0.0, 100.0)

    def _satisfaction(self, t: int, rates: np.ndarray) -> np.ndarray:
        cutoffs, rt = tuple(self.cutoffs.tolist()), tuple(rates.tolist())
        reps = self.reps.tolist()
        views = [SatisfactionView(name=f"worker_{i}", persona=self.personas[j],
                                  cutoffs=cutoffs, rates=rt, last=self.histories[j][-1])
                 for j, i in enumerate(reps)]
        prev = [Satisfaction(SATISFIED="YES" if s == 1.0 else "NO") for s in self.satisfied]
        done = self.ask("satisfaction", views, schema=Satisfaction,
                        call_ids=[self.context.call_id(t, "satisfaction", i) for i in reps],
                        fallbacks=prev, agents=reps, step=t)
        self.satisfied = np.array([c.parsed.r for c in done])
        return self.satisfied

    def _step(self, t: int) -> None:
        """Representatives choose hours; every chunk plays the step and returns its totals."""
        cfg, st = self.config, self.state
        rates = st.rates
        hours = self._hours(t, rates) if cfg.worker_spec.asks_model else None
        # the closing step's utility histogram is what an LLM planner reads next
        planner_reads = cfg.planner_spec.asks_model and (t + 1) % cfg.K == 0
        spec = StepSpec(
            seed=cfg.seed, t=t, cutoffs=self.cutoffs, rates=rates, c=self.params.c,
            delta=self.params.delta, hours=hours, fixed_hours=cfg.fixed_hours,
            rational=cfg.worker_spec.best_responds,
            lut=self.groups.lut if hours is not None else None,
            reps=self.reps if hours is not None else np.zeros(0, np.int64),
            jitter=MEMBER_JITTER, utility_hist=planner_reads, record=self.record)
        t0 = time.perf_counter()
        tot = combine(self.holder.step(spec))
        rebate, mets, bound = metrics(tot, self.cutoffs.size)
        self.timings["array_s"] += time.perf_counter() - t0
        objective = mets[cfg.objective]
        sat = self._observe(t, rates, st.year_rates, hours, rebate, objective)
        st.year_objective.append(objective)
        if planner_reads:
            self._year_view = (tot, rebate, objective)
        self._record(t, rates, tot, rebate, mets, bound, objective, sat)

    def _observe(self, t: int, rates: np.ndarray, year_rates: tuple[float, ...],
                 hours: np.ndarray | None, rebate: float, objective: float) -> float:
        """Representatives' outcomes into their histories; mean satisfaction."""
        cfg = self.config
        if hours is None:
            return 1.0
        z = self.rep_skill * hours
        tax, _ = tax_of(z, self.cutoffs, rates, StepSpec(0, 0, self.cutoffs, rates, 0, 0).cum_tax)
        post = z - tax + rebate
        u = post - self.params.c * np.power(hours, self.params.delta)
        for j in range(hours.size):
            self.histories[j].append(StepRecord(t, year_rates, float(hours[j]), float(z[j]),
                                                float(tax[j]), rebate, float(post[j]),
                                                float(u[j]), swf=objective))
        if not cfg.scenario_spec.satisfaction:
            return 1.0
        r = self._satisfaction(t, rates)
        for j in range(hours.size):
            last = self.histories[j][-1]
            self.histories[j][-1] = dataclasses.replace(last, satisfaction=float(r[j]),
                                                        adjusted_utility=float(r[j] * u[j]))
        return float((self.groups.sizes * r).sum() / cfg.n_agents)

    def _record(self, t: int, rates: np.ndarray, tot: Partial, rebate: float,
                mets: dict[str, float], bound: float, objective: float, sat: float) -> None:
        n = tot.n
        nb = self.cutoffs.size
        brackets = tot.z_count.reshape(-1, nb).sum(axis=0)
        mean_l = tot.labour / n
        self.recorder.step_row({
            "step": t, "tax_year": t // self.config.K,
            **{f"rate_{k}": r for k, r in enumerate(rates.tolist())},
            "leader": None, "rebate": rebate, "revenue": tot.tax,
            "mean_labour": mean_l, "mean_satisfaction": sat, "objective": objective, **mets,
            "labour_sd": float(np.sqrt(max(tot.labour_sq / n - mean_l * mean_l, 0.0))),
            "gini_error_bound": bound,
            **{f"workers_bracket_{k}": int(c) for k, c in enumerate(brackets.tolist())}})
        if tot.rows is not None:
            r = tot.rows
            post = r["pre_tax_income"] - r["tax"] + rebate
            self.recorder.agent_columns(t, r["agent"], {
                "labour": r["labour"], "pre_tax_income": r["pre_tax_income"], "tax": r["tax"],
                "post_tax_income": post, "utility": r["v"] + rebate})

    def _finish(self) -> LeanResult:
        status = self.state.stopped or "complete"
        if self.folder is not None:
            verify_chunks(self.folder, self.recorder.digests)  # "complete" only if all is there
        tables = self.recorder.finalize()
        ledger = self.client.ledger.summary() if self.client is not None else {}
        if self.folder is not None:
            (self.folder / TIMINGS).write_text(json.dumps(self.timings, indent=1))
            write_run_manifest(self.folder, config=self.config, client=self.client,
                               calls=tables["calls"], started=self._started, status=status,
                               ledger=ledger, engine=self.engine)
            self._write_status(status)
        if self.client is not None and self.client.store is not None:
            self.client.store.close()
        return LeanResult(self.config, tables, self.folder, status, ledger, dict(self.timings))

