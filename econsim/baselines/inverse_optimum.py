r"""The inverse optimum: the welfare weights that would make a given tax schedule optimal.

Saez (2001) gives the optimal marginal rate at income :math:`z` as

.. math:: \tau(z) = \frac{1 - G(z)}{1 - G(z) + a(z)\, e(z)}

(see :mod:`econsim.baselines.saez`). Read backwards — Bourguignon & Spadaro (2012), "Tax–benefit
revealed social preferences" — it says which average social marginal welfare weight of the people
above :math:`z` the schedule implicitly assumes:

.. math:: G(z) = 1 - \frac{\tau(z)}{1 - \tau(z)}\, a(z)\, e(z).

With :math:`N(z)` people above :math:`z`, :math:`S(z) = N(z) G(z)` is the sum of their weights;
the weight of the people between two evaluation points :math:`p_j < z \le p_{j+1}` is therefore

.. math:: g_j = \frac{S(p_j) - S(p_{j+1})}{N(p_j) - N(p_{j+1})},

the people above the last point get :math:`G(p_J)`, and the people at or below the first point
get what keeps the population mean of the weights at 1 (weights are in units of the marginal
value of public funds, the normalisation under which the lump-sum rebate is optimal):
:math:`g_0 = (N - S(p_1)) / (N - N(p_1))`.

Everything is evaluated exactly as :func:`econsim.baselines.saez.saez_estimates` does in the
same ``mode``: ``proper`` (default) uses :math:`a(z) = m(z)/(m(z) - z)` with :math:`m(z)` the
mean income strictly above :math:`z` (Diamond–Saez; right only where the tail above :math:`z` is
Pareto), ``local`` the local hazard :math:`a(z) = z f(z)/(1 - F(z))`
(:func:`~econsim.baselines.saez.local_hazard`, analytic with ``density=`` or a kernel estimate),
which makes the recovered weights right on any distribution. In both, :math:`G` is an average
per person, so the differencing above gives group averages. The rate of a bracket read at its lower cutoff, one elasticity per
bracket. So computing Saez rates from chosen weights and inverting them returns those weights
(the test of this module). With ``points`` > 0, income quantiles are added to the cutoffs for a
finer picture of the weights by income (inside a bracket :math:`\tau` is constant while
:math:`a(z)` moves, so the implied weights move too).

A negative weight means that *no* welfare function with non-negative weights rationalises the
schedule: the rate at that income is above the revenue-maximising one for the tail it taxes
(:math:`G < 0` means :math:`\tau > 1/(1 + a e)`, the Laffer rate). A rate of 100 % has
:math:`G = -\infty`. A zero rate only says :math:`G \ge 1` (the formula is clipped there); the
boundary value :math:`G = 1` is reported.

References
----------
Saez, E. (2001), RES 68(1), 205–229, eq. (9).
Bourguignon, F. & Spadaro, A. (2012), *Tax–benefit revealed social preferences*, Journal of
Economic Inequality 10(1), 75–108.
PSLmodels, *InverseOptimalTax* (Jacobs, Lockwood & Saez style inversion) — the reference
implementation the issue names; this module is written from the formulas above.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from econsim.baselines.elasticities import resolve_elasticity
from econsim.baselines.saez import _mean_above, local_hazard
from econsim.economy.tax import TaxSchedule
from econsim.registry import Registry
from econsim.validation import check_nonnegative, check_positive_int

Array = NDArray[np.float64]

#: Weights below ``-NEGATIVE_TOL`` count as negative (float noise at exactly 0 does not).
NEGATIVE_TOL = 1e-9


def _mean_above_a(z: Array, p: Array, m: Array, density: object | None) -> Array:
    if density is not None:
        raise ValueError("density is used only by inverse-optimum mode 'local'; got 'proper'")
    return m / (m - p)


def _local_a(z: Array, p: Array, m: Array, density: object | None) -> Array:
    return local_hazard(z, p, density) if p.size else np.empty(0)


#: How each mode estimates :math:`a` at the points ``(z sorted, points, mean above, density)``.
HAZARDS: Registry[Callable[[Array, Array, Array, object | None], Array]] = Registry(
    "inverse-optimum mode")
HAZARDS.register("proper", _mean_above_a)
HAZARDS.register("local", _local_a)


@dataclass(frozen=True)
class InverseOptimum:
    """Implied welfare weights by income group for one schedule.

    ``points`` are the evaluation incomes :math:`p_j`; group 0 holds incomes ``<= points[0]``,
    group ``j`` incomes in ``(points[j-1], points[j]]``, the last group incomes above the last
    point. ``weights[j]`` is the weight of group ``j`` (population mean 1), ``G[j]`` the implied
    average weight above ``points[j]``, ``rate``, ``a``, ``elasticity`` the ingredients there.
    """

    points: Array
    rate: Array
    a: Array
    elasticity: Array
    G: Array
    group_lo: Array
    group_hi: Array
    n_group: NDArray[np.intp]
    weights: Array
    rationalisable: bool
    message: str

    def person_weights(self, income: ArrayLike) -> Array:
        """The implied weight of each person, by the group their income falls in."""
        z = check_nonnegative(income, "income").ravel()
        return self.weights[np.searchsorted(self.points, z, side="left")]

    def table(self) -> pd.DataFrame:
        """One row per income group: edges, people, weight (and G at the group's lower edge)."""
        G = np.concatenate(([np.nan], self.G))
        return pd.DataFrame({"income_lo": self.group_lo, "income_hi": self.group_hi,
                             "n": self.n_group, "weight": self.weights, "G_above_lo": G})


def implied_G(rate: ArrayLike, a: ArrayLike, e: ArrayLike) -> Array:
    r""":math:`G = 1 - \tau a e/(1 - \tau)`, the Saez formula solved for :math:`G`.

    A rate of 1 gives :math:`-\infty`. Hand case: :math:`\tau = 1/2, a = 2, e = 1/2` gives
    :math:`G = 0` (the Laffer rate :math:`1/(1 + a e)`).
    """
    t = np.asarray(rate, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(t < 1.0, t / np.where(t < 1.0, 1.0 - t, 1.0), np.inf)
        return 1.0 - ratio * np.asarray(a, dtype=float) * np.asarray(e, dtype=float)


def inverse_optimum(schedule: TaxSchedule, income: ArrayLike,
                    elasticity: float | Sequence[float] | ArrayLike | str = 0.4,
                    points: int = 0, min_tail: int = 5, mode: str = "proper",
                    density: object | None = None) -> InverseOptimum:
    """The social marginal welfare weights by income that make ``schedule`` Saez-optimal.

    Parameters
    ----------
    schedule
        Any piecewise-linear schedule (its cutoffs above 0 are always evaluation points).
    income
        Pre-tax incomes of the population under that schedule (USD/year, ``>= 0``).
    elasticity
        Elasticity of taxable income: scalar, one per bracket or a preset name; must be > 0 (with
        no behavioural response every rate below 100 % is unreachable by the formula).
    points
        Extra evaluation points: this many income quantiles (between the 5th and the 99th
        percentile) are added to the cutoffs, except those within ``max(min_tail, N/50)``
        people of a cutoff (they would make tiny, noisy groups).
    min_tail
        A point needs at least this many people above it to estimate :math:`a` there; others
        are dropped.
    mode
        ``proper`` (mean-above :math:`a`, the default) or ``local`` (local hazard), as in
        :func:`~econsim.baselines.saez.saez_estimates`.
    density
        ``local`` only: the income distribution as a frozen scipy distribution (analytic
        :math:`a`); default a kernel estimate on ``income``.
    """
    hazard = HAZARDS.get(mode)
    z = np.sort(check_nonnegative(income, "income").ravel())
    if z.size == 0:
        raise ValueError("income must hold at least one person (got N = 0)")
    if int(points) < 0:
        raise ValueError(f"points must be >= 0 (extra income quantiles); got {points!r}")
    check_positive_int(min_tail, "min_tail")
    e_bracket = resolve_elasticity(elasticity, schedule.cutoffs)
    if not (e_bracket > 0).all():
        raise ValueError("elasticity must be > 0 in every bracket for the inverse optimum "
                         f"(allowed range (0, inf)); got {e_bracket.tolist()}")
    p = schedule.cutoffs[1:]
    if points:
        q = np.quantile(z, np.linspace(0.05, 0.99, int(points)))
        # a quantile point too close (in people) to a cutoff would make a tiny, noisy group
        min_group = max(min_tail, z.size // 50)
        _, n_q = _mean_above(z, q)
        _, n_c = _mean_above(z, p)
        far = (np.abs(n_q[:, None] - n_c[None, :]) >= min_group).all(axis=1) if p.size \
            else np.ones(q.size, dtype=bool)
        p = np.concatenate((p, q[far]))
    p = np.unique(p[p > 0])
    m, n_above = _mean_above(z, p)
    keep = n_above >= min_tail
    # one point per distinct tail: points with the same people above them add no group
    keep &= np.concatenate(([True], n_above[1:] != n_above[:-1]))
    p, m, n_above = p[keep], m[keep], n_above[keep]
    k = np.searchsorted(schedule.cutoffs, p, side="right") - 1
    rate, e = schedule.rates[k], e_bracket[k]
    a = hazard(z, p, m, density)
    G = np.where(rate > 0, implied_G(rate, a, e), 1.0)
    S = n_above * G
    n = z.size
    if p.size == 0:  # nobody can be placed above any point: one group, weight 1
        w = np.ones(1)
        lo, hi, counts = np.zeros(1), np.full(1, np.inf), np.array([n])
    else:
        counts = np.concatenate(([n - n_above[0]], -np.diff(n_above), [n_above[-1]]))
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.concatenate(([(n - S[0]) / max(n - n_above[0], 1)],
                                -np.diff(S) / np.maximum(-np.diff(n_above), 1), [G[-1]]))
        if counts[0] == 0:  # nobody at or below the first point: no group 0 to normalise
            w[0] = np.nan
        lo = np.concatenate(([0.0], p))
        hi = np.concatenate((p, [np.inf]))
    finite = w[counts > 0]
    ok = bool(np.isfinite(finite).all() and (finite >= -NEGATIVE_TOL).all())
    if ok:
        message = "non-negative weights rationalise this schedule"
    else:
        bad = np.flatnonzero((counts > 0) & ~(np.isfinite(w) & (w >= -NEGATIVE_TOL)))
        where = ", ".join(_range_label(lo[j], hi[j]) for j in bad[:3])
        message = ("no welfare function with non-negative weights rationalises this schedule: "
                   f"the implied weight is negative for incomes {where} (the rate there is "
                   "above the revenue-maximising one)")
    return InverseOptimum(points=p, rate=rate, a=a, elasticity=e, G=G, group_lo=lo,
                          group_hi=hi, n_group=counts.astype(np.intp), weights=w,
                          rationalisable=ok, message=message)


def _range_label(lo: float, hi: float) -> str:
    if np.isinf(hi):
        return f"above ${lo / 1000:,.0f}k"
    return f"${lo / 1000:,.0f}k–{hi / 1000:,.0f}k"
