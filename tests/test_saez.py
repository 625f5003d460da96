"""Saez (2001) baseline: closed forms, the Diamond–Saez estimator, the released v1 algorithm, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econsim.baselines.elasticities import (
    ELASTICITY_PRESETS,
    empirical_elasticity,
    gruber_saez_by_bracket,
    resolve_elasticity,
)
from econsim.baselines.saez import (
    SAEZ_MODES,
    V1_FALLBACK_A,
    normalised_weights,
    pareto_a_from_mean,
    saez_estimates,
    saez_rate,
    saez_rates,
    saez_schedule,
)
from econsim.economy.skills import sample_gb2_skills
from econsim.economy.tax import TAX_PRESETS, TaxSchedule
from econsim.economy.utility import CALIBRATED_UTILITY, PAPER_UTILITY

US = TAX_PRESETS.get("us_federal_2024").cutoffs
THREE = TAX_PRESETS.get("three").cutoffs


def pareto_sample(a: float, zmin: float, n: int, seed: int) -> np.ndarray:
    """Pareto(a) incomes above zmin by inversion: z = zmin · U^(-1/a)."""
    u = np.random.default_rng(seed).uniform(size=n)
    return zmin * u ** (-1.0 / a)


# -- the formula --------------------------------------------------------------------------------
def test_zero_weight_above_gives_revenue_maximising_rate() -> None:
    for a in (1.2, 1.5, 2.0, 3.0):
        for e in (0.1, 0.25, 0.4, 3.0):
            assert saez_rate(0.0, a, e) == pytest.approx(1.0 / (1.0 + a * e), rel=1e-12)


def test_diamond_saez_72_7_percent() -> None:
    assert float(saez_rate(0.0, 1.5, 0.25)) == pytest.approx(0.7273, abs=5e-5)


def test_formula_hand_case_and_edges() -> None:
    # G = 0.4, a = 2, e = 0.5: 0.6 / (0.6 + 1) = 0.375
    assert float(saez_rate(0.4, 2.0, 0.5)) == pytest.approx(0.375)
    assert float(saez_rate(1.0, 2.0, 0.5)) == 0.0   # people above valued like public funds
    assert float(saez_rate(1.7, 2.0, 0.5)) == 0.0   # would be a subsidy: clipped
    assert float(saez_rate(0.3, 2.0, 0.0)) == 1.0   # no behavioural response: confiscatory


def test_top_bracket_zero_weight_from_supplied_weights() -> None:
    """Supplied weights that are zero above the top cutoff reproduce 1/(1 + a e) with a = m/(m-z*)."""
    z = np.concatenate((np.linspace(0, 80_000, 200), pareto_sample(2.0, 200_000, 300, 1)))
    w = np.where(z > 159_100, 0.0, 1.0)
    est = saez_estimates(THREE, income=z, elasticity=0.4, weights=w)
    above = z[z > 159_100]
    a = above.mean() / (above.mean() - 159_100)
    assert est.G[2] == 0.0
    assert est.a[2] == pytest.approx(a)
    assert est.rates[2] == pytest.approx(1.0 / (1.0 + 0.4 * a))


def test_proper_rates_match_hand_computation() -> None:
    z = np.array([0.0, 10_000.0, 50_000.0, 100_000.0, 200_000.0, 400_000.0])
    w = np.array([1.0, 1.0, 1.0, 1.0, 0.5, 0.5])
    est = saez_estimates([0.0, 90_000.0], income=z, elasticity=[0.5, 0.25], weights=w,
                         min_tail=1)
    g = w / w.mean()
    g_bar = (g * z).sum() / z.sum()  # bracket 0: optimal linear tax
    assert est.G[0] == pytest.approx(g_bar)
    assert est.rates[0] == pytest.approx((1 - g_bar) / (1 - g_bar + 0.5))
    m = (100_000 + 200_000 + 400_000) / 3
    a1 = m / (m - 90_000)
    G1 = g[3:].mean()
    assert est.a[1] == pytest.approx(a1)
    assert est.G[1] == pytest.approx(G1)
    assert est.rates[1] == pytest.approx((1 - G1) / (1 - G1 + a1 * 0.25))


def test_flat_schedule_is_the_optimal_linear_tax() -> None:
    """One bracket: τ = (1 − ḡ)/(1 − ḡ + e) with income-weighted ḡ (Piketty–Saez 2013)."""
    z = np.array([1_000.0, 20_000.0, 60_000.0, 300_000.0])
    g = 1 / z / np.mean(1 / z)
    g_bar = float((g * z).sum() / z.sum())
    assert saez_rates([0.0], income=z, elasticity=0.4)[0] == pytest.approx(
        (1 - g_bar) / (1 - g_bar + 0.4))


# -- the tail estimator ---------------------------------------------------------------------------
@pytest.mark.parametrize("a", [1.5, 2.0, 3.0])
def test_mean_above_estimator_recovers_pareto_index(a: float) -> None:
    """200,000 Pareto draws: the estimate is within 3 % of a (sampling sd is ≈ 0.5–1 %)."""
    z = pareto_sample(a, 10_000.0, 200_000, seed=7)
    est = pareto_a_from_mean(z, [10_000.0, 50_000.0])
    np.testing.assert_allclose(est, a, rtol=0.03)


def test_proper_top_rate_on_pareto_tail() -> None:
    """A Pareto tail with a = 2 and zero weight above the cutoff gives ≈ 1/(1 + 2e)."""
    z = pareto_sample(2.0, 20_000.0, 200_000, seed=3)
    w = np.where(z > 250_000, 0.0, 1.0)
    est = saez_estimates([0.0, 250_000.0], income=z, elasticity=0.5, weights=w)
    assert est.a[1] == pytest.approx(2.0, rel=0.05)
    assert est.rates[1] == pytest.approx(1 / (1 + 2.0 * 0.5), abs=0.015)


def test_empty_and_near_empty_brackets_do_not_give_nan() -> None:
    z = np.array([0.0, 0.0, 5_000.0, 20_000.0, 30_000.0, 700_000.0])
    est = saez_estimates(US, income=z, elasticity=0.4, min_tail=2)
    assert np.isfinite(est.rates).all() and ((est.rates >= 0) & (est.rates <= 1)).all()
    # brackets from 47,150 up have < 2 people above: carried up from the 11,600 cutoff
    assert est.fallback[2:].all() and not est.fallback[1]
    np.testing.assert_allclose(est.rates[2:], est.rates[1])
    zero = saez_estimates(US, income=np.zeros(4), elasticity=0.4)
    np.testing.assert_array_equal(zero.rates, 0.0)


def _saez_by_definition(z: np.ndarray, cut: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Saez rates written out bracket by bracket from the definitions (inverse-income weights
    of mean 1; bracket 0: the linear tax, G = sum g z / sum z, a = 1; bracket k: the people
    strictly above b_k, a = m/(m - b_k), G their mean weight)."""
    g = 1.0 / np.maximum(z, 1.0)
    g = g / g.mean()
    G, a = [np.sum(g * z) / np.sum(z)], [1.0]
    for b in cut[1:]:
        above = z > b
        m = z[above].mean()
        G.append(g[above].mean())
        a.append(m / (m - b))
    G, a = np.array(G), np.array(a)
    return np.clip((1 - G) / (1 - G + a * e), 0.0, 1.0)


