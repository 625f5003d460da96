"""Intervals, the decision rule, seeds needed and the claims registry on synthetic data."""

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from econsim.analysis import claim_registry as reg
from econsim.analysis import uncertainty as unc


def test_t_interval_matches_closed_form():
    x = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
    iv = unc.mean_interval(x)
    half = stats.t.ppf(0.975, 7) * x.std(ddof=1) / np.sqrt(8)
    assert iv.method == "t" and iv.n == 8
    assert iv.estimate == pytest.approx(x.mean())
    assert (iv.low, iv.high) == pytest.approx((x.mean() - half, x.mean() + half))


def test_bca_from_twenty_seeds_is_reproducible_and_close_to_t():
    x = np.random.default_rng(3).normal(2.0, 1.0, 40)
    a, b = unc.mean_interval(x), unc.mean_interval(x)
    assert a.method == "BCa" and a == b
    t = unc.mean_interval(x, method="t")
    assert a.low < x.mean() < a.high
    assert abs((a.high - a.low) - (t.high - t.low)) < 0.25 * (t.high - t.low)


def test_degenerate_inputs():
    assert unc.mean_interval([2.0, 2.0, 2.0]).method == "no spread"
    one = unc.mean_interval([5.0])
    assert one.method == "one seed" and np.isnan(one.low)
    assert unc.decide(one, "greater", 0.0) == "inconclusive"
    with pytest.raises(ValueError, match="finite"):
        unc.mean_interval([1.0, np.nan])
    with pytest.raises(ValueError, match="method must be"):
        unc.mean_interval([1.0, 2.0], method="percentile")


@pytest.mark.parametrize("effect, expected", [(5.0, "supported"), (-5.0, "contradicted")])
def test_rule_on_a_known_effect(effect, expected):
    rng = np.random.default_rng(1)
    for _ in range(50):
        d = rng.normal(effect, 2.0, 8)
        assert unc.decide(unc.mean_interval(d), "greater", 0.0) == expected
        flipped = "contradicted" if expected == "supported" else "supported"
        assert unc.decide(unc.mean_interval(d), "less", 0.0) == flipped


def test_zero_effect_is_inconclusive_in_most_replications():
    rng = np.random.default_rng(2)
    verdicts = [unc.decide(unc.mean_interval(rng.normal(0.0, 1.0, 8)), "greater", 0.0)
                for _ in range(400)]
    share = verdicts.count("inconclusive") / len(verdicts)
    assert 0.91 <= share <= 0.99  # 95 % coverage of a t interval under normal data


def test_within_rule_around_one_for_ratios():
    tight = unc.mean_interval([0.99, 1.01, 1.0, 1.0])
    assert unc.decide(tight, "within", 0.05, "ratio") == "supported"
    far = unc.mean_interval([1.5, 1.6, 1.55])
    assert unc.decide(far, "within", 0.05, "ratio") == "contradicted"
    wide = unc.mean_interval([0.8, 1.2, 1.0])
    assert unc.decide(wide, "within", 0.05, "ratio") == "inconclusive"


def _iv(low, high):
    return unc.Interval((low + high) / 2, low, high, 8, 1.0, "t")


# (low, high) relative to a margin of 2: clear above, clear below, straddling, touching from
# above (low == margin), touching from below (high == margin), and a point on the margin.
_SIDES = {"above": (2.5, 3.0), "below": (1.0, 1.5), "straddles": (1.5, 2.5),
          "touches from above": (2.0, 3.0), "touches from below": (1.0, 2.0),
          "on the margin": (2.0, 2.0)}


@pytest.mark.parametrize("side, greater, less", [
    ("above", "supported", "contradicted"),
    ("below", "contradicted", "supported"),
    ("straddles", "inconclusive", "inconclusive"),
    ("touches from above", "inconclusive", "inconclusive"),
    ("touches from below", "inconclusive", "inconclusive"),
    ("on the margin", "inconclusive", "inconclusive"),
])
def test_one_sided_rules_need_the_whole_interval_strictly_on_one_side(side, greater, less):
    """greater: supported iff low > margin, contradicted iff high < margin; less mirrors it.
    An interval that reaches the margin (touches or contains it) decides nothing."""
    iv = _iv(*_SIDES[side])
    assert unc.decide(iv, "greater", 2.0) == greater
    assert unc.decide(iv, "less", 2.0) == less
    # mirror image: "less than m" on d is "greater than -m" on -d
    mirrored = _iv(-iv.high, -iv.low)
    assert unc.decide(mirrored, "greater", -2.0) == less
    assert unc.decide(mirrored, "less", -2.0) == greater


