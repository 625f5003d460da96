"""'You are the planner': a classroom game in which each round is a tax year.

The student sets the marginal rate of every bracket (three or seven brackets); the population
responds — rational workers (exact best responses) or in-context learners (the offline
surrogate's hill-climbing rule, :mod:`econsim.scale.surrogate_vec`, one round = ``steps_per_round``
steps whose last is the "choose the best" step) — and the round's hours, revenue, incomes and
welfare are recorded. The rounds are tax years of the one game loop
(:class:`~econsim.simulation.interactive.InteractiveArrays`): the student is the planner
``student`` of :data:`~econsim.simulation.planners.PLANNERS`, whose rates are handed in before
each tax year, and the workers are ``econsim run``'s array workers
(:data:`~econsim.simulation.array_workers.ARRAY_WORKERS`). :mod:`econsim.classroom.scoreboard`
compares the final schedule with the baselines on the same population and objective.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from econsim.economy.outcomes import StepOutcome, rational_step
from econsim.economy.skills import sample_skills
from econsim.economy.tax import TAX_PRESETS, TaxSchedule
from econsim.economy.utility import UTILITY_PRESETS
from econsim.economy.welfare import get_objective
from econsim.renamed import accepts_renamed, renamed_keys
from econsim.simulation.array_workers import ARRAY_WORKERS
from econsim.simulation.config import SimConfig
from econsim.simulation.interactive import InteractiveArrays
from econsim.simulation.specs import WORKER_SPECS

Array = NDArray[np.float64]

#: Bracket choices of the game: number of brackets → tax preset.
BRACKETS: dict[int, str] = {3: "three", 7: "us_federal_2024"}
#: Environment variable holding a JSON object of :class:`GameSetup` fields (set by
#: ``econsim classroom`` so the served notebook plays the teacher's settings).
SETUP_ENV = "ECONSIM_CLASSROOM_SETUP"
#: The worker kinds the game offers: ``econsim run``'s array workers whose hours answer the rates
#: (``rational``, ``surrogate_vec``), built by the same factories.
GAME_WORKERS: tuple[str, ...] = tuple(n for n in ARRAY_WORKERS
                                      if WORKER_SPECS.get(n).answers_rates)


@accepts_renamed("GameSetup")
@dataclass(frozen=True)
class GameSetup:
    """The settings of one game (the teacher's choice; the same for the whole class).

    ``n_agents`` workers, of kind ``worker`` (``rational``: exact best responses, or
    ``surrogate_vec``: the offline stand-in's learning rule as array operations, as in
    ``econsim run``), maximising the welfare function ``objective``. ``elasticity`` is the one
    Saez's scoreboard entry and the inverse optimum assume. The old names ``n_workers``,
    ``workers``, ``welfare`` and ``learners`` work for one release, with a warning
    (:mod:`econsim.renamed`).

    The default welfare function is ``atkinson`` (the geometric mean of post-tax income, so a
    dollar counts more the poorer its receiver: social weight proportional to 1 / post-tax income).
    ``utilitarian`` (mean utility) makes the game trivial: utility is linear in money, so a
    dollar is worth the same to everyone, redistribution gains nothing, and the best schedule
    is 0 / 0 / 0 (Saez: G = 1). The inverse-income weights reward confiscation at the
    bottom (an idle worker's weight is 1/max(0, 1) = 1); ``atkinson`` gives an interior,
    progressive optimum (about 30 / 40 / 60 % on the default population).
    """

    n_agents: int = 2000
    seed: int = 42
    brackets: int = 3
    worker: str = "rational"
    utility: str = "calibrated"
    objective: str = "atkinson"
    elasticity: float = 0.4
    n_rounds: int = 3
    steps_per_round: int = 4
    llm_backend: str = "surrogate"

    def __post_init__(self) -> None:
        if not isinstance(self.n_agents, int) or not 10 <= self.n_agents <= 100_000:
            raise ValueError(f"n_agents must be an integer in [10, 100000]; got {self.n_agents!r}")
        if self.brackets not in BRACKETS:
            raise ValueError(f"brackets must be one of {sorted(BRACKETS)}; got {self.brackets!r}")
        if self.worker not in GAME_WORKERS:
            raise ValueError(f"unknown worker {self.worker!r}; valid names: "
                             f"{', '.join(GAME_WORKERS)}")
        UTILITY_PRESETS.get(self.utility)
        get_objective(self.objective)
        if not (isinstance(self.n_rounds, int) and 1 <= self.n_rounds <= 50):
            raise ValueError(f"n_rounds must be an integer in [1, 50]; got {self.n_rounds!r}")
        if not (isinstance(self.steps_per_round, int) and 2 <= self.steps_per_round <= 100):
            raise ValueError("steps_per_round must be an integer in [2, 100]; got "
                             f"{self.steps_per_round!r}")
        if not 0 < float(self.elasticity) <= 10:
            raise ValueError(f"elasticity must be in (0, 10]; got {self.elasticity!r}")

    @property
    def tax_preset(self) -> str:
        return BRACKETS[self.brackets]

    def to_dict(self) -> dict:
        return asdict(self)

    def loop_config(self, n_agents: int | None = None) -> SimConfig:
        """The game as a run of the game loop: one round = one tax year of ``steps_per_round``
        steps (one step for best-responding workers: every step of a year is the same), rates
        from the planner ``student``, the learners' window two tax years (``H = 2K``)."""
        K = 1 if WORKER_SPECS.get(self.worker).best_responds else self.steps_per_round
        return SimConfig(scenario="rational", worker=self.worker, planner="student",
                         n_agents=self.n_agents if n_agents is None else n_agents,
                         n_steps=K * self.n_rounds, K=K, H=2 * K, warmup=0, seed=self.seed,
                         tax_preset=self.tax_preset, utility=self.utility,
                         objective=self.objective, record_prompts=False, record_calls=False)

    @classmethod
    def from_env(cls, **defaults: object) -> GameSetup:
        """``defaults`` overridden by the JSON in ``$ECONSIM_CLASSROOM_SETUP`` (if set)."""
        raw = os.environ.get(SETUP_ENV, "").strip()
        # each side may use old names (an older notebook or board): renamed before they merge
        values = renamed_keys("GameSetup", defaults)
        if raw:
            extra = renamed_keys("GameSetup", json.loads(raw))
            unknown = set(extra) - set(cls.__dataclass_fields__)
            if unknown:
                raise ValueError(f"unknown game settings {sorted(unknown)}; valid: "
                                 f"{', '.join(cls.__dataclass_fields__)}")
            values.update(extra)
        return cls(**values)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# The game
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RoundResult:
    """One tax year: the rates set and the population's response."""

    index: int
    rates: Array
    outcome: StepOutcome
    welfare: float

    def summary(self) -> dict[str, float]:
        out = self.outcome
        return {"round": self.index + 1, "welfare": self.welfare,
                "revenue_per_worker": float(out.tax.mean()),
                "mean_hours": float(out.labour.mean()),
                "share_idle": float((out.labour == 0).mean()),
                "mean_pre_tax_income": float(out.pre_tax_income.mean())}


@dataclass
class Game:
    """One student's game: the population, the rounds played so far."""

    setup: GameSetup = field(default_factory=GameSetup)
    skill: Array | None = None
    rounds: list[RoundResult] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.skill is None:
            self.skill = sample_skills(self.setup.n_agents, np.random.default_rng(self.setup.seed))
        self.skill = np.asarray(self.skill, dtype=float)
        self.params = UTILITY_PRESETS.get(self.setup.utility)
        self.cutoffs = np.asarray(TaxSchedule.preset(TAX_PRESETS.get(self.setup.tax_preset)).cutoffs)
        self.objective = get_objective(self.setup.objective)
        # the rounds are tax years of the game loop; the student's rates are its planner's
        self.loop = InteractiveArrays(self.setup.loop_config(self.skill.size), self.skill)

    @property
    def finished(self) -> bool:
        return len(self.rounds) >= self.setup.n_rounds

    def schedule(self, rates: ArrayLike) -> TaxSchedule:
        r = np.asarray(rates, dtype=float).ravel()
        if r.size != self.cutoffs.size:
            raise ValueError(f"rates must have one entry per bracket ({self.cutoffs.size}); got "
                             f"{r.size}")
        if not (np.isfinite(r).all() and (r >= 0).all() and (r <= 1).all()):
            raise ValueError(f"rates must be fractions in [0, 1]; got {r.tolist()}")
        return TaxSchedule(self.cutoffs, r)

    def play(self, rates: Sequence[float] | ArrayLike) -> RoundResult:
        """Set this tax year's rates (fractions); the population responds."""
        if self.finished:
            raise ValueError(f"the game is over: all {self.setup.n_rounds} rounds are played")
        sched = self.schedule(rates)
        out = self.loop.play_year(sched.rates)
        result = RoundResult(len(self.rounds), sched.rates.copy(), out, self.loop.last_objective)
        self.rounds.append(result)
        return result

    def population_income(self, schedule: TaxSchedule) -> Array:
        """Pre-tax incomes of the rational response to ``schedule`` (a preview before a round)."""
        return rational_step(self.skill, schedule, self.params).pre_tax_income

    def history(self) -> list[dict[str, float]]:
        """Per-round summaries (welfare, revenue per worker, hours, idle share)."""
        return [r.summary() for r in self.rounds]

    def submission(self, student: str) -> dict:
        """What class mode stores for a finished game (see :mod:`econsim.classroom.store`)."""
        if not self.rounds:
            raise ValueError("play at least one round before submitting")
        return {"student": student, "setup": self.setup.to_dict(),
                "rates": [r.rates.round(6).tolist() for r in self.rounds],
                "welfare": [r.welfare for r in self.rounds]}

    def restart(self, setup: GameSetup | None = None) -> Game:
        """A fresh game on the same population (or a new one if the setup changes it)."""
        new = setup or self.setup
        same = (new.n_agents, new.seed) == (self.setup.n_agents, self.setup.seed)
        return Game(replace(new), self.skill if same else None)


def replay_welfare(setup: GameSetup, rates: Sequence[Sequence[float]]) -> list[float]:
    """The welfare of every round of a game with ``setup`` played with ``rates`` (one list per
    round): what the class board stores, whatever welfare a page reports."""
    game = Game(setup)
    return [game.play(r).welfare for r in rates]


__all__ = ["BRACKETS", "GAME_WORKERS", "Game", "GameSetup", "RoundResult", "replay_welfare"]
