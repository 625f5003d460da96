"""Plain data the simulation hands to the prompt builders: one small view per kind of agent call.

Rates are fractions in [0, 1] (prompts show percent); money is USD; labour is weekly hours. Views
hold the full history an agent has seen; builders render only the last ``H`` steps (or tax years),
so a prompt's size is bounded however long the episode runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

#: Worker objectives of MODEL.md §4 ("utility types").
UTILITY_TYPES: tuple[str, ...] = ("egotistical", "altruistic", "adversarial")


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One step of a worker's own history, as the worker saw it.

    Parameters
    ----------
    step
        Step index (0-based).
    rates
        Marginal rates in force (fractions, one per bracket).
    labour, income, tax, rebate, post_tax, utility
        Chosen hours, pre-tax income ``z``, tax paid ``T(z)``, lump-sum rebate ``R``,
        post-tax income ``z - T(z) + R`` and utility ``u``.
    satisfaction, adjusted_utility
        Bounded scenario only: ``r`` in {1.0, 0.5} and ``r * u``.
    swf
        Social welfare of that step (shown to altruistic/adversarial workers).
    """

    step: int
    rates: tuple[float, ...]
    labour: float
    income: float
    tax: float
    rebate: float
    post_tax: float
    utility: float
    satisfaction: float | None = None
    adjusted_utility: float | None = None
    swf: float | None = None


@dataclass(frozen=True, slots=True)
class PolicyRecord:
    """One tax year of a policy history: the rates set at ``step`` and the outcome they earned.

    ``objective`` is the SWF for the planner and the leader's own mean utility for a leader.
    """

    step: int
    rates: tuple[float, ...]
    objective: float


@dataclass(frozen=True)
class WorkerView:
    """Everything a worker's labour prompt shows.

    Parameters
    ----------
    name
        Agent name (e.g. ``"worker_3"``).
    skill
        Annual USD per weekly hour.
    step, n_steps
        Current step (0-based) and episode length.
    cutoffs, rates
        Bracket lower edges (USD) and the current marginal rates (fractions).
    history
        The worker's past steps, oldest first (builders show the last ``H``).
    persona
        Persona text (bounded/democratic scenarios) or ``None``.
    utility_type
        One of :data:`UTILITY_TYPES`.
    K, H, best_k
        Tax-year length, history window (steps) and size of the "best steps" list.
    """

    name: str
    skill: float
    step: int
    n_steps: int
    cutoffs: tuple[float, ...]
    rates: tuple[float, ...]
    history: Sequence[StepRecord] = ()
    persona: str | None = None
    utility_type: str = "egotistical"
    K: int = 25
    H: int = 50
    best_k: int = 5

    def __post_init__(self) -> None:
        if self.utility_type not in UTILITY_TYPES:
            raise ValueError(
                f"utility_type must be one of {', '.join(UTILITY_TYPES)}; got {self.utility_type!r}"
            )
        if len(self.rates) != len(self.cutoffs):
            raise ValueError("rates must have one entry per bracket cutoff")
        for name in ("K", "H", "best_k", "n_steps"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be an integer >= 1")

    @property
    def exploit(self) -> bool:
        """True on the last step of a tax year and in the last 10 % of the episode."""
        return (self.step % self.K == self.K - 1) or (self.step >= 0.9 * self.n_steps)


@dataclass(frozen=True, eq=False)
class WorkerBatch(Sequence[WorkerView]):
    """The labour views of one phase, held as the population's columns: ``batch[i]`` is agent
    ``i``'s :class:`WorkerView` (its ``history`` the last ``H`` of ``histories[i]``), built when
    asked for. Whoever renders prompts iterates it; the array stand-in reads the columns and
    builds no view per worker."""

    names: Sequence[str]
    skills: Sequence[float]
    personas: Sequence[str | None]
    utility_types: Sequence[str]
    histories: Sequence[Sequence[StepRecord]]
    step: int
    n_steps: int
    cutoffs: tuple[float, ...]
    rates: tuple[float, ...]
    K: int = 25
    H: int = 50
    best_k: int = 5

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, i):  # noqa: ANN001, ANN204 - Sequence's int | slice protocol
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return WorkerView(name=self.names[i], skill=float(self.skills[i]), step=self.step,
                          n_steps=self.n_steps, cutoffs=self.cutoffs, rates=self.rates,
                          history=self.histories[i][-self.H:], persona=self.personas[i],
                          utility_type=self.utility_types[i], K=self.K, H=self.H,
                          best_k=self.best_k)

    @property
    def exploit(self) -> bool:
        """:attr:`WorkerView.exploit` of every view (they share the step)."""
        return (self.step % self.K == self.K - 1) or (self.step >= 0.9 * self.n_steps)