def test_rates_in_unit_interval_for_gb2_population() -> None:
    s = sample_gb2_skills(3_000, np.random.default_rng(0))
    for mode in SAEZ_MODES:
        for e in ELASTICITY_PRESETS:
            est = saez_estimates(US, income=s * 40, skill=s, elasticity=e, mode=mode)
            r = est.rates
            assert r.shape == (7,) and np.isfinite(r).all()
            assert ((r >= 0) & (r <= 1)).all()
            if mode == "proper":  # and equal to the formula written out, where tails are thick
                thick = ~est.fallback
                assert thick.sum() >= 5
                ref = _saez_by_definition(s * 40, US, resolve_elasticity(e, US))
                np.testing.assert_allclose(r[thick], ref[thick], rtol=1e-9)


def test_inverse_income_default_weights() -> None:
    z = np.array([0.0, 0.5, 10.0, 1_000.0])
    g = normalised_weights(z, None)
    np.testing.assert_allclose(g, np.array([1, 1, 0.1, 0.001]) / np.mean([1, 1, 0.1, 0.001]))
    assert g.mean() == pytest.approx(1.0)


# -- v1: the released algorithm -------------------------------------------------------------------
def v1_reference(skills, cutoffs, e):
    """Independent, loop-by-loop evaluation of the released v1 algorithm (percent, 2 decimals).

    The kernel density is written out by hand: Scott's factor N^(-1/5) times the sample standard
    deviation (ddof 1) as the Gaussian bandwidth.
    """
    z = sorted(100.0 * float(s) for s in skills)
    n = len(z)
    inv = [1.0 / x for x in z]
    g = [w / sum(inv) for w in inv]
    mean = sum(z) / n
    bw = math.sqrt(sum((x - mean) ** 2 for x in z) / (n - 1)) * n ** (-1 / 5)

    def f(x):
        return sum(math.exp(-0.5 * ((x - zi) / bw) ** 2) for zi in z) / (n * bw * math.sqrt(2 * math.pi))

    es = list(e) if np.ndim(e) else [e] * len(cutoffs)
    out, ingredients = [], []
    for k, lo in enumerate(cutoffs):
        top = k == len(cutoffs) - 1
        if top:
            x = lo + 0.1 * (10_000_000.0 - lo)
        else:
            x = (lo + cutoffs[k + 1]) / 2
        F = sum(1 for zi in z if zi <= x) / n
        if F == 1:
            a, G = 10.0, 0.0
        else:
            if top:
                above = [zi for zi in z if zi > x]
                m = sum(above) / len(above)
                a = m / (m - lo)
            else:
                a = x * f(x) / (1 - F)
            G = sum(gi for gi, zi in zip(g, z, strict=True) if zi >= x) / (1 - F)
        tau = min(max((1 - G) / (1 - G + a * es[k]), 0.0), 1.0)
        out.append(round(100 * tau, 2))
        ingredients.append((x, a, G))
    return out, ingredients


