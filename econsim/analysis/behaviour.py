"""Workers against exact references: best responses, adaptation, incomes by bracket, and the rational baselines."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from econsim.analysis.runs import RunSet, rate_columns, schedule_rates
from econsim.baselines.landscape import baseline_schedules, evaluate_schedule
from econsim.economy.best_response import best_response_menu
from econsim.economy.tax import TaxPreset, TaxSchedule, bracket_index
from econsim.economy.utility import UtilityParams
from econsim.simulation import SimConfig

Array = NDArray[np.float64]


def rational_baselines(skill: ArrayLike, brackets: TaxPreset, utility: UtilityParams,
                       objective: str, elasticity: float | str, seed: int = 42
                       ) -> tuple[dict[str, TaxSchedule], pd.DataFrame]:
    """US federal (7 brackets only), Saez (fixed point and v1) and the Stackelberg optimum.

    ``brackets`` and ``utility`` are the resolved presets (``cfg.tax_brackets``,
    ``cfg.utility_params``). Every worker best-responds exactly. Returns the schedules by label and a long table
    (schedule, metric, value) of every welfare metric under each.
    """
    raw = baseline_schedules(skill, brackets, utility, objective, (elasticity,), seed)
    found = {("Stackelberg optimum" if k.startswith("Stackelberg") else k): v
             for k, v in raw.items()}
    rows = [(name, m, v) for name, sch in found.items()
            for m, v in evaluate_schedule(skill, sch, utility).items()]
    return found, pd.DataFrame(rows, columns=["schedule", "metric", "value"])


def exact_baselines(runs: RunSet, elasticity: float | str, include_v1: bool = False,
                    n_workers: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`rational_baselines` on each distinct population (seed) of a run set.

    Returns ``(schedules, metrics)``: long tables with a ``seed`` column, the rates per bracket
    and every welfare metric under US federal (7 brackets), Saez and the Stackelberg optimum.
    The seeds are searched in ``n_workers`` processes (each search is exact and seeded: the
    tables do not depend on it; 16 Stackelberg searches took half a minute on one core).
    """
    done: dict[int, str] = {}
    for label, cfg in runs.configs.items():
        done.setdefault(cfg.seed, label)
    jobs = [(np.asarray(runs.skills[label], dtype=float), runs.configs[label].tax_brackets,
             runs.configs[label].utility_params, runs.configs[label].objective, elasticity,
             seed)
            for seed, label in done.items()]
    if n_workers > 1 and len(jobs) > 1:
        ctx = multiprocessing.get_context("spawn")  # no fork of a process running threads
        with ProcessPoolExecutor(min(n_workers, len(jobs)), mp_context=ctx) as pool:
            found_all = list(pool.map(_rational_baselines, jobs))
    else:
        found_all = [_rational_baselines(job) for job in jobs]
    schedules, metrics = [], []
    for seed, (found, m) in zip(done, found_all, strict=True):
        if not include_v1:
            found = {k: v for k, v in found.items() if not k.startswith("Saez v1")}
            m = m[~m.schedule.str.startswith("Saez v1")]
        schedules.append(schedule_rates(found).assign(seed=seed))
        metrics.append(m.assign(seed=seed))
    return pd.concat(schedules, ignore_index=True), pd.concat(metrics, ignore_index=True)


def _rational_baselines(job: tuple) -> tuple[dict, pd.DataFrame]:
    return rational_baselines(*job)


def mean_over_seeds(table: pd.DataFrame, keys: Sequence[str], value: str = "value"
                    ) -> pd.DataFrame:
    """Mean of ``value`` over seeds per ``keys`` (keeps min and max when present)."""
    return table.groupby(list(keys), sort=False)[value].mean().reset_index()


