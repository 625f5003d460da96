"""Sets of runs that differ in a few settings, and their tax-year summaries."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from econsim.baselines.landscape import schedules_table
from econsim.economy.tax import TaxSchedule
from econsim.simulation import SimConfig, make_simulation

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
    "random": "random planner (null)",
    "keep_start": "start kept (null)",
}


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
    arms: dict[str, str] = field(default_factory=dict)

    def runs_table(self, timings: bool = False) -> pd.DataFrame:
        """One row per run: label, varying settings, status and LLM ledger totals.

        ``timings=True`` adds each run's wall time (a measurement that differs between reruns,
        so the committed tables leave it out)."""
        rows = []
        for label, cfg in self.configs.items():
            d = cfg.to_dict()
            led = self.ledgers.get(label, {})
            rows.append({"variant": label, **({"arm": self.arms[label]} if self.arms else {}),
                         **{k: d[k] for k in self.varying},
                         "backend": cfg.backend, "n_agents": cfg.n_agents,
                         "n_steps": cfg.n_steps, "status": self.status[label],
                         **({"wall_time_s": round(self.wall_time[label], 3)} if timings else {}),
                         **{k: led.get(k, 0) for k in ("calls", "input_tokens", "output_tokens",
                                                       "parse_failures", "reasks", "fallbacks",
                                                       "errors", "cost_usd")}})
        return pd.DataFrame(rows)


def run_variants(base: SimConfig, variants: Mapping[str, Mapping[str, Any]], *,
                 seeds: Sequence[int] | None = None, scheduler: str | None = None,
                 n_workers: int = 2, out_dir: str | Path | None = None,
                 record_prompts: bool = False, keep_agents: bool | Collection[int] = True,
                 keep_calls: bool = True,
                 progress: bool = False) -> RunSet:
    """Run ``base`` once per variant (its settings replaced by the variant's) and collect tables.

    Parameters
    ----------
    base
        Settings shared by every run.
    variants
        Label → settings that differ from ``base`` (e.g. ``{"LLM planner": {"planner": "llm"}}``).
    seeds
        ``None``: one run per variant in this process (a variant may set its own ``seed``).
        A list: every variant runs with every seed, as one sweep
        (:func:`econsim.simulation.sweep.run_sweep`) on a local Dask cluster of ``n_workers``
        processes (or ``scheduler``), so the runs of one seed share the population and pair up.
        Run labels are ``"<variant> · seed <s>"``; the tables get an ``arm`` column (the variant
        label without the seed) and a ``seed`` column.
    scheduler, n_workers
        Where the seeded runs go: ``None`` a new loopback LocalCluster of ``n_workers``
        processes, ``"serial"`` this process, ``"tcp://host:port"`` an existing scheduler.
    out_dir
        Folder for the seeded runs' result folders (default: a temporary folder, removed after
        the tables are read; its runs then checkpoint only at their end unless ``base`` sets
        ``checkpoint_every``).
    record_prompts
        Keep prompt and reply texts in the calls table (large: ~10 kB per call).
    keep_agents
        Keep the per agent-step table: ``True``, ``False`` (many large runs: it is 250,000
        rows per run of 100 workers × 2,500 steps), or the seeds whose runs' rows to keep.
    keep_calls
        Keep the per-call table (two calls per worker-step; 16 paired seeds of 100 × 2,500
        persona runs hold 40 million rows: more than this machine's memory). Ledgers (calls,
        tokens, fallbacks per run) are kept either way.
    progress
        Show a progress bar per run (per sweep with ``seeds``).

    Returns
    -------
    RunSet
        Tables of every run, keyed by the ``variant`` column.
    """
    if not variants:
        raise ValueError("variants must name at least one run")
    if seeds is not None:
        return _run_seeded(base, variants, seeds, scheduler, n_workers, out_dir, record_prompts,
                           _Keep(keep_agents, keep_calls), progress)
    if not keep_calls:  # kept nowhere: not recorded at all
        base = base.replace(record_prompts=False, record_calls=False)
    configs = {label: base.replace(record_prompts=record_prompts, **dict(changes))
               for label, changes in variants.items()}
    done = {}
    for label, cfg in configs.items():
        t0 = time.perf_counter()
        sim = make_simulation(cfg, progress=progress)
        res = sim.run()
        done[label] = (res.tables, np.asarray(sim.skills, dtype=float), dict(res.ledger),
                       time.perf_counter() - t0, res.status)
    return _collect(configs, done, {}, record_prompts, _Keep(keep_agents, keep_calls))


@dataclass(frozen=True)
class _Keep:
    """Which per-run tables :func:`run_variants` keeps."""

    agents: bool | Collection[int]
    calls: bool

    def table(self, name: str, seed: int) -> bool:
        if name == "calls":
            return self.calls
        if name == "agents":
            return self.agents if isinstance(self.agents, bool) else seed in self.agents
        return True


def _run_seeded(base: SimConfig, variants: Mapping[str, Mapping[str, Any]], seeds: Sequence[int],
                scheduler: str | None, n_workers: int, out_dir: str | Path | None,
                record_prompts: bool, keep: _Keep, progress: bool) -> RunSet:
    from econsim.simulation.sweep import run_sweep

    base = base.replace(record_prompts=record_prompts)
    if out_dir is None and not keep.calls:
        base = base.replace(record_calls=False)  # nobody reads them: not written at all
    if out_dir is None and base.checkpoint_every == 1:
        # a temporary folder is removed once its tables are read, so nothing can resume from
        # its checkpoints: each run checkpoints once, at its end (a third of a long offline run
        # went to yearly checkpoints)
        years = [-(-int(v.get("n_steps", base.n_steps)) // int(v.get("K", base.K)))
                 for v in variants.values()]
        base = base.replace(checkpoint_every=max(years))
    with tempfile.TemporaryDirectory(prefix="econsim-variants-") as tmp:
        res = run_sweep(base.replace(record_prompts=record_prompts), {}, list(seeds),
                        out_dir or tmp, scheduler=scheduler, n_workers=n_workers,
                        progress=progress, overwrite=True, variants=variants)
        if not res.ok:
            bad = res.failed.iloc[0]
            raise RuntimeError(f"{len(res.failed)} of {len(res.runs)} runs failed, e.g. "
                               f"{bad['name']}: {bad['error']}")
        configs, done, arms = {}, {}, {}
        for row in res.runs.to_dict("records"):
            label = f"{row['variant']} · seed {row['seed']}"
            folder = Path(row["folder"])
            configs[label] = base.replace(record_prompts=record_prompts,
                                          **dict(variants[row["variant"]]), seed=row["seed"])
            tables = {name: pd.read_parquet(folder / f"{name}.parquet")
                      for name in ("steps", "agents", "calls", "elections")
                      if (folder / f"{name}.parquet").exists()
                      and keep.table(name, int(row["seed"]))}
            skills = pd.read_parquet(folder / "workers.parquet")["skill"].to_numpy(dtype=float)
            ledger = json.loads((folder / "manifest.json").read_text()).get("ledger") or {}
            done[label] = (tables, skills, dict(ledger), float(row["wall_time_s"]),
                           row["status"])
            arms[label] = row["variant"]
    return _collect(configs, done, arms, record_prompts, keep, always=("seed",))


def _collect(configs: dict[str, SimConfig], done: dict[str, tuple], arms: dict[str, str],
             record_prompts: bool, keep: _Keep, always: Sequence[str] = ()) -> RunSet:
    """Tidy tables of finished runs: label → (tables, skills, ledger, wall time, status)."""
    dicts = [c.to_dict() for c in configs.values()]
    varying = [k for k in dicts[0] if k in always
               or any(str(d[k]) != str(dicts[0][k]) for d in dicts)]
    tables: dict[str, list[pd.DataFrame]] = {t: [] for t in ("steps", "agents", "calls",
                                                             "elections")}
    skills, ledgers, wall, status = {}, {}, {}, {}
    for label, cfg in configs.items():
        run_tables, skills[label], ledgers[label], wall[label], status[label] = done[label]
        d = cfg.to_dict()
        for name in tables:
            frame = run_tables.get(name, pd.DataFrame())
            if len(frame) == 0 or not keep.table(name, cfg.seed):
                continue
            if name == "calls":
                frame = frame.drop(columns=[c for c in ("prompt", "reply") if c in frame
                                            and not record_prompts])
            frame = frame.copy()
            frame.insert(0, "variant", label)
            extra = [("arm", arms[label])] if arms else []
            extra += [(k if k not in frame.columns else f"{k}_config",  # steps has 'objective'
                       d[k] if not isinstance(d[k], list | dict) else str(d[k])) for k in varying]
            for j, (column, value) in enumerate(extra):
                frame.insert(1 + j, column, value)
            tables[name].append(frame)
    out = {n: pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
           for n, parts in tables.items()}
    return RunSet(out["steps"], out["agents"], out["calls"], out["elections"], skills, configs,
                  ledgers, wall, status, varying, arms)


def rate_columns(steps: pd.DataFrame) -> list[str]:
    """The ``rate_0 … rate_{k-1}`` columns of a steps table, in bracket order."""
    cols = [c for c in steps.columns if c.startswith("rate_")]
    return sorted(cols, key=lambda c: int(c.split("_")[1]))


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
                  by: Sequence[str] = ("variant",), ci: bool = False) -> pd.DataFrame:
    """Mean of each metric over the last ``n_years`` tax years per run, then across runs.

    Returns a long table (``by``…, metric, mean, sd, min, max, n_runs, ci_low, ci_high) where the
    statistics run over the variants (e.g. seeds) inside each ``by`` group; ``ci=True`` adds
    ``ci_low``/``ci_high``, the 95 % t interval of the mean (:func:`t_band`).
    """
    per_run = last_years(steps, n_years).groupby(list(dict.fromkeys([*by, "variant"])),
                                                 sort=False)[list(metrics)].mean()
    long = per_run.reset_index().melt(id_vars=list(dict.fromkeys([*by, "variant"])),
                                      value_vars=list(metrics), var_name="metric")
    out = long.groupby([*by, "metric"], sort=False)["value"].agg(
        ["mean", "std", "min", "max", "count"]).reset_index()
    out = out.rename(columns={"std": "sd", "count": "n_runs"}).fillna({"sd": 0.0})
    if ci:
        out["ci_low"], out["ci_high"] = t_band(out["mean"], out["sd"], out["n_runs"])
    return out


def t_band(mean: ArrayLike, sd: ArrayLike, n: ArrayLike, confidence: float = 0.95
           ) -> tuple[Array, Array]:
    """Student t interval of a mean over ``n`` runs, :math:`\\bar x \\pm t_{n-1}\\, s/\\sqrt n`
    (NaN for one run; the bands and error bars of the run figures)."""
    m, s, k = (np.asarray(a, dtype=float) for a in (mean, sd, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        half = np.where(k > 1, stats.t.ppf(0.5 + confidence / 2, np.maximum(k - 1, 1))
                        * s / np.sqrt(k), np.nan)
    return m - half, m + half


def final_rates(steps: pd.DataFrame, cutoffs: ArrayLike, n_years: int,
                by: Sequence[str] = ("variant",), ci: bool = False) -> pd.DataFrame:
    """Per-bracket rates averaged over the last ``n_years`` tax years, then across runs.

    Returns a long table (``by``…, bracket, lower_edge, rate, rate_min, rate_max, n_runs; with
    ``ci=True`` also ci_low, ci_high: the 95 % t interval of the mean rate across runs, clipped
    to [0, 1]).
    """
    cut = np.asarray(cutoffs, dtype=float)
    cols = rate_columns(steps)
    keys = list(dict.fromkeys([*by, "variant"]))
    per_run = last_years(steps, n_years).groupby(keys, sort=False)[cols].mean().reset_index()
    long = per_run.melt(id_vars=keys, value_vars=cols, var_name="bracket", value_name="r")
    long["bracket"] = long.bracket.str.split("_").str[1].astype(int)
    out = long.groupby([*by, "bracket"], sort=False)["r"].agg(
        rate="mean", rate_min="min", rate_max="max", n_runs="count",
        rate_sd="std").reset_index()
    if ci:
        lo, hi = t_band(out.rate, out.rate_sd.fillna(0.0), out.n_runs)
        out["ci_low"], out["ci_high"] = np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)
    out = out.drop(columns="rate_sd")
    out.insert(len(by) + 1, "lower_edge", cut[out.bracket.to_numpy()])
    return out


def schedule_rates(schedules: Mapping[str, TaxSchedule]) -> pd.DataFrame:
    """Long table (schedule, bracket, lower_edge, rate) of fixed schedules (no spread)."""
    t = schedules_table(dict(schedules))
    t["rate_min"] = t["rate"]
    t["rate_max"] = t["rate"]
    t["n_runs"] = 1
    return t
