"""Intervals that fit their quantity, and rules that can fail (issue 27): a share's interval stays
in [0, 1], a ratio's is positive, "reaches 90 % of the optimum" needs no division, and each rule
comes out not supported on data built to fail it (the negative controls)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from econsim.analysis.claim_registry import evaluate_claim, load_registry
from econsim.analysis.uncertainty import claim_interval

REG = load_registry()


def test_no_share_interval_leaves_zero_one():
    iv = claim_interval([0.97, 1.0, 1.0, 0.9, 1.0], support=(0.0, 1.0))
    assert 0.0 <= iv.low <= iv.high <= 1.0 and "cut to [0, 1]" in iv.method
    plain = claim_interval([0.97, 1.0, 1.0, 0.9, 1.0])
    assert plain.high > 1.0  # what the t interval alone said


def test_a_ratio_interval_is_positive():
    ratios = [0.05, 0.9, 1.4, 0.2, 3.0]
    iv = claim_interval(ratios, method="log")
    assert 0 < iv.low < iv.estimate < iv.high and iv.method == "log t"
    assert claim_interval(ratios).low < 0  # the t interval of the same ratios
    with pytest.raises(ValueError, match="positive"):
        claim_interval([1.0, 0.0, 2.0], method="log")


def _frame(**cols) -> pd.DataFrame:
    return pd.DataFrame(cols, index=range(len(next(iter(cols.values())))))


def test_near_stackelberg_is_defined_when_the_optimum_is_zero():
    # two seeds where the Stackelberg paper SWF is exactly 0 (seen at 2,500 steps)
    stack = np.array([0.0, 0.0, 50.0, 60.0, 55.0, 70.0, 65.0, 58.0])
    row = evaluate_claim("c2-near-stackelberg", _frame(llm=stack * 1.2 + 1.0, stackelberg=stack),
                         backend="test")
    assert row["verdict"] == "supported" and "0.9 × stackelberg" in row["rule"]
    fails = evaluate_claim("c2-near-stackelberg", _frame(llm=stack * 0.5, stackelberg=stack),
                           backend="test")
    assert fails["verdict"] == "contradicted"


def test_approaches_saez_fails_for_a_planner_that_never_moved():
    """The negative control of C3: the planner's gap equals its starting schedule's."""
    gap = [0.10, 0.12, 0.09, 0.11, 0.10, 0.13, 0.08, 0.10]
    row = evaluate_claim("c3-approaches-saez", _frame(llm=gap, start=gap), backend="test")
    assert row["verdict"] != "supported"
    away = evaluate_claim("c3-approaches-saez",
                          _frame(llm=[g + 0.05 for g in gap], start=gap), backend="test")
    assert away["verdict"] == "contradicted"  # it moved away from Saez
    toward = evaluate_claim("c3-approaches-saez",
                            _frame(llm=[g - 0.05 + 0.002 * i for i, g in enumerate(gap)],
                                   start=gap), backend="test")
    assert toward["verdict"] == "supported"


def test_best_response_share_fails_for_random_workers():
    """The negative control of C1: workers drawing hours at random are within 10 h of the best
    response about 3 times in 11."""
    rng = np.random.default_rng(1)
    shares = rng.binomial(200, 3 / 11, size=8) / 200
    row = evaluate_claim("c1-best-response", _frame(share=shares), backend="test")
    assert row["verdict"] == "contradicted"


def test_registry_declares_interval_methods_and_supports():
    shares = [k for k, s in REG.items() if s.support == (0, 1)]
    assert {"c1-best-response", "c1-real-model"} <= set(shares)
    assert REG["prompt-style-robust"].interval == "log"
    assert all(s.statistic != "ratio" or s.interval == "log" for s in REG.values())


def test_committed_intervals_lie_inside_their_support():
    from econsim.analysis.claims import collect_claims

    for row in collect_claims().itertuples(index=False):
        spec = REG[row.id]
        if row.ci in ("exact",) or row.ci.startswith("none"):
            continue
        low, high = (float(x.replace(",", "")) for x in row.ci.split(" (")[0].strip("[]")
                     .split(", "))
        lo, hi = spec.support
        assert lo is None or low >= lo, (row.id, row.ci)
        assert hi is None or high <= hi, (row.id, row.ci)
        if spec.interval == "log":
            assert low > 0, (row.id, row.ci)


def test_signed_rank_interval_is_the_tabled_walsh_interval():
    """n = 8, 95 % two-sided: the exact signed-rank interval is [W(4), W(33)] of the 36 sorted
    Walsh averages (critical value 3); the estimate is their median (Hodges–Lehmann)."""
    from econsim.analysis.uncertainty import wilcoxon_interval

    x = np.random.default_rng(8).standard_cauchy(8)
    i, j = np.triu_indices(8)
    walsh = np.sort((x[i] + x[j]) / 2)
    iv = wilcoxon_interval(x)
    assert (iv.low, iv.high) == (walsh[3], walsh[32]) and iv.estimate == np.median(walsh)
    assert wilcoxon_interval(x[:5]).method.startswith("none")  # 5 values cannot reach 5 %


def test_one_heavy_seed_does_not_carry_the_paper_swf_claim():
    """Notebook 02's per-seed paper-SWF differences (LLM minus Saez, 8 seeds): one seed carries
    the mean. BCa calls the mean positive; the declared signed-rank rule does not."""
    from econsim.analysis.uncertainty import claim_interval, decide

    d = [118266.3, 288.1, 110.8, -44.7, 0.7, -1.7, -11.5, 14.9]
    assert decide(claim_interval(d, "bca"), "greater", 0.0) == "supported"
    assert REG["c2-saez-paper-swf"].interval == "wilcoxon"
    row = evaluate_claim("c2-saez-paper-swf", _frame(llm=d, saez=[0.0] * 8), backend="test")
    assert row["verdict"] == "inconclusive" and row["rule"].startswith("pseudo-median(")


def test_bca_interval_and_its_seeds_needed():
    from econsim.analysis.uncertainty import Interval, bca_seeds_needed

    shares = [0.91, 0.97, 1.0, 0.88, 0.95, 1.0, 0.93, 0.99]
    iv = claim_interval(shares, "bca", support=(0.0, 1.0))
    assert iv.method == "BCa" and min(shares) <= iv.low < iv.estimate < iv.high <= max(shares)
    assert claim_interval(shares[:7], "bca").method == "none: BCa needs >= 8 seeds"
    few = evaluate_claim("c1-best-response", _frame(share=shares[:7]), backend="test")
    assert few["verdict"] == "inconclusive" and few["ci"].startswith("none (")
    # w = 0.5 on the side facing the margin, d = 0.25: n > 8 * (0.5 / 0.25)^2 = 32
    iv = Interval(1.0, 0.5, 1.8, 8, 1.0, "BCa")
    assert bca_seeds_needed(iv, "greater", 0.75) == 33
    # below the margin the upper side faces it: w = 0.8, d = 0.5: n > 8 * 1.6^2 = 20.48
    assert bca_seeds_needed(iv, "less", 1.5) == 21
    assert bca_seeds_needed(iv, "greater", 1.0) is None  # on the boundary


def test_signed_rank_with_one_seed_is_an_estimate_without_interval() -> None:
    """A quick run may leave one seed with both arms (e.g. leader turnover): the row is
    inconclusive, as with the t interval, rather than an error."""
    import math

    from econsim.analysis.uncertainty import claim_interval, wilcoxon_interval

    for iv in (wilcoxon_interval([1384.2]), claim_interval([1384.2], method="wilcoxon")):
        assert iv.estimate == 1384.2 and iv.n == 1
        assert math.isnan(iv.low) and math.isnan(iv.high) and iv.method == "one seed"
    with pytest.raises(ValueError, match="non-empty"):
        wilcoxon_interval([])
