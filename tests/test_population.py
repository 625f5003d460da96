"""Population sampling: census marginals, skills, joint mode, personas, seeds, save/load, errors."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from econsim.economy.skills import ACS_2023_GB2
from econsim.population import (
    ATTITUDE_FIELDS,
    ATTITUDE_PHRASES,
    FIXED_ARCHETYPES,
    OCCUPATIONS,
    Population,
    fixed_archetype_probabilities,
    load_census_table,
    load_occupation_wages,
    read_attitudes,
    sample_fixed_archetypes,
    write_persona,
)
from econsim.population.attitudes import risk_probs, tax_attitude_probs
from econsim.population.demographics import age_band_of
from econsim.population.skill_modes import JointSkillModel

#: Significance level of the goodness-of-fit tests (fixed seeds, so the outcome is deterministic).
ALPHA = 0.001
N_BIG = 100_000


@pytest.fixture(scope="module")
def table():
    return load_census_table()


@pytest.fixture(scope="module")
def big_gb2():
    return Population.sample(N_BIG, seed=7, skills="gb2", personas="none")


@pytest.fixture(scope="module")
def big_joint():
    return Population.sample(N_BIG, seed=7, skills="joint", personas="none")


def _chi2_pvalue(observed_labels: pd.DataFrame, probs: np.ndarray) -> float:
    counts = observed_labels.value_counts(sort=False).reindex(
        pd.MultiIndex.from_product([c.cat.categories for _, c in observed_labels.items()]),
        fill_value=0).to_numpy()
    return float(stats.chisquare(counts, probs.ravel() * counts.sum()).pvalue)


def test_marginals_match_census_table(big_gb2, table):
    a = big_gb2.agents
    p = table.probabilities()
    assert _chi2_pvalue(a[["occupation", "age_band"]], p.sum(axis=1)) > ALPHA
    assert _chi2_pvalue(a[["occupation", "sex"]], p.sum(axis=2)) > ALPHA
    assert _chi2_pvalue(a[["sex", "age_band"]], p.sum(axis=0)) > ALPHA


def test_sampler_detects_a_wrong_table(big_gb2, table):
    """The chi-square check has power: a table with shuffled age bands is rejected."""
    p = table.probabilities().sum(axis=1)[:, ::-1]
    assert _chi2_pvalue(big_gb2.agents[["occupation", "age_band"]], p) < ALPHA


def test_ages_lie_in_their_bands(big_gb2):
    a = big_gb2.agents
    assert (age_band_of(a["age"].to_numpy()) == a["age_band"].cat.codes.to_numpy()).all()
    assert a["age"].min() == 16 and a["age"].max() == 75


@pytest.mark.parametrize("mode", ["gb2", "joint"])
def test_skill_quantiles_match_gb2(mode, big_gb2, big_joint):
    pop = big_gb2 if mode == "gb2" else big_joint
    income = pop.incomes_40h
    p = np.array([0.1, 0.25, 0.5, 0.75, 0.9])
    np.testing.assert_allclose(np.quantile(income, p), ACS_2023_GB2.quantile(p), rtol=0.03)
    assert stats.kstest(income, ACS_2023_GB2.cdf).pvalue > ALPHA


def test_joint_keeps_occupation_wage_order_exactly(table):
    wages = load_occupation_wages()
    shares = table.counts.sum(axis=(1, 2)) / table.total
    model = JointSkillModel(wages, shares)
    q = model.occupation_income_quantiles()
    oews = np.exp(wages.log_knots)
    for k in range(q.shape[1]):  # same ranking of occupations at every published percentile
        assert (np.argsort(q[:, k], kind="stable") == np.argsort(oews[:, k], kind="stable")).all()
    assert (np.diff(q, axis=1) > 0).all()


def test_joint_sample_ranks_occupations_like_oews(big_joint, big_gb2):
    wages = load_occupation_wages()
    for pop, want in ((big_joint, 0.95), (big_gb2, None)):
        med = pop.agents.groupby("occupation", observed=False)["skill"].median()
        rho = stats.spearmanr(med.loc[list(OCCUPATIONS)], wages.medians).statistic
        if want is None:
            assert abs(rho) < 0.6  # independent: no systematic relation
        else:
            assert rho > want


def test_joint_shares_demographics_with_independent(big_gb2, big_joint):
    for col in ("occupation", "sex", "age"):
        assert big_gb2.agents[col].equals(big_joint.agents[col])


def test_same_seed_same_population_different_seed_differs():
    a = Population.sample(500, seed=11, skills="joint")
    b = Population.sample(500, seed=11, skills="joint")
    c = Population.sample(500, seed=12, skills="joint")
    pd.testing.assert_frame_equal(a.agents, b.agents)
    assert not a.agents["skill"].equals(c.agents["skill"])
    g1 = Population.sample(50, np.random.default_rng(5))
    g2 = Population.sample(50, np.random.default_rng(5))
    pd.testing.assert_frame_equal(g1.agents, g2.agents)
    assert g1.config["seed"] is None


def test_every_persona_states_its_age_sex_occupation_and_attitudes():
    pop = Population.sample(3000, seed=3, skills="joint", personas="offline")
    nouns = {"female": r"\bwoman\b", "male": r"\bman\b"}
    for row, text in zip(pop.agents.itertuples(), pop.personas, strict=True):
        assert f"{row.age}-year-old" in text
        assert re.search(nouns[row.sex], text)
        assert row.occupation.lower() in text
        assert read_attitudes(text) == {f: getattr(row, f) for f in ATTITUDE_FIELDS}
        assert text.count(". ") == 2 and text.endswith(".") and text.startswith("You are a ")
    assert len(set(pop.personas)) > 2900  # varied
    assert pop.persona_texts([0, 1]) == pop.personas[:2]


def test_attitude_phrases_are_unambiguous():
    phrases = [p for field in ATTITUDE_PHRASES.values() for p in field.values()]
    assert len(set(phrases)) == len(phrases)
    for a in phrases:
        assert a.startswith("you ") and a == a.lower()
        assert not any(a != b and a in b for b in phrases)


def test_attitudes_are_mildly_correlated_with_income_and_age(big_gb2):
    probs = tax_attitude_probs(np.array([0.0, 0.5, 1.0]))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert probs[0, 0] > probs[2, 0] and probs[0, 2] < probs[2, 2]
    np.testing.assert_allclose(risk_probs(np.array([16, 75])).sum(axis=1), 1.0)
    a = big_gb2.agents
    rich = a["income_percentile"] > 0.8
    pro = a["tax_attitude"] == "pro_redistribution"
    assert pro[~rich].mean() > pro[rich].mean()
    # the sampled share matches the documented probability, averaged over agents
    expected = tax_attitude_probs(a["income_percentile"].to_numpy())[:, 0].mean()
    assert abs(pro.mean() - expected) < 0.01


def test_persona_writer_rejects_unknown_labels():
    kw = dict(age=40, sex="female", occupation=OCCUPATIONS[0], income=5e4, percentile=0.5,
              tax_attitude="pragmatic", risk_tolerance="low", household="single")
    assert "40-year-old woman" in write_persona(**kw)
    for key, bad in (("occupation", "Wizards"), ("sex", "f"), ("tax_attitude", "meh"),
                     ("risk_tolerance", "wild"), ("household", "castle")):
        with pytest.raises(ValueError, match="valid"):
            write_persona(**{**kw, key: bad})


def test_fixed_archetypes_and_sampler():
    assert len(FIXED_ARCHETYPES) == 13
    assert sum(a.share for a in FIXED_ARCHETYPES) == pytest.approx(0.90)
    p = fixed_archetype_probabilities()
    idx = sample_fixed_archetypes(50_000, np.random.default_rng(0))
    counts = np.bincount(idx, minlength=13)
    assert stats.chisquare(counts, p * counts.sum()).pvalue > ALPHA
    for a in FIXED_ARCHETYPES:
        assert f"{a.age}-year-old" in a.text and a.occupation.lower() in a.text
        assert read_attitudes(a.text) == {"tax_attitude": a.tax_attitude,
                                          "risk_tolerance": a.risk_tolerance,
                                          "household": a.household}
    pop = Population.sample(200, seed=1, personas="archetypes")
    names = {a.name: a for a in FIXED_ARCHETYPES}
    for row, text in zip(pop.agents.itertuples(), pop.personas, strict=True):
        arch = names[row.fixed_archetype]
        assert text == arch.text and row.occupation == arch.occupation and row.age == arch.age


def test_save_load_round_trip(tmp_path):
    pop = Population.sample(300, seed=9, skills="joint")
    pop.save(tmp_path / "pop")
    back = Population.load(tmp_path / "pop")
    pd.testing.assert_frame_equal(back.agents, pop.agents)
    assert back.config == pop.config
    pop.save(tmp_path / "again")
    assert ((tmp_path / "pop" / "agents.parquet").read_bytes()
            == (tmp_path / "again" / "agents.parquet").read_bytes())


def test_load_rejects_tampered_or_missing_files(tmp_path):
    Population.sample(20, seed=1).save(tmp_path / "p")
    with pytest.raises(ValueError, match="not a saved population"):
        Population.load(tmp_path / "nothing")
    path = tmp_path / "p" / "agents.parquet"
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ValueError, match="checksum"):
        Population.load(tmp_path / "p")


@pytest.mark.parametrize("kwargs, match", [
    (dict(n=0), "n must be an integer >= 1"),
    (dict(n=-5), "n must be an integer >= 1"),
    (dict(n=10, skills="psychic"), "unknown skill mode 'psychic'; valid names: gb2, joint"),
    (dict(n=10, personas="bards"), "unknown persona mode 'bards'; valid names: offline"),
    (dict(n=10, seed=-1), "seed must be a non-negative integer"),
])
def test_bad_sampling_options(kwargs, match):
    n = kwargs.pop("n")
    with pytest.raises(ValueError, match=match):
        Population.sample(n, **kwargs)


def test_personas_property_without_texts_explains():
    pop = Population.sample(5, seed=0, personas="none")
    with pytest.raises(ValueError, match="personas='none'"):
        _ = pop.personas
    assert len(pop.persona_texts()) == 5
    with pytest.raises(ValueError, match="one persona per agent"):
        pop.with_personas(["x"], "test")
    assert pop.with_personas(["t"] * 5, "test").personas == ["t"] * 5


def test_offline_surrogate_reads_the_stated_attitudes():
    """The LLM layer's surrogate scores every offline and fixed persona as its fields say."""
    from econsim.llm.surrogate.agents import attitudes
    from econsim.population import ATTITUDE_SCORES

    pop = Population.sample(1000, seed=8)
    texts = [*pop.personas, *(a.text for a in FIXED_ARCHETYPES)]
    tax = [*pop.agents["tax_attitude"], *(a.tax_attitude for a in FIXED_ARCHETYPES)]
    risk = [*pop.agents["risk_tolerance"], *(a.risk_tolerance for a in FIXED_ARCHETYPES)]
    for text, t, r in zip(texts, tax, risk, strict=True):
        assert attitudes(text) == (ATTITUDE_SCORES["tax_attitude"][t],
                                   ATTITUDE_SCORES["risk_tolerance"][r])
