"""Welfare functions, inequality measures and the one-step economy."""

import numpy as np
import pytest

from econsim.economy.outcomes import economy_step, rational_step
from econsim.economy.skills import sample_gb2_skills
from econsim.economy.tax import TAX_PRESETS, TaxSchedule
from econsim.economy.utility import CALIBRATED_UTILITY, PAPER_UTILITY
from econsim.economy.welfare import (
    OBJECTIVES,
    WELFARE_FUNCTIONS,
    all_metrics,
    atkinson_index,
    equality_times_productivity,
    get_objective,
    gini,
    inverse_income_swf,
    paper_swf,
    rawlsian,
    theil,
    utilitarian,
)

PAPER = PAPER_UTILITY


def test_hand_computed_welfare():
    u = np.array([100.0, 300.0])
    z = np.array([0.0, 1000.0])
    assert paper_swf(u, z) == pytest.approx(100.0 / 1 + 300.0 / 1000)
    # weights 1 and 0.001, normalised
    assert inverse_income_swf(u, z) == pytest.approx((100 + 0.3) / 1.001)
    assert utilitarian(u) == 200.0
    assert rawlsian(u) == 100.0


def test_gini_closed_forms():
    assert gini([5, 5, 5]) == 0.0
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)  # (n-1)/n for one earner
    # Pareto(a) incomes have Gini 1 / (2a - 1)
    rng = np.random.default_rng(3)
    for a in (1.5, 2.5, 4.0):
        y = (rng.pareto(a, 2_000_000) + 1.0) * 10_000
        assert gini(y) == pytest.approx(1 / (2 * a - 1), rel=0.03)


def test_theil_and_atkinson_closed_forms():
    assert theil([3, 3, 3]) == pytest.approx(0.0)
    assert theil([0, 0, 1, 0]) == pytest.approx(np.log(4))  # all income with one of N: ln N
    y = np.array([1.0, 4.0])
    assert atkinson_index(y, 1.0) == pytest.approx(1 - 2.0 / 2.5)  # geometric mean 2
    assert atkinson_index(y, 2.0) == pytest.approx(1 - (1 / np.mean(1 / y)) / 2.5)  # harmonic
    assert atkinson_index(y, 0.0) == pytest.approx(0.0)
    # log-normal: A_eps = 1 - exp(-eps sigma^2 / 2)
    rng = np.random.default_rng(0)
    sig = 0.8
    y = rng.lognormal(0, sig, 2_000_000)
    assert atkinson_index(y, 0.5) == pytest.approx(1 - np.exp(-0.5 * sig**2 / 2), rel=0.02)


def test_equality_times_productivity():
    z = np.array([10.0, 30.0])
    zt = np.array([20.0, 20.0])
    assert equality_times_productivity(zt, z, zt) == pytest.approx(20.0)
    zt = np.array([0.0, 40.0])
    assert equality_times_productivity(zt, z, zt) == pytest.approx(0.0)


def test_registry_and_objectives():
    assert set(OBJECTIVES) == {"paper_swf", "inverse_income", "utilitarian", "rawlsian",
                               "atkinson", "equality_productivity"}
    with pytest.raises(ValueError, match="valid names: paper_swf"):
        get_objective("nash")
    with pytest.raises(ValueError, match="metric, not an objective"):
        get_objective("gini")
    assert set(all_metrics([1.0], [1.0], [1.0])) == set(WELFARE_FUNCTIONS.names())


def test_economy_step_accounting():
    skill = np.array([100.0, 1000.0, 3000.0])
    labour = np.array([0.0, 40.0, 50.0])
    sch = TaxSchedule.preset(TAX_PRESETS.get("us_federal_2024"))
    out = economy_step(skill, labour, sch, PAPER)
    np.testing.assert_allclose(out.pre_tax_income, [0.0, 40_000.0, 150_000.0])
    np.testing.assert_allclose(out.tax, sch.tax(out.pre_tax_income))
    assert out.rebate == pytest.approx(out.tax.sum() / 3)
    # a full rebate conserves income in aggregate
    assert out.post_tax_income.sum() == pytest.approx(out.pre_tax_income.sum())
    np.testing.assert_allclose(out.utility, out.post_tax_income - 0.0005 * labour**3.5)
    assert out.welfare()["paper_swf"] == pytest.approx(paper_swf(out.utility, out.pre_tax_income))