V1_SKILLS = {
    "gb2_100_seed0": lambda: sample_gb2_skills(100, np.random.default_rng(0)),
    "gb2_100_seed1": lambda: sample_gb2_skills(100, np.random.default_rng(1)),
    "gb2_5_seed3": lambda: sample_gb2_skills(5, np.random.default_rng(3)),
    "uniform_40": lambda: np.random.default_rng(7).uniform(5.0, 3_000.0, 40),
    "lognormal_60": lambda: np.random.default_rng(8).lognormal(5.5, 1.2, 60),
    "hand_5": lambda: np.array([50.0, 120.0, 300.0, 900.0, 2_500.0]),
}
V1_BRACKETS = {"flat": [0.0], "three": list(THREE), "us": list(US),
               "custom": [0.0, 30_000.0, 2_000_000.0]}


@pytest.mark.parametrize("skills", sorted(V1_SKILLS))
@pytest.mark.parametrize("brackets", sorted(V1_BRACKETS))
@pytest.mark.parametrize("e", [0.4, 3.0, "per_bracket"])
def test_v1_matches_independent_evaluation(skills: str, brackets: str, e) -> None:
    s, cut = V1_SKILLS[skills](), V1_BRACKETS[brackets]
    if e == "per_bracket":
        e = list(np.linspace(0.1, 0.6, len(cut)))
    est = saez_estimates(cut, skill=s, elasticity=e, mode="v1")
    ref, ingredients = v1_reference(s, cut, e)
    np.testing.assert_allclose(est.rates * 100, ref, rtol=0, atol=1e-9)
    np.testing.assert_allclose(est.at, [x for x, _, _ in ingredients], rtol=1e-12)
    np.testing.assert_allclose(est.a, [a for _, a, _ in ingredients], rtol=1e-9)
    np.testing.assert_allclose(est.G, [G for _, _, G in ingredients], rtol=1e-9, atol=1e-15)


