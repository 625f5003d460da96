"""Independent check of the Stackelberg search: backward induction over a small game tree.

The paper validates small-N equilibria by backward induction (2 workers + 1 planner). Here each
worker's reply to every candidate schedule is found by enumerating its hours in plain Python, with
a plain-Python tax, sharing no code with :mod:`econsim.economy.best_response` or :mod:`econsim.economy.tax`; the
planner then picks the schedule with the highest welfare.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from econsim.baselines.stackelberg import TIE_RTOL
from econsim.economy.best_response import _sorted_menu
from econsim.economy.tax import TaxSchedule
from econsim.economy.utility import LABOUR_MENU, UtilityParams, check_utility
from econsim.economy.welfare import get_objective
from econsim.validation import check_fractions, check_nonnegative


def python_tax(z: float, cutoffs: Sequence[float], rates: Sequence[float]) -> float:
    """Tax by summing over brackets, in plain Python (independent of econsim.economy.tax)."""
    total = 0.0
    for k, lo in enumerate(cutoffs):
        hi = cutoffs[k + 1] if k + 1 < len(cutoffs) else math.inf
        if z > lo:
            total += rates[k] * (min(z, hi) - lo)
    return total


def backward_induction(skills: Sequence[float], cutoffs: Sequence[float],
                       params: UtilityParams, rate_values: Sequence[float],
                       objective: str = "paper_swf", menu: Sequence[float] = LABOUR_MENU
                       ) -> tuple[tuple[float, ...], float, tuple[float, ...]]:
    """Game-tree solution for a few workers and a coarse rate set, by brute force.

    For every planner rate vector in ``rate_values``^K (leader's move), enumerate every joint
    labour profile of the workers on the menu and keep the Nash equilibria of the followers'
    game — no worker gains by deviating alone, each taking the rebate as given (as in the
    model: the lump-sum rebate is a transfer the worker does not control). Among equilibria,
    the one with the fewest hours per worker is kept (the tie rule of
    :func:`~econsim.economy.best_response.best_response_menu`). The leader picks the rates whose
    equilibrium maximises ``objective`` (ties: first in lexicographic order).

    Returns (rates, welfare, labour profile). Exponential in the number of workers: meant for
    2 workers, the paper's backward-induction check.
    """
    p = check_utility(params, "params")
    wf = get_objective(objective)
    hours = [float(h) for h in _sorted_menu(menu)]
    # the same edge rules as TaxSchedule: start at 0, strictly increasing, finite
    cut = [float(c) for c in TaxSchedule(cutoffs, np.zeros(np.size(cutoffs))).cutoffs]
    s = [float(x) for x in check_nonnegative(skills, "skills").ravel()]
    n = len(s)
    if n == 0:
        raise ValueError("skills must hold at least one worker (got N = 0)")
    grid = check_fractions(rate_values, "rate_values").ravel()
    if grid.size == 0:
        raise ValueError("rate_values must hold at least one rate (fractions in [0, 1])")

    def private(i: int, h: float, rates: Sequence[float]) -> float:
        z = s[i] * h
        return z - python_tax(z, cut, rates) - p.c * h**p.delta

    best: tuple[tuple[float, ...], float, tuple[float, ...]] | None = None
    for rates in itertools.product([float(r) for r in grid], repeat=len(cut)):
        equilibrium = None
        for profile in itertools.product(hours, repeat=n):  # lexicographic: fewest hours first
            stable = all(private(i, profile[i], rates) >= private(i, h, rates)
                         for i in range(n) for h in hours)
            if stable:
                equilibrium = profile
                break
        if equilibrium is None:  # cannot happen with finite menus and separable payoffs
            continue
        z = [s[i] * equilibrium[i] for i in range(n)]
        taxes = [python_tax(zi, cut, rates) for zi in z]
        rebate = sum(taxes) / n
        post = [z[i] - taxes[i] + rebate for i in range(n)]
        u = [post[i] - p.c * equilibrium[i] ** p.delta for i in range(n)]
        value = wf(np.array(u), np.array(z), np.array(post))
        if best is None or value > best[1] + TIE_RTOL * max(abs(best[1]), 1.0):
            best = (rates, value, equilibrium)
    if best is None:
        raise ValueError("rate_values must hold at least one rate")
    return best
