"""Elections: leader turnover, coalition utilities and the exact democratic game."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from econsim.analysis.runs import RunSet
from econsim.simulation import SimConfig, make_simulation

Array = NDArray[np.float64]


def leader_turnover(steps: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per democratic run and tax year: the leader, whether it changed, and the tax-year mean of
    ``metric`` with its change from the previous year."""
    parts = []
    for label, st in steps[steps.leader.notna()].groupby("variant", sort=False):
        y = st.groupby("tax_year").agg(step=("step", "min"), leader=("leader", "first"),
                                       value=(metric, "mean")).reset_index()
        y["changed"] = y.leader.ne(y.leader.shift()) & (y.index > 0)
        y["delta_next"] = y.value.shift(-1) - y.value.shift(1)  # year after vs year before
        y.insert(0, "variant", label)
        parts.append(y)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["variant", "tax_year", "step", "leader", "value", "changed", "delta_next"])


def turnover_summary(turnover: pd.DataFrame) -> pd.DataFrame:
    """Per democratic run: tax years, leader changes, distinct leaders, and the mean change of
    the metric across a tax year with a new leader vs one with the same leader."""
    rows = []
    for label, y in turnover.groupby("variant", sort=False):
        ch = y[y.changed].value - y.value.shift(1)[y.changed]
        same = (y.value - y.value.shift(1))[~y.changed & (y.index > y.index.min())]
        rows.append({"variant": label, "tax_years": len(y), "leader_changes": int(y.changed.sum()),
                     "distinct_leaders": int(y.leader.nunique()),
                     "mean_change_new_leader": float(ch.mean()) if len(ch) else np.nan,
                     "mean_change_same_leader": float(same.mean()) if len(same) else np.nan})
    return pd.DataFrame(rows)


