r"""Welfare of the rational outcome for a rate vector: the inner loop of the Stackelberg search.

Every candidate schedule is scored by letting each worker best-respond (on the labour menu or on
[0, 100]) and evaluating the planner's objective on the outcome. The general path runs one
:func:`~econsim.economy.outcomes.economy_step`; for the objectives in :data:`FAST_OBJECTIVES` with
menu responses the workers are grouped by the skill thresholds at which their best response
changes, so an evaluation costs O(#thresholds) whatever N is.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from econsim.economy.best_response import (
    _sorted_menu,
    best_response_continuous,
    best_response_menu,
    menu_thresholds,
)
from econsim.economy.outcomes import StepOutcome, economy_step
from econsim.economy.tax import TaxPreset, TaxSchedule, bracket_edges
from econsim.economy.utility import LABOUR_MENU, UtilityParams, check_utility
from econsim.economy.welfare import get_objective
from econsim.registry import Registry
from econsim.validation import check_fractions, check_nonnegative

Array = NDArray[np.float64]
#: Objectives with an O(#thresholds) evaluation independent of N.
FAST_OBJECTIVES: tuple[str, ...] = ("paper_swf", "inverse_income", "utilitarian", "rawlsian")


# --------------------------------------------------------------------------------------------
# Best responses
# --------------------------------------------------------------------------------------------
ResponseFn = Callable[[Array, TaxSchedule, UtilityParams, Array], Array]
BEST_RESPONSES: Registry[ResponseFn] = Registry("best response")
BEST_RESPONSES.register("menu", lambda s, sch, p, menu: best_response_menu(s, sch, p, menu))
BEST_RESPONSES.register("continuous", lambda s, sch, p, menu: best_response_continuous(s, sch, p))


# --------------------------------------------------------------------------------------------
# Welfare of a rate vector: general and fast paths
# --------------------------------------------------------------------------------------------
class WelfareEvaluator:
    """Welfare of the rational outcome for a rate vector, counting evaluations.

    Parameters
    ----------
    skill
        Worker skills (annual USD per weekly hour), at least one.
    cutoffs
        Bracket lower edges, a :class:`~econsim.economy.tax.TaxSchedule` or a
        :class:`~econsim.economy.tax.TaxPreset` (not a preset name: resolve it once at the top).
    params
        Labour-cost parameters (a :class:`~econsim.economy.utility.UtilityParams`).
    objective
        Welfare function to maximise, one of :data:`econsim.economy.welfare.OBJECTIVES`.
    response
        ``menu`` (labour menu {0, 10, …, 100}, default) or ``continuous`` ([0, 100]).
    menu
        Hours on the menu.
    fast
        Use the N-independent fast path; ``None`` (default) uses it whenever it applies
        (menu response and an objective in :data:`FAST_OBJECTIVES`).
    """

    def __init__(self, skill: ArrayLike, cutoffs: ArrayLike | TaxSchedule | TaxPreset,
                 params: UtilityParams, objective: str = "paper_swf",
                 response: str = "menu", menu: ArrayLike = LABOUR_MENU,
                 fast: bool | None = None) -> None:
        s = check_nonnegative(skill, "skill").ravel()
        if s.size == 0:
            raise ValueError("skill must hold at least one worker (got N = 0)")
        self.skill = s
        self.cutoffs = bracket_edges(cutoffs)
        self.params = check_utility(params, "params")
        self.objective = get_objective(objective).name
        self._wf = get_objective(objective)
        self.response = response
        self._respond = BEST_RESPONSES.get(response)
        self.menu = _sorted_menu(menu)
        can_fast = response == "menu" and objective in FAST_OBJECTIVES
        if fast and not can_fast:
            raise ValueError(f"the fast path needs response='menu' and an objective in "
                             f"{', '.join(FAST_OBJECTIVES)}; got {response!r}, {objective!r}")
        self.fast = can_fast if fast is None else bool(fast)
        self.evaluations = 0
        if self.fast:
            self._sorted = np.sort(s)
            with np.errstate(over="ignore"):  # 1/s of a subnormal skill is inf (never used)
                inv = np.divide(1.0, self._sorted, out=np.zeros_like(self._sorted),
                                where=self._sorted > 0)
            self._p1 = np.concatenate(([0.0], np.cumsum(self._sorted)))
            # Sums of 1/s accumulate from the largest skill down (suffix sums): a tiny skill's
            # huge 1/s then never enters the difference for a range of larger skills, which
            # prefix sums would cancel catastrophically (s = 1e-12 gave a visibly wrong SWF).
            self._tinv = np.concatenate((np.cumsum(inv[::-1])[::-1], [0.0]))
            self._cost = self.params.c * np.power(self.menu, self.params.delta)

    @property
    def n_brackets(self) -> int:
        return int(self.cutoffs.size)

    def schedule(self, rates: ArrayLike) -> TaxSchedule:
        r = check_fractions(rates, "rates").ravel()
        if r.size != self.n_brackets:
            raise ValueError(f"rates must have one entry per bracket: got {r.size} for "
                             f"{self.n_brackets} brackets (allowed length {self.n_brackets})")
        return TaxSchedule(self.cutoffs, r)

    def outcome(self, rates: ArrayLike) -> StepOutcome:
        """The full step outcome under ``rates`` (general path)."""
        sch = self.schedule(rates)
        labour = self._respond(self.skill, sch, self.params, self.menu)
        return economy_step(self.skill, labour, sch, self.params)

    def general(self, rates: ArrayLike) -> float:
        """Welfare through best responses → economy step → welfare function (O(N))."""
        out = self.outcome(rates)
        return float(self._wf(out.utility, out.pre_tax_income, out.post_tax_income))

    def __call__(self, rates: ArrayLike) -> float:
        self.evaluations += 1
        return self.fast_value(rates) if self.fast else self.general(rates)

    def fast_value(self, rates: ArrayLike) -> float:
        r"""Welfare from prefix sums over sorted skills (cost independent of N).

        Sub-ranges of sorted skills share hours :math:`l`, bracket :math:`k` and weight regime
        (:math:`z \ge 1` or not). With :math:`T(z) = A_k + \tau_k z` in bracket :math:`k`
        (:math:`A_k = T(b_k) - \tau_k b_k`) and :math:`C = c l^\delta`:

        .. math:: \sum u = l S_1 - (n A_k + \tau_k l S_1) + n (R - C), \qquad
            \sum_{z \ge 1} \frac{u}{z} = n (1 - \tau_k) + (R - C - A_k)\frac{S_{-1}}{l}

        with :math:`n, S_1, S_{-1}` the count, sum of :math:`s` and sum of :math:`1/s` over the
        sub-range. The minimum utility of a sub-range is at its lowest skill.
        """
        sch = self.schedule(rates)
        s, n_total = self._sorted, self._sorted.size
        points, at_point, above = menu_thresholds(sch, self.params, self.menu)
        lo = np.searchsorted(s, points, side="left")
        hi = np.searchsorted(s, points, side="right")
        start = np.column_stack((lo, hi)).ravel()
        end = np.column_stack((hi, np.append(lo[1:], n_total))).ravel()
        choice = np.column_stack((at_point, above)).ravel()
        keep = end > start
        start, end, choice = start[keep], end[keep], choice[keep]
        hours = self.menu[choice]
        cost = self._cost[choice]
        cut, tau = sch.cutoffs, sch.rates
        cum = np.concatenate(([0.0], np.cumsum(tau[:-1] * np.diff(cut))))
        intercept = cum - tau * cut  # T(z) = intercept_k + tau_k z in bracket k
        safe_l = np.where(hours > 0, hours, 1.0)
        # Skill images of the cutoffs above 0 and of z = 1 (weight switch), per segment.
        bps = np.column_stack((cut[1:][None, :] / safe_l[:, None], 1.0 / safe_l))
        bps[hours == 0] = np.inf
        pos = np.searchsorted(s, bps.ravel(), side="left").reshape(bps.shape)
        pos = np.clip(pos, start[:, None], end[:, None])
        bounds = np.sort(np.column_stack((start, pos, end)), axis=1)
        a, b = bounds[:, :-1], bounds[:, 1:]
        n = (b - a).astype(np.float64)
        # bracket and weight regime of each sub-range, from positions at or below its start
        bracket = (pos[:, None, :-1] <= a[:, :, None]).sum(axis=2)
        big = pos[:, None, -1] <= a
        s1 = self._p1[b] - self._p1[a]
        with np.errstate(invalid="ignore"):  # inf - inf only in ranges below z = 1 (unused)
            sinv = self._tinv[a] - self._tinv[b]
        t_k, a_k = tau[bracket], intercept[bracket]
        l_, c_ = hours[:, None], cost[:, None]
        revenue = float(np.sum(n * a_k + t_k * l_ * s1))
        rebate = revenue / n_total
        sum_u = l_ * s1 - (n * a_k + t_k * l_ * s1) + n * (rebate - c_)
        name = self.objective
        if name == "utilitarian":
            return float(sum_u.sum() / n_total)
        if name == "rawlsian":
            nonempty = n > 0
            s_min = s[np.minimum(a, n_total - 1)]
            z = s_min * l_
            u_min = z - (a_k + t_k * z) + rebate - c_
            return float(u_min[nonempty].min())
        inv_l = 1.0 / safe_l[:, None]
        sinv = np.where(big, sinv, 0.0)  # only ranges with z >= 1 use 1/s sums
        swf_big = n * (1.0 - t_k) + (rebate - c_ - a_k) * sinv * inv_l
        swf = float(np.where(big, swf_big, sum_u).sum())
        if name == "paper_swf":
            return swf
        weight = float(np.where(big, sinv * inv_l, n).sum())
        return swf / weight  # inverse_income


