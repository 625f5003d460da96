"""Exercises with checked answers, computed by econsim on the game's population.

Each :class:`Exercise` has a question, the unit of the answer, a tolerance, a ``solve``
function of the game (the answer, never shown to the student), a hint, and what the student
needs to solve it: ``inputs`` (numbers shown under the question) and/or a ``probe`` (a small
calculator: the student types a rate and sees what econsim computes for it, e.g. revenue per
worker at that flat rate). :func:`check` says right or wrong with a hint (too high / too low and
the exercise's hint) but not the answer; :class:`Attempts` limits the tries per exercise to
:data:`MAX_ATTEMPTS`. In class mode the board checks and logs every try
(:meth:`econsim.classroom.store.ClassStore.log_attempt`) and shows the results to the lecturer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from econsim.baselines.landscape import evaluate_schedule, flat_rate_curves
from econsim.baselines.saez import pareto_a_from_mean, saez_rate
from econsim.classroom.game import Game
from econsim.economy.outcomes import rational_step
from econsim.economy.tax import THREE, US_FEDERAL_2024, TaxSchedule
from econsim.economy.utility import CALIBRATED_UTILITY, UtilityParams
from econsim.registry import Registry

#: Flat rates (fractions) searched by the flat-rate exercises.
FLAT_GRID = np.round(np.linspace(0.0, 1.0, 101), 4)
#: Elasticity of the Diamond–Saez exercise (their central value for top earners).
DS_ELASTICITY = 0.25
#: Tries a student gets per exercise (per game in local play, per name in class mode).
MAX_ATTEMPTS = 3
#: The constructed population of the democratic exercise (skills, USD per weekly hour).
MAJORITY_SKILLS = (300.0, 320.0, 340.0, 360.0, 6000.0)


@dataclass(frozen=True)
class Probe:
    """A calculator next to an exercise: ``func(game, x)`` gives named values for input ``x``
    (in ``unit``), which the app shows; the student searches over ``x``."""

    label: str
    unit: str
    func: Callable[[Game, float], dict[str, float]]
    formats: dict[str, str] = field(default_factory=dict)

    def show(self, game: Game, x: float) -> str:
        values = self.func(game, float(x))
        return "; ".join(f"{k} {self.formats.get(k, '{:,.0f}').format(v)}"
                         for k, v in values.items())


@dataclass(frozen=True)
class Exercise:
    """One question; ``solve(game)`` returns the answer in ``unit`` (kept from the student)."""

    name: str
    title: str
    question: str
    unit: str
    tolerance: float
    solve: Callable[[Game], float]
    why: str
    hint: str
    inputs: Callable[[Game], dict[str, float]] = lambda game: {}
    probe: Probe | None = None


@dataclass(frozen=True)
class Check:
    correct: bool
    expected: float
    message: str
    attempts_left: int = MAX_ATTEMPTS


@lru_cache(maxsize=16)
def _flat_curves(skill_key: bytes, utility: UtilityParams) -> dict[str, np.ndarray]:
    skill = np.frombuffer(skill_key, dtype=float)
    c = flat_rate_curves(skill, {"utility": utility}, FLAT_GRID)
    wide = c.pivot(index="rate", columns="metric", values="value")
    return {k: wide[k].to_numpy() for k in ("revenue_per_worker", "paper_swf",
                                            "share_zero_hours")}


def _curves(game: Game) -> dict[str, np.ndarray]:
    return _flat_curves(np.ascontiguousarray(game.skill).tobytes(), game.params)


def revenue_max_flat_rate(game: Game) -> float:
    """Flat rate (%) with the most revenue per worker (the top of the Laffer curve)."""
    return float(100 * FLAT_GRID[int(np.argmax(_curves(game)["revenue_per_worker"]))])


def paper_swf_max_flat_rate(game: Game) -> float:
    """Flat rate (%) at which the paper's Σu/max(z,1) peaks."""
    return float(100 * FLAT_GRID[int(np.argmax(_curves(game)["paper_swf"]))])