@pytest.mark.parametrize("statistic, c", [("difference", 0.0), ("ratio", 1.0), ("value", 0.0)])
@pytest.mark.parametrize("low, high, expected", [
    (-0.05, 0.05, "supported"),          # strictly inside (c - 0.1, c + 0.1)
    (-0.1, 0.05, "inconclusive"),        # touches the lower edge from inside
    (-0.05, 0.1, "inconclusive"),        # touches the upper edge from inside
    (-0.2, 0.0, "inconclusive"),         # straddles the lower edge
    (0.0, 0.2, "inconclusive"),          # straddles the upper edge
    (-0.3, 0.3, "inconclusive"),         # wider than the band on both sides
    (0.1, 0.3, "contradicted"),          # wholly outside above, touching the edge
    (0.15, 0.3, "contradicted"),         # wholly outside above
    (-0.3, -0.1, "contradicted"),        # wholly outside below, touching the edge
    (-0.3, -0.15, "contradicted"),       # wholly outside below
])
def test_within_rule_on_every_position_of_the_interval(statistic, c, low, high, expected):
    """within m of c (0, or 1 for a ratio): supported iff c - m < low and high < c + m,
    contradicted iff the interval lies outside the open band (low >= c + m or high <= c - m)."""
    assert unc.decide(_iv(c + low, c + high), "within", 0.1, statistic) == expected


def test_decide_refuses_unknown_directions():
    with pytest.raises(ValueError, match="direction must be one of greater, less, within"):
        unc.decide(_iv(0.0, 1.0), "above", 0.0)


def test_seeds_needed_is_the_smallest_sufficient_n():
    assert unc.seeds_needed(1.0, 1.0) == 7  # t(.975, 6) / sqrt 7 = 0.92 < 1 < t(.975, 5) / sqrt 6
    for sd, dist in [(3.0, 0.7), (0.2, 0.05), (10.0, 25.0)]:
        n = unc.seeds_needed(sd, dist)
        half = stats.t.ppf(0.975, np.array([n - 1, max(n - 2, 1)])) * sd / np.sqrt([n, n - 1])
        assert half[0] < dist and (n == 2 or half[1] >= dist)
    assert unc.seeds_needed(1.0, 0.0) is None
    assert unc.seeds_needed(1e6, 1.0) is None  # beyond the cap
    # with the observed spread, that many seeds give an interval clear of the margin
    d = np.random.default_rng(4).normal(0.5, 1.0, 8)
    iv = unc.mean_interval(d)
    n = unc.seeds_needed(iv.sd, iv.estimate)
    assert stats.t.ppf(0.975, n - 1) * iv.sd / np.sqrt(n) < abs(iv.estimate)


def test_paired_values_pair_by_seed_and_drop_incomplete_seeds():
    wide = pd.DataFrame({"a": [3.0, 5.0, np.nan], "b": [1.0, 4.0, 2.0]}, index=[1, 2, 3])
    assert unc.paired_values(wide, ["a", "b"]).to_dict() == {1: 2.0, 2: 1.0}
    assert unc.paired_values(wide, ["a", "b"], "ratio").to_dict() == {1: 3.0, 2: 1.25}
    with pytest.raises(ValueError, match=r"variant\(s\) \['c'\]"):
        unc.paired_values(wide, ["a", "c"])
    with pytest.raises(ValueError, match="is 0"):
        unc.paired_values(wide.assign(b=0.0), ["a", "b"], "ratio")
    long = pd.DataFrame({"seed": [1, 1, 2, 2], "planner": ["x", "y", "x", "y"],
                         "v": [1.0, 2.0, 3.0, 4.0]})
    assert unc.per_seed_table(long, "v", "planner").loc[2, "y"] == 4.0
    with pytest.raises(ValueError, match="more than one row"):
        unc.per_seed_table(pd.concat([long, long]), "v", "planner")


def test_check_paired_rejects_different_populations():
    s = {"a1": [1.0, 2.0], "b1": [1.0, 2.0], "a2": [3.0, 1.0]}
    assert unc.check_paired(s, {"a1": 1, "b1": 1, "a2": 2}) == 2
    with pytest.raises(ValueError, match="share seed 1 but not the population"):
        unc.check_paired({**s, "b1": [1.0, 2.5]}, {"a1": 1, "b1": 1, "a2": 2})


