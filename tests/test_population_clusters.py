"""Grouping N agents into K archetypes: exact K, mapping, purity, dispersion, errors."""

from __future__ import annotations

import numpy as np
import pytest

from econsim.population import Population, group_into_clusters


@pytest.fixture(scope="module")
def pop():
    return Population.sample(20_000, seed=4, skills="joint", personas="none")


@pytest.mark.parametrize("k", [1, 7, 10, 30, 100, 997])
def test_exactly_k_nonempty_archetypes(pop, k):
    g = pop.clusters(k)
    assert g.k == k
    assert set(np.unique(g.labels)) == set(range(k))
    assert g.summary["size"].sum() == len(pop)
    assert np.allclose(g.summary["share"].sum(), 1.0)
    assert (g.labels[g.representatives] == np.arange(k)).all()


def test_archetypes_with_thirty_groups_are_pure_in_skill_decile_and_attitude(pop):
    g = pop.clusters(30)
    assert g.level == ("skill_decile", "tax_attitude")
    assert (g.summary["tax_attitude_majority_share"] == 1.0).all()
    # within-group skill ranges do not overlap across deciles
    dec = np.floor(np.argsort(np.argsort(pop.skills)) * 10 / len(pop)).astype(int)
    for a in range(30):
        assert np.unique(dec[g.labels == a]).size == 1


def test_more_archetypes_reduce_skill_dispersion(pop):
    cv = [np.average(pop.clusters(k).summary["skill_cv"],
                     weights=pop.clusters(k).summary["size"]) for k in (5, 50, 500)]
    assert cv[0] > cv[1] > cv[2]


def test_k_equals_n_gives_singletons():
    small = Population.sample(12, seed=0, personas="none")
    g = small.clusters(12)
    assert sorted(g.labels.tolist()) == list(range(12))
    assert (g.summary["skill_cv"].abs() < 1e-6).all()


@pytest.mark.parametrize("k, match", [(0, "k must be an integer >= 1"),
                                      (-3, "k must be an integer >= 1"),
                                      (13, "exceeds the population size N = 12")])
def test_bad_k(k, match):
    small = Population.sample(12, seed=0, personas="none")
    with pytest.raises(ValueError, match=match):
        small.clusters(k)


def test_missing_columns():
    small = Population.sample(12, seed=0, personas="none")
    with pytest.raises(ValueError, match="lacks column"):
        group_into_clusters(small.agents.drop(columns="tax_attitude"), 3)
