r"""Skill modes: how an agent's skill relates to its occupation.

- ``gb2`` (the paper): income at 40 h/week drawn from the ACS 2023 GB2 prior, independent of the
  agent's occupation; skill :math:`s = Y/40`. (Formerly ``independent``: the old name works for
  one release, with a warning; :mod:`econsim.renamed`.)
- ``joint``: each agent first draws a wage from its occupation's OEWS distribution,
  :math:`w = Q_o(\Phi(z))` with :math:`z \sim N(0, 1)` (:mod:`econsim.population.wages`), which is
  then mapped through the monotone transform

  .. math:: Y = Q_{\text{GB2}}\big(F_{\text{mix}}(w)\big), \qquad
            F_{\text{mix}}(w) = \textstyle\sum_o \pi_o F_o(w)

  with :math:`\pi_o` the census occupation shares. Because :math:`W \sim F_{\text{mix}}` in the
  population, :math:`F_{\text{mix}}(W)` is uniform and :math:`Y` has exactly the GB2 distribution
  (probability integral transform); because the map is increasing, every occupation keeps its
  OEWS wage ranking at every percentile. The map is tabulated on a grid of 4,097 log wages and
  interpolated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

from econsim.economy.skills import ACS_2023_GB2, GB2, HOURS_AT_REFERENCE, sample_gb2_skills
from econsim.population.census import CensusTable
from econsim.population.wages import Z_KNOTS, OccupationWages, load_occupation_wages
from econsim.registry import Registry

#: A skill sampler: (occupation codes, generator) -> skills (USD per weekly hour).
SkillSampler = Callable[[NDArray[np.integer], np.random.Generator], NDArray[np.float64]]
_GRID_POINTS = 4097
_Z_TAIL = 8.5  # grid spans every occupation's quantiles from z = -8.5 to +8.5


def gb2_sampler(table: CensusTable, prior: GB2 = ACS_2023_GB2) -> SkillSampler:
    """The paper's mode: GB2 skills regardless of occupation."""

    def sample(occupation: NDArray[np.integer], rng: np.random.Generator) -> NDArray[np.float64]:
        return sample_gb2_skills(len(occupation), rng, prior)

    return sample


@dataclass(frozen=True, eq=False)
class JointSkillModel:
    """Occupation-conditional wages rank-mapped onto the GB2 prior (see module docstring)."""

    wages: OccupationWages
    shares: NDArray[np.float64]
    prior: GB2 = ACS_2023_GB2

    def __post_init__(self) -> None:
        lo = self.wages.log_wage_at_z(np.arange(len(self.shares)), np.full(len(self.shares),
                                                                            -_Z_TAIL)).min()
        hi = self.wages.log_wage_at_z(np.arange(len(self.shares)), np.full(len(self.shares),
                                                                            _Z_TAIL)).max()
        grid = np.linspace(lo, hi, _GRID_POINTS)
        u = np.clip(self.wages.mixture_cdf(grid, self.shares), 1e-15, 1 - 1e-15)
        object.__setattr__(self, "_grid", grid)
        object.__setattr__(self, "_log_income", np.log(self.prior.quantile(u)))

    def income_from_log_wage(self, log_wage: NDArray[np.float64]) -> NDArray[np.float64]:
        """GB2-calibrated income for occupational log wages (increasing in the wage)."""
        return np.exp(np.interp(log_wage, self._grid, self._log_income))

    def occupation_income_quantiles(self, p: NDArray[np.float64] | None = None
                                    ) -> NDArray[np.float64]:
        """Model income quantiles per occupation, shape (occupations, len(p)); default p = knots."""
        z = Z_KNOTS if p is None else np.sqrt(2.0) * special.erfinv(
            2.0 * np.asarray(p, dtype=float) - 1.0)
        n_occ = len(self.shares)
        occ = np.repeat(np.arange(n_occ), z.size)
        lw = self.wages.log_wage_at_z(occ, np.tile(z, n_occ))
        return self.income_from_log_wage(lw).reshape(n_occ, z.size)

    def sample(self, occupation: NDArray[np.integer], rng: np.random.Generator
               ) -> NDArray[np.float64]:
        z = rng.standard_normal(len(occupation))
        lw = self.wages.log_wage_at_z(occupation, z)
        return self.income_from_log_wage(lw) / HOURS_AT_REFERENCE


def joint_sampler(table: CensusTable, prior: GB2 = ACS_2023_GB2) -> SkillSampler:
    """Occupation-conditional skills calibrated to the GB2 prior (census occupation shares)."""
    shares = table.counts.sum(axis=(1, 2)) / table.total
    return JointSkillModel(load_occupation_wages(), shares, prior).sample


#: Skill modes by name (the words of ``SimConfig.skills``): factories taking the census table and
#: returning a sampler.
SKILL_MODES: Registry[Callable[[CensusTable], SkillSampler]] = Registry("skill mode")
SKILL_MODES.register("gb2", gb2_sampler)
SKILL_MODES.register("joint", joint_sampler)
