r"""Social marginal welfare weights of each welfare function, at an outcome.

Saez's formula needs :math:`g_i`, the value society puts on one more dollar of consumption for
person :math:`i`, in units of public funds (population mean 1). Utility is quasi-linear,
:math:`u_i = \tilde z_i - c\, l_i^\delta` (:mod:`econsim.economy.utility`), so a dollar given to
:math:`i` raises both :math:`u_i` and :math:`\tilde z_i` by one and

.. math:: g_i \propto \frac{\partial W}{\partial \tilde z_i}, \qquad \frac1N \sum_i g_i = 1.

One rule per objective of :data:`econsim.economy.welfare.WELFARE_FUNCTIONS`:

``utilitarian``  (mean :math:`u`)
    :math:`g_i = 1` — a dollar is worth the same to everyone, so redistribution gains nothing
    (Saez: :math:`G = 1`, every rate 0).
``paper_swf`` and ``inverse_income``  (:math:`\sum u_i/\max(z_i,1)`, normalised or not)
    :math:`g_i \propto 1/\max(z_i, 1)` (pre-tax income held fixed).
``rawlsian``  (:math:`\min u`)
    all weight on the worst-off (shared equally between ties): :math:`g_i = N/k` for the
    :math:`k` people at the minimum, 0 for the others.
``atkinson``  (:math:`\varepsilon = 1`: the geometric mean of post-tax income)
    :math:`W = \exp(\frac1N\sum\ln\tilde z_i)`, so :math:`\partial W/\partial\tilde z_i =
    W/(N\tilde z_i)` and :math:`g_i \propto 1/\tilde z_i` (a post-tax income :math:`\le 0`
    counts as $1).
``equality_productivity``  (:math:`(1 - \frac{N}{N-1}\mathrm{Gini}(\tilde z))\,\bar z`)
    a transfer changes only the Gini term. With :math:`r_i` the rank of :math:`\tilde z_i`
    (1 = poorest) and :math:`T = \sum \tilde z`,
    :math:`\partial \mathrm{Gini}/\partial \tilde z_i = \frac{2}{N T}(r_i - \frac{N}{2}
    (\mathrm{Gini} + \frac{N+1}{N}))`, hence :math:`g_i \propto \frac{N\,\mathrm{Gini} + N + 1}{2}
    - r_i`: linear in rank, negative for the richest (taking from them raises equality).

Every rule is checked against finite differences of the welfare function itself
(``tests/test_welfare_weights.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from econsim.economy.welfare import get_objective, gini
from econsim.registry import Registry
from econsim.validation import check_finite

Array = NDArray[np.float64]


def _ones(u: Array, z: Array, zt: Array) -> Array:
    return np.ones(u.size)


def _inverse_income(u: Array, z: Array, zt: Array) -> Array:
    return 1.0 / np.maximum(z, 1.0)


def _rawlsian(u: Array, z: Array, zt: Array) -> Array:
    return (u <= u.min()).astype(float)


def _atkinson(u: Array, z: Array, zt: Array) -> Array:
    return 1.0 / np.maximum(zt, 1.0)


def _equality_productivity(u: Array, z: Array, zt: Array) -> Array:
    y = np.maximum(zt, 0.0)
    n = y.size
    rank = np.empty(n)
    rank[np.argsort(y, kind="stable")] = np.arange(1, n + 1)
    return (n * gini(y) + n + 1.0) / 2.0 - rank


#: Per-objective rule ``(u, z, z_tilde) -> unnormalised weights``.
WEIGHT_RULES: Registry[Callable[[Array, Array, Array], Array]] = Registry("welfare-weight rule")
WEIGHT_RULES.register("utilitarian", _ones)
WEIGHT_RULES.register("paper_swf", _inverse_income)
WEIGHT_RULES.register("inverse_income", _inverse_income)
WEIGHT_RULES.register("rawlsian", _rawlsian)
WEIGHT_RULES.register("atkinson", _atkinson)
WEIGHT_RULES.register("equality_productivity", _equality_productivity)


def social_weights(objective: str, u: ArrayLike, z: ArrayLike, z_tilde: ArrayLike) -> Array:
    r"""Social marginal welfare weights :math:`g_i` of ``objective`` at an outcome (mean 1).

    Parameters
    ----------
    objective
        A planner objective (see :data:`econsim.economy.welfare.OBJECTIVES`).
    u, z, z_tilde
        Utility, pre-tax and post-tax income of every person (same shape).
    """
    get_objective(objective)  # unknown names and metrics list the valid objectives
    u_, z_, zt = (check_finite(a, n).ravel() for a, n in ((u, "u"), (z, "z"),
                                                           (z_tilde, "z_tilde")))
    if not u_.size == z_.size == zt.size or u_.size == 0:
        raise ValueError(f"u, z and z_tilde must hold the same people (N >= 1); got sizes "
                         f"{u_.size}, {z_.size}, {zt.size}")
    w = WEIGHT_RULES.get(objective)(u_, z_, zt)
    total = w.sum()
    if not total > 0:  # e.g. equality_productivity when everyone has the same income
        return np.ones(w.size)
    return w * (w.size / total)


__all__ = ["WEIGHT_RULES", "social_weights"]