def _registry(tmp_path, text):
    path = tmp_path / "claims.yaml"
    path.write_text(text)
    return reg.load_registry(path)


def test_evaluate_claim_row(tmp_path):
    r = _registry(tmp_path, """
beats:
  claim: A beats B
  notebook: 99_x
  metric: welfare
  statistic: difference
  variants: [a, b]
  direction: greater
  margin: 0
exact-small:
  claim: gap is small
  notebook: 99_x
  metric: gap
  statistic: exact
  direction: less
  margin: 0.1
""")
    rng = np.random.default_rng(5)
    b = rng.normal(10, 1, 8)
    wide = pd.DataFrame({"a": b + rng.normal(2, 0.5, 8), "b": b}, index=range(8))
    row = reg.evaluate_claim("beats", wide, backend="surrogate", detail="last 5 years",
                             registry=r)
    assert list(row) == list(reg.ROW_COLUMNS)
    assert row["verdict"] == "supported" and row["seeds"] == "8"
    assert row["rule"] == "mean(a − b) > 0" and row["ci"].endswith("(t)")
    assert row["metric"] == "welfare; last 5 years" and int(row["seeds_needed"]) <= 8
    untestable = reg.evaluate_claim("beats", wide, backend="surrogate", registry=r,
                                    untestable="the surrogate ignores wording")
    assert untestable["verdict"] == "inconclusive" and "untestable" in untestable["metric"]
    ex = reg.exact_claim("exact-small", 0.04, registry=r)
    assert (ex["ci"], ex["verdict"]) == ("exact", "supported")
    assert reg.exact_claim("exact-small", 0.1, registry=r)["verdict"] == "contradicted"
    with pytest.raises(ValueError, match="is exact"):
        reg.evaluate_claim("exact-small", wide, backend="x", registry=r)
    with pytest.raises(ValueError, match="unknown claim 'nope'; registered claims: beats"):
        reg.get_claim("nope", r)


def test_bad_registry_entries_are_one_line_errors(tmp_path):
    with pytest.raises(ValueError, match="direction must be one of greater, less, within"):
        _registry(tmp_path, "x: {claim: c, notebook: n, metric: m, statistic: value, "
                            "variants: [a], direction: up, margin: 0}")
    with pytest.raises(ValueError, match="needs 2 variant"):
        _registry(tmp_path, "x: {claim: c, notebook: n, metric: m, statistic: ratio, "
                            "variants: [a], direction: greater, margin: 1}")
    with pytest.raises(ValueError, match="lacks"):
        _registry(tmp_path, "x: {claim: c, notebook: n}")


def test_project_registry_is_valid_and_names_existing_notebooks():
    from econsim.compendium.paths import project_root

    claims = reg.load_registry()
    notebooks = {p.stem for p in (project_root() / "notebooks").glob("*.ipynb")}
    assert claims and {c.notebook for c in claims.values()} <= notebooks


# -- edges of the interval, the verdict and the planning figures --------------------------------
def test_interval_fields_in_every_branch():
    one = unc.mean_interval([5.0], confidence=0.9)
    assert (one.estimate, one.n, one.method, one.confidence) == (5.0, 1, "one seed", 0.9)
    assert np.isnan([one.low, one.high, one.sd]).all()
    assert unc.mean_interval([2.0, 2.0, 2.0], confidence=0.9) == \
        unc.Interval(2.0, 2.0, 2.0, 3, 0.0, "no spread", 0.9)
    # values equal up to the last bit have a tiny non-zero sd: still no spread
    assert unc.mean_interval([1.0, np.nextafter(1.0, 2.0), 1.0]).method == "no spread"
    # a real spread of one part in a million is not "no spread"
    assert unc.mean_interval([1.0, 1.000001, 1.000002]).method == "t"
    assert unc.mean_interval([0.0, 1e-9, 2e-9]).method == "t"  # relative, not absolute
    t = unc.mean_interval([1.0, 2.0, 3.0], confidence=0.9)  # sd exactly 1
    half = stats.t.ppf(0.95, 2) / np.sqrt(3)
    assert t == unc.Interval(2.0, pytest.approx(2.0 - half), pytest.approx(2.0 + half), 3, 1.0,
                             "t", 0.9)