def test_zero_hours_worker_explodes_paper_swf():
    """MODEL.md §8: one worker at 0 h gets weight 1 and dominates Σu/max(z,1)."""
    skill = np.array([500.0, 800.0, 1200.0])
    sch = TaxSchedule.flat(0.5)
    busy = economy_step(skill, np.array([40.0, 40.0, 40.0]), sch, PAPER)
    idle = economy_step(skill, np.array([0.0, 40.0, 40.0]), sch, PAPER)
    assert idle.welfare()["paper_swf"] > 100 * busy.welfare()["paper_swf"]
    assert idle.welfare()["utilitarian"] < busy.welfare()["utilitarian"]


def test_paper_swf_rewards_high_flat_rates_under_paper_preset():
    s = sample_gb2_skills(20_000, np.random.default_rng(42))
    swf = [rational_step(s, TaxSchedule.flat(t), PAPER).welfare()["paper_swf"]
           for t in np.linspace(0, 0.9, 10)]
    assert (np.diff(swf) > 0).all()


def test_economy_step_bad_input():
    sch = TaxSchedule.flat(0.2)
    with pytest.raises(ValueError, match="one entry per worker"):
        economy_step([1.0, 2.0], [10.0], sch, PAPER)
    with pytest.raises(ValueError, match="labour must be weekly hours"):
        economy_step([1.0], [101.0], sch, PAPER)
    with pytest.raises(ValueError, match="skill must be finite"):
        economy_step([-1.0], [10.0], sch, PAPER)


def test_metrics_do_not_depend_on_blas_threads():
    """Sweeps run on one-thread Dask workers must reproduce in-process results bit for bit."""
    import subprocess
    import sys

    code = ("import numpy as np; from econsim.economy.outcomes import rational_step; "
            "from econsim.economy.skills import sample_gb2_skills; from econsim.economy.tax import TAX_PRESETS, TaxSchedule; "
            "from econsim.economy.utility import UTILITY_PRESETS; "
            "s = sample_gb2_skills(300_000, np.random.default_rng(1)); "
            "w = rational_step(s, TaxSchedule.preset(TAX_PRESETS.get('us_federal_2024')), "
            "UTILITY_PRESETS.get('calibrated')).welfare(); "
            "print(repr(sorted(w.items())))")
    outs = set()
    for threads in ("1", "2"):
        env = {**__import__("os").environ, "OPENBLAS_NUM_THREADS": threads,
               "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
        outs.add(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                text=True, check=True).stdout)
    assert len(outs) == 1


# -- hand-computed values at the edges (each one is a formula of econsim.economy.welfare) ------
def test_inequality_measures_on_hand_computed_cases():
    from econsim.economy.welfare import atkinson_index, gini, theil

    # Theil of (1, 3): mean 2, r = (1/2, 3/2): (0.5 ln 0.5 + 1.5 ln 1.5) / 2
    assert theil([1.0, 3.0]) == pytest.approx((0.5 * np.log(0.5) + 1.5 * np.log(1.5)) / 2)
    assert theil([0.0, 2.0]) == pytest.approx(np.log(2.0))  # 0 ln 0 = 0
    assert gini([]) == 0.0 and theil([]) == 0.0 and theil([0.0, 0.0]) == 0.0
    assert gini([0.0, 2.0]) == pytest.approx(0.5)
    # Atkinson of (1, 4): eps = 1 (default): 1 - sqrt(4)/2.5; eps = 2: 1 - (1/mean(1/y))/2.5
    assert atkinson_index([1.0, 4.0]) == pytest.approx(0.2)
    assert atkinson_index([1.0, 4.0], 2.0) == pytest.approx(1 - 1.6 / 2.5)
    assert atkinson_index([0.2, 0.6], 2.0) == pytest.approx(0.25)  # mean below 1
    assert atkinson_index([0.0, 4.0], 0.5) == pytest.approx(0.5)  # a zero income, eps < 1
    assert atkinson_index([0.0, 4.0], 1.0) == 1.0  # a zero income drags the EDE to 0
    assert atkinson_index([0.0, 0.0]) == 0.0
    with pytest.raises(ValueError, match=r"^epsilon must be in \[0.0, inf\); got inf$"):
        atkinson_index([1.0, 2.0], np.inf)
    with pytest.raises(ValueError, match="^atkinson needs a non-empty array"):
        atkinson_index([])


