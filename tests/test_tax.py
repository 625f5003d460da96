"""Tax schedules: statutory values, properties of T, the planner's DELTA update, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econsim.economy.tax import (
    TAX_PRESETS,
    TaxSchedule,
    apply_delta,
    average_rate,
    bracket_index,
    marginal_rate,
    tax_due,
)

US = TaxSchedule.preset(TAX_PRESETS.get("us_federal_2024"))


@pytest.mark.parametrize(
    ("income", "expected"),
    [(11_600, 1_160.0), (50_000, 6_053.0), (100_000, 17_053.0), (250_000, 57_874.75),
     (1_000_000, 328_187.75), (0, 0.0)],
)
def test_us_federal_2024_values(income, expected):
    assert tax_due(income, US) == pytest.approx(expected, abs=1e-6)


def test_us_federal_rates_and_brackets():
    np.testing.assert_allclose(US.rates, [0.10, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37])
    assert bracket_index([0, 11_599.99, 11_600, 700_000], US).tolist() == [0, 0, 1, 6]
    np.testing.assert_allclose(marginal_rate([5_000, 50_000, 700_000], US), [0.10, 0.22, 0.37])
    assert average_rate(100_000, US) == pytest.approx(0.17053)
    assert average_rate(0.0, US) == pytest.approx(0.10)


def test_hand_computed_three_bracket_case():
    sch = TaxSchedule.preset(TAX_PRESETS.get("three"), [0.1, 0.2, 0.5])
    # 0.1*90,000 + 0.2*69,100 + 0.5*40,900
    assert tax_due(200_000, sch) == pytest.approx(9_000 + 13_820 + 20_450)
    assert sch.n_brackets == 3
    np.testing.assert_allclose(TaxSchedule.preset(TAX_PRESETS.get("three")).rates, [0.5, 0.5, 0.5])


@given(st.floats(0, 1), st.lists(st.floats(0, 5e6), min_size=1, max_size=20))
def test_flat_schedule_is_proportional(rate, incomes):
    z = np.array(incomes)
    np.testing.assert_allclose(tax_due(z, TaxSchedule.flat(rate)), rate * z, rtol=1e-12, atol=1e-9)


@settings(max_examples=200)
@given(
    st.lists(st.floats(0, 1), min_size=1, max_size=8),
    st.lists(st.floats(1, 1e6), min_size=7, max_size=7, unique=True),
    st.lists(st.floats(0, 3e6), min_size=2, max_size=30),
)
def test_tax_is_continuous_nondecreasing_with_bounded_marginal_rate(rates, edges, incomes):
    cut = np.concatenate(([0.0], np.sort(edges)[: len(rates) - 1]))
    sch = TaxSchedule(cut, rates)
    z = np.sort(np.array(incomes))
    t = tax_due(z, sch)
    assert (np.diff(t) >= -1e-7).all()
    mr = marginal_rate(z, sch)
    assert ((mr >= 0) & (mr <= 1)).all()
    # continuity at every cutoff, and T(z) <= z
    eps = 1e-6
    for c in cut[1:]:
        assert tax_due(c + eps, sch) - tax_due(max(c - eps, 0.0), sch) <= 2 * eps + 1e-9
    assert (t <= z + 1e-7).all()
    # slope between two close points equals the marginal rate inside a bracket
    zz = z + 0.5
    same = bracket_index(zz, sch) == bracket_index(z, sch)
    slope = (tax_due(zz, sch) - t) / 0.5
    np.testing.assert_allclose(slope[same], mr[same], atol=1e-5)


def test_apply_delta_is_clipped_to_unit_interval():
    np.testing.assert_allclose(apply_delta([0.5, 0.05, 0.95], [20, -10, 10]), [0.7, 0.0, 1.0])
    with pytest.raises(ValueError, match="one entry per bracket"):
        apply_delta([0.5, 0.5], [10])


def test_preset_registry_lists_valid_names():
    assert set(TAX_PRESETS.names()) == {"flat", "three", "us_federal_2024"}
    with pytest.raises(ValueError, match="valid names: flat, three, us_federal_2024"):
        TAX_PRESETS.get("uk_2024")
    with pytest.raises(TypeError, match=r"preset must be a TaxPreset.*TAX_PRESETS.get\(.uk_2024.\)"):
        TaxSchedule.preset("uk_2024")  # names are resolved once, at the top


@pytest.mark.parametrize(
    ("cutoffs", "rates", "message"),
    [
        ([0, 10], [0.1, 1.2], "rates must be fractions in \\[0, 1\\]"),
        ([0, 10], [0.1, -0.1], "rates must be fractions"),
        ([0, 10], [0.1, float("nan")], "rates must be fractions"),
        ([0, 10], [0.1], "rates must have one entry per bracket: got 1 rates for 2 brackets "
                         "\\(allowed length 2\\)$"),
        ([5, 10], [0.1, 0.2], "cutoffs must start at 0; got first cutoff np.float64\\(5.0\\)$"),
        ([0, 10, 10], [0.1, 0.2, 0.3], "cutoffs must be strictly increasing$"),
        ([0, 0], [0.1, 0.2], "cutoffs must be strictly increasing$"),
        ([], [], "cutoffs must contain at least one bracket edge \\(0\\)$"),
        ([0, -10], [0.1, 0.2], "cutoffs must be finite and >= 0"),
        ([0], [20], "rates must be fractions"),
        (["a"], [0.1], "cutoffs must be numeric"),
    ],
)
def test_invalid_schedules_raise(cutoffs, rates, message):
    with pytest.raises(ValueError, match="^" + message):
        TaxSchedule(cutoffs, rates)


@pytest.mark.parametrize("bad", [[-1.0], [float("nan")], [float("inf")]])
def test_invalid_incomes_raise(bad):
    with pytest.raises(ValueError, match=r"^income must be finite and >= 0 \(allowed range "
                                         r"\[0, inf\)\)$"):
        tax_due(bad, US)
    with pytest.raises(ValueError, match="^income must be numeric"):
        tax_due(["a lot"], US)


def test_schedule_arrays_are_read_only_and_schedules_compare_by_value():
    sch = TaxSchedule.preset(TAX_PRESETS.get("three"), [0.1, 0.2, 0.3])
    for arr in (sch.cutoffs, sch.rates, sch._cum_tax):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 0.5
    same = TaxSchedule([0.0, 90_000.0, 159_100.0], [0.1, 0.2, 0.3])
    assert sch == same and hash(sch) == hash(same) and len({sch, same}) == 1
    assert sch != sch.with_rates([0.1, 0.2, 0.4])
    assert sch != TaxSchedule([0.0, 90_000.0, 160_000.0], [0.1, 0.2, 0.3])
    assert sch != "three"
    assert repr(sch) == "TaxSchedule(cutoffs=[0, 90,000, 159,100], rates=[0.1, 0.2, 0.3])"
    assert sch.labels() == ["$0–90,000", "$90,000–159,100", "$159,100+"]
    assert TaxSchedule.flat(0.2).labels() == ["$0+"]
    np.testing.assert_array_equal(sch.tax([100_000.0]), tax_due([100_000.0], sch))


def test_scalar_income_gives_a_scalar_tax():
    for sch in (US, TaxSchedule.flat(0.2)):
        t = tax_due(50_000.0, sch)
        assert t.shape == () and float(t) == pytest.approx(float(tax_due([50_000.0], sch)[0]))


def test_average_rate_below_one_dollar():
    """T(z)/z for every z > 0 (even below 1 USD), the first rate at z = 0."""
    sch = TaxSchedule([0.0, 0.5], [0.1, 0.5])
    np.testing.assert_allclose(average_rate([0.0, 0.25, 1.0, 4.0], sch),
                               [0.1, 0.1, (0.05 + 0.25) / 1.0, (0.05 + 1.75) / 4.0])


def test_apply_delta_accepts_whole_points_up_to_100_and_names_the_first_bad_value():
    np.testing.assert_allclose(apply_delta([0.5, 0.5], [100, -100]), [1.0, 0.0])
    for bad, shown in (([10, 100.5], "100.5"), ([0.1, 5.5], "0.1"), ([101, 0], "101.0"),
                       ([np.nan, 0], "nan"), ([-100.5, 3], "-100.5")):
        with pytest.raises(ValueError, match=r"^delta_pp must be whole percentage points in "
                                             r"\[-100, 100\] \(e.g. 10 for \+10 pp, not the "
                                             rf"fraction 0.1\); got {shown}$"):
            apply_delta([0.5, 0.5], bad)
    with pytest.raises(ValueError, match="^rates must be fractions"):
        apply_delta([50, 0.5], [0, 0])
    with pytest.raises(ValueError, match="^delta_pp must be numeric"):
        apply_delta([0.5], ["up"])
    with pytest.raises(ValueError, match=r"^delta_pp must have one entry per bracket: got shape "
                                         r"\(1,\), allowed \(2,\)$"):
        apply_delta([0.5, 0.5], [10])