def test_bca_from_exactly_twenty_seeds_or_when_asked():
    rng = np.random.default_rng(7)
    assert unc.mean_interval(rng.normal(0, 1, 19)).method == "t"
    x = rng.normal(0, 1, 20)
    iv = unc.mean_interval(x)
    assert (iv.method, iv.n, iv.confidence) == ("BCa", 20, 0.95)
    assert iv.estimate == pytest.approx(x.mean()) and iv.sd == pytest.approx(x.std(ddof=1))
    assert unc.mean_interval(x[:8], method="BCa").method == "BCa"
    narrow = unc.mean_interval(x, confidence=0.5)
    assert narrow.method == "BCa" and narrow.confidence == 0.5
    assert iv.low < narrow.low < narrow.high < iv.high


@pytest.mark.parametrize("confidence", [0.0, 1.0, 1.5, -0.1])
def test_confidence_outside_the_open_unit_interval_is_refused(confidence):
    with pytest.raises(ValueError, match=r"confidence must lie in \(0, 1\)"):
        unc.mean_interval([1.0, 2.0, 3.0], confidence=confidence)


def test_method_names_are_exact():
    for bad in ("bca", "BCA", "T"):
        with pytest.raises(ValueError, match="method must be 'auto', 't' or 'BCa'"):
            unc.mean_interval([1.0, 2.0, 3.0], method=bad)


def test_an_interval_with_one_undefined_end_decides_nothing():
    for low, high in ((1.0, np.nan), (np.nan, -1.0)):
        for direction in unc.DIRECTIONS:
            assert unc.decide(_iv(low, high), direction, 0.0) == "inconclusive"


def test_effect_size_and_distance_to_margin():
    iv = unc.Interval(3.0, 2.0, 4.0, 8, 2.0, "t")
    assert unc.effect_size(iv) == 1.5 and unc.effect_size(iv, margin=1.0) == 1.0
    assert np.isnan(unc.effect_size(unc.Interval(3.0, 3.0, 3.0, 8, 0.0, "no spread")))
    assert np.isnan(unc.effect_size(unc.mean_interval([3.0])))
    assert unc.distance_to_margin(iv, "greater", 1.0) == 2.0
    assert unc.distance_to_margin(iv, "less", 5.0) == -2.0
    # within: how far inside the band |d - c| < margin the estimate lies (negative: outside)
    assert unc.distance_to_margin(iv, "within", 4.0) == pytest.approx(1.0)
    ratio = unc.Interval(1.02, 1.0, 1.04, 8, 0.01, "t")
    assert unc.distance_to_margin(ratio, "within", 0.05, "ratio") == pytest.approx(0.03)
    assert unc.distance_to_margin(ratio, "within", 0.05) == pytest.approx(-0.97)


def test_seeds_needed_edges():
    assert unc.seeds_needed(1.0, 100.0) == 2  # never fewer than 2
    assert unc.seeds_needed(0.0, 1.0) == 2
    assert unc.seeds_needed(1.0, 1.0, cap=7) == 7  # the cap itself is allowed
    assert unc.seeds_needed(1.0, 1.0, cap=6) is None
    assert unc.seeds_needed(1.0, -1.0) == 7  # only the size of the distance counts
    for sd, dist in ((np.nan, 1.0), (1.0, np.nan), (1.0, 0.0), (np.inf, 1.0)):
        assert unc.seeds_needed(sd, dist) is None