def coalition_utility(agents: pd.DataFrame, steps: pd.DataFrame, elections: pd.DataFrame,
                      reference: pd.DataFrame, K: int) -> pd.DataFrame:
    """Mean utility of the leader's voters (the winning coalition) and of everyone else, per
    democratic run, relative to the same workers in a reference (planner-led) run.

    ``reference`` is an agents table of one run with the same population (same seed). The
    coalition of a tax year is the set of workers who voted for the leader in force at the last
    election (before the first election: nobody). Returns (variant, group, mean_utility,
    reference_utility, change, share_of_workers).
    """
    ref = reference.groupby("agent")["utility"].mean()
    rows = []
    for label, a in agents.groupby("variant", sort=False):
        e = elections[elections.variant == label] if len(elections) else elections
        if e is None or len(e) == 0:
            continue
        votes = e.assign(tax_year=e.step // K)
        voted = votes[votes.vote == votes.leader].groupby("tax_year")["agent"].apply(set)
        years = sorted(a.step.unique() // K)
        coalition: dict[int, set] = {}
        current: set = set()
        for yr in sorted(set(years)):
            if yr in voted.index:
                current = voted.loc[yr]
            coalition[yr] = current
        a = a.assign(tax_year=a.step // K)
        a = a.assign(in_coalition=[agent in coalition.get(yr, set())
                                   for agent, yr in zip(a.agent, a.tax_year, strict=True)])
        a = a[a.tax_year > votes.tax_year.min() - 1]
        for group, mask in (("leader's voters", a.in_coalition),
                            ("everyone else", ~a.in_coalition)):
            sub = a[mask]
            if sub.empty:
                continue
            rows.append({"variant": label, "group": group,
                         "mean_utility": float(sub.utility.mean()),
                         "reference_utility": float(ref.loc[sub.agent].mean()),
                         "share_of_workers": float(mask.mean())})
    out = pd.DataFrame(rows)
    if len(out):
        out["change"] = out.mean_utility - out.reference_utility
    return out


def income_group_utility(agents: pd.DataFrame, reference: pd.DataFrame, skills: Array,
                         n_groups: int = 2) -> pd.DataFrame:
    """Mean utility by skill group (bottom half = the majority of voters below median skill …)
    per run, relative to the same workers in a reference run."""
    edges = np.quantile(skills, np.linspace(0, 1, n_groups + 1)[1:-1])
    group_of = np.searchsorted(edges, skills, side="right")
    names = (["lower-skill half", "upper-skill half"] if n_groups == 2
             else [f"skill group {g + 1} of {n_groups}" for g in range(n_groups)])
    ref = reference.groupby("agent")["utility"].mean()
    rows = []
    for label, a in agents.groupby("variant", sort=False):
        per_agent = a.groupby("agent")["utility"].mean()
        for g in range(n_groups):
            members = np.flatnonzero(group_of == g)
            rows.append({"variant": label, "group": names[g],
                         "mean_utility": float(per_agent.loc[members].mean()),
                         "reference_utility": float(ref.loc[members].mean())})
    out = pd.DataFrame(rows)
    out["change"] = out.mean_utility - out.reference_utility
    return out


def exact_majority_exploitation(skills: Sequence[float] = (300.0, 320.0, 340.0, 360.0, 6000.0),
                                n_steps: int = 60, K: int = 10, tax_preset: str = "three",
                                utility: str = "calibrated", seed: int = 1
                                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The democratic game with exact (rational) voters and leaders on a constructed population.

    By default four low-skill workers and one high earner. Every worker votes for the candidate
    whose own utility-maximising DELTA gives the voter the most utility; the leader proposes its
    own best DELTA every tax year (bracket by bracket, everyone best-responding). No LLM is
    involved, so the outcome is the game's, not a model's.

    Returns
    -------
    workers
        One row per worker: ``agent``, ``skill``, ``group`` (majority/minority by skill),
        ``utility_first`` and ``utility_last`` (first and last tax year means), ``tax_first``,
        ``tax_last``, ``times_leader`` (tax years led).
    steps
        The run's step table (rates per bracket, leader, welfare).
    """
    s = np.asarray(skills, dtype=float)
    cfg = SimConfig(scenario="democratic", worker="rational", n_agents=int(s.size),
                    n_steps=n_steps, K=K, tax_preset=tax_preset, utility=utility, seed=seed)
    sim = make_simulation(cfg)
    sim.use_skills(s)  # the constructed population replaces the sampled one
    res = sim.run()
    agents = res.agents.assign(tax_year=res.agents.step // K)
    first, last = agents.tax_year.min(), agents.tax_year.max()
    by_year = agents.groupby(["tax_year", "agent"])[["utility", "tax"]].mean()
    leaders = res.steps.groupby("tax_year")["leader"].first().value_counts()
    majority = s < np.median(s) * 3  # the skills far above the median form the minority
    workers = pd.DataFrame({
        "agent": np.arange(s.size), "skill": s,
        "group": np.where(majority, "majority (low skill)", "minority (high skill)"),
        "utility_first": by_year.loc[first]["utility"].to_numpy(),
        "utility_last": by_year.loc[last]["utility"].to_numpy(),
        "tax_first": by_year.loc[first]["tax"].to_numpy(),
        "tax_last": by_year.loc[last]["tax"].to_numpy(),
        "times_leader": [int(leaders.get(f"worker_{i}", 0)) for i in range(s.size)]})
    return workers, res.steps


def group_utility_by_seed(runs: RunSet, reference: str, seeds: Sequence[int], K: int
                          ) -> pd.DataFrame:
    """Per seed, every other variant's utility change against the ``reference`` variant's run on
    the same population, by two groupings: the leader's voters vs everyone else
    (:func:`coalition_utility`) and the lower vs upper skill half (:func:`income_group_utility`).

    Runs are labelled ``"<variant> · seed <s>"`` (:func:`~econsim.analysis.run_variants`). Returns
    the rows of both functions, seed by seed, with columns ``arm`` and ``seed`` after ``variant``
    and ``grouping`` naming the grouping.
    """
    parts = []
    for s in seeds:
        in_seed = runs.agents[runs.agents.seed == s]
        ref_label = f"{reference} · seed {s}"
        if ref_label not in runs.skills:
            raise ValueError(f"reference {reference!r} has no run with seed {s}")
        ref_agents = in_seed[in_seed.variant == ref_label]
        others = in_seed[in_seed.variant != ref_label]
        coalition = coalition_utility(others, runs.steps, runs.elections, ref_agents, K)
        by_skill = income_group_utility(others, ref_agents, runs.skills[ref_label])
        parts += [coalition.assign(grouping="leader's voters vs everyone else"),
                  by_skill.assign(grouping="by skill: lower vs upper half")]
    out = pd.concat(parts, ignore_index=True)
    out.insert(1, "arm", out.variant.map(runs.arms))
    out.insert(2, "seed", out.variant.map({k: c.seed for k, c in runs.configs.items()}))
    return out