def test_v1_top_bracket_populated_three_brackets() -> None:
    """With a GB2 population some incomes at 100 h pass b_top + 0.1 (10M − b_top): the top
    bracket uses a = m/(m − b_top), not the a = 10 fallback (the issue's 20 % at e = 0.4)."""
    populated = 0
    for seed in range(5):
        s = sample_gb2_skills(100, np.random.default_rng(seed))
        est = saez_estimates(THREE, skill=s, elasticity=0.4, mode="v1")
        at = 159_100 + 0.1 * (10_000_000 - 159_100)
        assert est.at[-1] == pytest.approx(at)
        above = np.sort(s * 100)[np.sort(s * 100) > at]
        if above.size:
            populated += 1
            m = above.mean()
            assert est.a[-1] == pytest.approx(m / (m - 159_100)) and not est.fallback[-1]
            assert est.rates[-1] != pytest.approx(0.2)
        else:
            assert est.a[-1] == V1_FALLBACK_A and est.rates[-1] == pytest.approx(0.2)
    assert populated > 0


def test_v1_hand_cases() -> None:
    # incomes 10k, 20k, 40k on [0, 15k): bracket 0 at 7,500 has everyone above: G = 1 ⇒ 0 %;
    # the top bracket is evaluated at 15,000 + 0.1 (10M − 15,000) = 1,013,500, nobody above:
    # a = 10, G = 0 ⇒ 1/(1 + 10 e) = 20 % at e = 0.4.
    est = saez_estimates([0.0, 15_000.0], skill=[100.0, 200.0, 400.0], elasticity=0.4,
                         mode="v1")
    np.testing.assert_allclose(est.at, [7_500.0, 1_013_500.0])
    np.testing.assert_allclose(est.rates, [0.0, 0.2])
    assert list(est.fallback) == [False, True]
    # one income of 2M above 1,013,500: F = 2/3, a = m/(m − b_top) with m = 2M,
    # g = (1/10k, 1/20k, 1/2M)/sum, G = g_3 / (1/3)
    est = saez_estimates([0.0, 15_000.0], skill=[100.0, 200.0, 20_000.0], elasticity=0.4,
                         mode="v1")
    inv = np.array([1 / 10_000, 1 / 20_000, 1 / 2_000_000])
    G = (inv[2] / inv.sum()) / (1 / 3)
    a = 2e6 / (2e6 - 15_000)
    tau = (1 - G) / (1 - G + 0.4 * a)
    assert est.a[1] == pytest.approx(a) and est.G[1] == pytest.approx(G)
    assert est.rates[1] == pytest.approx(round(100 * tau, 2) / 100, abs=1e-12)
    # rates are percent rounded to 2 decimals
    s = sample_gb2_skills(100, np.random.default_rng(4))
    r = saez_rates(US, skill=s, elasticity="gruber_saez", mode="v1") * 100
    np.testing.assert_allclose(r, np.round(r, 2), atol=1e-9)


def test_v1_bad_input() -> None:
    with pytest.raises(ValueError, match=r"skill must be > 0"):
        saez_rates(THREE, skill=[0.0, 10.0, 20.0], mode="v1")
    with pytest.raises(ValueError, match="skill needs at least 2 distinct"):
        saez_rates(THREE, skill=[10.0, 10.0], mode="v1")
    with pytest.raises(ValueError, match="cutoffs must lie below it"):
        saez_rates([0.0, 10_000_000.0], skill=[10.0, 20.0], mode="v1")


# -- Saez on tiny populations -------------------------------------------------------------------
def test_tiny_population_carries_only_tail_estimates() -> None:
    """5 incomes on 7 brackets: 4 above b_1, so bracket 1 is estimated from those 4 and carried
    up; bracket 0's linear-tax values are not carried."""
    z = np.array([107_447.0, 25_791.0, 1_743.0, 55_186.0, 37_684.0])
    est = saez_estimates(US, income=z, elasticity=0.4)
    g = (1 / z) / np.mean(1 / z)
    above = z > US[1]
    m = z[above].mean()
    a1, G1 = m / (m - US[1]), g[above].mean()
    tau1 = (1 - G1) / (1 - G1 + 0.4 * a1)
    np.testing.assert_allclose(est.rates[1:], tau1, rtol=1e-12)
    np.testing.assert_allclose(est.a[1:], a1) and np.testing.assert_allclose(est.G[1:], G1)
    G0 = np.sum(g * z) / z.sum()
    assert est.rates[0] == pytest.approx((1 - G0) / (1 - G0 + 0.4))
    assert est.rates[1] != pytest.approx(est.rates[0])
    assert list(est.fallback) == [False, False] + [True] * 5
    # two incomes, both above b_1 and b_2 = 47,150, one above b_3: the tail estimate at b_1
    # (everyone above: G = 1, rate 0) is carried up; the linear tax stays in bracket 0
    est2 = saez_estimates(US, income=[107_447.0, 55_186.0], elasticity=0.4)
    assert est2.rates[0] > 0 and (est2.rates[1:] == 0).all() and (est2.a[1:] > 1).all()


