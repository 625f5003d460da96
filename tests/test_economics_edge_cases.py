"""Economics edge cases (issue 14 §2): non-finite and mismatched input, the Saez fixed point's
convergence report, named errors for bad parameters, and the
Stackelberg fast path with tiny skills."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from econsim.baselines.backward_induction import backward_induction
from econsim.baselines.landscape import SaezConvergenceWarning, saez_fixed_point
from econsim.baselines.stackelberg import stackelberg
from econsim.baselines.welfare_evaluator import WelfareEvaluator
from econsim.cli.main import main
from econsim.economy.best_response import best_response_continuous
from econsim.economy.skills import sample_gb2_skills, sample_uniform_skills
from econsim.economy.tax import TAX_PRESETS, TaxSchedule, apply_delta
from econsim.economy.utility import CALIBRATED_UTILITY, PAPER_UTILITY, utility
from econsim.economy.welfare import (
    WELFARE_FUNCTIONS,
    all_metrics,
    atkinson_index,
    gini,
    paper_swf,
    rawlsian,
    theil,
)

THREE = TAX_PRESETS.get("three").cutoffs


# -- welfare metrics: non-finite and mismatched input -------------------------------------------
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name", list(WELFARE_FUNCTIONS))
@pytest.mark.parametrize("where", [0, 1, 2])
def test_every_metric_refuses_non_finite_input(name: str, where: int, bad: float) -> None:
    arrays = [np.array([100.0, 200.0, 300.0]) for _ in range(3)]
    arrays[where][1] = bad
    wf = WELFARE_FUNCTIONS.get(name)
    uses = {"utilitarian": {0}, "rawlsian": {0}, "atkinson": {2}, "gini": {2}, "theil": {2},
            "equality_productivity": {1, 2}}.get(name, {0, 1})
    if where in uses:
        with pytest.raises(ValueError, match="finite"):
            wf(*arrays)
    with pytest.raises(ValueError, match="finite"):
        all_metrics(*arrays)


@pytest.mark.parametrize("func", [gini, theil, atkinson_index])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_inequality_measures_refuse_non_finite(func, bad: float) -> None:
    with pytest.raises(ValueError, match=f"{func.__name__}.*finite"):
        func([1.0, bad, 3.0])


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match=r"u, z must have the same shape.*\(3,\).*\(1,\)"):
        paper_swf([1.0, 2.0, 3.0], [10.0])
    for name in ("paper_swf", "inverse_income", "equality_productivity", "atkinson"):
        with pytest.raises(ValueError, match="same shape"):
            WELFARE_FUNCTIONS.get(name)([1.0, 2.0], [10.0, 20.0, 30.0], [5.0])
    with pytest.raises(ValueError, match="same shape"):
        all_metrics([1.0, 2.0], [1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="post_tax_income, labour must have the same shape"):
        utility([1_000.0, 2_000.0], [10.0], PAPER_UTILITY)
    with pytest.raises(ValueError, match="post_tax_income.*finite"):
        utility([np.nan], [10.0], PAPER_UTILITY)


def test_empty_populations_are_refused() -> None:
    with pytest.raises(ValueError, match="rawlsian needs at least one person"):
        rawlsian([])
    for name in ("utilitarian", "inverse_income", "equality_productivity", "atkinson"):
        with pytest.raises(ValueError, match="at least one person"):
            WELFARE_FUNCTIONS.get(name)([], [], [])


# -- the Saez fixed point reports convergence ---------------------------------------------------
def test_saez_fixed_point_reports_a_cycle() -> None:
    """N = 100, seed 1, three brackets, calibrated utility, e = 0.4 cycles (issue 14)."""
    s = sample_gb2_skills(100, np.random.default_rng(1))
    with pytest.warns(SaezConvergenceWarning, match="did not converge in 50 rounds"):
        fp = saez_fixed_point(s, THREE, CALIBRATED_UTILITY, 0.4)
    assert not fp.converged and fp.rounds == 50 and fp.last_change >= 1e-6
    # it is a genuine cycle: one more round moves the rates by about as much again
    with pytest.warns(SaezConvergenceWarning):
        fp51 = saez_fixed_point(s, THREE, CALIBRATED_UTILITY, 0.4, max_iter=51)
    assert np.max(np.abs(fp51.rates - fp.rates)) == pytest.approx(fp.last_change, rel=0.5)


def test_saez_fixed_point_reports_convergence() -> None:
    s = sample_gb2_skills(300, np.random.default_rng(7))
    with warnings.catch_warnings():
        warnings.simplefilter("error", SaezConvergenceWarning)
        fp = saez_fixed_point(s, THREE, PAPER_UTILITY, 0.4)
    assert fp.converged and 1 <= fp.rounds < 50 and fp.last_change < 1e-6
    with pytest.raises(ValueError, match="max_iter"):
        saez_fixed_point(s, THREE, PAPER_UTILITY, 0.4, max_iter=0)


def test_baselines_cli_shows_convergence(capsys) -> None:
    argv = ["baselines", "--preset", "three", "--n-agents", "100", "--seed", "1",
            "--utility", "calibrated", "--elasticity", "0.4"]
    with pytest.warns(SaezConvergenceWarning):
        assert main(argv) == 0
    assert "Saez fixed point: DID NOT CONVERGE (last iterate shown) after 50 rounds" in \
        capsys.readouterr().out
    with pytest.warns(SaezConvergenceWarning):
        assert main([*argv, "--json"]) == 0
    fp = json.loads(capsys.readouterr().out)["saez_fixed_point"]
    assert fp["converged"] is False and fp["rounds"] == 50 and fp["last_change"] > 0
    assert main(["baselines", "--preset", "three", "--n-agents", "300", "--seed", "7"]) == 0
    assert "Saez fixed point: converged after" in capsys.readouterr().out


# -- named errors for bad parameters -------------------------------------------------------------
def test_backward_induction_validates_its_input() -> None:
    p = PAPER_UTILITY
    with pytest.raises(ValueError, match=r"rate_values must be fractions in \[0, 1\]"):
        backward_induction([50.0, 100.0], [0.0], p, [0, 10, 20])  # percent
    with pytest.raises(ValueError, match="rate_values must be fractions"):
        backward_induction([50.0, 100.0], [0.0], p, [0.5, 1.5])
    with pytest.raises(ValueError, match="rate_values must hold at least one rate"):
        backward_induction([50.0, 100.0], [0.0], p, [])
    with pytest.raises(ValueError, match=r"skills must be finite and >= 0"):
        backward_induction([-50.0, 100.0], [0.0], p, [0.5])
    with pytest.raises(ValueError, match="cutoffs must be strictly increasing"):
        backward_induction([50.0, 100.0], [0.0, 5_000.0, 1_000.0], p, [0.5])
    with pytest.raises(ValueError, match="menu"):
        backward_induction([50.0, 100.0], [0.0], p, [0.5], menu=[0.0, 150.0])


@pytest.mark.parametrize("bad", [-5.0, np.nan, 150.0, np.inf])
def test_best_response_continuous_max_hours(bad: float) -> None:
    with pytest.raises(ValueError, match=r"max_hours must be in \[0.0, 100.0\]"):
        best_response_continuous([50.0], TaxSchedule.flat(0.3), PAPER_UTILITY,
                                 max_hours=bad)
    lab = best_response_continuous([50.0], TaxSchedule.flat(0.3), CALIBRATED_UTILITY,
                                   max_hours=20.0)
    assert 0 < lab[0] <= 20.0


def test_apply_delta_refuses_fractions() -> None:
    with pytest.raises(ValueError, match=r"delta_pp must be whole percentage points in "
                                         r"\[-100, 100\].*not the fraction 0.1.*got 0.1"):
        apply_delta([0.5, 0.5, 0.5], [0.1, 0.0, 0.0])
    with pytest.raises(ValueError, match="delta_pp"):
        apply_delta([0.5], [250])
    np.testing.assert_allclose(apply_delta([0.5, 0.5], [10, -20]), [0.6, 0.3])


def test_stackelberg_empty_grid_and_uniform_skills() -> None:
    s = sample_gb2_skills(20, np.random.default_rng(0))
    with pytest.raises(ValueError, match="grid must hold at least one rate"):
        stackelberg(s, TAX_PRESETS.get("flat"), grid=[])
    with pytest.raises(ValueError, match="grid must hold at least one rate"):
        stackelberg(s, TAX_PRESETS.get("us_federal_2024"), grid=[])
    rng = np.random.default_rng(0)
    for low, high in ((1.0, np.inf), (np.nan, 5.0), (5.0, 1.0), (-1.0, 5.0)):
        with pytest.raises(ValueError, match="low and high must be finite numbers with "
                                             "0 <= low < high"):
            sample_uniform_skills(5, rng, low=low, high=high)


# -- the Stackelberg fast path with tiny skills -------------------------------------------------
@pytest.mark.parametrize("tiny", [1e-12, 1e-300, 5e-324])
@pytest.mark.parametrize("objective", ["paper_swf", "inverse_income", "utilitarian", "rawlsian"])
def test_fast_path_exact_with_tiny_skills(tiny: float, objective: str) -> None:
    s = np.append(sample_gb2_skills(50, np.random.default_rng(2)), tiny)
    ev = WelfareEvaluator(s, TAX_PRESETS.get("three"), PAPER_UTILITY, objective)
    assert ev.fast
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow / invalid warnings either
        for rates in ([0.3, 0.5, 0.7], [0.0, 0.0, 0.0], [0.9, 0.1, 1.0]):
            assert ev.fast_value(rates) == pytest.approx(ev.general(rates), rel=1e-12, abs=1e-9)
