"""Stackelberg reference: fast path = general path = brute force = 2-worker backward induction."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from econsim.baselines.backward_induction import backward_induction
from econsim.baselines.stackelberg import LATTICE, coordinate_refine_search, stackelberg
from econsim.baselines.welfare_evaluator import FAST_OBJECTIVES, WelfareEvaluator
from econsim.economy.best_response import best_response_continuous, best_response_menu_bruteforce
from econsim.economy.outcomes import economy_step
from econsim.economy.skills import sample_gb2_skills
from econsim.economy.tax import TAX_PRESETS, TaxSchedule
from econsim.economy.utility import CALIBRATED_UTILITY, PAPER_UTILITY, UtilityParams
from econsim.economy.welfare import OBJECTIVES, get_objective

THREE = TAX_PRESETS.get("three").cutoffs
#: The utility presets, resolved once (the functions under test take objects).
UTILITIES = pytest.mark.parametrize("utility", [PAPER_UTILITY, CALIBRATED_UTILITY],
                                    ids=["paper", "calibrated"])


def skills(n: int, seed: int) -> np.ndarray:
    s = sample_gb2_skills(n, np.random.default_rng(seed))
    s[0] = 0.0  # a worker who cannot earn: weight 1 in the paper SWF
    return s


def brute_force(s: np.ndarray, cutoffs: np.ndarray, utility: UtilityParams, objective: str,
                grid: np.ndarray = LATTICE, response: str = "menu") -> tuple[np.ndarray, float]:
    """Every lattice schedule: brute-force best responses, economy step, welfare; first best."""
    p, wf = utility, get_objective(objective)
    best_r, best_v = None, -np.inf
    for rates in itertools.product(grid, repeat=len(cutoffs)):
        sch = TaxSchedule(cutoffs, rates)
        lab = (best_response_menu_bruteforce(s, sch, p) if response == "menu"
               else best_response_continuous(s, sch, p))
        out = economy_step(s, lab, sch, p)
        v = wf(out.utility, out.pre_tax_income, out.post_tax_income)
        if best_r is None or v > best_v + 1e-9 * max(abs(best_v), 1.0):
            best_r, best_v = np.array(rates), v
    return best_r, best_v


# -- fast path ---------------------------------------------------------------------------------
@pytest.mark.parametrize("preset", ["flat", "three", "us_federal_2024"])
@UTILITIES
def test_fast_path_equals_general_path(preset: str, utility: UtilityParams) -> None:
    s = skills(500, 11)
    s[1:4] = [1e-3, 0.01, s[10]]  # near-zero incomes and a duplicated skill
    rng = np.random.default_rng(5)
    for objective in FAST_OBJECTIVES:
        ev = WelfareEvaluator(s, TAX_PRESETS.get(preset), utility, objective)
        assert ev.fast
        for _ in range(15):
            r = rng.uniform(size=ev.n_brackets)
            r[rng.uniform(size=r.size) < 0.3] = rng.choice([0.0, 1.0])
            assert ev.fast_value(r) == pytest.approx(ev.general(r), rel=1e-9, abs=1e-6)


def test_fast_lattice_equals_general_lattice() -> None:
    s = skills(300, 3)
    for objective in ("paper_swf", "inverse_income", "rawlsian"):
        fast = stackelberg(s, TAX_PRESETS.get("three"), CALIBRATED_UTILITY, objective, method="lattice", fast=True)
        slow = stackelberg(s, TAX_PRESETS.get("three"), CALIBRATED_UTILITY, objective, method="lattice", fast=False)
        np.testing.assert_array_equal(fast.rates, slow.rates)
        assert fast.welfare == pytest.approx(slow.welfare, rel=1e-12)
        assert "fast" in fast.method and "general" in slow.method


# -- brute force ---------------------------------------------------------------------------------
@pytest.mark.parametrize("objective", ["paper_swf", "utilitarian", "inverse_income", "atkinson"])
@UTILITIES
def test_lattice_equals_brute_force_one_bracket(objective: str, utility: UtilityParams) -> None:
    s = skills(40, 1)
    res = stackelberg(s, TAX_PRESETS.get("flat"), utility, objective)
    rates, value = brute_force(s, np.array([0.0]), utility, objective)
    np.testing.assert_array_equal(res.rates, rates)
    assert res.welfare == pytest.approx(value, rel=1e-9)
    assert res.evaluations == 11


@pytest.mark.parametrize(("objective", "utility"), [("paper_swf", PAPER_UTILITY),
                                                     ("utilitarian", CALIBRATED_UTILITY),
                                                     ("equality_productivity", CALIBRATED_UTILITY)],
                         ids=["paper_swf-paper", "utilitarian-calibrated",
                              "equality_productivity-calibrated"])
def test_lattice_equals_brute_force_three_brackets(objective: str, utility: UtilityParams
                                                   ) -> None:
    s = skills(12, 2)
    res = stackelberg(s, THREE, utility, objective)
    rates, value = brute_force(s, THREE, utility, objective)
    np.testing.assert_array_equal(res.rates, rates)
    assert res.welfare == pytest.approx(value, rel=1e-9)
    assert res.evaluations == 1331 and res.method.startswith("lattice")


def test_continuous_response_equals_brute_force() -> None:
    s = skills(30, 4)
    res = stackelberg(s, TAX_PRESETS.get("flat"), CALIBRATED_UTILITY, "inverse_income", response="continuous")
    rates, value = brute_force(s, np.array([0.0]), CALIBRATED_UTILITY, "inverse_income",
                               response="continuous")
    np.testing.assert_array_equal(res.rates, rates)
    assert res.welfare == pytest.approx(value, rel=1e-9)


# -- backward induction ------------------------------------------------------------------------------
@pytest.mark.parametrize("objective", ["paper_swf", "utilitarian", "rawlsian", "inverse_income"])
def test_two_worker_backward_induction_three_brackets(objective: str) -> None:
    """2 workers + 1 planner, rates {0, 0.25, 0.5, 0.75, 1} on 3 brackets (125 schedules)."""
    s2 = np.array([400.0, 2_600.0])  # $16k and $104k at 40 h
    cut = [0.0, 20_000.0, 120_000.0]
    grid = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    for utility in (PAPER_UTILITY, CALIBRATED_UTILITY):
        rates, value, hours = backward_induction(s2, cut, utility, grid, objective)
        res = stackelberg(s2, cut, utility, objective, method="lattice", grid=grid)
        np.testing.assert_array_equal(res.rates, rates)
        assert res.welfare == pytest.approx(value, rel=1e-9)
        out = WelfareEvaluator(s2, cut, utility, objective).outcome(res.rates)
        np.testing.assert_array_equal(out.labour, hours)


def test_two_worker_backward_induction_full_lattice_flat() -> None:
    s2 = np.array([150.0, 1_800.0])
    rates, value, _ = backward_induction(s2, [0.0], CALIBRATED_UTILITY, LATTICE, "paper_swf")
    res = stackelberg(s2, TAX_PRESETS.get("flat"), CALIBRATED_UTILITY, "paper_swf")
    np.testing.assert_array_equal(res.rates, rates)
    assert res.welfare == pytest.approx(value, rel=1e-9)


# -- the optimiser for many brackets -------------------------------------------------------------------
def test_coordinate_search_matches_exhaustive_on_two_brackets() -> None:
    s = skills(200, 8)
    cut = [0.0, 60_000.0]
    for objective in ("inverse_income", "paper_swf"):
        exact = stackelberg(s, cut, CALIBRATED_UTILITY, objective, method="lattice")
        coord = stackelberg(s, cut, CALIBRATED_UTILITY, objective, method="coordinate")
        assert coord.welfare >= exact.welfare - 1e-9 * abs(exact.welfare)


def test_seven_brackets_beats_every_start_and_reports() -> None:
    s = skills(300, 9)
    res = stackelberg(s, TAX_PRESETS.get("us_federal_2024"), CALIBRATED_UTILITY, "inverse_income")
    ev = WelfareEvaluator(s, TAX_PRESETS.get("us_federal_2024"), CALIBRATED_UTILITY, "inverse_income")
    us = TAX_PRESETS.get("us_federal_2024").statutory_rates
    assert res.method.startswith("coordinate")
    for r in (us, [0.5] * 7, *([v] * 7 for v in LATTICE)):
        assert res.welfare >= ev(r) - 1e-9
    assert res.welfare == pytest.approx(ev.general(res.rates), rel=1e-9)
    assert res.details["refine_gain"] >= 0
    assert res.rates.shape == (7,) and ((res.rates >= 0) & (res.rates <= 1)).all()
    assert res.schedule.n_brackets == 7 and res.evaluations > 100 and res.wall_time > 0
    for key in ("paper_swf", "gini", "mean_labour", "revenue_per_worker"):
        assert key in res.metrics


def test_refinement_reaches_a_known_off_lattice_optimum() -> None:
    """A concave objective whose maximum (0.4337, 0.6663, 0.2871) lies off the 0.1 lattice and
    off the 0.01 grid: the lattice search stops at (0.4, 0.7, 0.3); the refinement must climb
    to the maximum itself (within 1e-3), so it must be maximising."""
    target = np.array([0.4337, 0.6663, 0.2871])
    rates, value, _, details = coordinate_refine_search(
        lambda x: -float(np.sum((x - target) ** 2)), 3, starts=[[0.5, 0.5, 0.5]])
    np.testing.assert_allclose(details["per_start"][0][0], [0.4, 0.7, 0.3])
    np.testing.assert_allclose(rates, target, atol=1e-3)
    assert value > details["lattice_best"] and details["refine_gain"] > 0


def test_refined_flat_rate_matches_a_dense_grid_with_continuous_responses() -> None:
    """Continuous best responses make welfare continuous in the rate, so its maximum is off the
    lattice. Reference: the best of 4,001 flat rates (step 0.00025). The coordinate method must
    land within 0.001 of it and be at least as good as every grid point."""
    s = sample_gb2_skills(50, np.random.default_rng(11))
    ev = WelfareEvaluator(s, TAX_PRESETS.get("flat"), CALIBRATED_UTILITY, "atkinson", "continuous")
    grid = np.linspace(0.0, 1.0, 4001)
    values = np.array([ev(np.array([r])) for r in grid])
    ref = grid[values.argmax()]
    assert min(abs(ref - np.round(ref, 2)), abs(ref - np.round(ref, 1))) > 0.002  # off-grid
    res = stackelberg(s, TAX_PRESETS.get("flat"), CALIBRATED_UTILITY, "atkinson", method="coordinate",
                      response="continuous")
    assert abs(res.rates[0] - ref) < 0.001
    assert res.welfare >= values.max() - 1e-9 * abs(values.max())


# -- MODEL.md §8 --------------------------------------------------------------------------------------
def test_paper_swf_rewards_near_confiscatory_flat_rates() -> None:
    """Observed (GB2, N = 2,000, seed 0, paper preset, menu best response): the paper SWF is
    non-decreasing in a flat rate from 0 to 90 %, peaks in 90–99 % (on a 1 % grid: 99 %), with
    wiggles above 90 % as low-skill workers drop to 0 h (weight 1), and collapses to 0 at 100 %."""
    s = sample_gb2_skills(2_000, np.random.default_rng(0))
    ev = WelfareEvaluator(s, TAX_PRESETS.get("flat"), PAPER_UTILITY, "paper_swf")
    rates = np.round(np.arange(0.0, 1.0001, 0.01), 2)
    v = np.array([ev([r]) for r in rates])
    assert (np.diff(v[: 91]) >= 0).all()
    assert 0.9 <= rates[v.argmax()] <= 0.99
    assert v[-1] == 0.0
    assert v.max() > 50 * v[0]
    lattice = stackelberg(s, TAX_PRESETS.get("flat"), PAPER_UTILITY, "paper_swf")
    assert lattice.rates[0] == 0.9


# -- bad input ----------------------------------------------------------------------------------------
def test_bad_input() -> None:
    s = skills(10, 0)
    with pytest.raises(ValueError, match=", ".join(OBJECTIVES)):
        stackelberg(s, TAX_PRESETS.get("flat"), objective="nope")
    with pytest.raises(ValueError, match="valid names"):
        stackelberg(s, TAX_PRESETS.get("flat"), objective="gini")  # a metric, not an objective
    with pytest.raises(ValueError, match="N = 0"):
        stackelberg([], TAX_PRESETS.get("flat"))
    with pytest.raises(ValueError, match=r"skill.*\[0, inf\)"):
        stackelberg([1.0, -2.0], TAX_PRESETS.get("flat"))
    with pytest.raises(ValueError, match="flat, three, us_federal_2024"):
        TAX_PRESETS.get("four")  # the one resolution names the valid presets
    with pytest.raises(TypeError, match=r"cutoffs must be a TaxPreset.*TAX_PRESETS.get\('three'\)"):
        stackelberg(s, "three")  # a name below the top is refused
    with pytest.raises(ValueError, match="lattice, coordinate, auto"):
        stackelberg(s, TAX_PRESETS.get("flat"), method="annealing")
    with pytest.raises(ValueError, match="menu, continuous"):
        stackelberg(s, TAX_PRESETS.get("flat"), response="guess")
    with pytest.raises(ValueError, match="at most 4 brackets"):
        stackelberg(s, TAX_PRESETS.get("us_federal_2024"), method="lattice")
    with pytest.raises(ValueError, match="one rate per bracket"):
        stackelberg(s, TAX_PRESETS.get("three"), method="coordinate", starts=[[0.5, 0.5]])
    with pytest.raises(ValueError, match="rates must have one entry per bracket"):
        WelfareEvaluator(s, TAX_PRESETS.get("three"), PAPER_UTILITY)([0.5, 0.5])
    with pytest.raises(ValueError, match=r"rates.*\[0, 1\]"):
        WelfareEvaluator(s, TAX_PRESETS.get("flat"), PAPER_UTILITY)([40.0])
    with pytest.raises(ValueError, match="fast path"):
        WelfareEvaluator(s, TAX_PRESETS.get("flat"), PAPER_UTILITY, "atkinson", fast=True)
    with pytest.raises(ValueError, match="N = 0"):
        backward_induction([], [0.0], PAPER_UTILITY, [0.0, 1.0])
    with pytest.raises(ValueError, match="cutoffs"):
        stackelberg(s, [5.0, 1.0])
