"""Utility presets and exact best responses (closed form, brute force, kinks)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from econsim.economy.best_response import (
    best_response_continuous,
    best_response_menu,
    best_response_menu_bruteforce,
    menu_thresholds,
    net_gain,
)
from econsim.economy.skills import ACS_2023_GB2, sample_gb2_skills
from econsim.economy.tax import TAX_PRESETS, TaxSchedule
from econsim.economy.utility import (
    CALIBRATED_UTILITY,
    LABOUR_MENU,
    PAPER_UTILITY,
    UTILITY_PRESETS,
    UtilityParams,
    adjusted_utility,
    check_utility,
    utility,
)
from econsim.economy.utility import labour_cost as ut_labour_cost

PAPER = PAPER_UTILITY
CALIB = CALIBRATED_UTILITY
US = TaxSchedule.preset(TAX_PRESETS.get("us_federal_2024"))


def test_presets():
    assert (PAPER.c, PAPER.delta) == (0.0005, 3.5)
    median_skill = ACS_2023_GB2.quantile(0.5) / 40
    assert best_response_continuous(median_skill, TaxSchedule.flat(0.0), CALIB) == pytest.approx(
        40.0, abs=0.1)
    assert best_response_menu(median_skill, TaxSchedule.flat(0.0), CALIB) == 40.0
    with pytest.raises(ValueError, match="valid names: paper, calibrated"):
        UTILITY_PRESETS.get("cobb_douglas")


def test_utility_and_adjusted_utility():
    np.testing.assert_allclose(utility([1000.0], [10.0], PAPER), [1000.0 - 0.0005 * 10**3.5])
    np.testing.assert_allclose(adjusted_utility([100.0, 100.0], [1.0, 0.5]), [100.0, 50.0])
    with pytest.raises(ValueError, match="satisfaction must be 1.0"):
        adjusted_utility([1.0], [0.7])
    with pytest.raises(ValueError, match="labour must be weekly hours in \\[0, 100\\]"):
        utility([1.0], [120.0], PAPER)
    with pytest.raises(ValueError, match="delta must be in \\(1.0, inf\\)"):
        UtilityParams(0.1, 1.0)
    with pytest.raises(ValueError, match="c must be in"):
        UtilityParams(-0.1, 2.0)


@pytest.mark.parametrize("rate", [0.0, 0.3, 0.9])
def test_continuous_best_response_matches_closed_form_when_interior(rate):
    skills = np.array([20.0, 150.0, 900.0])
    closed = CALIB.interior_labour(skills, rate)
    got = best_response_continuous(skills, TaxSchedule.flat(rate), CALIB)
    inside = closed < 100
    np.testing.assert_allclose(got[inside], closed[inside], rtol=1e-12)
    np.testing.assert_allclose(got[~inside], 100.0)


def test_paper_preset_pathology_shares():
    """MODEL.md §8: the unconstrained best response exceeds 100 h for most workers."""
    s = sample_gb2_skills(200_000, np.random.default_rng(0))
    shares = [float((PAPER.interior_labour(s, t) > 100).mean()) for t in (0.0, 0.5, 0.9)]
    assert shares[0] == pytest.approx(0.90, abs=0.03)
    assert shares[1] == pytest.approx(0.80, abs=0.03)
    assert shares[2] == pytest.approx(0.26, abs=0.03)


def _grid_best(skill, schedule, params):
    grid = np.linspace(0, 100, 100_001)
    vals = net_gain(np.full_like(grid, skill), grid, schedule, params)
    return grid[np.argmax(vals)], vals.max()


@settings(max_examples=40, deadline=None)
@given(st.floats(0.5, 3000), st.lists(st.floats(0, 1), min_size=7, max_size=7),
       st.sampled_from(["paper", "calibrated"]))
def test_continuous_best_response_equals_grid_search(skill, rates, preset):
    params = UTILITY_PRESETS.get(preset)
    sch = US.with_rates(rates)
    got = best_response_continuous([skill], sch, params)
    got_val = net_gain(np.array([skill]), got, sch, params)[0]
    _, grid_val = _grid_best(skill, sch, params)
    # exact optimum is at least as good as every grid point (up to rounding)
    assert got_val >= grid_val - 1e-6 * max(1.0, abs(grid_val))


def test_continuous_best_response_bunches_at_kink():
    # Rate jumps from 0 to 0.9 at 40,000: a worker whose interior optimum straddles the kink
    # bunches exactly at the kink, l = 40,000 / s.
    sch = TaxSchedule([0, 40_000], [0.0, 0.9])
    s = 1_000.0
    l_low = CALIB.interior_labour(s, 0.0)
    l_high = CALIB.interior_labour(s, 0.9)
    assert l_high < 40 < l_low
    assert best_response_continuous([s], sch, CALIB)[0] == pytest.approx(40.0)
    np.testing.assert_allclose(
        best_response_continuous([s], sch, CALIB),
        optimize.minimize_scalar(lambda x: -net_gain(np.array([s]), x, sch, CALIB)[0],
                                 bounds=(0, 100), method="bounded", options={"xatol": 1e-9}).x,
        atol=1e-4)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=7, max_size=7), st.integers(0, 2**31),
       st.sampled_from(["paper", "calibrated"]))
def test_menu_best_response_equals_brute_force(rates, seed, preset):
    params = UTILITY_PRESETS.get(preset)
    sch = US.with_rates(rates)
    s = np.concatenate([sample_gb2_skills(3000, np.random.default_rng(seed)),
                        [0.0, 11_600 / 10, 47_150 / 30, 609_350 / 100]])  # exact kink points
    fast = best_response_menu(s, sch, params)
    slow = best_response_menu_bruteforce(s, sch, params)
    v_fast = net_gain(s, fast, sch, params)
    v_slow = net_gain(s, slow, sch, params)
    np.testing.assert_allclose(v_fast, v_slow, rtol=1e-12, atol=1e-7)
    assert (fast == slow).mean() > 0.999  # only float-level near-ties may differ


def test_menu_thresholds_are_a_step_function():
    points, at, above = menu_thresholds(US, CALIB)
    assert points[0] == 0.0 and (np.diff(points) > 0).all()
    # best response is non-decreasing in skill under a schedule with rising rates
    assert (np.diff(LABOUR_MENU[above]) >= 0).all()
    assert LABOUR_MENU[at[0]] == 0.0


_THRESHOLD_SCHEDULES = {
    "flat 30 %": TaxSchedule.flat(0.3),
    "three rising": TaxSchedule.preset(TAX_PRESETS.get("three"), [0.1, 0.4, 0.7]),
    "us statutory": US,
    "us falling": US.with_rates([0.9, 0.8, 0.6, 0.5, 0.3, 0.2, 0.0]),
    "us random": US.with_rates(np.random.default_rng(5).uniform(0, 1, 7)),
}


@pytest.mark.parametrize("preset", ["paper", "calibrated"])
@pytest.mark.parametrize("name", list(_THRESHOLD_SCHEDULES))
def test_menu_best_response_equals_brute_force_on_every_threshold(name, preset):
    """Adversarial skills: every point where the menu choice may change (kinks and crossings
    from menu_thresholds), where two options tie and fewer hours must win, and the midpoints
    between them. The fast best response must equal brute force exactly at each."""
    params, sch = UTILITY_PRESETS.get(preset), _THRESHOLD_SCHEDULES[name]
    points, at_point, above = menu_thresholds(sch, params)
    mids = np.append(0.5 * (points[1:] + points[:-1]), points[-1] * 2.0 + 1.0)
    skills = np.concatenate((points, mids))
    np.testing.assert_array_equal(best_response_menu(skills, sch, params),
                                  best_response_menu_bruteforce(skills, sch, params))
    # the points are real switches: at some of them the choice differs from the one just above
    assert (at_point != above).any()


def test_best_response_rejects_bad_input():
    with pytest.raises(ValueError, match="skill must be finite and >= 0"):
        best_response_menu([-1.0], US, PAPER)
    with pytest.raises(ValueError, match="skill must be finite and >= 0"):
        best_response_continuous([np.nan], US, PAPER)
    with pytest.raises(ValueError, match="menu must be"):
        best_response_menu([1.0], US, PAPER, menu=[0, 120])


def test_cost_and_interior_labour_at_the_edges():
    lab = np.array([0.0, 0.5, 40.0, 100.0])  # 0 and 100 h are allowed
    np.testing.assert_allclose(ut_labour_cost(lab, CALIB), CALIB.c * lab ** CALIB.delta)
    np.testing.assert_allclose(CALIB.cost(lab), ut_labour_cost(lab, CALIB))
    s = np.array([50.0, 400.0])
    np.testing.assert_allclose(CALIB.interior_labour(s), CALIB.interior_labour(s, 0.0))
    np.testing.assert_allclose(CALIB.interior_labour(s, 0.0),
                               (s / (CALIB.c * CALIB.delta)) ** (1 / (CALIB.delta - 1)))
    np.testing.assert_array_equal(CALIB.interior_labour(s, 1.0), [0.0, 0.0])  # nothing to earn
    assert check_utility(CALIB) is CALIB and UTILITY_PRESETS.get("paper") is PAPER


def test_continuous_best_response_for_low_skills_and_short_weeks():
    """Skills at and below 1 USD per hour, and a week shorter than one hour: the exact optimum
    against a dense grid (10^-4 h) of the objective."""
    sch = TaxSchedule([0.0, 20.0, 60.0], [0.1, 0.6, 0.2])
    grid = np.linspace(0.0, 100.0, 1_000_001)
    for s in (0.0, 0.3, 1.0, 2.5):
        got = best_response_continuous([s], sch, CALIB)[0]
        best = net_gain(np.full(1, s), grid, sch, CALIB).max()
        assert net_gain(np.array([s]), got, sch, CALIB)[0] >= best - 1e-9
    short = best_response_continuous([500.0, 5.0], US, CALIB, max_hours=0.5)
    assert (short <= 0.5).all() and short[0] == 0.5


def test_menu_best_response_on_other_menus_and_shapes():
    s = sample_gb2_skills(500, np.random.default_rng(2))
    menu = [0.0, 0.5, 35.0, 70.0]  # half an hour: below 1 h too
    np.testing.assert_array_equal(best_response_menu(s, US, CALIB, menu),
                                  best_response_menu_bruteforce(s, US, CALIB, menu))
    assert set(best_response_menu(s, US, CALIB, menu)) <= set(menu)
    np.testing.assert_array_equal(best_response_menu(s, US, CALIB, [40.0]), 40.0)
    grid = s[:12].reshape(3, 4)
    assert best_response_menu_bruteforce(grid, US, CALIB).shape == (3, 4)
    assert best_response_menu(grid, US, CALIB).shape == (3, 4)