def best_response_columns(agents: pd.DataFrame, steps: pd.DataFrame,
                          skills: Mapping[str, Array], configs: Mapping[str, SimConfig]
                          ) -> pd.DataFrame:
    """The agents table with ``skill``, ``best_response`` (hours) and ``gap`` (l − l*) added.

    The best response is the exact optimum on the labour menu under the rates in force at that
    step (quasi-linear utility: the rebate does not change it). For satisfaction-adjusted
    utility ``r·u`` with ``r`` fixed during the step the optimum is the same.
    """
    parts = []
    rcols = rate_columns(steps)
    for label, sub in agents.groupby("variant", sort=False):
        cfg = configs[label]
        s = skills[label]
        cut = np.asarray(cfg.tax_brackets.cutoffs, dtype=float)
        params = cfg.utility_params
        st = steps[steps.variant == label].set_index("step")
        rates = st[rcols].to_numpy()
        # one best response per distinct rate vector (rates change at most once per tax year)
        keys, inverse = np.unique(np.round(rates, 12), axis=0, return_inverse=True)
        br = np.stack([best_response_menu(s, TaxSchedule(cut, k), params) for k in keys])
        step_pos = pd.Index(st.index).get_indexer(sub.step.to_numpy())
        sub = sub.copy()
        sub["skill"] = s[sub.agent.to_numpy()]
        sub["best_response"] = br[inverse.ravel()[step_pos], sub.agent.to_numpy()]
        sub["gap"] = sub.labour - sub.best_response
        parts.append(sub)
    return pd.concat(parts, ignore_index=True)