@dataclass(frozen=True)
class SatisfactionView:
    """A bounded worker asked whether it is satisfied with the tax policy after a step."""

    name: str
    persona: str | None
    cutoffs: tuple[float, ...]
    rates: tuple[float, ...]
    last: StepRecord


@dataclass(frozen=True, eq=False)
class SatisfactionBatch(Sequence[SatisfactionView]):
    """The satisfaction views of one phase as columns (like :class:`WorkerBatch`); ``lasts[i]``
    is agent ``i``'s step just played."""

    names: Sequence[str]
    personas: Sequence[str | None]
    cutoffs: tuple[float, ...]
    rates: tuple[float, ...]
    lasts: Sequence[StepRecord]

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, i):  # noqa: ANN001, ANN204 - Sequence's int | slice protocol
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return SatisfactionView(self.names[i], self.personas[i], self.cutoffs, self.rates,
                                self.lasts[i])


@dataclass(frozen=True)
class PlannerView:
    """The planner's observation at the start of a tax year.

    Parameters
    ----------
    step, n_steps, K
        Current step, episode length and tax-year length.
    cutoffs, rates
        Brackets and current rates (fractions).
    incomes, utilities
        This step's pre-tax incomes and utilities of all workers (histograms and stats are derived).
    swf
        Current social welfare.
    history
        Past tax years, oldest first (builders show the last ``H`` entries).
    H, best_k
        History window (tax years) and length of the best-policies list.
    income_weights, utility_weights
        Workers behind each value of ``incomes`` / ``utilities`` (``None``: one each). Large
        populations pass histogram bin means with their counts (:mod:`econsim.simulation.lean_engine`).
    """

    step: int
    n_steps: int
    K: int
    cutoffs: tuple[float, ...]
    rates: tuple[float, ...]
    incomes: NDArray[np.float64]
    utilities: NDArray[np.float64]
    swf: float
    history: Sequence[PolicyRecord] = ()
    H: int = 50
    best_k: int = 5
    income_weights: NDArray[np.float64] | None = None
    utility_weights: NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        if len(self.rates) != len(self.cutoffs):
            raise ValueError("rates must have one entry per bracket cutoff")

    @property
    def exploit(self) -> bool:
        """True in the last 10 % of the episode."""
        return self.step >= 0.9 * self.n_steps


@dataclass(frozen=True)
class LeaderView:
    """An elected worker proposing DELTA for its own benefit: the planner's observation + its own
    per-tax-year history (``objective`` = its mean utility under those rates)."""

    name: str
    persona: str | None
    planner: PlannerView
    own_history: Sequence[PolicyRecord] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    """A candidate in an election; ``platform`` is a DELTA vector (pp) or ``None``."""

    id: str
    income: float
    platform: tuple[int, ...] | None = None


@dataclass(frozen=True)
class VoteView:
    """A voter choosing among candidates."""

    name: str
    persona: str | None
    cutoffs: tuple[float, ...]
    rates: tuple[float, ...]
    last: StepRecord
    candidates: Sequence[Candidate] = field(default_factory=tuple)


@dataclass(frozen=True)
class RunView:
    """A worker deciding whether to stand for election and, if so, on which platform."""

    name: str
    persona: str | None
    cutoffs: tuple[float, ...]
    rates: tuple[float, ...]
    history: Sequence[StepRecord] = ()
    H: int = 50


@dataclass(frozen=True)
class PersonaRequest:
    """Demographics from which a persona is written (MODEL.md §4)."""

    age: int
    sex: str
    occupation: str
    income: float