def test_value_statistic_and_error_messages_of_the_pairing():
    wide = pd.DataFrame({"A": [1.0, 2.0, 3.0], "B": [1.0, 0.0, 2.0]}, index=[1, 2, 3])
    pd.testing.assert_series_equal(unc.paired_values(wide, ["A"], "value"), wide["A"])
    with pytest.raises(ValueError, match=r"statistic 'value' compares 1 variant\(s\); got \['A', "
                                         r"'B'\]"):
        unc.paired_values(wide, ["A", "B"], "value")
    with pytest.raises(ValueError, match="statistic must be one of difference, ratio, value"):
        unc.paired_values(wide, ["A", "B"], "mean")
    with pytest.raises(ValueError, match=r"ratio A / B: B is 0 in seed\(s\) \[2\];"):
        unc.paired_values(wide, ["A", "B"], "ratio")
    with pytest.raises(ValueError, match=r"no seed has finite values for every variant of "
                                         r"\['A', 'B'\]"):
        unc.paired_values(pd.DataFrame({"A": [np.nan], "B": [1.0]}), ["A", "B"])
    long = pd.DataFrame({"variant": ["A", "A", "B"], "seed": [1, 1, 1], "v": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"more than one row per \(variant, seed\), e.g. "
                                         r"variant=A, seed=1$"):
        unc.per_seed_table(long, "v", "variant")
    with pytest.raises(ValueError, match=r"column 'x' not in the table; it has \['variant'"):
        unc.per_seed_table(long, "x", "variant")


# -- the claims-table rows, cell by cell -----------------------------------------------------------
_REG = """
diff:
  claim: A beats B
  notebook: 99_x
  metric: welfare
  statistic: difference
  variants: [a, b]
  direction: greater
  margin: 0
ratio:
  claim: A near B
  notebook: 99_x
  metric: revenue
  statistic: ratio
  variants: [a, b]
  direction: within
  margin: 0.5
level:
  claim: A is positive
  notebook: 99_x
  metric: level
  statistic: value
  variants: [a]
  direction: greater
  margin: 0
gap:
  claim: gap is small
  notebook: 99_x
  metric: gap
  statistic: exact
  direction: less
  margin: 0.1
"""


def test_claim_rows_cell_by_cell(tmp_path):
    r = _registry(tmp_path, _REG)
    assert list(r) == ["diff", "ratio", "level", "gap"] and r["diff"].id == "diff"
    wide = pd.DataFrame({"a": [3.0, 5.0, 4.0], "b": [1.0, 2.0, 2.0]}, index=[7, 8, 9])
    iv = unc.mean_interval([2.0, 3.0, 2.0])
    common = {"claim": "A beats B", "seeds": "3", "rule": "mean(a − b) > 0",
              "verdict": unc.decide(iv, "greater", 0.0), "backend": "surrogate",
              "notebook": "99_x"}
    row = reg.evaluate_claim("diff", wide, backend="surrogate", registry=r)
    need = unc.seeds_needed(iv.sd, iv.estimate)
    assert row == {"id": "diff", "metric": "welfare", **common,
                   "estimate": "+2.333 (a 4 vs b 1.667)",
                   "ci": f"[{iv.low:,.4g}, {iv.high:,.4g}] (t)", "seeds_needed": str(need)}
    neg = reg.evaluate_claim("diff", wide.rename(columns={"a": "b", "b": "a"}), backend="s",
                             registry=r)
    assert neg["estimate"] == "-2.333 (a 1.667 vs b 4)"  # no "+" before a negative difference
    ratio = reg.evaluate_claim("ratio", wide, backend="s", registry=r, detail="d")
    assert ratio["estimate"] == "2.5x (a 4 vs b 1.667)"
    assert ratio["metric"] == "revenue; d" and ratio["rule"] == "|mean(a / b) − 1| < 0.5"
    riv = unc.mean_interval(wide["a"] / wide["b"])
    assert ratio["verdict"] == unc.decide(riv, "within", 0.5, "ratio") == "inconclusive"
    assert ratio["seeds_needed"] == str(unc.seeds_needed(
        riv.sd, unc.distance_to_margin(riv, "within", 0.5, "ratio")))
    level = reg.evaluate_claim("level", wide, backend="s", registry=r)
    assert level["estimate"] == "4" and level["rule"] == "mean(a) > 0"
    one = reg.evaluate_claim("diff", wide.iloc[:1], backend="s", registry=r)
    assert (one["ci"], one["seeds_needed"], one["verdict"]) == \
        ("none (one seed)", "n/a (1 seed)", "inconclusive")
    flat = reg.evaluate_claim("diff", wide.assign(b=wide["a"] - 1e-9 * 0 - 2.0), backend="s",
                              registry=r)
    assert flat["ci"] == "[2, 2] (no spread)" and flat["seeds_needed"] == "2"
    far = reg.evaluate_claim("diff", pd.DataFrame({"a": [1.0, -1.0, 1.0, -1.0],
                                                   "b": [0.0] * 4}), backend="s", registry=r)
    assert far["seeds_needed"] == "> 10,000"
    un = reg.evaluate_claim("diff", wide, backend="s", registry=r, detail="d", untestable="why")
    assert un["metric"] == "welfare; d; untestable here: why" and un["verdict"] == "inconclusive"
    frame = reg.claims_frame([row, un])
    assert list(frame.columns) == list(reg.ROW_COLUMNS) and len(frame) == 2


def test_exact_claim_rows(tmp_path):
    r = _registry(tmp_path, _REG)
    row = reg.exact_claim("gap", 0.04, registry=r)
    assert row == {"id": "gap", "claim": "gap is small", "metric": "gap", "estimate": "0.04",
                   "ci": "exact", "seeds": "exact", "rule": "value < 0.1", "verdict": "supported",
                   "seeds_needed": "n/a (exact)", "backend": "none (exact)", "notebook": "99_x"}
    assert reg.exact_claim("gap", 0.3, registry=r, detail="d", backend="b")["metric"] == "gap; d"
    assert reg.exact_claim("gap", 0.3, registry=r)["verdict"] == "contradicted"
    assert reg.exact_claim("gap", 0.1, registry=r)["verdict"] == "contradicted"  # on the margin
    with pytest.raises(ValueError, match=r"^claim 'diff' is a difference over seeds: use "
                                         r"evaluate_claim\(...\)$"):
        reg.exact_claim("diff", 1.0, registry=r)
    with pytest.raises(ValueError, match=r"^claim 'gap': value must be finite; got nan$"):
        reg.exact_claim("gap", float("nan"), registry=r)
    assert reg._num(float("inf")) == "n/a" and reg._num(12345.678) == "1.235e+04"


@pytest.mark.parametrize("text, message", [
    ("x: 3", r"claim 'x' must be a mapping of \['claim', 'direction', 'margin', 'metric', "
             r"'notebook', 'statistic', 'variants'\]$"),
    ("x: {claim: c, notebook: n}", r"claim 'x' has unknown field\(s\) \[\] or lacks "
                                   r"\['direction', 'margin', 'metric', 'statistic'\]; fields: "
                                   r"claim, direction, margin, metric, notebook, statistic, "
                                   r"variants$"),
    ("x: {claim: c, notebook: n, metric: m, statistic: mean, direction: less, margin: 0}",
     r"claim 'x': statistic must be one of difference, ratio, value, exact; got 'mean'$"),
    ("x: {claim: c, notebook: n, metric: m, statistic: exact, direction: less, margin: .nan}",
     r"claim 'x': margin must be a number; got nan$"),
    ("x: {claim: c, notebook: n, metric: m, statistic: exact, direction: less, margin: true}",
     r"claim 'x': margin must be a number; got True$"),
    ("x: {claim: c, notebook: n, metric: m, statistic: exact, direction: less, margin: a}",
     r"claim 'x': margin must be a number; got 'a'$"),
    ("x: {claim: c, notebook: n, metric: m, statistic: exact, direction: within, margin: 0}",
     r"claim 'x': a 'within' margin must be > 0$"),
    ("[1, 2]", r"must map claim ids to claims$"),
])
def test_registry_errors_in_full(tmp_path, text, message):
    with pytest.raises(ValueError, match=re.escape(str(tmp_path)) + r"\S*: " + message
                       if message.startswith("claim") else message):
        _registry(tmp_path, text)


def test_registry_file_must_exist_and_within_margins_may_be_tiny(tmp_path):
    with pytest.raises(ValueError, match=r"^claims registry \S+nope.yaml not found$"):
        reg.load_registry(tmp_path / "nope.yaml")
    ok = _registry(tmp_path, "x: {claim: c, notebook: n, metric: m, statistic: exact, "
                             "direction: within, margin: 0.001}")
    assert ok["x"].margin == 0.001
    assert reg.get_claim("x", ok) is ok["x"]
    assert reg.get_claim("c2-saez-inverse-income") == reg.load_registry()["c2-saez-inverse-income"]


def test_estimate_sign_and_unknown_claims(tmp_path):
    r = _registry(tmp_path, _REG)
    zero = reg.evaluate_claim("diff", pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 2.0]}),
                              backend="s", registry=r)
    assert zero["estimate"] == "+0 (a 1.5 vs b 1.5)"
    half = reg.evaluate_claim("diff", pd.DataFrame({"a": [1.5, 2.5], "b": [1.0, 2.0]}),
                              backend="s", registry=r)
    assert half["estimate"] == "+0.5 (a 2 vs b 1.5)"
    with pytest.raises(ValueError, match="^unknown claim 'x'; registered claims: diff, ratio, "
                                         "level, gap$"):
        reg.get_claim("x", r)
