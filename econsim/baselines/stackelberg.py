r"""Stackelberg reference: the tax rates that maximise welfare when every worker best-responds.

The planner (leader) picks marginal rates :math:`\tau \in [0,1]^K` on fixed brackets; every
worker (follower) then plays its exact best response :math:`l_i^*(\tau)`, and the planner's
payoff is a welfare function of the resulting outcomes:

.. math:: \tau^* = \arg\max_{\tau} W\big(u(\tau), z(\tau), \tilde z(\tau)\big), \qquad
    l_i^*(\tau) = \arg\max_{l \in M} s_i l - T_\tau(s_i l) - c\, l^{\delta}

Utility is quasi-linear, so the lump-sum rebate :math:`R` does not move a worker's choice (workers
take :math:`R` as given); the follower problem is solved exactly per worker
(:mod:`econsim.economy.best_response`). Welfare under the menu best response is **piecewise constant** in
the rates (hours jump between menu values), so the search is derivative-free:

- ``lattice``: exhaustive search of :data:`LATTICE` = {0, 0.1, …, 1}^K (11 values per bracket;
  1,331 schedules for 3 brackets). Ties are broken towards the first schedule in lexicographic
  order (lowest rates first) among those within a relative 1e-9 of the maximum.
- ``coordinate``: for many brackets (11^7 is too many), lattice coordinate search from several
  starts (50 % everywhere, the US federal statutory rates when there are 7 brackets, the best
  flat lattice rate, 0 and 100 % everywhere, and seeded random lattice points), then
  derivative-free refinement off the lattice (scipy Powell within [0, 1], then Nelder–Mead on
  clipped rates). Returns the best point evaluated.

Evaluating one schedule has a general path (best responses → :func:`~econsim.economy.outcomes.economy_step`
→ welfare function, O(N)) and, for the paper SWF, the normalised inverse-income SWF, the
utilitarian mean and the Rawlsian minimum, a fast path whose cost does not depend on N: skills are
sorted once with prefix sums of :math:`s` and :math:`1/s`; the menu best response is a step
function of skill (:func:`~econsim.economy.best_response.menu_thresholds`) and, within a step, the tax is
linear in skill between the skill images :math:`b_k / l` of the cutoffs, so every sum the welfare
needs is a combination of prefix sums. Tests check the two paths agree.

Known fact (MODEL.md §8): under the paper's utility preset (c = 0.0005, δ = 3.5) and the paper SWF
:math:`\sum_i u_i/\max(z_i,1)`, the flat-rate optimum is near-confiscatory — the SWF rises with a
flat rate up to about 90–95 %, because labour barely responds and the rebate is weighted by
inverse income; ``tests/test_stackelberg.py`` shows it on a GB2 sample.

References
----------
von Stackelberg, H. (1934), *Marktform und Gleichgewicht* — leader–follower games.
Karten et al. (2025), *LLM Economist*, arXiv 2507.15815 — the Stackelberg benchmark and the
2-worker backward-induction check; MODEL.md §7.
Powell, M. J. D. (1964), Comput. J. 7(2); Nelder, J. A. & Mead, R. (1965), Comput. J. 7(4).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

from econsim.baselines.welfare_evaluator import (
    WelfareEvaluator,
)
from econsim.economy.tax import US_FEDERAL_2024, TaxPreset, TaxSchedule, bracket_edges
from econsim.economy.utility import LABOUR_MENU, PAPER_UTILITY, UtilityParams, check_utility
from econsim.registry import Registry
from econsim.validation import check_fractions

Array = NDArray[np.float64]

#: The 10-point lattice of rates per bracket: {0, 0.1, …, 1.0}.
LATTICE: Array = np.round(np.linspace(0.0, 1.0, 11), 12)
LATTICE.flags.writeable = False
#: Exhaustive lattice search is allowed up to this many brackets (11^4 = 14,641 schedules).
MAX_LATTICE_BRACKETS = 4
#: Relative tolerance under which two welfare values count as tied.
TIE_RTOL = 1e-9


# --------------------------------------------------------------------------------------------
# Best responses
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StackelbergResult:
    """The welfare-maximising rates found, with the outcome there."""

    rates: Array
    schedule: TaxSchedule
    objective: str
    welfare: float
    metrics: dict[str, float]
    evaluations: int
    method: str
    wall_time: float
    response: str = "menu"
    details: dict[str, object] = field(default_factory=dict)


def _check_grid(grid: ArrayLike) -> Array:
    """The rate grid as a flat array of fractions in [0, 1], at least one value."""
    g = check_fractions(grid, "grid").ravel()
    if g.size == 0:
        raise ValueError("grid must hold at least one rate (fractions in [0, 1]); got an empty "
                         "grid")
    return g


def _first_best(values: Array) -> int:
    best = values.max()
    tol = TIE_RTOL * max(abs(best), 1.0)
    return int(np.flatnonzero(values >= best - tol)[0])


def lattice_search(evaluate: Callable[[Array], float], n_brackets: int,
                   grid: ArrayLike = LATTICE) -> tuple[Array, float, int]:
    """Exhaustive search over ``grid``^K; returns (rates, welfare, evaluations).

    Ties go to the first schedule in lexicographic order (lowest rates first).
    """
    g = _check_grid(grid)
    if n_brackets > MAX_LATTICE_BRACKETS:
        raise ValueError(f"lattice search allows at most {MAX_LATTICE_BRACKETS} brackets "
                         f"(got {n_brackets}); use method='coordinate'")
    cands = np.array(list(itertools.product(g, repeat=n_brackets)), dtype=np.float64)
    values = np.array([evaluate(c) for c in cands])
    i = _first_best(values)
    return cands[i], float(values[i]), len(cands)


class _Cached:
    """Memoise an evaluator on rounded rate vectors; keep the best point seen."""

    def __init__(self, evaluate: Callable[[Array], float]) -> None:
        self.evaluate = evaluate
        self.cache: dict[tuple[float, ...], float] = {}
        self.best_x: Array | None = None
        self.best_v = -math.inf

    def __call__(self, x: ArrayLike) -> float:
        xa = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
        key = tuple(np.round(xa, 12))
        if key not in self.cache:
            v = self.evaluate(np.array(key))
            self.cache[key] = v
            if v > self.best_v + TIE_RTOL * max(abs(self.best_v), 1.0) or self.best_x is None:
                self.best_x, self.best_v = np.array(key), v
        return self.cache[key]


def coordinate_search(f: Callable[[ArrayLike], float], start: ArrayLike, grid: ArrayLike = LATTICE,
                      max_sweeps: int = 20) -> tuple[Array, float]:
    """Lattice coordinate ascent: set each bracket in turn to its best grid value, until stable."""
    x = np.asarray(start, dtype=np.float64).copy()
    g = np.asarray(grid, dtype=np.float64)
    val = f(x)
    for _ in range(max_sweeps):
        improved = False
        for k in range(x.size):
            for v in g:
                if v == x[k]:
                    continue
                y = x.copy()
                y[k] = v
                fy = f(y)
                if fy > val + TIE_RTOL * max(abs(val), 1.0):
                    x, val, improved = y, fy, True
        if not improved:
            break
    return x, val


def _default_starts(f: Callable[[ArrayLike], float], k: int, grid: Array, n_random: int,
                    rng: np.random.Generator) -> list[Array]:
    starts = [np.full(k, 0.5)]
    us = US_FEDERAL_2024.statutory_rates
    if us is not None and len(us) == k:
        starts.append(np.array(us))
    flat_vals = [f(np.full(k, v)) for v in grid]
    starts.append(np.full(k, grid[_first_best(np.array(flat_vals))]))
    starts += [np.zeros(k), np.ones(k)]
    starts += [rng.choice(grid, size=k) for _ in range(n_random)]
    return starts


def coordinate_refine_search(evaluate: Callable[[Array], float], n_brackets: int,
                             starts: Sequence[ArrayLike] | None = None, grid: ArrayLike = LATTICE,
                             n_random: int = 6, refine: bool = True, max_refine: int = 1500,
                             max_rounds: int = 2,
                             seed: int = 0) -> tuple[Array, float, int, dict[str, object]]:
    """Lattice coordinate search from several starts, then refinement off the lattice.

    Refinement repeats (at most ``max_rounds`` times, while it gains): coordinate search on the 0.01 grid from
    the best point, scipy Powell within [0, 1], then Nelder–Mead on clipped rates.

    Returns (rates, welfare, distinct evaluations, details). Every start and every refinement
    keeps the best point evaluated, so refinement can never make the answer worse.
    """
    g = _check_grid(grid)
    f = _Cached(evaluate)
    rng = np.random.default_rng(seed)
    if starts is None:
        start_list = _default_starts(f, n_brackets, g, n_random, rng)
    else:
        start_list = [check_fractions(s_, "starts").ravel() for s_ in starts]
        for s_ in start_list:
            if s_.size != n_brackets:
                raise ValueError(f"starts must have one rate per bracket (allowed length "
                                 f"{n_brackets}); got {s_.size}")
    per_start = []
    for x0 in start_list:
        x, v = coordinate_search(f, x0, g)
        per_start.append((x, v))
    lattice_best = f.best_v
    if refine:
        neg = lambda x: -f(x)  # noqa: E731
        fine = np.round(np.linspace(0.0, 1.0, 101), 12)
        for _ in range(max_rounds):
            before = f.best_v
            coordinate_search(f, f.best_x, fine, max_sweeps=5)
            optimize.minimize(neg, f.best_x.copy(), method="Powell",
                              bounds=[(0.0, 1.0)] * n_brackets,
                              options={"maxfev": max_refine, "xtol": 1e-3, "ftol": 1e-12})
            x1 = f.best_x.copy()
            step = np.where(x1 < 0.95, 0.05, -0.05)
            simplex = np.vstack([x1] + [x1 + step[i] * np.eye(n_brackets)[i]
                                        for i in range(n_brackets)])
            optimize.minimize(neg, x1, method="Nelder-Mead",
                              options={"maxfev": max_refine, "initial_simplex": simplex,
                                       "xatol": 1e-4, "fatol": 1e-12})
            if f.best_v <= before + TIE_RTOL * max(abs(before), 1.0):
                break
    details = {"starts": len(start_list), "lattice_best": lattice_best,
               "refine_gain": f.best_v - lattice_best,
               "per_start": [(x.tolist(), v) for x, v in per_start]}
    return np.asarray(f.best_x), f.best_v, len(f.cache), details


METHODS: Registry[str] = Registry("Stackelberg method")
METHODS.register("lattice", "exhaustive search of the {0, 0.1, …, 1} lattice (≤ 4 brackets)")
METHODS.register("coordinate", "lattice coordinate search from several starts + scipy refine")
METHODS.register("auto", "lattice for ≤ 3 brackets, coordinate otherwise")


def stackelberg(skill: ArrayLike, cutoffs: ArrayLike | TaxSchedule | TaxPreset,
                utility: UtilityParams = PAPER_UTILITY, objective: str = "paper_swf",
                method: str = "auto", response: str = "menu", menu: ArrayLike = LABOUR_MENU,
                fast: bool | None = None, grid: ArrayLike = LATTICE,
                starts: Sequence[ArrayLike] | None = None, refine: bool = True,
                seed: int = 0) -> StackelbergResult:
    r"""The rate vector that maximises ``objective`` when every worker best-responds.

    Parameters
    ----------
    skill
        Worker skills (annual USD per weekly hour).
    cutoffs
        Bracket lower edges, a :class:`~econsim.economy.tax.TaxSchedule` or a
        :class:`~econsim.economy.tax.TaxPreset` (resolve a name once: ``TAX_PRESETS.get('three')``).
    utility
        Labour-cost parameters, a :class:`~econsim.economy.utility.UtilityParams` (default the
        ``paper`` preset; resolve a name once: ``UTILITY_PRESETS.get('calibrated')``).
    objective
        One of :data:`econsim.economy.welfare.OBJECTIVES` (default the paper SWF).
    method
        ``lattice`` (exhaustive), ``coordinate`` (search + refine) or ``auto`` (lattice for
        ≤ 3 brackets, else coordinate).
    response
        ``menu`` or ``continuous`` best responses.
    fast
        Force (True) or forbid (False) the prefix-sum fast path; default: when it applies.
    grid, starts, refine, seed
        Lattice values, coordinate-search starts, whether to refine off-lattice, and the seed of
        the random starts.

    Returns
    -------
    StackelbergResult
        Best rates and schedule, welfare, every metric at the optimum (plus mean hours, share
        at zero hours, revenue per worker), number of evaluations, method and wall time.
    """
    t0 = time.perf_counter()
    METHODS.get(method)
    grid = _check_grid(grid)
    ev = WelfareEvaluator(skill, bracket_edges(cutoffs), check_utility(utility), objective,
                          response, menu, fast)
    k = ev.n_brackets
    chosen = method if method != "auto" else ("lattice" if k <= 3 else "coordinate")
    details: dict[str, object] = {}
    if chosen == "lattice":
        rates, value, n_eval = lattice_search(ev, k, grid)
    else:
        rates, value, n_eval, details = coordinate_refine_search(ev, k, starts, grid,
                                                                 refine=refine, seed=seed)
    out = ev.outcome(rates)
    metrics = {**out.welfare(), "mean_labour": float(out.labour.mean()),
               "share_zero_hours": float((out.labour == 0).mean()),
               "revenue_per_worker": float(out.tax.mean())}
    welfare = float(metrics[objective])
    return StackelbergResult(
        rates=np.asarray(rates, dtype=np.float64), schedule=ev.schedule(rates),
        objective=objective, welfare=welfare, metrics=metrics, evaluations=n_eval,
        method=f"{chosen} ({'fast' if ev.fast else 'general'} path)",
        wall_time=time.perf_counter() - t0, response=response,
        details={**details, "search_value": value})
