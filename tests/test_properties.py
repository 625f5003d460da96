"""Property-based checks of the economics (Hypothesis; derandomised in tests/conftest.py).

Each property is checked against an independent statement of it: the tax against its defining
sum, the marginal rate against the slope of the tax, the fast best response against brute force
at adversarial skills, the inverse optimum against the weights the Saez rates were computed from,
welfare functions against their invariances.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from econsim.baselines.inverse_optimum import inverse_optimum
from econsim.baselines.saez import saez_rates
from econsim.economy.best_response import (
    best_response_menu,
    best_response_menu_bruteforce,
    menu_thresholds,
)
from econsim.economy.outcomes import rational_step
from econsim.economy.skills import sample_skills
from econsim.economy.tax import TAX_PRESETS, TaxSchedule, marginal_rate, tax_due
from econsim.economy.utility import CALIBRATED_UTILITY, UTILITY_PRESETS
from econsim.economy.welfare import (
    WELFARE_FUNCTIONS,
    atkinson_index,
    atkinson_welfare,
    gini,
    inverse_income_swf,
    metric_rows,
    paper_swf,
    rawlsian,
    theil,
    utilitarian,
)

FAST = settings(max_examples=40)


@st.composite
def schedules(draw, max_brackets=6):
    """Any valid schedule: cutoffs 0 < b_1 < ... (gaps of 1 to 200k USD), rates in [0, 1]."""
    k = draw(st.integers(1, max_brackets))
    gaps = draw(st.lists(st.floats(1.0, 2e5), min_size=k - 1, max_size=k - 1))
    rates = draw(st.lists(st.floats(0.0, 1.0), min_size=k, max_size=k))
    return TaxSchedule(np.concatenate(([0.0], np.cumsum(gaps))), rates)


incomes = st.lists(st.floats(0.0, 2e6), min_size=1, max_size=20).map(np.array)


def _tax_by_definition(z, sch):
    """T(z) = sum_k tau_k max(0, min(z, b_{k+1}) - b_k), with b_{K+1} = infinity."""
    upper = np.append(sch.cutoffs[1:], np.inf)
    parts = np.clip(np.minimum(z[:, None], upper[None, :]) - sch.cutoffs[None, :], 0.0, None)
    return parts @ sch.rates


# -- tax ----------------------------------------------------------------------------------------
@FAST
@given(schedules(), incomes)
def test_tax_equals_its_defining_sum(sch, z):
    np.testing.assert_allclose(tax_due(z, sch), _tax_by_definition(z, sch), rtol=1e-9, atol=1e-6)


@FAST
@given(schedules(), incomes, st.floats(0.0, 1e5))
def test_tax_is_monotone_and_lipschitz_with_the_top_marginal_rate(sch, z, h):
    """0 <= T(z + h) - T(z) <= max_k tau_k * h: non-decreasing and continuous (no jumps)."""
    step = tax_due(z + h, sch) - tax_due(z, sch)
    tol = 1e-9 * (1.0 + z + h)
    assert (step >= -tol).all()
    assert (step <= sch.rates.max() * h + tol).all()


@FAST
@given(schedules(), incomes, st.integers(0, 5), st.floats(0.0, 1.0))
def test_raising_a_rate_never_lowers_the_tax(sch, z, k, new):
    k = k % sch.n_brackets
    assume(new >= sch.rates[k])
    higher = sch.with_rates(np.where(np.arange(sch.n_brackets) == k, new, sch.rates))
    assert (tax_due(z, higher) >= tax_due(z, sch) - 1e-9 * (1.0 + z)).all()


@FAST
@given(schedules(), incomes)
def test_marginal_rate_is_the_right_derivative_of_the_tax(sch, z):
    """T'(z+) = (T(z + h) - T(z)) / h for h below the distance to the next cutoff: the rate of
    the bracket that holds z (the upper bracket at a cutoff)."""
    nxt = np.append(sch.cutoffs, np.inf)[np.searchsorted(sch.cutoffs, z, side="right")]
    h = np.minimum(0.5 * (nxt - z), 1.0)
    slope = (tax_due(z + h, sch) - tax_due(z, sch)) / h
    np.testing.assert_allclose(slope, marginal_rate(z, sch), atol=1e-6 * (1.0 + z.max()))
    at_cut = marginal_rate(sch.cutoffs, sch)
    np.testing.assert_array_equal(at_cut, sch.rates)


# -- best response ---------------------------------------------------------------------------------
@FAST
@given(schedules(max_brackets=4), st.sampled_from(["paper", "calibrated"]),
       st.lists(st.floats(0.0, 5_000.0), max_size=30))
def test_fast_menu_best_response_equals_brute_force(sch, preset, random_skills):
    """At every threshold of the step function (ties: fewer hours), between thresholds and at
    arbitrary skills the fast best response is the brute-force argmax over the menu."""
    params = UTILITY_PRESETS.get(preset)
    points, _, _ = menu_thresholds(sch, params)
    mids = np.append(0.5 * (points[1:] + points[:-1]), points[-1] * 2.0 + 1.0)
    exact = np.concatenate((points, mids))
    np.testing.assert_array_equal(best_response_menu(exact, sch, params),
                                  best_response_menu_bruteforce(exact, sch, params))
    s = np.array(random_skills)
    if s.size:
        fast, slow = best_response_menu(s, sch, params), best_response_menu_bruteforce(s, sch,
                                                                                      params)
        # away from the thresholds the choice is unique; at float distance from one, the two
        # may pick different options of equal payoff
        far = np.min(np.abs(s[:, None] - points[None, :]), axis=1) > 1e-9 * (1.0 + s)
        np.testing.assert_array_equal(fast[far], slow[far])


# -- the inverse optimum ---------------------------------------------------------------------------
_CUT = TaxSchedule.preset(TAX_PRESETS.get("three")).cutoffs
_Z = rational_step(sample_skills(2000, np.random.default_rng(4)), TaxSchedule.preset(TAX_PRESETS.get("three")),
                   CALIBRATED_UTILITY).pre_tax_income


@settings(max_examples=25)
@given(st.lists(st.floats(0.05, 5.0), min_size=3, max_size=3), st.floats(0.1, 1.5))
def test_inverse_optimum_returns_the_weights_saez_rates_were_made_from(chosen, e):
    """Saez rates from chosen group weights (population mean 1), inverted, give those weights
    back — whenever the rates are interior (a clipped rate loses the information)."""
    group = np.searchsorted(_CUT[1:], _Z, side="left")
    g = np.asarray(chosen)[group]
    g = g * (g.size / g.sum())
    rates = saez_rates(_CUT, income=_Z, elasticity=e, weights=g)
    assume(((rates[1:] > 1e-6) & (rates[1:] < 1 - 1e-6)).all())
    inv = inverse_optimum(TaxSchedule(_CUT, rates), _Z, elasticity=e)
    np.testing.assert_allclose(inv.person_weights(_Z), g, rtol=1e-8)
    assert np.average(inv.weights, weights=inv.n_group) == pytest.approx(1.0)


# -- welfare functions -----------------------------------------------------------------------------
people = st.integers(1, 25).flatmap(lambda n: st.tuples(
    st.lists(st.floats(-1e5, 1e6), min_size=n, max_size=n),
    st.lists(st.floats(0.0, 1e6), min_size=n, max_size=n),
    st.lists(st.floats(0.0, 1e6), min_size=n, max_size=n),
    st.permutations(list(range(n))))).map(lambda t: (*map(np.array, t[:3]), np.array(t[3])))


@FAST
@given(people)
def test_every_welfare_function_ignores_the_order_of_people(p):
    u, z, zt, perm = p
    for name in WELFARE_FUNCTIONS:
        wf = WELFARE_FUNCTIONS.get(name)
        a, b = wf(u, z, zt), wf(u[perm], z[perm], zt[perm])
        assert a == pytest.approx(b, rel=1e-9, abs=1e-6), name


@FAST
@given(people, st.floats(0.01, 100.0))
def test_welfare_is_linear_in_utility_and_inequality_is_scale_free(p, k):
    """Scaling every utility by k > 0 scales the utility-based SWFs by k; scaling every income
    by k leaves Gini, Theil and Atkinson indices unchanged and scales the Atkinson EDE by k."""
    u, z, zt, _ = p
    for f in (utilitarian, rawlsian, paper_swf, inverse_income_swf):
        assert f(k * u, z, zt) == pytest.approx(k * f(u, z, zt), rel=1e-9, abs=1e-6)
    for f in (gini, theil):
        assert f(k * zt) == pytest.approx(f(zt), rel=1e-9, abs=1e-12)
    y = zt + 1.0  # positive incomes: Atkinson with eps >= 1 needs them
    for eps in (0.0, 0.5, 1.0, 2.0):
        assert atkinson_index(k * y, eps) == pytest.approx(atkinson_index(y, eps), abs=1e-9)
    assert atkinson_welfare(u, z, k * y) == pytest.approx(k * atkinson_welfare(u, z, y),
                                                          rel=1e-9)


@FAST
@given(st.lists(st.floats(0.0, 1e6), min_size=1, max_size=25).map(np.array))
def test_inequality_is_zero_for_equal_incomes_and_gini_in_unit_interval(y):
    assert 0.0 <= gini(y) <= 1.0
    equal = np.full(y.size, y.mean())
    assert gini(equal) == pytest.approx(0.0, abs=1e-12)
    assert theil(equal) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("y", [[3.3] * 7, [269786.7867851989, 269786.78678519896]])
def test_gini_never_rounds_below_zero(y):
    """Equal (or adjacent floating-point) incomes once gave G = -2.2e-16, outside [0, 1)."""
    assert gini(y) >= 0.0
    assert gini(y) == 0.0 or y[0] != y[-1]
    rows = np.tile(np.asarray(y, dtype=float), (3, 1))
    block = metric_rows(rows, rows, rows)
    assert (block["gini"] >= 0.0).all()
    # the equality factor 1 - n/(n-1) G of equality x productivity is at most 1
    assert (block["equality_productivity"] <= rows.mean(axis=1)).all()
