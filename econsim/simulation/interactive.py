"""A holder of the game loop played one tax year at a time: the classroom game's holder.

:class:`InteractiveArrays` holds the population as in-memory arrays, like the vectorised holder
(:mod:`econsim.simulation.vectorized`), and its workers are the same array workers
(:data:`~econsim.simulation.array_workers.ARRAY_WORKERS`, the same factories); the rates come from
a planner of :data:`~econsim.simulation.planners.PLANNERS` — in the classroom the ``student``
planner, whose rates are handed in before each tax year — and time advances in
:class:`~econsim.simulation.loop.GameLoop`, one tax year per :meth:`play_year`.

What it leaves out is what a round of a game does not need and the board, which replays every
submitted game, cannot afford: no run folder, no records, no census population (the caller
gives the skills), no language model, and only the configured welfare objective per step
(the vectorised holder computes every metric and writes every row).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from econsim.economy.outcomes import StepOutcome, economy_step
from econsim.economy.welfare import get_objective
from econsim.prompts import UTILITY_TYPES
from econsim.simulation.array_workers import ARRAY_WORKERS
from econsim.simulation.calendar import TaxCalendar
from econsim.simulation.config import SimConfig
from econsim.simulation.context import AgentContext
from econsim.simulation.loop import GameLoop
from econsim.simulation.planners import PLANNERS, planner_view
from econsim.simulation.records import Recorder
from econsim.simulation.result import SimResult
from econsim.simulation.state import SimState

Array = NDArray[np.float64]


class _TypeNames(Sequence[str]):
    """Utility type names read from their codes (no list of N strings)."""

    def __init__(self, codes: NDArray[np.int8]) -> None:
        self.codes = codes

    def __len__(self) -> int:
        return int(self.codes.size)

    def __getitem__(self, i):  # noqa: ANN001, ANN204 - Sequence's index or slice
        if isinstance(i, slice):
            return [UTILITY_TYPES[c] for c in self.codes[i]]
        return UTILITY_TYPES[int(self.codes[i])]


class InteractiveArrays(GameLoop):
    """The game of ``config`` on the population ``skills``, one tax year per :meth:`play_year`.

    Parameters
    ----------
    config
        The game: ``n_agents`` (= ``skills.size``), ``worker`` (an array worker kind),
        ``planner`` (one that asks no language model; ``student`` takes handed-in rates),
        ``K`` (steps per tax year), ``n_steps``, ``H``, ``seed``, presets and objective.
    skills
        Every worker's skill (USD per hour).
    utility_types
        Every worker's utility type as a code (its position in
        :data:`~econsim.prompts.UTILITY_TYPES`); default all 0 (egotistical).
    attitude
        Every worker's tax attitude in {−1, 0, 1} (read in a bounded scenario); default 0.
    """

    def __init__(self, config: SimConfig, skills: ArrayLike,
                 utility_types: ArrayLike | None = None, attitude: ArrayLike | None = None
                 ) -> None:
        cfg = self.config = config
        if cfg.uses_llm or cfg.worker not in ARRAY_WORKERS:
            raise ValueError(f"the interactive holder plays array workers "
                             f"({', '.join(ARRAY_WORKERS)}) and planners that ask no language "
                             f"model; got worker {cfg.worker!r}, planner {cfg.planner!r}, "
                             f"scenario {cfg.scenario!r}")
        n = cfg.n_agents
        self.skills = np.asarray(skills, dtype=float)
        if self.skills.shape != (n,):
            raise ValueError(f"skills must be {n} numbers (n_agents); got shape "
                             f"{self.skills.shape}")
        codes = np.zeros(n, dtype=np.int8) if utility_types is None \
            else np.asarray(utility_types, dtype=np.int8)
        att = np.zeros(n) if attitude is None else np.asarray(attitude, dtype=float)
        self.cutoffs = np.asarray(cfg.tax_brackets.cutoffs, dtype=float)
        self.utility_params = cfg.utility_params
        self.calendar = TaxCalendar.of(cfg)
        self.planner = PLANNERS.get(cfg.planner)()
        self.client = self.standin = None
        self.folder, self.progress = None, False
        self.recorder = Recorder(None, record_prompts=False, record_calls=False)
        # the random workers' generator, seeded as the other holders seed theirs
        self.rng = np.random.default_rng(np.random.SeedSequence(cfg.seed).spawn(2)[1])
        self.state = SimState(step=0, rates=np.zeros(cfg.n_brackets),
                              rng_state=self.rng.bit_generator.state, histories=[],
                              last_labour=np.zeros(n), satisfaction=np.ones(n))
        self.context = AgentContext(
            config=cfg, cutoffs=self.cutoffs, utility_params=self.utility_params,
            skills=self.skills, names=[], personas=[], utility_types=_TypeNames(codes),
            state=self.state, rng=self.rng, call=self.call, ask=self.ask,
            record_election=self.recorder.election_rows,
            objective_fn=get_objective(cfg.objective), planner_view=self.planner_view)
        self.workers = ARRAY_WORKERS.get(cfg.worker)(cfg, codes, lambda: att)
        self.last_objective = float("nan")

    def play_year(self, rates: ArrayLike | None = None) -> StepOutcome:
        """Hand in the coming tax year's ``rates`` (planner ``student``; ``None`` for a planner
        that sets its own), play the year, and return its last step's outcome (the step's
        welfare objective is :attr:`last_objective`)."""
        if rates is not None:
            self.planner.hand_in(rates)
        self.advance_year()
        return self.state.last_outcome

    # -- what the loop asks of this holder -------------------------------------------------------
    def _step(self, t: int) -> None:
        ctx, st = self.context, self.state
        labour = self.workers.labour(ctx, t)
        outcome = economy_step(self.skills, labour, ctx.schedule(), self.utility_params)
        objective = ctx.objective(outcome)
        st.satisfaction = self.workers.observe(ctx, t, labour, outcome, objective)
        st.last_labour, st.last_outcome = labour, outcome
        st.year_objective.append(objective)
        self.last_objective = float(objective)

    def _save_year(self, year: int) -> None:
        """Nothing is recorded (the caller keeps what it needs of each year)."""

    def planner_view(self, t: int):  # noqa: ANN201 - PlannerView
        return planner_view(self.context, t)

    def _finish(self) -> SimResult:
        return SimResult(self.config, {}, None, self.state.stopped or "complete", {})


__all__ = ["InteractiveArrays"]
