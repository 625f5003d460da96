"""Tidy comparison tables for a sampled population (used by notebook 00 and its tests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from econsim.economy.skills import ACS_2023_GB2
from econsim.economy.tax import US_FEDERAL_2024, TaxPreset, bracket_edges
from econsim.population.census import AGE_BANDS, OCCUPATIONS, CensusTable
from econsim.population.fixed_archetypes import FIXED_ARCHETYPES, fixed_archetype_probabilities
from econsim.population.population import Population
from econsim.population.wages import OccupationWages

#: Percentiles reported for the income distribution.
REPORT_PERCENTILES = (0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99)


def income_quantile_table(pop: Population,
                          percentiles: Sequence[float] = REPORT_PERCENTILES) -> pd.DataFrame:
    """Sample income quantiles (40 h/week) against the ACS GB2 prior's quantiles."""
    p = np.asarray(percentiles, dtype=float)
    sample = np.quantile(pop.incomes_40h, p)
    prior = ACS_2023_GB2.quantile(p)
    return pd.DataFrame({"percentile": p, "sample_income": sample, "gb2_income": prior,
                         "relative_difference": sample / prior - 1.0})


def bracket_share_table(pop: Population, preset: TaxPreset = US_FEDERAL_2024) -> pd.DataFrame:
    """Share of agents whose income at 40 h falls in each bracket of ``preset`` (a
    :class:`~econsim.economy.tax.TaxPreset`), sample vs GB2 prior."""
    edges = bracket_edges(preset, "preset")
    upper = np.append(edges[1:], np.inf)
    inc = pop.incomes_40h
    idx = np.searchsorted(edges, inc, side="right") - 1
    sample = np.bincount(idx, minlength=edges.size) / inc.size
    cdf = np.append(ACS_2023_GB2.cdf(edges[1:]), 1.0)
    prior = np.diff(np.concatenate([[0.0], cdf]))
    return pd.DataFrame({"bracket_lower": edges, "bracket_upper": upper, "sample_share": sample,
                         "gb2_share": prior})


def demographic_mix_table(pop: Population, table: CensusTable) -> pd.DataFrame:
    """Occupation × age-band shares: sample against the census table (long format)."""
    census = table.margin("occupation", "age_band") / table.total
    counts = (pop.agents.groupby(["occupation", "age_band"], observed=False).size()
              .unstack().reindex(index=list(OCCUPATIONS), columns=list(AGE_BANDS)))
    sample = counts / counts.to_numpy().sum()
    out = census.stack().rename("census_share").to_frame()
    out["sample_share"] = sample.stack()
    out["sample_count"] = counts.stack()
    return out.reset_index()


def chi_square_mix(pop: Population, table: CensusTable) -> dict[str, float]:
    """Chi-square goodness of fit of the sampled occupation × age counts to the census table."""
    mix = demographic_mix_table(pop, table)
    expected = mix["census_share"].to_numpy() * mix["sample_count"].sum()
    res = stats.chisquare(mix["sample_count"].to_numpy(), expected)
    return {"statistic": float(res.statistic), "dof": int(len(mix) - 1),
            "p_value": float(res.pvalue)}


def occupation_income_table(pops: Mapping[str, Population], wages: OccupationWages
                            ) -> pd.DataFrame:
    """Median and quartiles of income at 40 h by occupation for each skill mode, with OEWS."""
    rows = []
    for mode, pop in pops.items():
        inc = pd.Series(pop.incomes_40h, index=pop.agents.index)
        g = inc.groupby(pop.agents["occupation"], observed=False)
        q = g.quantile([0.25, 0.5, 0.75]).unstack()
        for i, occ in enumerate(OCCUPATIONS):
            rows.append({"mode": mode, "occupation": occ, "n": int(g.size().loc[occ]),
                         "income_p25": q.loc[occ, 0.25], "income_median": q.loc[occ, 0.5],
                         "income_p75": q.loc[occ, 0.75], "oews_median": wages.medians[i]})
    return pd.DataFrame(rows)


def consistency_table(pops: Mapping[str, Population], wages: OccupationWages) -> pd.DataFrame:
    """How well each mode's incomes agree with the agents' occupations.

    ``spearman_agent`` — rank correlation between an agent's income and its occupation's OEWS
    median wage; ``spearman_occupation`` — rank correlation of the occupations' median incomes
    with their OEWS medians; ``share_in_oews_p10_p90`` — agents whose income lies inside their
    occupation's published OEWS p10–p90 range.
    """
    lo, hi = np.exp(wages.log_knots[:, 0]), np.exp(wages.log_knots[:, -1])
    rows = []
    for mode, pop in pops.items():
        occ = pop.agents["occupation"].cat.codes.to_numpy()
        inc = pop.incomes_40h
        med = pd.Series(inc).groupby(occ).median().reindex(range(len(OCCUPATIONS)))
        ok = med.notna().to_numpy()
        rows.append({
            "mode": mode,
            "spearman_agent": float(stats.spearmanr(inc, wages.medians[occ]).statistic),
            "spearman_occupation": float(stats.spearmanr(med.to_numpy()[ok],
                                                         wages.medians[ok]).statistic),
            "share_in_oews_p10_p90": float(((inc >= lo[occ]) & (inc <= hi[occ])).mean()),
        })
    return pd.DataFrame(rows)


def sample_personas_table(pop: Population, n: int = 8) -> pd.DataFrame:
    """The first ``n`` agents' attributes and persona texts."""
    cols = ["agent_id", "age", "sex", "occupation", "skill", "tax_attitude", "risk_tolerance",
            "household"]
    out = pop.agents[cols].head(n).copy()
    out["income_40h"] = out["skill"] * 40
    out["persona"] = pop.persona_texts(np.arange(min(n, len(pop))))
    return out


def fixed_cluster_table() -> pd.DataFrame:
    """The 13 fixed archetypes: published share, sampling probability, attributes, text."""
    probs = fixed_archetype_probabilities()
    return pd.DataFrame([{"name": a.name, "published_share": a.share, "probability": p,
                          "occupation": a.occupation, "age": a.age, "sex": a.sex,
                          "tax_attitude": a.tax_attitude, "risk_tolerance": a.risk_tolerance,
                          "persona": a.text} for a, p in zip(FIXED_ARCHETYPES, probs,
                                                              strict=True)])


def cluster_table(pop: Population, k: int) -> pd.DataFrame:
    """Summary of :meth:`Population.clusters` with the representative's agent id."""
    g = pop.clusters(k)
    out = g.summary.copy()
    out.insert(1, "representative_agent", pop.agents["agent_id"].to_numpy()[g.representatives])
    out["feature_level"] = "+".join(g.level) or "none"
    return out.drop(columns="representative_row")