def test_welfare_objectives_on_hand_computed_cases():
    from econsim.economy.welfare import (
        WELFARE_FUNCTIONS,
        atkinson_welfare,
        equality_times_productivity,
    )

    assert atkinson_welfare([0.0, 0.0], [1.0, 4.0], [1.0, 4.0]) == pytest.approx(2.0)  # eps = 1
    # three people (1, 2, 3): Gini 2/9, equality 1 - 3/2 * 2/9 = 2/3, mean income 2
    assert equality_times_productivity([0.0] * 3, [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == \
        pytest.approx(4 / 3)
    # the Gini metric floors post-tax incomes at 0 (not at 1)
    assert WELFARE_FUNCTIONS.get("gini")([0.0, 0.0], [0.0, 2.0], [-1.0, 2.0]) == \
        pytest.approx(0.5)


@pytest.mark.parametrize("name, call", [
    ("inverse_income_swf", lambda wf: wf.inverse_income_swf(["x"], [1.0])),
    ("utilitarian", lambda wf: wf.utilitarian(["x"])),
    ("gini", lambda wf: wf.gini(["x"])),
    ("theil", lambda wf: wf.theil(["x"])),
    ("atkinson_index", lambda wf: wf.atkinson_index(["x"])),
    ("atkinson_welfare", lambda wf: wf.atkinson_welfare([1.0], [1.0], ["x"])),
    ("equality_times_productivity",
     lambda wf: wf.equality_times_productivity([1.0], ["x"], [1.0])),
    ("rawlsian", lambda wf: wf.WELFARE_FUNCTIONS.get("rawlsian")(["x"], [1.0], [1.0])),
    ("all_metrics", lambda wf: wf.all_metrics(["x"], [1.0], [1.0])),
])
def test_welfare_errors_name_the_metric(name, call):
    from econsim.economy import welfare as wf

    with pytest.raises(ValueError, match=rf"^{name}: \w+ must be numeric; got \['x'\]$"):
        call(wf)


def test_economy_step_rebate_share_empty_population_and_menu():
    sch, p = TaxSchedule.flat(0.5), CALIBRATED_UTILITY
    s, lab = np.array([10.0, 30.0]), np.array([40.0, 20.0])  # incomes 400, 600; taxes 200, 300
    for share, rebate in ((0.0, 0.0), (0.5, 125.0), (1.0, 250.0)):
        out = economy_step(s, lab, sch, p, rebate_share=share)
        assert out.rebate == rebate
        np.testing.assert_array_equal(out.labour, lab)
        np.testing.assert_allclose(out.post_tax_income, [200.0 + rebate, 300.0 + rebate])
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match=rf"^rebate_share must be in \[0, 1\]; got {bad}$"):
            economy_step(s, lab, sch, p, rebate_share=bad)
    with pytest.raises(ValueError, match=r"^labour must be weekly hours in \[0, 100\]$"):
        economy_step(s, [40.0, 101.0], sch, p)
    empty = economy_step([], [], sch, p)
    assert empty.rebate == 0.0 and empty.revenue == 0.0
    menu = [0.0, 25.0, 50.0]
    out = rational_step(sample_gb2_skills(50, np.random.default_rng(1)), sch, p, menu)
    assert set(out.labour) <= set(menu)
    with pytest.raises(ValueError, match=r"^skill must be numeric; got \['x'\]$"):
        rational_step(["x"], sch, p)


@pytest.mark.parametrize("n", [1, 2, 5, 9, 100])
def test_metric_rows_equal_each_metric_of_each_row_bit_for_bit(n):
    """The engine scores a tax year's steps as one block: each row's value must be the metric
    of that row alone, exactly (zero incomes, negative post-tax incomes, ties included)."""
    from econsim.economy.welfare import WELFARE_FUNCTIONS, metric_rows

    rng = np.random.default_rng(n)
    u = rng.normal(0.0, 300.0, (40, n))
    z = rng.lognormal(9.0, 2.0, (40, n)) * (rng.random((40, n)) > 0.2)
    zt = 0.7 * z + rng.normal(0.0, 500.0, (40, n))
    z[3], zt[3] = 0.0, 0.0  # a year of no work
    zt[4] = 1000.0  # all equal
    block = metric_rows(u, z, zt)
    assert list(block) == list(WELFARE_FUNCTIONS)
    for i in range(40):
        for name, values in block.items():
            assert values[i] == WELFARE_FUNCTIONS.get(name)(u[i], z[i], zt[i]), (name, i)


def test_metric_rows_refuses_a_block_without_people():
    from econsim.economy.welfare import metric_rows

    with pytest.raises(ValueError, match="metric_rows needs a .steps, people. block"):
        metric_rows(np.zeros((3, 0)), np.zeros((3, 0)), np.zeros((3, 0)))
    with pytest.raises(ValueError, match="metric_rows: u must be finite"):
        metric_rows(np.full((2, 2), np.nan), np.zeros((2, 2)), np.zeros((2, 2)))
