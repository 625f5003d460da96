r"""The pieces of the Saez (2001) derivation, computed on a population (notebook 11).

* :class:`GB2Density` — the ACS 2023 GB2 income prior as a density with ``pdf`` and ``sf``, so
  :func:`econsim.baselines.saez.local_hazard` gives its hazard ratio analytically. With
  :math:`w = (y/\mu)^\sigma \tau/\nu \sim F(2\nu, 2\tau)`, :math:`y f_Y(y) = \sigma w f_W(w)`,
  so :math:`a(y) = \sigma w f_W(w)/(1 - F_W(w))`; the upper tail of :math:`F(2\nu, 2\tau)` is
  Pareto with index :math:`\tau` in :math:`w`, hence :math:`a(y) \to \sigma\tau`
  (:func:`gb2_pareto_limit`).
* :func:`hazard_table` — :math:`a(z)` three ways along incomes: analytic (a density), kernel
  estimate on a sample (Saez's local hazard) and the Diamond–Saez mean-above
  :math:`m(z)/(m(z) - z)`.
* :func:`perturbation` — the three effects of raising the rate above a cutoff :math:`b` by
  :math:`d\tau` with taxable-income elasticity :math:`e`, per person and summed:
  mechanical :math:`dM = d\tau \sum_{z_i > b} (z_i - b)`, behavioural
  :math:`dB = -\frac{\tau}{1-\tau} e\, d\tau \sum_{z_i > b} z_i` (each :math:`z_i` falls by
  :math:`e z_i\, d\tau/(1-\tau)`, taxed at :math:`\tau`), welfare
  :math:`dW = -d\tau \sum_{z_i > b} g_i (z_i - b)` (the people above lose :math:`z_i - b`
  dollars each, valued at :math:`g_i`). Setting :math:`dM + dB + dW = 0` gives
  :math:`\tau/(1-\tau) = (1 - \hat G)/(a e)` with :math:`a = m/(m - b)` and :math:`\hat G` the
  average of :math:`g_i` weighted by :math:`z_i - b` — :func:`perturbation_top_rate` solves it
  numerically, the notebook compares with the closed form. Over a thin band
  :math:`[z, z + dz]` the same argument gives the local :math:`a(z) = z h(z)/(1 - H(z))` and the
  per-person :math:`G(z)` (Saez's mode ``local``).
* :func:`G_by_welfare` — :math:`G(z)`, the average social weight above :math:`z`, for several
  welfare functions (:func:`econsim.baselines.welfare_weights.social_weights`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats

from econsim.baselines.saez import local_hazard, pareto_a_from_mean, saez_rate
from econsim.baselines.welfare_weights import social_weights
from econsim.economy.outcomes import StepOutcome
from econsim.economy.skills import ACS_2023_GB2, GB2
from econsim.validation import check_nonnegative, check_range

Array = NDArray[np.float64]


@dataclass(frozen=True)
class GB2Density:
    """A GB2 income distribution with ``pdf`` and ``sf`` (scipy's frozen-distribution names)."""

    dist: GB2 = ACS_2023_GB2

    def _w(self, y: ArrayLike) -> Array:
        d = self.dist
        return np.power(np.maximum(np.asarray(y, dtype=float), 0.0) / d.mu, d.sigma) \
            * d.tau / d.nu

    def pdf(self, y: ArrayLike) -> Array:
        r""":math:`f_Y(y) = f_W(w)\, \sigma w / y`."""
        y_ = np.asarray(y, dtype=float)
        w = self._w(y_)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = stats.f.pdf(w, 2 * self.dist.nu, 2 * self.dist.tau) * self.dist.sigma * w / y_
        return np.where(y_ > 0, f, 0.0)

    def sf(self, y: ArrayLike) -> Array:
        return stats.f.sf(self._w(y), 2 * self.dist.nu, 2 * self.dist.tau)


def gb2_pareto_limit(dist: GB2 = ACS_2023_GB2) -> float:
    r"""The GB2's upper-tail Pareto index :math:`\sigma\tau` (the limit of :math:`a(y)`)."""
    return float(dist.sigma * dist.tau)


def hazard_table(income: ArrayLike, points: ArrayLike, density: object | None = None
                 ) -> pd.DataFrame:
    """:math:`a(z)` at ``points``: from ``density`` (if given), kernel estimate on ``income``
    (local hazard) and mean-above (Diamond–Saez), with the share of people above each point."""
    z = check_nonnegative(income, "income").ravel()
    p = check_nonnegative(points, "points").ravel()
    table = pd.DataFrame({
        "income": p,
        "share_above": (z.size - np.searchsorted(np.sort(z), p, side="right")) / z.size,
        "a_local_kernel": local_hazard(z, p),
        "a_mean_above": pareto_a_from_mean(z, p)})
    if density is not None:
        table["a_local_analytic"] = local_hazard(z, p, density)
    return table


@dataclass(frozen=True)
class Perturbation:
    """The three first-order effects (USD per person of the population, per unit of
    :math:`d\\tau`) of raising the marginal rate above ``cutoff``."""

    mechanical: float
    behavioural: float
    welfare: float

    @property
    def total(self) -> float:
        return self.mechanical + self.behavioural + self.welfare


def perturbation(income: ArrayLike, weights: ArrayLike, cutoff: float, rate: float,
                 elasticity: float) -> Perturbation:
    """The effects of raising the rate above ``cutoff`` (see the module docstring), per person
    and per unit :math:`d\\tau`; ``weights`` are the social weights (population mean 1)."""
    z = check_nonnegative(income, "income").ravel()
    g = np.asarray(weights, dtype=float).ravel()
    if g.size != z.size:
        raise ValueError(f"weights must have one entry per person ({z.size}); got {g.size}")
    t = check_range(rate, "rate", 0.0, 1.0, high_open=True)
    e = check_range(elasticity, "elasticity", 0.0, np.inf, high_open=True)
    above = z > cutoff
    n = z.size
    return Perturbation(mechanical=float(np.sum(z[above] - cutoff)) / n,
                        behavioural=-t / (1 - t) * e * float(np.sum(z[above])) / n,
                        welfare=-float(np.sum(g[above] * (z[above] - cutoff))) / n)


def perturbation_top_rate(income: ArrayLike, weights: ArrayLike, cutoff: float,
                          elasticity: float) -> float:
    """The rate above ``cutoff`` at which the three effects sum to zero (root in [0, 1))."""
    def total(t: float) -> float:
        return perturbation(income, weights, cutoff, t, elasticity).total

    if total(0.0) <= 0:  # raising the rate from 0 already loses welfare: the optimum is 0
        return 0.0
    return float(optimize.brentq(total, 0.0, 1.0 - 1e-12, xtol=1e-14))


def G_by_welfare(outcome: StepOutcome, points: ArrayLike, welfare: Sequence[str]
                 ) -> pd.DataFrame:
    """Long table (welfare, income, G): the average social weight of the people above each
    point, per welfare function, at ``outcome``."""
    z = outcome.pre_tax_income
    p = check_nonnegative(points, "points").ravel()
    rows = []
    for name in welfare:
        g = social_weights(name, outcome.utility, z, outcome.post_tax_income)
        for b in p:
            above = z > b
            rows.append((name, float(b), float(g[above].mean()) if above.any() else np.nan))
    return pd.DataFrame(rows, columns=["welfare", "income", "G"])


def saez_along(G: pd.DataFrame, hazard: pd.DataFrame, elasticity: float,
               a_column: str = "a_local_kernel") -> pd.DataFrame:
    r"""The Saez rate :math:`(1-G)/(1-G+a e)` at every (welfare, income) of ``G`` with
    :math:`a` from ``hazard`` (same incomes)."""
    table = G.merge(hazard[["income", a_column]], on="income", how="left")
    table["rate"] = saez_rate(table.G.to_numpy(), table[a_column].to_numpy(), elasticity)
    return table


__all__ = ["G_by_welfare", "GB2Density", "Perturbation", "gb2_pareto_limit", "hazard_table",
           "perturbation", "perturbation_top_rate", "saez_along"]