def best_response_share(agents_br: pd.DataFrame, tolerance: float = 10.0,
                        by: Sequence[str] = ("variant",), K: int | None = None
                        ) -> pd.DataFrame:
    """Per tax year: share of workers within ``tolerance`` hours of their best response and the
    mean absolute gap (hours). Needs :func:`best_response_columns` output and ``tax_year``
    (derived from ``K`` when given)."""
    a = agents_br
    if "tax_year" not in a:
        if K is None:
            raise ValueError("pass K (steps per tax year) or a table with a tax_year column")
        a = a.assign(tax_year=a.step // K)
    a = a.assign(within=(a.gap.abs() <= tolerance).astype(float), abs_gap=a.gap.abs())
    keys = list(dict.fromkeys([*by, "variant"]))
    return a.groupby([*keys, "tax_year"], sort=False).agg(
        step=("step", "min"), share_within=("within", "mean"),
        mean_abs_gap=("abs_gap", "mean")).reset_index()


def adaptation_curve(agents_br: pd.DataFrame, steps: pd.DataFrame, K_by_variant: Mapping[str, int],
                     tolerance: float = 10.0, by: Sequence[str] = ("variant",)) -> pd.DataFrame:
    """How workers re-adapt after a rate change (the Lucas critique in miniature).

    For every tax year whose rates differ from the previous year's, and every step offset
    ``0 … K−1`` since the change: the share of workers within ``tolerance`` hours of their new
    best response and the mean absolute gap. Averaged over such years (and over variants within
    each ``by`` group).
    """
    rcols = rate_columns(steps)
    parts = []
    for label, st in steps.groupby("variant", sort=False):
        K = int(K_by_variant[label])
        first = st[st.step % K == 0].sort_values("step")
        changed = first[rcols].diff().abs().max(axis=1) > 1e-9
        years = set(first.loc[changed, "tax_year"].tolist())
        a = agents_br[(agents_br.variant == label)]
        a = a[(a.step // K).isin(years)]
        if a.empty:
            continue
        a = a.assign(offset=a.step % K, within=(a.gap.abs() <= tolerance).astype(float),
                     abs_gap=a.gap.abs())
        g = a.groupby("offset").agg(share_within=("within", "mean"),
                                    mean_abs_gap=("abs_gap", "mean")).reset_index()
        g.insert(0, "variant", label)
        for k in by:
            if k != "variant":
                g.insert(1, k, st[k].iloc[0])
        g["K"] = K
        g["n_changes"] = len(years)
        parts.append(g)
    cols = [*dict.fromkeys([*by, "variant"]), "offset", "share_within", "mean_abs_gap", "K",
            "n_changes"]
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    keys = list(dict.fromkeys([*by, "K"]))
    return out.groupby([*keys, "offset"], sort=False).agg(
        share_within=("share_within", "mean"), mean_abs_gap=("mean_abs_gap", "mean"),
        n_changes=("n_changes", "sum")).reset_index()


def adaptation_lag(curve: pd.DataFrame, level: float = 0.5, by: Sequence[str] = ("K",)
                   ) -> pd.DataFrame:
    """Steps after a rate change until the share of workers at their best response first reaches
    ``level`` (NaN if it never does within the tax year)."""
    rows = []
    for key, g in curve.groupby(list(by), sort=False):
        g = g.sort_values("offset")
        hit = g[g.share_within >= level]
        rows.append({**dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True)),
                     "lag_steps": float(hit.offset.iloc[0]) if len(hit) else np.nan,
                     "final_share": float(g.share_within.iloc[-1]),
                     "n_changes": int(g.n_changes.iloc[0])})
    return pd.DataFrame(rows)


def bracket_shares(agents: pd.DataFrame, cutoffs: ArrayLike, K: int, which: str = "both",
                   by: Sequence[str] = ("variant",)) -> pd.DataFrame:
    """Share of workers whose pre-tax income falls in each bracket, in the first and last tax
    year (mean over the year's steps).

    Returns a long table (``by``…, period, bracket, lower_edge, share).
    """
    cut = np.asarray(cutoffs, dtype=float)
    a = agents.assign(tax_year=agents.step // K)
    last = a.groupby("variant")["tax_year"].transform("max")
    periods = {"first tax year": a.tax_year == 0, "last tax year": a.tax_year == last}
    if which != "both":
        periods = {which: periods[which]}
    sched = TaxSchedule(cut, np.zeros(cut.size))
    rows = []
    keys = list(dict.fromkeys([*by, "variant"]))
    for period, mask in periods.items():
        sub = a[mask].assign(bracket=lambda d: bracket_index(d.pre_tax_income.to_numpy(), sched))
        counts = sub.groupby([*keys, "bracket"]).size().rename("n").reset_index()
        totals = sub.groupby(keys).size().rename("total").reset_index()
        counts = counts.merge(totals, on=keys)
        counts["share"] = counts.n / counts.total
        full = pd.MultiIndex.from_product([counts[keys].drop_duplicates().itertuples(index=False),
                                           range(cut.size)])
        grid = pd.DataFrame([(*k, b) for k, b in full], columns=[*keys, "bracket"])
        counts = grid.merge(counts[[*keys, "bracket", "share"]], how="left").fillna(
            {"share": 0.0})
        counts.insert(len(keys), "period", period)
        rows.append(counts)
    out = pd.concat(rows, ignore_index=True)
    out = out.groupby([*by, "period", "bracket"], sort=False)["share"].mean().reset_index()
    out["lower_edge"] = cut[out.bracket.to_numpy()]
    return out


#: P(DELTA >= 0) for a planner drawing DELTA uniformly from the menu (−20, −10, 0, +10, +20 pp).
RANDOM_NONNEGATIVE_SHARE = 3 / 5


def delta_ratchet(calls: pd.DataFrame, by: Sequence[str] = ("seed",)) -> pd.DataFrame:
    """How one-sided a planner's rate changes are: per group of ``by``, the planner calls, the
    bracket changes they made, the share of changes that are >= 0 ("a ratchet" when near 1: rates
    only rise) and the mean change in pp.

    ``calls``: a ``calls`` table with ``kind``, ``parsed`` (the reply as JSON with ``DELTA``) and
    the ``by`` columns. A planner drawing uniformly from the menu gives
    :data:`RANDOM_NONNEGATIVE_SHARE` (3/5) on average.
    """
    plan = calls[calls.kind.isin(["planner", "leader"])]
    rows = []
    for key, group in plan.groupby(list(by), sort=True):
        deltas = [d for text in group.parsed.dropna() for d in json.loads(text)["DELTA"]]
        d = np.asarray(deltas, dtype=float)
        rows.append({**dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True)),
                     "planner_calls": len(group), "changes": d.size,
                     "share_nonnegative": float((d >= 0).mean()) if d.size else np.nan,
                     "mean_change_pp": float(d.mean()) if d.size else np.nan})
    return pd.DataFrame(rows)
