"""The inverse optimum: Saez rates from chosen weights, inverted, give the weights back."""

import numpy as np
import pytest

from econsim.baselines.inverse_optimum import implied_G, inverse_optimum
from econsim.baselines.saez import saez_rate, saez_rates
from econsim.economy.outcomes import rational_step
from econsim.economy.skills import sample_skills
from econsim.economy.tax import TAX_PRESETS, TaxSchedule
from econsim.economy.utility import CALIBRATED_UTILITY


def _incomes(n=3000, preset="us_federal_2024"):
    skills = sample_skills(n, np.random.default_rng(3))
    return rational_step(skills, TaxSchedule.preset(TAX_PRESETS.get(preset)), CALIBRATED_UTILITY
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
    cut = TAX_PRESETS.get(preset).cutoffs
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
    inv = inverse_optimum(TaxSchedule.preset(TAX_PRESETS.get("us_federal_2024")), z, 0.4, points=20)
    assert inv.weights.size > 8
    assert np.average(inv.weights, weights=inv.n_group) == pytest.approx(1.0)
    assert inv.n_group.sum() == z.size
    assert np.isin(TaxSchedule.preset(TAX_PRESETS.get("us_federal_2024")).cutoffs[1:], inv.points).sum() >= 5


def test_a_confiscatory_top_rate_is_not_rationalisable():
    z = _incomes(preset="three")
    inv = inverse_optimum(TaxSchedule.preset(TAX_PRESETS.get("three"), [0.2, 0.3, 0.95]), z, 0.4)
    assert not inv.rationalisable
    assert inv.weights[-1] < 0
    assert "no welfare function" in inv.message and "above $159k" in inv.message
    full = inverse_optimum(TaxSchedule.preset(TAX_PRESETS.get("three"), [0.2, 0.3, 1.0]), z, 0.4)
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
        inverse_optimum(TaxSchedule.preset(TAX_PRESETS.get("three"), [0.1, 0.2, 0.3]), z, 0.0)
    with pytest.raises(ValueError, match="points"):
        inverse_optimum(TaxSchedule.preset(TAX_PRESETS.get("three"), [0.1, 0.2, 0.3]), z, 0.4, points=-1)
    with pytest.raises(ValueError, match="income"):
        inverse_optimum(TaxSchedule.preset(TAX_PRESETS.get("three"), [0.1, 0.2, 0.3]), [], 0.4)


# -- edges: one bracket, an empty lowest group, zero rates, the Laffer rate, the table --------------
def test_one_bracket_is_one_group_of_weight_one():
    z = _incomes(n=200, preset="flat")
    inv = inverse_optimum(TaxSchedule.flat(0.3), z)
    assert inv.weights.tolist() == [1.0] and inv.n_group.tolist() == [200]
    assert (inv.group_lo.tolist(), inv.group_hi.tolist()) == ([0.0], [np.inf])
    assert inv.rationalisable and inv.message == "non-negative weights rationalise this schedule"


def test_defaults_zero_rates_and_who_belongs_where():
    z = _incomes(n=400, preset="three")
    sch = TaxSchedule.preset(TAX_PRESETS.get("three"), [0.1, 0.0, 0.3])
    inv = inverse_optimum(sch, z)
    same = inverse_optimum(sch, z, elasticity=0.4, points=0, min_tail=5)
    np.testing.assert_array_equal(inv.weights, same.weights)
    assert inv.G[0] == 1.0  # a zero rate only says G >= 1: the boundary is reported
    cut = TaxSchedule.preset(TAX_PRESETS.get("three")).cutoffs
    # an income exactly at a point belongs to the group below it
    np.testing.assert_array_equal(inv.person_weights([cut[1], cut[1] + 1.0, 0.0]),
                                  [inv.weights[0], inv.weights[1], inv.weights[0]])
    table = inv.table()
    assert list(table.columns) == ["income_lo", "income_hi", "n", "weight", "G_above_lo"]
    assert np.isnan(table["G_above_lo"].iloc[0])
    np.testing.assert_array_equal(table["G_above_lo"].iloc[1:], inv.G)
    np.testing.assert_array_equal(table["income_lo"], [0.0, *cut[1:]])
    np.testing.assert_array_equal(table["n"], inv.n_group)


def test_a_tail_of_exactly_min_tail_people_is_kept():
    z = np.concatenate((np.linspace(1_000, 80_000, 50), np.linspace(100_000, 150_000, 10),
                        [2e5, 3e5, 4e5, 5e5, 6e5]))
    inv = inverse_optimum(TaxSchedule.preset(TAX_PRESETS.get("three"), [0.1, 0.2, 0.3]), z)
    assert inv.points.tolist() == [90_000.0, 159_100.0] and inv.n_group.tolist() == [50, 10, 5]
    assert inverse_optimum(TaxSchedule.preset(TAX_PRESETS.get("three"), [0.1, 0.2, 0.3]), z,
                           min_tail=6).points.tolist() == [90_000.0]


def test_nobody_in_the_lowest_group():
    z = np.linspace(100_000, 400_000, 60)  # everyone above the first cutoff
    inv = inverse_optimum(TaxSchedule.preset(TAX_PRESETS.get("three"), [0.1, 0.2, 0.3]), z)
    assert inv.n_group[0] == 0 and np.isnan(inv.weights[0])
    assert inv.rationalisable == bool((inv.weights[1:] >= 0).all())


def test_the_laffer_rate_gives_weight_zero_and_is_still_rationalisable():
    z = _incomes(n=3000, preset="three")
    probe = inverse_optimum(TaxSchedule.preset(TAX_PRESETS.get("three"), [0.2, 0.3, 0.5]), z)
    laffer = 1.0 / (1.0 + probe.a[-1] * 0.4)
    inv = inverse_optimum(TaxSchedule.preset(TAX_PRESETS.get("three"), [0.2, 0.3, laffer]), z)
    assert inv.weights[-1] == pytest.approx(0.0, abs=1e-12) and inv.rationalisable


def test_messages_in_full():
    z = _incomes(preset="three")
    bad = inverse_optimum(TaxSchedule.preset(TAX_PRESETS.get("three"), [0.2, 0.3, 0.95]), z, 0.4)
    assert bad.message == ("no welfare function with non-negative weights rationalises this "
                           "schedule: the implied weight is negative for incomes above $159k "
                           "(the rate there is above the revenue-maximising one)")
    with pytest.raises(ValueError, match=r"^income must hold at least one person \(got N = 0\)$"):
        inverse_optimum(TaxSchedule.preset(TAX_PRESETS.get("three"), [0.1, 0.2, 0.3]), [], 0.4)
    with pytest.raises(ValueError, match="^min_tail must be"):
        inverse_optimum(TaxSchedule.preset(TAX_PRESETS.get("three"), [0.1, 0.2, 0.3]), z, 0.4, min_tail=0)


def test_a_confiscatory_middle_bracket_is_named_by_its_income_range():
    z = _incomes(preset="three")
    inv = inverse_optimum(TaxSchedule.preset(TAX_PRESETS.get("three"), [0.1, 0.97, 0.3]), z, 0.4)
    assert not inv.rationalisable
    assert "negative for incomes $90k–159k (the rate" in inv.message
