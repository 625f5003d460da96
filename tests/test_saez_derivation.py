"""The pieces of the Saez derivation (notebook 11) against closed forms."""

import numpy as np
import pytest
from scipy import integrate

from econsim.analysis.saez_derivation import (
    GB2Density,
    gb2_pareto_limit,
    perturbation,
    perturbation_top_rate,
)
from econsim.baselines.saez import local_hazard, pareto_a_from_mean, saez_rate
from econsim.economy.skills import ACS_2023_GB2


def test_gb2_density_is_the_prior_and_its_hazard_tends_to_sigma_tau():
    d = GB2Density()
    assert integrate.quad(d.pdf, 0, np.inf, limit=200)[0] == pytest.approx(1.0, abs=1e-8)
    y = np.array([10_000.0, 50_000.0, 250_000.0])
    np.testing.assert_allclose(d.sf(y), 1 - ACS_2023_GB2.cdf(y), rtol=1e-12)
    limit = gb2_pareto_limit()
    assert limit == pytest.approx(ACS_2023_GB2.sigma * ACS_2023_GB2.tau)
    assert local_hazard(np.ones(2), [1e9], d)[0] == pytest.approx(limit, rel=1e-6)


def test_the_perturbation_optimum_is_the_top_bracket_formula():
    z = ACS_2023_GB2.sample(3000, np.random.default_rng(1))
    g = 1 / z
    g *= g.size / g.sum()
    b = 150_000.0
    above = z > b
    G_hat = np.sum(g[above] * (z[above] - b)) / np.sum(z[above] - b)  # weighted by z - b
    a = pareto_a_from_mean(z, [b])[0]
    assert perturbation_top_rate(z, g, b, 0.25) == pytest.approx(
        float(saez_rate(G_hat, a, 0.25)), abs=1e-10)
    # hand case: two people above b = 1, incomes 2 and 4, weights 0, e = 1, tau = 0.5
    p = perturbation([0.0, 2.0, 4.0], [3.0, 0.0, 0.0], 1.0, 0.5, 1.0)
    assert (p.mechanical, p.behavioural, p.welfare) == pytest.approx((4 / 3, -2.0, 0.0))
    assert perturbation_top_rate([0.0, 2.0, 4.0], [3.0, 0.0, 0.0], 1.0, 1.0) == \
        pytest.approx(4 / 10)  # tau/(1-tau) = 4/6  =>  tau = 0.4
