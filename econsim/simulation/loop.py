"""The game loop: the one place where time advances, for every population holder (MODEL.md §2).

Mesa's lesson — the model owns the loop, reporters collect. :class:`GameLoop` plays the game:

1. at ``t = 0`` the planner's starting rates; at every later tax-year start the calendar allows
   (:class:`~econsim.simulation.calendar.TaxCalendar`) the planner's update — or, in the
   democratic scenario, an election and the elected leader's DELTA. Planners come from
   :data:`~econsim.simulation.planners.PLANNERS` only;
2. the holder plays the step (:meth:`GameLoop._step`): workers choose hours, the economy computes
   incomes, taxes, the rebate and utilities, the step is recorded;
3. after the last step of a tax year: the year's policy record, the holder's own scoring
   (:meth:`GameLoop._score_year`), the budget check, and the holder's records or checkpoint
   (:meth:`GameLoop._save_year`).

Holders — the per-agent loop and the vectorised arrays (:mod:`econsim.simulation.engine`,
:mod:`econsim.simulation.vectorized`), lean chunks and Dask shards
(:mod:`econsim.simulation.lean_engine`) — fill in the step and the year's end, and share the
language-model door (:meth:`GameLoop.call`, :meth:`GameLoop.ask`), the status file and the
progress bar defined here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from econsim.llm import Budget, LLMClient, Request, make_client
from econsim.llm.surrogate import SERVED_MODEL
from econsim.llm.surrogate.standin import StandIn
from econsim.prompts import PlannerView, PolicyRecord, build
from econsim.simulation.calendar import TaxCalendar
from econsim.simulation.config import SimConfig
from econsim.simulation.config_sections import LLMSpec
from econsim.simulation.context import AgentContext
from econsim.simulation.elections import hold_election, leader_rates
from econsim.simulation.planners import PLANNERS, Planner
from econsim.simulation.records import Recorder
from econsim.simulation.result import SimResult
from econsim.simulation.state import SimState
from econsim.simulation.status import write_status

#: Call kinds whose prompt builder has another name.
PROMPT_KINDS = {"labour": "worker"}


class GameLoop:
    """The loop over a population holder (see the module docstring).

    A holder sets, before :meth:`run`: ``config``, ``calendar``, ``state`` (a
    :class:`~econsim.simulation.state.SimState`), ``planner``, ``client`` (or ``None``),
    ``standin`` (or ``None``), ``recorder``, ``context``, ``folder`` and ``progress``; and
    implements :meth:`_step`, :meth:`_finish` and, where it keeps more, :meth:`_score_year`,
    :meth:`_save_year`, :meth:`_before_run`, :meth:`_on_failure` and :meth:`_after_run`.
    """

    config: SimConfig
    calendar: TaxCalendar
    state: SimState
    planner: Planner
    client: LLMClient | None
    standin: StandIn | None
    recorder: Recorder
    context: AgentContext
    folder: Path | None
    progress: bool
    _checkpoint_step: int | None = None

    # -- the loop ------------------------------------------------------------------------------
    def run(self) -> SimResult:
        """Run (or continue) to the end of the episode, or until the budget is spent."""
        cfg, st = self.config, self.state
        bar = tqdm(total=cfg.n_steps, initial=st.step, disable=not self.progress,
                   desc=self._bar_label(), unit="step")
        self._write_status("running")
        try:
            self._before_run()
            while st.step < cfg.n_steps and st.stopped is None:
                self.advance()
                self._update_bar(bar)
        except BaseException as err:
            replacement = self._on_failure(err)
            self.close()
            if replacement is not None:
                raise replacement from err
            raise
        finally:
            bar.close()
            self._after_run()
        try:
            return self._finish()
        finally:
            self.close()

    def advance(self) -> None:
        """Play one step (rates, then the holder's step) and close the tax year if it ends."""
        st = self.state
        self._set_rates(st.step)
        self._step(st.step)
        st.step += 1
        if self.calendar.closes_year(st.step):
            self._close_tax_year()

    def advance_year(self) -> None:
        """Play the steps of the current tax year up to its close (:meth:`advance` each):
        the classroom's round."""
        st = self.state
        while st.step < self.config.n_steps and st.stopped is None:
            self.advance()
            if self.calendar.closes_year(st.step):
                return
        raise ValueError("the run is over: "
                         + (st.stopped or f"all {self.config.n_steps} steps are played"))

    def _set_rates(self, t: int) -> None:
        """Rates in force at step ``t``: the planner's start, then at each tax-year start the
        calendar allows the planner's update — or, with elections, an election (when due) and
        the leader's DELTA."""
        cfg, st, cal = self.config, self.state, self.calendar
        elections = cfg.scenario_spec.elections
        if t == 0:
            first = PLANNERS.get("llm")() if elections else self.planner
            st.rates = np.asarray(first.start(self.context), dtype=float)
        elif cal.planner_acts(t):
            if elections:
                if cal.holds_election(t):
                    hold_election(self.context, t)
                st.rates = leader_rates(self.context, t)
            else:
                st.rates = np.asarray(self.planner.update(self.context, t), dtype=float)
        if cal.starts_year(t):
            st.year_rates = tuple(st.rates.tolist())

    def _close_tax_year(self) -> None:
        """The tax year that ended: its policy record (rates and mean objective), the holder's
        scoring, the budget check, the holder's records (and checkpoint)."""
        cfg, st = self.config, self.state
        start = self.calendar.year_start(st.step)
        st.policy_history.append(PolicyRecord(start, st.year_rates,
                                              float(np.mean(st.year_objective))))
        self._score_year(start)
        st.year_objective = []
        if self.client is not None:
            st.ledger = {k: v for k, v in self.client.ledger.summary().items()
                         if not k.startswith("budget")}
            reason = self.client.ledger.exceeded
            if reason and st.step < cfg.n_steps:
                st.stopped = f"budget exhausted: {reason}"
        self._save_year(self.calendar.year_of(start))

    # -- what a holder fills in ----------------------------------------------------------------
    def _step(self, t: int) -> None:
        """Play step ``t`` under the rates in force: hours, the economy, the records (appending
        the step's objective to ``state.year_objective``)."""
        raise NotImplementedError

    def _score_year(self, start: int) -> None:
        """Whatever the holder scores once per tax year (before ``year_objective`` is reset)."""

    def _save_year(self, year: int) -> None:
        """Write the year's records (and a checkpoint, if the holder keeps them)."""
        self.recorder.flush(year)

    def _finish(self) -> SimResult:
        raise NotImplementedError

    def _before_run(self) -> None:
        """Set-up that belongs to the run, not the constructor (e.g. sampling a population)."""

    def _after_run(self) -> None:
        """Release what the run held (e.g. Dask workers), whether it ended or failed."""

    def _on_failure(self, err: BaseException) -> BaseException | None:
        """Record a failed or interrupted run; may return a clearer error to raise instead."""
        self._write_status("failed" if isinstance(err, Exception) else "interrupted", err)
        return None

    def _bar_label(self) -> str:
        cfg = self.config
        return f"{cfg.scenario}/{cfg.worker}/{cfg.planner}"

    def close(self, *, remove_empty: bool = False) -> None:
        """Release the run folder (done when a run ends)."""
        lock = getattr(self, "_lock", None)
        if lock is not None:
            lock.release(remove_empty=remove_empty)
            self._lock = None

    # -- status and progress -------------------------------------------------------------------
    def _write_status(self, status: str, error: BaseException | None = None) -> Path | None:
        """Record how the run stands in ``status.json`` (with the ledger so far)."""
        if self.folder is None:
            return None
        ledger = self.client.ledger.summary() if self.client is not None else {}
        return write_status(self.folder, status=status, step=self.state.step,
                            checkpoint_step=self._checkpoint_step, ledger=ledger, error=error)

    def _update_bar(self, bar: tqdm) -> None:
        bar.update(1)
        if self.client is not None and bar.n % 5 == 0:
            led = self.client.ledger
            bar.set_postfix(calls=led.calls, tokens=led.input_tokens + led.output_tokens,
                            cost=f"${led.cost_usd:.3f}", refresh=False)

    # -- the language-model door: one phase of calls, recorded ---------------------------------
    def call(self, kind: str, requests: list[Request], *, agents: Iterable[int],
             step: int) -> list[Any]:
        """All calls of one phase, concurrently; recorded in the ``calls`` table."""
        done = self.client.complete_many_sync(requests, check_budget=False)
        self.recorder.call_rows(kind, step, list(agents), requests, done)
        return done

    def ask(self, kind: str, views: Sequence[Any], *, schema: type, call_ids: Sequence[str],
            agents: Iterable[int], step: int,
            fallbacks: Sequence[Any] | Callable[[], Sequence[Any]] | None = None) -> list[Any]:
        """One phase of agent calls given as prompt views. A language model gets the rendered
        prompts (:meth:`call`); the offline stand-in, when it reads arrays, decides from the
        views with no text built (:mod:`econsim.llm.surrogate.standin`): the same replies and
        the same token counts, recorded the same way (``prompt`` left empty). ``fallbacks``
        (the action kept after invalid replies, one per call) may be a function giving them:
        it is called only when prompts are sent."""
        prompt_kind = PROMPT_KINDS.get(kind, kind)
        if self.standin is None:
            if callable(fallbacks):
                fallbacks = fallbacks()
            fallbacks = fallbacks if fallbacks is not None else [None] * len(views)
            requests = [Request(build(self.config.prompt_style, prompt_kind, v), schema, cid, fb)
                        for v, cid, fb in zip(views, call_ids, fallbacks, strict=True)]
            return self.call(kind, requests, agents=agents, step=step)
        t0 = time.perf_counter()
        texts, chars = self.standin.decide(prompt_kind, views, call_ids)
        done = self.client.complete_local(call_ids, texts, chars, schema=schema,
                                          model=SERVED_MODEL,
                                          latency_s=time.perf_counter() - t0)
        self.recorder.call_rows(kind, step, list(agents), None, done)
        return done

    def planner_view(self, t: int) -> PlannerView:
        """What the planner (and a leader) sees at the start of the tax year at step ``t``."""
        raise NotImplementedError


def client_for(llm: LLMSpec, seed: int) -> LLMClient:
    """The run's language-model client, from the configuration's ``llm`` section (backend,
    store, budget, transport settings, structured output, replay backend) and the run's seed:
    one for every holder."""
    return make_client(llm.backend, store=llm.store_in_use,
                       store_mode="off" if llm.store_in_use is None else llm.store_mode,
                       budget=Budget(max_calls=llm.budget_calls, max_usd=llm.budget_usd),
                       concurrency=llm.concurrency, max_reasks=llm.max_reasks,
                       temperature=llm.temperature, max_tokens=llm.max_tokens, seed=seed,
                       timeout=llm.request_timeout, max_retries=llm.max_retries,
                       structured=llm.structured_output, replay_backend=llm.replay_backend)
