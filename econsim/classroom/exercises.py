"""Exercises with checked answers, computed by econsim on the game's population.

Each :class:`Exercise` has a question, the unit of the answer, a tolerance, and a ``solve``
function of the game's population (skills and utility preset). :func:`check` compares a
student's answer with the computed one. Registered by name in :data:`EXERCISES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from econsim.baselines.landscape import flat_rate_curves
from econsim.baselines.saez import pareto_a_from_mean, saez_rate
from econsim.classroom.game import Game
from econsim.economy.outcomes import rational_step
from econsim.economy.tax import TaxSchedule
from econsim.registry import Registry

#: Flat rates (fractions) searched by the flat-rate exercises.
FLAT_GRID = np.round(np.linspace(0.0, 1.0, 101), 4)
#: Elasticity of the Diamond–Saez exercise (their central value for top earners).
DS_ELASTICITY = 0.25


@dataclass(frozen=True)
class Exercise:
    """One question; ``solve(game)`` returns the answer in ``unit``."""

    name: str
    title: str
    question: str
    unit: str
    tolerance: float
    solve: Callable[[Game], float]
    why: str


@dataclass(frozen=True)
class Check:
    correct: bool
    expected: float
    message: str


@lru_cache(maxsize=16)
def _flat_curves(skill_key: bytes, utility: str) -> dict[str, np.ndarray]:
    skill = np.frombuffer(skill_key, dtype=float)
    c = flat_rate_curves(skill, [utility], FLAT_GRID)
    wide = c.pivot(index="rate", columns="metric", values="value")
    return {k: wide[k].to_numpy() for k in ("revenue_per_worker", "paper_swf",
                                            "share_zero_hours")}


def _curves(game: Game) -> dict[str, np.ndarray]:
    return _flat_curves(np.ascontiguousarray(game.skill).tobytes(), game.setup.utility)


def revenue_max_flat_rate(game: Game) -> float:
    """Flat rate (%) with the most revenue per worker (the top of the Laffer curve)."""
    return float(100 * FLAT_GRID[int(np.argmax(_curves(game)["revenue_per_worker"]))])


def paper_swf_max_flat_rate(game: Game) -> float:
    """Flat rate (%) at which the paper's Σu/max(z,1) peaks."""
    return float(100 * FLAT_GRID[int(np.argmax(_curves(game)["paper_swf"]))])


def diamond_saez_top_rate(game: Game) -> float:
    r"""Diamond–Saez top rate (%) :math:`1/(1 + a e)` (no weight on top earners, G = 0) with
    :math:`a = m/(m - z^*)` measured above the game's top cutoff under US federal rates and
    e = 0.25."""
    z_star = float(game.cutoffs[-1])
    z = rational_step(game.skill, TaxSchedule.preset("us_federal_2024"), game.params
                      ).pre_tax_income
    a = float(pareto_a_from_mean(z, np.array([z_star]))[0])
    return float(100 * saez_rate(0.0, a, DS_ELASTICITY))


@lru_cache(maxsize=1)
def majority_top_rate() -> float:
    """Top-bracket rate (%) the elected leaders set in the last tax year of the exact
    democratic game (four low-skill voters, one high earner; three brackets)."""
    from econsim.analysis.democracy import exact_majority_exploitation

    _, steps = exact_majority_exploitation()
    last = steps[steps.tax_year == steps.tax_year.max()]
    return float(100 * last["rate_2"].iloc[-1])


EXERCISES: Registry[Exercise] = Registry("exercise")
for _ex in (
    Exercise("revenue_max_flat_rate", "The revenue-maximising flat rate",
             "Set every bracket to the same rate. At which flat rate (%) is revenue per worker "
             "highest for this population?", "%", 3.0, revenue_max_flat_rate,
             "Above it, hours fall faster than the rate rises: the top of the Laffer curve. "
             "It is below 100 % because at 100 % nobody gains from working."),
    Exercise("diamond_saez_top_rate", "The Diamond–Saez top rate",
             "If society puts no weight on the top earners (G = 0), the optimal top rate is "
             "1/(1 + a e). With a = m/(m − z*) measured above the top cutoff z* for this "
             "population under US federal rates and e = 0.25, what is it (%)?", "%", 2.0,
             diamond_saez_top_rate,
             "The thinner the top tail (large a) or the more elastic the income (large e), "
             "the more revenue a higher top rate loses, and the lower the optimal rate. "
             "Diamond & Saez (2011): a = 1.5, e = 0.25 gives 73 %."),
    Exercise("paper_swf_confiscation", "Why Σu/max(z,1) rewards confiscation",
             "Choose the paper_swf welfare function. At which flat rate (%) does "
             "Σ u / max(z, 1) peak for this population?", "%", 3.0, paper_swf_max_flat_rate,
             "An idle worker has z = 0, so its weight is 1/max(0, 1) = 1 — thousands of times "
             "the weight of a worker earning $50k — and its utility is the rebate: pushing "
             "workers to zero hours raises the weighted sum."),
    Exercise("majority_exploitation", "Majority exploitation in the democratic game",
             "In the exact democratic game (four low-skill voters, one high earner, three "
             "brackets; notebook 04), what top-bracket rate (%) do the elected leaders set in "
             "the last tax year?", "%", 2.0, lambda game: majority_top_rate(),
             "The majority elects a leader who taxes the bracket only the minority reaches: "
             "the rebate goes to everyone, the tax is paid by one."),
):
    EXERCISES.register(_ex.name, _ex)


def check(name: str, answer: float, game: Game) -> Check:
    """Compare ``answer`` with the computed one (within the exercise's tolerance)."""
    ex = EXERCISES.get(name)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        raise ValueError(f"answer must be a number in {ex.unit}; got {answer!r}") from None
    expected = ex.solve(game)
    ok = bool(abs(value - expected) <= ex.tolerance)
    verdict = "Correct" if ok else "Not quite"
    return Check(ok, expected, f"{verdict}: the answer is {expected:.1f} {ex.unit} (yours "
                               f"{value:.1f}, tolerance ±{ex.tolerance:g}). {ex.why}")