def test_tiny_population_without_a_tail_is_flat() -> None:
    """Nobody above b_1: no tail to estimate, every bracket takes the linear-tax rate."""
    est = saez_estimates(US, income=[3_000.0, 8_000.0, 11_000.0], elasticity=0.4)
    np.testing.assert_allclose(est.rates, est.rates[0])
    assert est.fallback[1:].all() and est.n_above[1] == 0


# -- elasticities ------------------------------------------------------------------------------------
def test_gruber_saez_mapping() -> None:
    np.testing.assert_allclose(gruber_saez_by_bracket([0.0]), [0.18])
    np.testing.assert_allclose(gruber_saez_by_bracket(THREE), [0.18, 0.11, 0.57])
    np.testing.assert_allclose(gruber_saez_by_bracket(US), [0.18, 0.18, 0.18] + [0.57] * 4)


def test_resolve_elasticity_forms() -> None:
    np.testing.assert_allclose(resolve_elasticity(0.3, THREE), [0.3] * 3)
    np.testing.assert_allclose(resolve_elasticity([0.1, 0.2, 0.3], THREE), [0.1, 0.2, 0.3])
    np.testing.assert_allclose(resolve_elasticity("flat_0.4", US), [0.4] * 7)
    np.testing.assert_allclose(resolve_elasticity("ai_economist_3.0", [0.0]), [3.0])
    z = pareto_sample(2.0, 1_000.0, 1_000, 0)
    per = saez_rates(THREE, income=z, elasticity=[0.18, 0.11, 0.57])
    named = saez_rates(THREE, income=z, elasticity="gruber_saez")
    np.testing.assert_array_equal(per, named)


def test_schedule_wraps_rates() -> None:
    z = pareto_sample(2.0, 1_000.0, 1_000, 0)
    sch = saez_schedule(TaxSchedule.preset(TAX_PRESETS.get("three")), income=z)
    np.testing.assert_array_equal(sch.cutoffs, THREE)
    np.testing.assert_array_equal(sch.rates, saez_rates(THREE, income=z))


# -- empirical elasticity ---------------------------------------------------------------------------
def test_empirical_elasticity_closed_form_interior() -> None:
    """Continuous interior best response: z ∝ (1 − τ)^(1/(δ−1)) ⇒ e = 1/(δ − 1) = 0.4."""
    s = np.random.default_rng(0).uniform(100, 2_000, 500)  # interior under the calibrated preset
    e = empirical_elasticity(s, TaxSchedule.flat(0.3), CALIBRATED_UTILITY, step=0.01,
                             response="continuous")
    assert e[0] == pytest.approx(1 / (3.5 - 1), abs=1e-3)


def test_empirical_elasticity_paper_preset_is_inelastic() -> None:
    """Paper preset: high earners sit at the 100 h cap, so upper brackets do not respond."""
    s = sample_gb2_skills(3_000, np.random.default_rng(1))
    sch = TaxSchedule.preset(TAX_PRESETS.get("us_federal_2024"))
    e = empirical_elasticity(s, sch, PAPER_UTILITY)
    assert e.shape == (7,) and np.isfinite(e).all()
    np.testing.assert_array_equal(e[2:], 0.0)
    e_cal = empirical_elasticity(s, sch, CALIBRATED_UTILITY)
    assert (e_cal[:4] > 0.1).all()


