r"""Worker skills: annual income per weekly hour, :math:`s = \text{income at 40 h} / 40`.

The paper's prior is a generalised beta of the second kind (GB2) fitted to ACS 2023 US incomes, in
the GAMLSS parameterisation (mu, sigma, nu, tau). With :math:`W \sim F(2\nu, 2\tau)`,

.. math:: Y = \mu \left(\frac{\nu}{\tau} W\right)^{1/\sigma}

so the quantile function is :math:`Q(p) = \mu ((\nu/\tau) F^{-1}(p; 2\nu, 2\tau))^{1/\sigma}`.

References
----------
Karten et al. (2025), *LLM Economist*, arXiv 2507.15815, §3.2 and the v1 code's ACS fit.
Rigby & Stasinopoulos (2005), GAMLSS, JRSS C 54(3) — the GB2 parameterisation.
McDonald (1984), *Some generalized functions for the size distribution of income*, Econometrica 52.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from econsim.registry import Registry
from econsim.validation import as_float_array, check_positive_int

HOURS_AT_REFERENCE = 40.0


@dataclass(frozen=True)
class GB2:
    """GB2 income distribution in the GAMLSS parameterisation."""

    mu: float
    sigma: float
    nu: float
    tau: float

    def quantile(self, p: ArrayLike) -> NDArray[np.float64]:
        """Income quantile :math:`Q(p)` for probabilities ``p`` in (0, 1)."""
        q = as_float_array(p, "p")
        if q.size and not ((q > 0) & (q < 1)).all():
            raise ValueError("p must be probabilities in the open interval (0, 1)")
        w = stats.f.ppf(q, 2 * self.nu, 2 * self.tau)
        return self.mu * np.power(self.nu / self.tau * w, 1.0 / self.sigma)

    def cdf(self, income: ArrayLike) -> NDArray[np.float64]:
        """:math:`P(Y \\le y)`."""
        y = as_float_array(income, "income")
        w = np.power(np.maximum(y, 0) / self.mu, self.sigma) * self.tau / self.nu
        return stats.f.cdf(w, 2 * self.nu, 2 * self.tau)

    def sample(self, n: int, rng: np.random.Generator) -> NDArray[np.float64]:
        """Draw ``n`` incomes (USD per year at 40 h/week)."""
        check_positive_int(n, "n")
        w = rng.f(2 * self.nu, 2 * self.tau, size=n)
        return self.mu * np.power(self.nu / self.tau * w, 1.0 / self.sigma)


#: GB2 fit to ACS 2023 US incomes used by the paper (MODEL.md §4).
ACS_2023_GB2 = GB2(
    mu=72402.78177917618,
    sigma=2.0721070746154746,
    nu=0.48651871959386955,
    tau=1.1410398548220329,
)
#: Support of the paper's alternative uniform skill mix (USD per weekly hour).
UNIFORM_SKILL_RANGE = (1.24, 159.1)


def sample_gb2_skills(n: int, rng: np.random.Generator, dist: GB2 = ACS_2023_GB2
                      ) -> NDArray[np.float64]:
    """Skills :math:`s = Y / 40` with :math:`Y` drawn from the GB2 income prior."""
    return dist.sample(n, rng) / HOURS_AT_REFERENCE


def sample_uniform_skills(n: int, rng: np.random.Generator,
                          low: float = UNIFORM_SKILL_RANGE[0], high: float = UNIFORM_SKILL_RANGE[1]
                          ) -> NDArray[np.float64]:
    """Skills drawn uniformly on [low, high] (the paper's 'uniform' mix)."""
    check_positive_int(n, "n")
    lo, hi = as_float_array(low, "low"), as_float_array(high, "high")
    if not (lo.ndim == 0 and hi.ndim == 0 and np.isfinite(lo) and np.isfinite(hi)
            and 0 <= lo < hi):
        raise ValueError("low and high must be finite numbers with 0 <= low < high for uniform "
                         f"skills; got low={low!r}, high={high!r}")
    return rng.uniform(low, high, size=n)


SkillSampler = Callable[[int, np.random.Generator], NDArray[np.float64]]
SKILL_DISTRIBUTIONS: Registry[SkillSampler] = Registry("skill distribution")
SKILL_DISTRIBUTIONS.register("gb2", sample_gb2_skills)
SKILL_DISTRIBUTIONS.register("uniform", sample_uniform_skills)


def sample_skills(n: int, rng: np.random.Generator, distribution: str = "gb2"
                  ) -> NDArray[np.float64]:
    """Draw ``n`` skills from a named distribution (``'gb2'`` or ``'uniform'``)."""
    return SKILL_DISTRIBUTIONS.get(distribution)(n, rng)
