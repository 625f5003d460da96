"""Analysis of simulation runs for the experiment notebooks (02–09).

Small functions from the tidy tables of :class:`~econsim.simulation.SimResult` to the tidy tables
the figures plot: sets of runs that differ in a few settings, tax-year means, per-bracket final
rates, labour against the exact best response, how fast workers re-adapt after a rate change,
income shifts across brackets, leader turnover and coalition utilities in elections, reliability
of the LLM layer, and the exact rational-worker baselines (US federal, Saez, Stackelberg).

Rates are fractions throughout; only figure labels use percent.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from econsim.best_response import best_response_menu
from econsim.landscape import baseline_schedules, evaluate_schedule, schedules_table
from econsim.llm import PRICES_USD_PER_MTOK
from econsim.llm.ledger import price_of
from econsim.saez import empirical_elasticity, saez_rates
from econsim.simulation import SimConfig, Simulation
from econsim.tax import TAX_PRESETS, TaxSchedule, bracket_index
from econsim.utility import get_utility

Array = NDArray[np.float64]

#: Display names of planner kinds (``SimConfig.planner``) in figures and tables.
PLANNER_LABELS = {
    "llm": "LLM planner",
    "saez": "Saez",
    "saez_v1": "Saez (v1 code)",
    "saez_empirical": "Saez (empirical e)",
    "us_federal": "US federal 2024",
    "stackelberg": "Stackelberg optimum",
    "fixed": "fixed rates",
}


# --------------------------------------------------------------------------------------------
# Sets of runs
# --------------------------------------------------------------------------------------------
@dataclass
class RunSet:
    """Several simulation runs that differ in a few settings, as tidy tables.

    Every table has a ``variant`` column (the run's label) and one column per configuration key
    that differs between the runs (e.g. ``planner``, ``seed``, ``K``), so figures can group by
    them directly (``<key>_config`` where the table already has a column of that name, e.g.
    ``objective_config`` in ``steps``, whose ``objective`` column holds the objective's value).
    """

    steps: pd.DataFrame
    agents: pd.DataFrame
    calls: pd.DataFrame
    elections: pd.DataFrame
    skills: dict[str, Array]
    configs: dict[str, SimConfig]
    ledgers: dict[str, dict[str, Any]]
    wall_time: dict[str, float]
    status: dict[str, str]
    varying: list[str] = field(default_factory=list)

    def runs_table(self) -> pd.DataFrame:
        """One row per run: label, varying settings, status, wall time and LLM ledger totals."""
        rows = []
        for label, cfg in self.configs.items():
            d = cfg.to_dict()
            led = self.ledgers.get(label, {})
            rows.append({"variant": label, **{k: d[k] for k in self.varying},
                         "backend": cfg.backend, "n_agents": cfg.n_agents,
                         "n_steps": cfg.n_steps, "status": self.status[label],
                         "wall_time_s": round(self.wall_time[label], 3),
                         **{k: led.get(k, 0) for k in ("calls", "input_tokens", "output_tokens",
                                                       "parse_failures", "reasks", "fallbacks",
                                                       "errors", "cost_usd")}})
        return pd.DataFrame(rows)


def run_variants(base: SimConfig, variants: Mapping[str, Mapping[str, Any]], *,
                 record_prompts: bool = False, keep_agents: bool = True,
                 progress: bool = False) -> RunSet:
    """Run ``base`` once per variant (its settings replaced by the variant's) and collect tables.

    Parameters
    ----------
    base
        Settings shared by every run.
    variants
        Label → settings that differ from ``base`` (e.g. ``{"LLM planner": {"planner": "llm"}}``).
    record_prompts
        Keep prompt and reply texts in the calls table (large: ~10 kB per call).
    keep_agents
        Keep the per agent-step table (drop it for many large runs to save memory).
    progress
        Show a progress bar per run.

    Returns
    -------
    RunSet
        Tables of every run, keyed by the ``variant`` column.
    """
    if not variants:
        raise ValueError("variants must name at least one run")
    configs = {label: base.replace(record_prompts=record_prompts, **dict(changes))
               for label, changes in variants.items()}
    dicts = [c.to_dict() for c in configs.values()]
    varying = [k for k in dicts[0] if any(str(d[k]) != str(dicts[0][k]) for d in dicts)]
    tables: dict[str, list[pd.DataFrame]] = {t: [] for t in ("steps", "agents", "calls",
                                                             "elections")}
    skills, ledgers, wall, status = {}, {}, {}, {}
    for label, cfg in configs.items():
        t0 = time.perf_counter()
        sim = Simulation(cfg, progress=progress)
        res = sim.run()
        wall[label] = time.perf_counter() - t0
        skills[label] = np.asarray(sim.skills, dtype=float)
        ledgers[label] = dict(res.ledger)
        status[label] = res.status
        d = cfg.to_dict()
        for name in tables:
            frame = res.tables.get(name, pd.DataFrame())
            if len(frame) == 0 or (name == "agents" and not keep_agents):
                continue
            if name == "calls":
                frame = frame.drop(columns=[c for c in ("prompt", "reply") if c in frame
                                            and not record_prompts])
            frame = frame.copy()
            frame.insert(0, "variant", label)
            for j, k in enumerate(varying):
                column = k if k not in frame.columns else f"{k}_config"  # steps has 'objective'
                frame.insert(1 + j, column, d[k] if not isinstance(d[k], list | dict)
                             else str(d[k]))
            tables[name].append(frame)
    out = {n: pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
           for n, parts in tables.items()}
    return RunSet(out["steps"], out["agents"], out["calls"], out["elections"], skills, configs,
                  ledgers, wall, status, varying)


def rate_columns(steps: pd.DataFrame) -> list[str]:
    """The ``rate_0 … rate_{k-1}`` columns of a steps table, in bracket order."""
    cols = [c for c in steps.columns if c.startswith("rate_")]
    return sorted(cols, key=lambda c: int(c.split("_")[1]))


# --------------------------------------------------------------------------------------------
# Tax-year summaries and final rates
# --------------------------------------------------------------------------------------------
def tax_year_means(steps: pd.DataFrame, metrics: Sequence[str],
                   by: Sequence[str] = ("variant",)) -> pd.DataFrame:
    """Mean of each metric over every tax year, with the rates in force that year.

    Returns one row per ``by`` × tax year with columns ``step`` (first step of the year), the
    metrics (means over the year's steps) and the ``rate_k`` columns (rates in force).
    """
    keys = list(dict.fromkeys([*by, "variant"]))
    agg = {"step": "min", **dict.fromkeys(metrics, "mean"),
           **dict.fromkeys(rate_columns(steps), "first")}
    return steps.groupby([*keys, "tax_year"], sort=False).agg(agg).reset_index()


def last_years(frame: pd.DataFrame, n_years: int) -> pd.DataFrame:
    """Rows of the last ``n_years`` tax years of each variant (a tax-year or steps table)."""
    last = frame.groupby("variant")["tax_year"].transform("max")
    return frame[frame.tax_year > last - n_years]


def final_metrics(steps: pd.DataFrame, metrics: Sequence[str], n_years: int,
                  by: Sequence[str] = ("variant",)) -> pd.DataFrame:
    """Mean of each metric over the last ``n_years`` tax years per run, then across runs.

    Returns a long table (``by``…, metric, mean, sd, min, max, n_runs) where the statistics run
    over the variants (e.g. seeds) inside each ``by`` group.
    """
    per_run = last_years(steps, n_years).groupby(list(dict.fromkeys([*by, "variant"])),
                                                 sort=False)[list(metrics)].mean()
    long = per_run.reset_index().melt(id_vars=list(dict.fromkeys([*by, "variant"])),
                                      value_vars=list(metrics), var_name="metric")
    out = long.groupby([*by, "metric"], sort=False)["value"].agg(
        ["mean", "std", "min", "max", "count"]).reset_index()
    return out.rename(columns={"std": "sd", "count": "n_runs"}).fillna({"sd": 0.0})


def final_rates(steps: pd.DataFrame, cutoffs: ArrayLike, n_years: int,
                by: Sequence[str] = ("variant",)) -> pd.DataFrame:
    """Per-bracket rates averaged over the last ``n_years`` tax years, then across runs.

    Returns a long table (``by``…, bracket, lower_edge, rate, rate_min, rate_max, n_runs).
    """
    cut = np.asarray(cutoffs, dtype=float)
    cols = rate_columns(steps)
    keys = list(dict.fromkeys([*by, "variant"]))
    per_run = last_years(steps, n_years).groupby(keys, sort=False)[cols].mean().reset_index()
    long = per_run.melt(id_vars=keys, value_vars=cols, var_name="bracket", value_name="r")
    long["bracket"] = long.bracket.str.split("_").str[1].astype(int)
    out = long.groupby([*by, "bracket"], sort=False)["r"].agg(
        rate="mean", rate_min="min", rate_max="max", n_runs="count").reset_index()
    out.insert(len(by) + 1, "lower_edge", cut[out.bracket.to_numpy()])
    return out


def schedule_rates(schedules: Mapping[str, TaxSchedule]) -> pd.DataFrame:
    """Long table (schedule, bracket, lower_edge, rate) of fixed schedules (no spread)."""
    t = schedules_table(dict(schedules))
    t["rate_min"] = t["rate"]
    t["rate_max"] = t["rate"]
    t["n_runs"] = 1
    return t


# --------------------------------------------------------------------------------------------
# Exact references with rational workers
# --------------------------------------------------------------------------------------------
def rational_baselines(skill: ArrayLike, tax_preset: str, utility: str, objective: str,
                       elasticity: float | str, seed: int = 42
                       ) -> tuple[dict[str, TaxSchedule], pd.DataFrame]:
    """US federal (7 brackets only), Saez (fixed point and v1) and the Stackelberg optimum.

    Every worker best-responds exactly. Returns the schedules by label and a long table
    (schedule, metric, value) of every welfare metric under each.
    """
    raw = baseline_schedules(skill, tax_preset, utility, objective, (elasticity,), seed)
    found = {("Stackelberg optimum" if k.startswith("Stackelberg") else k): v
             for k, v in raw.items()}
    rows = [(name, m, v) for name, sch in found.items()
            for m, v in evaluate_schedule(skill, sch, utility).items()]
    return found, pd.DataFrame(rows, columns=["schedule", "metric", "value"])


def exact_baselines(runs: RunSet, elasticity: float | str, include_v1: bool = False
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`rational_baselines` on each distinct population (seed) of a run set.

    Returns ``(schedules, metrics)``: long tables with a ``seed`` column, the rates per bracket
    and every welfare metric under US federal (7 brackets), Saez and the Stackelberg optimum.
    """
    done: dict[int, str] = {}
    for label, cfg in runs.configs.items():
        done.setdefault(cfg.seed, label)
    schedules, metrics = [], []
    for seed, label in done.items():
        cfg = runs.configs[label]
        found, m = rational_baselines(runs.skills[label], cfg.tax_preset, cfg.utility,
                                      cfg.objective, elasticity, seed)
        if not include_v1:
            found = {k: v for k, v in found.items() if not k.startswith("Saez v1")}
            m = m[~m.schedule.str.startswith("Saez v1")]
        schedules.append(schedule_rates(found).assign(seed=seed))
        metrics.append(m.assign(seed=seed))
    return pd.concat(schedules, ignore_index=True), pd.concat(metrics, ignore_index=True)


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
        cut = np.asarray(TAX_PRESETS.get(cfg.tax_preset).cutoffs, dtype=float)
        params = get_utility(cfg.utility)
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


# --------------------------------------------------------------------------------------------
# Incomes by bracket
# --------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------
# Elections
# --------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------
# The LLM layer: reliability, tokens, cost
# --------------------------------------------------------------------------------------------
def reliability_table(runs: RunSet, price_models: Iterable[str] = ("gpt-4o-mini",
                                                                   "claude-3-5-haiku")
                      ) -> pd.DataFrame:
    """Per run: calls, parse failures, re-asks, fallbacks (and their rates), tokens per call, the
    run's own cost, and what the same tokens would cost at each model of ``price_models``
    (list prices in :data:`econsim.llm.PRICES_USD_PER_MTOK`)."""
    rows = []
    for label, cfg in runs.configs.items():
        led = runs.ledgers.get(label, {})
        calls = max(int(led.get("calls", 0)), 1)
        c = runs.calls[runs.calls.variant == label] if len(runs.calls) else runs.calls
        served = sorted(c.model.dropna().unique().tolist()) if len(c) else []
        row = {"variant": label, "backend": cfg.backend, "served_model": ", ".join(served),
               "prompt_style": cfg.prompt_style, "seed": cfg.seed,
               "calls": int(led.get("calls", 0)),
               "parse_failures": int(led.get("parse_failures", 0)),
               "reasks": int(led.get("reasks", 0)), "fallbacks": int(led.get("fallbacks", 0)),
               "errors": int(led.get("errors", 0)),
               "parse_failure_rate": led.get("parse_failures", 0) / calls,
               "fallback_rate": led.get("fallbacks", 0) / calls,
               "input_tokens_per_call": led.get("input_tokens", 0) / calls,
               "output_tokens_per_call": led.get("output_tokens", 0) / calls,
               "latency_ms_per_call": 1000 * led.get("latency_s", 0.0) / calls,
               "cost_usd": float(led.get("cost_usd", 0.0))}
        for model in price_models:
            price = price_of(model, PRICES_USD_PER_MTOK)
            if price is not None:
                row[f"cost_at_{model}_usd"] = (led.get("input_tokens", 0) * price[0]
                                               + led.get("output_tokens", 0) * price[1]) / 1e6
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Elasticity of taxable income
# --------------------------------------------------------------------------------------------
def elasticity_curve(skill: ArrayLike, utilities: Sequence[str], rates: Sequence[float],
                     step: float = 0.05) -> pd.DataFrame:
    """Implied elasticity of taxable income of rational workers along flat rates.

    Returns a long table (utility, rate, elasticity, mean_labour, share_at_cap).
    """
    s = np.asarray(skill, dtype=float)
    rows = []
    for utility in utilities:
        p = get_utility(utility)
        for rate in rates:
            sch = TaxSchedule.flat(float(rate))
            e = float(empirical_elasticity(s, sch, p, step=step)[0])
            lab = best_response_menu(s, sch, p)
            rows.append((utility, float(rate), e, float(lab.mean()), float((lab >= 100).mean())))
    return pd.DataFrame(rows, columns=["utility", "rate", "elasticity", "mean_labour",
                                       "share_at_cap"])


def bracket_elasticities(skill: ArrayLike, tax_preset: str, utilities: Sequence[str],
                         schedules: Mapping[str, Sequence[float]]) -> pd.DataFrame:
    """Per-bracket empirical elasticities under named rate vectors (rational workers).

    Returns a long table (utility, schedule, bracket, lower_edge, elasticity, workers).
    """
    s = np.asarray(skill, dtype=float)
    cut = np.asarray(TAX_PRESETS.get(tax_preset).cutoffs, dtype=float)
    rows = []
    for utility in utilities:
        p = get_utility(utility)
        for name, rates in schedules.items():
            sch = TaxSchedule(cut, rates)
            e = empirical_elasticity(s, sch, p)
            members = np.bincount(bracket_index(s * best_response_menu(s, sch, p), sch),
                                  minlength=cut.size)
            rows += [(utility, name, k, float(cut[k]), float(e[k]), int(members[k]))
                     for k in range(cut.size)]
    return pd.DataFrame(rows, columns=["utility", "schedule", "bracket", "lower_edge",
                                       "elasticity", "workers"])


def saez_by_elasticity(skill: ArrayLike, tax_preset: str, utility: str,
                       elasticities: Mapping[str, float | str | Sequence[float]],
                       empirical_at: Sequence[float] | None = None) -> pd.DataFrame:
    """Saez rates per bracket at several elasticities, each evaluated on the incomes rational
    workers earn under the statutory (or 50 %) rates; with ``empirical_at`` also at the
    per-bracket elasticities measured at that rate vector. Long table (schedule, bracket,
    lower_edge, rate)."""
    s = np.asarray(skill, dtype=float)
    preset = TAX_PRESETS.get(tax_preset)
    cut = np.asarray(preset.cutoffs, dtype=float)
    base = np.asarray(preset.statutory_rates or np.full(cut.size, 0.5), dtype=float)
    p = get_utility(utility)
    income = s * best_response_menu(s, TaxSchedule(cut, base), p)
    out = {f"Saez e={name}": TaxSchedule(cut, saez_rates(cut, income=income, elasticity=e))
           for name, e in elasticities.items()}
    if empirical_at is not None:
        e = empirical_elasticity(s, TaxSchedule(cut, empirical_at), p)
        out["Saez, empirical e"] = TaxSchedule(cut, saez_rates(cut, income=income, elasticity=e))
    return schedules_table(out)


# --------------------------------------------------------------------------------------------
# Exact democracy
# --------------------------------------------------------------------------------------------
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
    sim = Simulation(cfg)
    sim.skills = s  # the constructed population replaces the sampled one
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


# --------------------------------------------------------------------------------------------
# Claims
# --------------------------------------------------------------------------------------------
def claim_row(claim: str, test: str, finding: str, supported: bool | None, backend: str,
              notebook: str) -> dict[str, str]:
    """One row of a notebook's ``claims.csv``: the claim, how it was tested, what the run found
    and the verdict (``supported`` / ``not supported`` / ``inconclusive``)."""
    verdict = {True: "supported", False: "not supported", None: "inconclusive"}[supported]
    return {"claim": claim, "test": test, "finding": finding, "verdict": verdict,
            "backend": backend, "notebook": notebook}


def small_n_check(skill: ArrayLike, tax_preset: str, utility: str, objective: str,
                  rate_values: Sequence[float]) -> tuple[dict[str, TaxSchedule], pd.DataFrame]:
    """The paper's small-N validation: backward induction over the game tree (a few workers,
    a coarse rate lattice) against :func:`econsim.stackelberg.stackelberg` on the same lattice.

    Returns the two schedules by label and a table (schedule, rates, welfare, hours).
    """
    from econsim.stackelberg import backward_induction, stackelberg

    s = np.asarray(skill, dtype=float)
    cut = np.asarray(TAX_PRESETS.get(tax_preset).cutoffs, dtype=float)
    bi_rates, bi_value, bi_hours = backward_induction(s, cut, utility, rate_values, objective)
    st = stackelberg(s, cut, utility, objective=objective, method="lattice",
                     grid=np.asarray(rate_values, dtype=float))
    st_hours = best_response_menu(s, st.schedule, get_utility(utility))
    found = {"Backward induction (game tree)": TaxSchedule(cut, bi_rates),
             "Stackelberg search (lattice)": st.schedule}
    table = pd.DataFrame([
        {"schedule": "Backward induction (game tree)", "rates": list(bi_rates),
         "welfare": bi_value, "hours": list(bi_hours)},
        {"schedule": "Stackelberg search (lattice)", "rates": st.rates.tolist(),
         "welfare": st.welfare, "hours": st_hours.tolist()}])
    return found, table


def rational_welfare(skill: ArrayLike, tax_preset: str, rates: Sequence[float], utility: str
                     ) -> dict[str, float]:
    """Every welfare metric when rational workers face ``rates`` (exact best responses)."""
    cut = np.asarray(TAX_PRESETS.get(tax_preset).cutoffs, dtype=float)
    return evaluate_schedule(skill, TaxSchedule(cut, np.asarray(rates, dtype=float)), utility)
