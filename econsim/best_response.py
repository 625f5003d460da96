r"""Exact rational best responses of workers to a tax schedule.

With quasi-linear utility the lump-sum rebate does not move a worker's choice, so each worker solves

.. math:: \max_{l} \; s\,l - T(s\,l) - c\,l^{\delta}

either over the labour menu {0, 10, …, 100} or over the interval [0, 100]. On the interval the
objective is concave inside each bracket (linear income, convex cost), so the optimum is the best of
the per-bracket interior optima clipped to the bracket's hour range — kinks are handled exactly.
Ties are broken towards fewer hours.

References
----------
Saez (2001), *Using elasticities to derive optimal income tax rates*, RES 68(1) — bunching at kinks.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from econsim.tax import TaxSchedule, _tax_unchecked
from econsim.utility import LABOUR_MENU, MAX_HOURS, UtilityParams
from econsim.validation import check_nonnegative


def net_gain(skill: NDArray[np.float64], labour: ArrayLike, schedule: TaxSchedule,
             params: UtilityParams) -> NDArray[np.float64]:
    r"""The part of utility a worker controls, :math:`s l - T(s l) - c l^{\delta}` (no rebate)."""
    lab = np.asarray(labour, dtype=np.float64)
    z = skill * lab
    return z - _tax_unchecked(z, schedule) - params.c * np.power(lab, params.delta)


def best_response_menu(skill: ArrayLike, schedule: TaxSchedule, params: UtilityParams,
                       menu: ArrayLike = LABOUR_MENU) -> NDArray[np.float64]:
    r"""Utility-maximising hours on a discrete menu, for every worker.

    .. math:: l_i^* = \arg\max_{l \in M} \; s_i l - T(s_i l) - c\, l^{\delta}

    Loops over the (short) menu, never over agents: memory stays O(N).

    Parameters
    ----------
    skill
        Skills :math:`s_i \ge 0` (annual USD per weekly hour).
    schedule, params
        Tax schedule and labour-cost parameters.
    menu
        Allowed hours, default {0, 10, …, 100}.
    """
    s = check_nonnegative(skill, "skill")
    m = check_nonnegative(menu, "menu")
    if m.size == 0 or (m > MAX_HOURS).any():
        raise ValueError("menu must be a non-empty list of hours in [0, 100]")
    m = np.sort(m)
    best_val = np.full(s.shape, -np.inf)
    best_lab = np.zeros(s.shape)
    z = np.empty_like(s)
    for hours in m:
        np.multiply(s, hours, out=z)
        val = z - _tax_unchecked(z, schedule)
        val -= params.c * hours**params.delta
        better = val > best_val  # strict: ties keep the smaller number of hours
        np.copyto(best_val, val, where=better)
        np.copyto(best_lab, hours, where=better)
    return best_lab


def best_response_continuous(skill: ArrayLike, schedule: TaxSchedule, params: UtilityParams,
                             max_hours: float = MAX_HOURS) -> NDArray[np.float64]:
    r"""Utility-maximising hours on :math:`[0, \bar l]`, exact including kinks.

    In bracket :math:`k` (hours :math:`[b_k/s, b_{k+1}/s]`) the objective is concave with stationary
    point :math:`l_k = (s(1-\tau_k)/(c\delta))^{1/(\delta-1)}`; the candidate is :math:`l_k` clipped
    to the bracket's hours (a kink when clipped). The best candidate over brackets is the optimum.
    """
    s = check_nonnegative(skill, "skill")
    params_exp = 1.0 / (params.delta - 1.0)
    best_val = np.full(s.shape, -np.inf)
    best_lab = np.zeros(s.shape)
    safe_s = np.where(s > 0, s, 1.0)
    cut = schedule.cutoffs
    for k, rate in enumerate(schedule.rates):
        lo = np.where(s > 0, cut[k] / safe_s, 0.0 if k == 0 else np.inf)
        hi_edge = cut[k + 1] if k + 1 < cut.size else np.inf
        hi = np.where(s > 0, hi_edge / safe_s, np.inf)
        hi = np.minimum(hi, max_hours)
        feasible = lo <= hi
        stationary = np.power(s * (1.0 - rate) / (params.c * params.delta), params_exp)
        cand = np.clip(stationary, np.minimum(lo, hi), hi)
        val = np.where(feasible, net_gain(s, cand, schedule, params), -np.inf)
        better = val > best_val
        np.copyto(best_val, val, where=better)
        np.copyto(best_lab, cand, where=better)
    return best_lab
