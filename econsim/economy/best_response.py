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

from econsim.economy.tax import TaxSchedule, _tax_unchecked
from econsim.economy.utility import LABOUR_MENU, MAX_HOURS, UtilityParams
from econsim.validation import check_nonnegative, check_range


def net_gain(skill: NDArray[np.float64], labour: ArrayLike, schedule: TaxSchedule,
             params: UtilityParams) -> NDArray[np.float64]:
    r"""The part of utility a worker controls, :math:`s l - T(s l) - c l^{\delta}` (no rebate)."""
    lab = np.asarray(labour, dtype=np.float64)
    z = skill * lab
    return z - _tax_unchecked(z, schedule) - params.c * np.power(lab, params.delta)


def menu_thresholds(schedule: TaxSchedule, params: UtilityParams, menu: ArrayLike = LABOUR_MENU
                    ) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.intp]]:
    r"""The best response on a menu as a step function of skill, computed exactly.

    Each menu option gives a payoff :math:`f_j(s) = s l_j - T(s l_j) - c l_j^{\delta}` that is
    piecewise linear in skill with kinks at :math:`b_k / l_j`. Between consecutive kinks all
    payoffs are lines, so the argmax can change only where two lines cross. Collecting kinks and
    in-interval crossings gives sorted skill points :math:`p_0 = 0 < p_1 < \dots`; the argmax is
    constant on every open interval between points and is evaluated at each point itself.

    Returns
    -------
    points
        Sorted skill points (USD per weekly hour), starting at 0.
    point_choice
        Index into the sorted menu of the best option at each point.
    interval_choice
        Best option on the open interval above each point (``interval_choice[i]`` holds on
        :math:`(p_i, p_{i+1})`, the last on :math:`(p_{-1}, \infty)`).
    """
    m = _sorted_menu(menu)
    cost = params.c * np.power(m, params.delta)
    positive = m[m > 0]
    kinks = (schedule.cutoffs[1:, None] / positive[None, :]).ravel()
    edges = np.unique(np.concatenate(([0.0], kinks)))
    # One probe skill strictly inside each interval between kinks (the last one is unbounded).
    upper = np.append(edges[1:], edges[-1] * 2.0 + 1.0)
    probe = 0.5 * (edges + upper)
    slope = (1.0 - schedule.rates[np.searchsorted(schedule.cutoffs, probe[:, None] * m[None, :],
                                                   side="right") - 1]) * m[None, :]
    payoff = _payoffs(probe, m, cost, schedule)
    intercept = payoff - slope * probe[:, None]
    # Pairwise crossings of the lines within each interval.
    d_slope = slope[:, None, :] - slope[:, :, None]
    d_icpt = intercept[:, :, None] - intercept[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = d_icpt / d_slope
    inside = np.isfinite(cross) & (cross > edges[:, None, None]) & (cross < np.where(
        np.isfinite(upper), upper, np.inf)[:, None, None])
    inside[-1] |= np.isfinite(cross[-1]) & (cross[-1] > edges[-1])
    points = np.unique(np.concatenate((edges, cross[inside])))
    point_choice = np.argmax(_payoffs(points, m, cost, schedule), axis=1)
    mids = np.append(0.5 * (points[1:] + points[:-1]), points[-1] * 2.0 + 1.0)
    interval_choice = np.argmax(_payoffs(mids, m, cost, schedule), axis=1)
    return points, point_choice, interval_choice


def _sorted_menu(menu: ArrayLike) -> NDArray[np.float64]:
    m = check_nonnegative(menu, "menu").ravel()
    if m.size == 0 or (m > MAX_HOURS).any():
        raise ValueError("menu must be a non-empty list of hours in [0, 100]")
    return np.unique(m)


def _payoffs(skill: NDArray[np.float64], m: NDArray[np.float64], cost: NDArray[np.float64],
             schedule: TaxSchedule) -> NDArray[np.float64]:
    z = skill[:, None] * m[None, :]
    return z - _tax_unchecked(z, schedule) - cost[None, :]


def best_response_menu_index(skill: ArrayLike, schedule: TaxSchedule, params: UtilityParams,
                             menu: ArrayLike = LABOUR_MENU) -> NDArray[np.intp]:
    """Index into the sorted menu of every worker's best response (see :func:`best_response_menu`).

    Uses :func:`menu_thresholds`, so the cost is one binary search per worker over a few hundred
    skill points, whatever the menu and schedule.
    """
    s = check_nonnegative(skill, "skill")
    points, at_point, above = menu_thresholds(schedule, params, menu)
    i = np.searchsorted(points, s, side="left")  # points[i-1] < s <= points[i]
    i_clip = np.minimum(i, points.size - 1)
    exact = points[i_clip] == s
    return np.where(exact, at_point[i_clip], above[np.maximum(i - 1, 0)])


def best_response_menu(skill: ArrayLike, schedule: TaxSchedule, params: UtilityParams,
                       menu: ArrayLike = LABOUR_MENU) -> NDArray[np.float64]:
    r"""Utility-maximising hours on a discrete menu, for every worker.

    .. math:: l_i^* = \arg\max_{l \in M} \; s_i l - T(s_i l) - c\, l^{\delta}

    Exact: the skill thresholds where the choice changes are computed once per schedule
    (:func:`menu_thresholds`), then each worker is located among them. Ties go to fewer hours.

    Parameters
    ----------
    skill
        Skills :math:`s_i \ge 0` (annual USD per weekly hour).
    schedule, params
        Tax schedule and labour-cost parameters.
    menu
        Allowed hours, default {0, 10, …, 100}.
    """
    return _sorted_menu(menu)[best_response_menu_index(skill, schedule, params, menu)]


def best_response_menu_bruteforce(skill: ArrayLike, schedule: TaxSchedule, params: UtilityParams,
                                  menu: ArrayLike = LABOUR_MENU) -> NDArray[np.float64]:
    """Reference implementation: evaluate every menu option for every worker and take the best."""
    s = check_nonnegative(skill, "skill").ravel()
    m = _sorted_menu(menu)
    pay = _payoffs(s, m, params.c * np.power(m, params.delta), schedule)
    return m[np.argmax(pay, axis=1)].reshape(np.shape(skill))


def best_response_continuous(skill: ArrayLike, schedule: TaxSchedule, params: UtilityParams,
                             max_hours: float = MAX_HOURS) -> NDArray[np.float64]:
    r"""Utility-maximising hours on :math:`[0, \bar l]`, exact including kinks.

    In bracket :math:`k` (hours :math:`[b_k/s, b_{k+1}/s]`) the objective is concave with stationary
    point :math:`l_k = (s(1-\tau_k)/(c\delta))^{1/(\delta-1)}`; the candidate is :math:`l_k` clipped
    to the bracket's hours (a kink when clipped). The best candidate over brackets is the optimum.
    ``max_hours`` :math:`\bar l` must lie in [0, 100] (the week's hour limit of the model).
    """
    s = check_nonnegative(skill, "skill")
    max_hours = check_range(max_hours, "max_hours", 0.0, MAX_HOURS)
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
