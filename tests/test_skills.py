"""GB2 skill prior: quantiles from MODEL.md, sampling, determinism, bad input."""

import numpy as np
import pytest
from scipy import stats

from econsim.economy.skills import (
    ACS_2023_GB2,
    SKILL_DISTRIBUTIONS,
    UNIFORM_SKILL_RANGE,
    sample_skills,
)

QUANTILES = {0.10: 6_851, 0.25: 17_393, 0.50: 38_102, 0.75: 72_159, 0.90: 124_509, 0.99: 361_313}


def test_gb2_quantiles_match_model_md():
    got = ACS_2023_GB2.quantile(list(QUANTILES))
    np.testing.assert_allclose(got, list(QUANTILES.values()), rtol=1e-4)


def test_gb2_cdf_inverts_quantile():
    p = np.array([0.01, 0.3, 0.7, 0.999])
    np.testing.assert_allclose(ACS_2023_GB2.cdf(ACS_2023_GB2.quantile(p)), p, rtol=1e-9)


def test_gb2_samples_follow_the_prior():
    s = sample_skills(200_000, np.random.default_rng(7))
    incomes = s * 40
    np.testing.assert_allclose(np.quantile(incomes, list(QUANTILES)), list(QUANTILES.values()),
                               rtol=0.03)
    # a Kolmogorov–Smirnov test against the exact CDF does not reject at 1 %
    assert stats.kstest(incomes[:20_000], ACS_2023_GB2.cdf).pvalue > 0.01


def test_seeded_and_uniform():
    a = sample_skills(1000, np.random.default_rng(42))
    b = sample_skills(1000, np.random.default_rng(42))
    np.testing.assert_array_equal(a, b)
    u = sample_skills(50_000, np.random.default_rng(1), "uniform")
    assert UNIFORM_SKILL_RANGE[0] <= u.min() and u.max() <= UNIFORM_SKILL_RANGE[1]
    assert u.mean() == pytest.approx(sum(UNIFORM_SKILL_RANGE) / 2, rel=0.01)


def test_bad_input():
    with pytest.raises(ValueError, match="valid names: gb2, uniform"):
        sample_skills(10, np.random.default_rng(0), "lognormal")
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        sample_skills(0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="open interval"):
        ACS_2023_GB2.quantile([0.0])
    assert set(SKILL_DISTRIBUTIONS) == {"gb2", "uniform"}


def test_gb2_edges_and_uniform_arguments_one_by_one():
    from econsim.economy.skills import sample_uniform_skills

    assert ACS_2023_GB2.cdf([0.0, -5.0]).tolist() == [0.0, 0.0]
    assert 0.0 < ACS_2023_GB2.cdf([0.5])[0] < ACS_2023_GB2.cdf([1.0])[0]  # below 1 USD too
    for p in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match=r"^p must be probabilities in the open interval "
                                             r"\(0, 1\)$"):
            ACS_2023_GB2.quantile([0.5, p])
    with pytest.raises(ValueError, match=r"^p must be numeric"):
        ACS_2023_GB2.quantile(["half"])
    rng = np.random.default_rng(0)
    s = sample_uniform_skills(50, rng, low=0.0, high=0.5)  # low may be 0, both below 1
    assert ((s >= 0.0) & (s <= 0.5)).all()
    for low, high in ((np.nan, 5.0), (1.0, np.inf), ([1.0], 5.0), (1.0, [5.0]), (-1.0, 5.0),
                      (5.0, 5.0), (6.0, 5.0)):
        with pytest.raises(ValueError, match=r"^low and high must be finite numbers with "
                                             r"0 <= low < high for uniform skills; got low="):
            sample_uniform_skills(5, rng, low=low, high=high)
    with pytest.raises(ValueError, match="^n must be"):
        sample_uniform_skills(0, rng)