def _flat_probe(game: Game, percent: float) -> dict[str, float]:
    if not 0 <= percent <= 100:
        raise ValueError(f"the flat rate must be in [0, 100] %; got {percent!r}")
    m = evaluate_schedule(game.skill, TaxSchedule.flat(round(percent / 100, 4)),
                          game.params)
    return {"revenue per worker ($)": m["revenue_per_worker"],
            "Σ u / max(z, 1)": m["paper_swf"],
            "share working 0 h": m["share_zero_hours"]}


def top_tail(game: Game) -> dict[str, float]:
    """The top cutoff z* and the mean income m above it under US federal rates (USD)."""
    z_star = float(game.cutoffs[-1])
    z = rational_step(game.skill, TaxSchedule.preset(US_FEDERAL_2024), game.params
                      ).pre_tax_income
    above = z[z > z_star]
    return {"top cutoff z* ($)": z_star, "mean income above z*, m ($)": float(above.mean()),
            "people above z*": float(above.size), "elasticity e": DS_ELASTICITY}


def diamond_saez_top_rate(game: Game) -> float:
    r"""Diamond–Saez top rate (%) :math:`1/(1 + a e)` (no weight on top earners, G = 0) with
    :math:`a = m/(m - z^*)` measured above the game's top cutoff under US federal rates and
    e = 0.25."""
    z_star = float(game.cutoffs[-1])
    z = rational_step(game.skill, TaxSchedule.preset(US_FEDERAL_2024), game.params
                      ).pre_tax_income
    a = float(pareto_a_from_mean(z, np.array([z_star]))[0])
    return float(100 * saez_rate(0.0, a, DS_ELASTICITY))


@lru_cache(maxsize=1)
def _majority_last_year() -> tuple[float, float, float]:
    from econsim.analysis.democracy import exact_majority_exploitation

    _, steps = exact_majority_exploitation(MAJORITY_SKILLS)
    last = steps[steps.tax_year == steps.tax_year.max()].iloc[-1]
    return float(last["rate_0"]), float(last["rate_1"]), float(last["rate_2"])


def majority_top_rate() -> float:
    """Top-bracket rate (%) the elected leaders set in the last tax year of the exact
    democratic game (four low-skill voters, one high earner; three brackets)."""
    return float(100 * _majority_last_year()[2])


def majority_inputs(game: Game) -> dict[str, float]:
    """What the democratic exercise shows: the population and the lower brackets' rates."""
    r0, r1, _ = _majority_last_year()
    return {"low-skill earning power ($/h)": MAJORITY_SKILLS[0],
            "high earner's earning power ($/h)": MAJORITY_SKILLS[-1],
            "bracket 1 rate (%)": 100 * r0, "bracket 2 rate (%)": 100 * r1}


def _majority_probe(game: Game, percent: float) -> dict[str, float]:
    if not 0 <= percent <= 100:
        raise ValueError(f"the top rate must be in [0, 100] %; got {percent!r}")
    r0, r1, _ = _majority_last_year()
    out = rational_step(np.asarray(MAJORITY_SKILLS), TaxSchedule.preset(
        THREE, [r0, r1, round(percent / 100, 4)]), CALIBRATED_UTILITY)
    return {"high earner's hours": float(out.labour[-1]), "her tax ($)": float(out.tax[-1]),
            "rebate each ($)": float(out.rebate),
            "a low-skill voter's utility ($)": float(out.utility[0])}


_FLAT_PROBE = Probe("flat rate", "%", _flat_probe,
                    {"share working 0 h": "{:.0%}", "Σ u / max(z, 1)": "{:,.4g}"})