def test_empirical_elasticity_empty_bracket_and_bad_input() -> None:
    s = np.array([10.0, 20.0])  # incomes of at most $2,000: brackets above are empty
    e = empirical_elasticity(s, TaxSchedule.preset(TAX_PRESETS.get("three")), CALIBRATED_UTILITY, fill=-1.0)
    np.testing.assert_array_equal(e[1:], -1.0)
    with pytest.raises(ValueError, match=r"step must be in \(0, 0.5\]"):
        empirical_elasticity(s, TaxSchedule.flat(0.3), PAPER_UTILITY, step=0.0)
    with pytest.raises(ValueError, match="menu, continuous"):
        empirical_elasticity(s, TaxSchedule.flat(0.3), PAPER_UTILITY, response="other")
    with pytest.raises(ValueError, match="N = 0"):
        empirical_elasticity([], TaxSchedule.flat(0.3), PAPER_UTILITY)
    with pytest.raises(TypeError, match=r"params must be a UtilityParams.*UTILITY_PRESETS"):
        empirical_elasticity(s, TaxSchedule.flat(0.3), "paper")


# -- bad input ------------------------------------------------------------------------------------------
def test_bad_input() -> None:
    z = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="flat_0.4, gruber_saez, ai_economist_3.0"):
        saez_rates(THREE, income=z, elasticity="nope")
    with pytest.raises(ValueError, match="proper, local, v1"):
        saez_rates(THREE, income=z, mode="v2")
    with pytest.raises(ValueError, match="elasticity.*one entry per bracket"):
        saez_rates(THREE, income=z, elasticity=[0.1, 0.2])
    with pytest.raises(ValueError, match=r"elasticity.*\[0, inf\)"):
        saez_rates(THREE, income=z, elasticity=-0.1)
    with pytest.raises(ValueError, match=r"income.*\[0, inf\)"):
        saez_rates(THREE, income=[1.0, -5.0])
    with pytest.raises(ValueError, match="income"):
        saez_rates(THREE, income=[1.0, np.nan])
    with pytest.raises(ValueError, match="needs income"):
        saez_rates(THREE, skill=z)
    with pytest.raises(ValueError, match="needs skill"):
        saez_rates(THREE, income=z, mode="v1")
    with pytest.raises(ValueError, match="weights.*one entry per person"):
        saez_rates(THREE, income=z, weights=[1.0, 2.0])
    with pytest.raises(ValueError, match="weights"):
        saez_rates(THREE, income=z, weights=[0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="at least one person"):
        saez_rates(THREE, income=[])
    with pytest.raises(ValueError, match="cutoffs"):
        saez_rates([10.0, 5.0], income=z)
    with pytest.raises(ValueError, match="min_tail"):
        saez_rates(THREE, income=z, min_tail=0)


# -- edges of the proper and v1 computations ------------------------------------------------------
@settings(max_examples=60)
@given(st.floats(-5.0, 5.0), st.floats(-5.0, 50.0), st.floats(-2.0, 5.0))
def test_saez_rate_is_always_a_fraction(G, a, e) -> None:
    assert 0.0 <= float(saez_rate(G, a, e)) <= 1.0


def test_pareto_index_from_the_mean_strictly_above() -> None:
    assert pareto_a_from_mean([10.0, 20.0], [5.0])[0] == pytest.approx(15.0 / 10.0)  # all above
    assert pareto_a_from_mean([10.0, 15.0, 20.0], [15.0])[0] == pytest.approx(20.0 / 5.0)  # tie
    assert pareto_a_from_mean([10.0, 20.0], [15.0])[0] == pytest.approx(4.0)  # one is enough
    assert np.isnan(pareto_a_from_mean([10.0, 20.0], [15.0], min_tail=2)[0])
    assert pareto_a_from_mean([10.0, 20.0, 30.0], [15.0], min_tail=2)[0] == pytest.approx(2.5)


def _tail_of_five() -> np.ndarray:
    """60 incomes below 90k, 20 in the middle bracket, exactly 5 above 159,100 (and some
    incomes exactly at the cutoffs, which count as not above them)."""
    return np.concatenate((np.linspace(1_000, 89_000, 60), [0.0, 0.5, 90_000.0, 159_100.0],
                           np.linspace(95_000, 150_000, 20), [2e5, 3e5, 4e5, 6e5, 1e6]))


def test_defaults_ingredients_and_ties_at_cutoffs() -> None:
    z = _tail_of_five()
    est = saez_estimates(THREE, income=z)
    assert not est.fallback.any()  # five above the top cutoff: the default min_tail is 5
    assert saez_estimates(THREE, income=z, min_tail=6).fallback[2]
    np.testing.assert_array_equal(est.rates, saez_rates(THREE, income=z, elasticity=0.4,
                                                        min_tail=5))
    np.testing.assert_array_equal(est.elasticity, [0.4, 0.4, 0.4])
    np.testing.assert_array_equal(est.at, THREE)
    assert est.mode == "proper" and est.n_above.dtype.kind == "i"
    np.testing.assert_array_equal(est.n_above, [(z > 0).sum(), (z > 90_000).sum(),
                                                (z > 159_100).sum()])
    np.testing.assert_allclose(est.rates, _saez_by_definition(z, THREE, np.full(3, 0.4)),
                               rtol=1e-12)
    np.testing.assert_array_equal(saez_schedule(list(THREE), income=z).rates, est.rates)


def test_tiny_and_zero_incomes() -> None:
    tiny = np.array([0.2, 0.5, 0.0])  # total income below 1 USD: still the linear-tax formula
    est = saez_estimates([0.0], income=tiny)
    np.testing.assert_allclose(est.rates, _saez_by_definition(tiny, np.array([0.0]),
                                                              np.array([0.4])))
    assert not est.fallback[0]
    zero = saez_estimates(THREE, income=[0.0, 0.0, 0.0])
    np.testing.assert_array_equal(zero.rates, 0.0)
    np.testing.assert_array_equal(zero.G, 1.0)
    assert zero.fallback.all()


def test_v1_weights_small_skills_and_counts() -> None:
    s = sample_gb2_skills(300, np.random.default_rng(4))
    s[0] = 0.005  # income 0.5 USD at 100 h: still a positive weight 1/z
    base = saez_estimates(THREE, skill=s, mode="v1")
    assert base.mode == "v1"
    same = saez_estimates(THREE, skill=s, mode="v1", weights=7.0 / (100 * s))
    np.testing.assert_allclose(same.rates, base.rates)
    np.testing.assert_array_equal(base.elasticity, [0.4, 0.4, 0.4])
    np.testing.assert_array_equal(base.n_above, [(100 * s > a).sum() for a in base.at])
    two = saez_estimates(THREE, skill=[100.0, 2000.0], mode="v1")  # two distinct skills suffice
    assert ((two.rates >= 0) & (two.rates <= 1)).all()


def test_elasticity_presets_and_empirical_edges() -> None:
    np.testing.assert_array_equal(resolve_elasticity("flat_0.4", THREE), [0.4, 0.4, 0.4])
    np.testing.assert_array_equal(resolve_elasticity("ai_economist_3.0", THREE), [3.0] * 3)
    np.testing.assert_array_equal(resolve_elasticity(0.0, THREE), [0.0] * 3)  # zero is allowed
    s = sample_gb2_skills(400, np.random.default_rng(6))
    p = CALIBRATED_UTILITY
    # rates near 0 and 1: the perturbed rates stay inside [0, 0.99]
    e = empirical_elasticity(s, TaxSchedule(THREE, [0.02, 0.5, 0.98]), p)
    assert np.isfinite(e).all()
    # the continuous response is not the menu one; step may be as large as 0.5
    sch = TaxSchedule(THREE, [0.3, 0.4, 0.5])
    cont = empirical_elasticity(s, sch, p, response="continuous")
    assert not np.allclose(cont, empirical_elasticity(s, sch, p))
    assert np.isfinite(empirical_elasticity(s, sch, p, step=0.5)).all()
    with pytest.raises(ValueError, match=r"^step must be in \(0, 0.5\]; got 0.6$"):
        empirical_elasticity(s, sch, p, step=0.6)
    # a bracket nobody is in gets the fill value (default 0)
    empty = TaxSchedule([0.0, 1e9], [0.3, 0.4])
    assert empirical_elasticity(s, empty, p)[1] == 0.0
    assert empirical_elasticity(s, empty, p, fill=np.nan)[1] != 0.0
