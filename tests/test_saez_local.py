"""Saez 'local' mode and its inverse: the local hazard a(z) = z f(z)/(1 - F(z)) on any
distribution, against the closed form on a Pareto population and the analytic local formula on
a lognormal one."""

import numpy as np
import pytest
from scipy import stats

from econsim.baselines.inverse_optimum import implied_G, inverse_optimum
from econsim.baselines.saez import local_hazard, saez_estimates, saez_rate
from econsim.economy.tax import TaxSchedule

ALPHA, ZMIN = 2.0, 10_000.0
PARETO = stats.pareto(ALPHA, scale=ZMIN)
LOGNORMAL = stats.lognorm(0.8, scale=40_000.0)
CUT = np.array([0.0, 20_000.0, 40_000.0, 80_000.0, 160_000.0])


def _sample(dist, n=40_000, seed=0):
    return np.sort(dist.rvs(size=n, random_state=np.random.default_rng(seed)))


def test_local_hazard_is_the_pareto_index_on_a_pareto_tail():
    z = _sample(PARETO, 200_000)
    at = np.array([20_000.0, 40_000.0, 80_000.0])
    np.testing.assert_allclose(local_hazard(z, at, PARETO), ALPHA, rtol=1e-9)  # analytic
    np.testing.assert_allclose(local_hazard(z, at), ALPHA, rtol=0.06)          # kernel estimate


def test_local_saez_rates_equal_the_closed_form_on_a_pareto_population():
    z = _sample(PARETO, 200_000)
    g = np.where(z > 40_000.0, 0.3, 1.0)  # weights: 0.3 above $40k
    est = saez_estimates(CUT, income=z, elasticity=0.25, weights=g, mode="local",
                         density=PARETO)
    g_norm = g * (g.size / g.sum())
    G = np.array([g_norm[z > b].mean() for b in CUT[1:]])
    np.testing.assert_allclose(est.G[1:], G, rtol=1e-9)
    np.testing.assert_allclose(est.rates[1:], (1 - G) / (1 - G + ALPHA * 0.25), rtol=1e-9)
    kde = saez_estimates(CUT, income=z, elasticity=0.25, weights=g, mode="local")
    np.testing.assert_allclose(kde.rates[1:], est.rates[1:], atol=0.01)


def _analytic_lognormal_weights(rate, e, points):
    """The Saez (2001) local formula read backwards on the lognormal itself: G(p) from the
    analytic hazard, S(p) = (1 - F(p)) G(p), group weight = -dS / dN (independent of econsim)."""
    a = points * LOGNORMAL.pdf(points) / LOGNORMAL.sf(points)
    G = 1 - rate / (1 - rate) * a * e
    share = LOGNORMAL.sf(points)
    S = share * G
    inner = -np.diff(S) / -np.diff(share)
    bottom = (1 - S[0]) / (1 - share[0])
    return np.concatenate(([bottom], inner, [G[-1]]))


@pytest.mark.parametrize("density", [LOGNORMAL, None], ids=["analytic", "kernel"])
def test_inverse_optimum_matches_the_local_formula_on_a_lognormal(density):
    z = _sample(LOGNORMAL)
    flat = TaxSchedule(CUT, np.full(CUT.size, 0.30))
    inv = inverse_optimum(flat, z, elasticity=0.25, mode="local", density=density)
    truth = _analytic_lognormal_weights(0.30, 0.25, CUT[1:])
    np.testing.assert_allclose(inv.weights, truth, atol=0.02)
    # the mean-above (Diamond–Saez) mode is off on a lognormal body: the reason 'local' exists
    old = inverse_optimum(flat, z, elasticity=0.25)
    assert np.abs(old.weights - truth).max() > 0.05


def test_inverse_of_the_local_saez_schedule_returns_its_weights():
    z = _sample(LOGNORMAL)
    group = np.searchsorted(CUT[1:], z, side="left")
    g = np.array([2.0, 1.2, 0.8, 0.5, 0.3])[group]
    g = g * (g.size / g.sum())
    rates = saez_estimates(CUT, income=z, elasticity=0.4, weights=g, mode="local").rates
    assert (rates > 0).all() and (rates < 1).all()
    inv = inverse_optimum(TaxSchedule(CUT, rates), z, elasticity=0.4, mode="local")
    np.testing.assert_allclose(inv.person_weights(z), g, rtol=1e-9)


def test_local_mode_edge_cases_and_errors():
    assert implied_G(saez_rate(0.2, 2.0, 0.5), 2.0, 0.5) == pytest.approx(0.2)
    with pytest.raises(ValueError, match="density is used only by Saez mode 'local'"):
        saez_estimates(CUT, income=_sample(PARETO, 100), density=PARETO)
    with pytest.raises(ValueError, match="at least 2 distinct positive incomes"):
        local_hazard(np.array([0.0, 5.0, 5.0]), np.array([1.0]))
    with pytest.raises(ValueError, match="inverse-optimum mode"):
        inverse_optimum(TaxSchedule(CUT, np.full(5, 0.3)), _sample(PARETO, 500), mode="nope")
    # nobody above the top cutoff: that bracket carries the estimate below it up, no NaN
    z = np.linspace(1_000.0, 100_000.0, 200)
    est = saez_estimates(CUT, income=z, mode="local")
    assert np.isfinite(est.rates).all() and est.fallback[-1]