EXERCISES: Registry[Exercise] = Registry("exercise")
for _ex in (
    Exercise("revenue_max_flat_rate", "The revenue-maximising flat rate",
             "Set every bracket to the same rate. At which flat rate (%) is revenue per worker "
             "highest for this population? Use the calculator below: it shows revenue per "
             "worker for any flat rate.", "%", 3.0, revenue_max_flat_rate,
             "Above it, hours fall faster than the rate rises: the top of the Laffer curve. "
             "It is below 100 % because at 100 % nobody gains from working.",
             "Revenue is rate × income; find where raising the rate stops raising revenue.",
             probe=_FLAT_PROBE),
    Exercise("diamond_saez_top_rate", "The Diamond–Saez top rate",
             "If society puts no weight on the top earners (G = 0), the optimal top rate is "
             "1/(1 + a e), with a = m/(m − z*) the Pareto parameter of the top tail. With the "
             "numbers below (this population under US federal rates), what is it (%)?", "%",
             2.0, diamond_saez_top_rate,
             "The thinner the top tail (large a) or the more elastic the income (large e), "
             "the more revenue a higher top rate loses, and the lower the optimal rate. "
             "Diamond & Saez (2011): a = 1.5, e = 0.25 gives 73 %.",
             "First compute a = m/(m − z*); then 100/(1 + a × e).", inputs=top_tail),
    Exercise("paper_swf_confiscation", "Why Σu/max(z,1) rewards confiscation",
             "At which flat rate (%) does the paper's welfare Σ u / max(z, 1) peak for this "
             "population? Use the calculator below (it shows Σ u / max(z, 1) and the share of "
             "workers who stop working).", "%", 3.0, paper_swf_max_flat_rate,
             "An idle worker has z = 0, so its weight is 1/max(0, 1) = 1 — thousands of times "
             "the weight of a worker earning $50k — and its utility is the rebate: pushing "
             "workers to zero hours raises the weighted sum.",
             "Watch the share working 0 hours: what weight does an idle worker get?",
             probe=_FLAT_PROBE),
    Exercise("majority_exploitation", "Majority exploitation in the democratic game",
             "Five voters: four with low earning power, one high earner (numbers below; three "
             "brackets, tax revenue rebated equally). A low-skill leader keeps the two lower "
             "rates and sets the top rate, in steps of 10 points (0, 10, …, 100 %), to make "
             "herself as well off as possible. Which top rate (%) does she set? The calculator "
             "shows what happens at any top rate.", "%", 2.0,
             lambda game: majority_top_rate(),
             "The majority elects a leader who taxes the bracket only the minority reaches: "
             "the rebate goes to everyone, the tax is paid by one (notebook 04 plays the game).",
             "Only the high earner reaches the top bracket; her hours fall as the rate rises.",
             inputs=majority_inputs,
             probe=Probe("top rate", "%", _majority_probe, {"high earner's hours": "{:.0f}"})),
):
    EXERCISES.register(_ex.name, _ex)


def check(name: str, answer: float, game: Game, attempts_used: int = 0) -> Check:
    """Right or wrong with a hint, without the answer; ``attempts_used`` tries came before.

    Raises ``ValueError`` for a non-number and when no tries are left.
    """
    ex = EXERCISES.get(name)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        raise ValueError(f"answer must be a number in {ex.unit}; got {answer!r}") from None
    if not np.isfinite(value):
        raise ValueError(f"answer must be a finite number in {ex.unit}; got {answer!r}")
    if attempts_used >= MAX_ATTEMPTS:
        raise ValueError(f"no tries left: {MAX_ATTEMPTS} per exercise")
    expected = ex.solve(game)
    ok = bool(abs(value - expected) <= ex.tolerance)
    left = MAX_ATTEMPTS - attempts_used - 1
    if ok:
        return Check(True, expected, f"Correct ({value:g} {ex.unit}). {ex.why}", left)
    side = "too high" if value > expected else "too low"
    tries = (f"{left} {'try' if left == 1 else 'tries'} left" if left else
             "no tries left: your lecturer will go through it")
    return Check(False, expected, f"Not quite: {value:g} {ex.unit} is {side}. Hint: {ex.hint} "
                                  f"({tries}.)", left)


class Attempts:
    """Tries per exercise in one local session (class mode counts on the board instead)."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}
        self.solved: set[str] = set()

    def check(self, name: str, answer: float, game: Game) -> Check:
        if name in self.solved:
            raise ValueError("already solved")
        result = check(name, answer, game, self.used.get(name, 0))
        self.used[name] = self.used.get(name, 0) + 1
        if result.correct:
            self.solved.add(name)
        return result


__all__ = ["Attempts", "Check", "EXERCISES", "Exercise", "MAX_ATTEMPTS", "Probe", "check"]
