"""A rule applies only where it tests its claim (issue 27): "majority exploitation" compares the
leader's voters with the rest only when the voters are a majority of workers."""

from __future__ import annotations

import pandas as pd
import pytest

from econsim.analysis.claim_registry import DOES_NOT_APPLY, evaluate_claim, load_registry

CLAIM = "c4-elections-exploitation"


def _gains(voters_minus_others: float) -> pd.DataFrame:
    seeds = range(8)
    return pd.DataFrame({"voters": [10.0 + voters_minus_others + 0.1 * s for s in seeds],
                         "others": [10.0 + 0.05 * s for s in seeds]}, index=list(seeds))


def test_registered_with_its_condition():
    spec = load_registry()[CLAIM]
    assert spec.min_share == 0.5 and "voters" in spec.share_of


def test_a_minority_coalition_does_not_test_the_claim():
    """The negative control: voters who gain clearly, but are 18 % of workers, used to make the
    row 'supported'."""
    row = evaluate_claim(CLAIM, _gains(+50.0), backend="surrogate", share=0.18)
    assert row["verdict"] == DOES_NOT_APPLY
    assert "18% of the total, under the 50%" in row["metric"]
    assert row["seeds_needed"] == "n/a (does not apply)"


def test_a_majority_coalition_is_tested_both_ways():
    assert evaluate_claim(CLAIM, _gains(+50.0), backend="s", share=0.6)["verdict"] == "supported"
    # data built to violate the claim: the majority loses against the others
    assert evaluate_claim(CLAIM, _gains(-50.0), backend="s", share=0.6)["verdict"] \
        == "contradicted"


def test_the_share_must_be_given():
    with pytest.raises(ValueError, match="pass share="):
        evaluate_claim(CLAIM, _gains(1.0), backend="s")


def test_a_malformed_condition_is_refused(tmp_path):
    from econsim.analysis.claim_registry import _spec

    entry = {"claim": "c", "notebook": "n", "metric": "m", "statistic": "value",
             "variants": ["a"], "direction": "greater", "margin": 0,
             "applies_when": {"share_at_least": 1.5, "of": "x"}}
    with pytest.raises(ValueError, match="applies_when must be"):
        _spec("x", entry, tmp_path / "claims.yaml")
