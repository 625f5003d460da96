"""The inverse optimum: Saez rates from chosen weights, inverted, give the weights back."""

import numpy as np
import pytest

from econsim.baselines.inverse_optimum import implied_G, inverse_optimum
from econsim.baselines.saez import saez_rate, saez_rates
from econsim.economy.outcomes import rational_step
from econsim.economy.skills import sample_skills
from econsim.economy.tax import TaxSchedule
from econsim.economy.utility import get_utility


def _incomes(n=3000, preset="us_federal_2024"):
    skills = sample_skills(n, np.random.default_rng(3))
    return rational_step(skills, TaxSchedule.preset(preset), get_utility("calibrated")
                         ).pre_tax_income


def test_implied_G_inverts_the_saez_formula():
    G = np.array([-0.5, 0.0, 0.3, 0.9])
    a, e = np.array([1.5, 2.0, 3.0, 1.2]), np.array([0.25, 0.5, 0.4, 1.0])
    np.testing.assert_allclose(implied_G(saez_rate(G, a, e), a, e), G, atol=1e-12)
    assert implied_G(0.5, 2.0, 0.5) == pytest.approx(0.0)  # hand case: the Laffer rate
    assert implied_G(1.0, 2.0, 0.5) == -np.inf


@pytest.mark.parametrize("preset, chosen", [
    ("three", [1.9, 0.7, 0.2]),
    ("us_federal_2024", [2.5, 1.6, 1.1, 0.7, 0.4, 0.3, 0.1]),
])
def test_saez_from_chosen_weights_inverts_back_to_them(preset, chosen):
    z = _incomes(preset=preset)
    cut = TaxSchedule.preset(preset).cutoffs
    group = np.searchsorted(cut[1:], z, side="left")  # group 0: z <= first cutoff above 0
    g = np.asarray(chosen)[group]
    g = g * (g.size / g.sum())  # population mean 1, as Saez normalises
    rates = saez_rates(cut, income=z, elasticity=0.4, weights=g)
    assert (rates > 0).all() and (rates < 1).all()  # unclipped: the inversion is exact
    inv = inverse_optimum(TaxSchedule(cut, rates), z, elasticity=0.4)
    assert inv.rationalisable, inv.message
    np.testing.assert_allclose(inv.person_weights(z), g, rtol=1e-9)
    np.testing.assert_allclose(inv.points, cut[1:])
    # and the recovered weights reproduce the rates
    np.testing.assert_allclose(saez_rates(cut, income=z, elasticity=0.4,
                                          weights=inv.person_weights(z))[1:], rates[1:],
                               rtol=1e-9)


def test_weights_average_one_and_extra_points_refine_the_groups():
    z = _incomes()
    inv = inverse_optimum(TaxSchedule.preset("us_federal_2024"), z, 0.4, points=20)
    assert inv.weights.size > 8
    assert np.average(inv.weights, weights=inv.n_group) == pytest.approx(1.0)
    assert inv.n_group.sum() == z.size
    assert np.isin(TaxSchedule.preset("us_federal_2024").cutoffs[1:], inv.points).sum() >= 5


def test_a_confiscatory_top_rate_is_not_rationalisable():
    z = _incomes(preset="three")
    inv = inverse_optimum(TaxSchedule.preset("three", [0.2, 0.3, 0.95]), z, 0.4)
    assert not inv.rationalisable
    assert inv.weights[-1] < 0
    assert "no welfare function" in inv.message and "above $159k" in inv.message
    full = inverse_optimum(TaxSchedule.preset("three", [0.2, 0.3, 1.0]), z, 0.4)
    assert not full.rationalisable and full.weights[-1] == -np.inf


def test_pareto_tail_closed_form():
    # Pareto incomes with index a = 2 above 100k: m/(m - z) = 2 at every z, G = 1 - 2 e t/(1-t)
    q = (np.arange(200_000) + 0.5) / 200_000
    z = 100_000 * (1 - q) ** (-1 / 2.0)
    sched = TaxSchedule([0.0, 200_000.0], [0.3, 0.5])
    inv = inverse_optimum(sched, z, 0.25)
    assert inv.a[0] == pytest.approx(2.0, rel=2e-2)
    assert inv.G[0] == pytest.approx(1 - 2 * 0.25 * 1.0, rel=3e-2)


def test_bad_input_is_named():
    z = _incomes(n=200, preset="three")
    with pytest.raises(ValueError, match="elasticity"):
        inverse_optimum(TaxSchedule.preset("three", [0.1, 0.2, 0.3]), z, 0.0)
    with pytest.raises(ValueError, match="points"):
        inverse_optimum(TaxSchedule.preset("three", [0.1, 0.2, 0.3]), z, 0.4, points=-1)
    with pytest.raises(ValueError, match="income"):
        inverse_optimum(TaxSchedule.preset("three", [0.1, 0.2, 0.3]), [], 0.4)
