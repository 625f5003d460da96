"""Sweeps: a grid of configurations × seeds as independent runs on Dask distributed.

>>> from econsim.simulation import SimConfig
>>> from econsim.simulation.sweep import run_sweep
>>> res = run_sweep(SimConfig(n_steps=50, worker="rational", planner="saez"),
...                 {"n_agents": [10, 100]}, seeds=[1, 2], out_dir="results/sweeps/demo",
...                 progress=False)  # doctest: +SKIP
>>> res.runs[["name", "status", "objective"]]  # doctest: +SKIP

Every run is ``make_simulation(config, <out_dir>/<run name>).run()`` with its own results folder, so a
sweep gives exactly the results of running its configurations one after another (tested). Runs go
to a :class:`distributed.LocalCluster` of worker processes on 127.0.0.1 by default, to an existing
scheduler when given its address (``tcp://host:8786``), or run in this process with
``scheduler="serial"``. A run that fails is reported (``status == "failed"``, with its error)
while the others complete. ``<out_dir>/sweep.csv`` and ``manifest.json`` summarise the sweep.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from econsim.compendium.provenance import write_manifest
from econsim.llm import make_client
from econsim.llm.redact import redact
from econsim.scale.cluster import CONNECT_TIMEOUT_S, dask_client
from econsim.simulation import SimConfig, make_simulation
from econsim.simulation.memory import check_memory

#: Seconds to wait for an existing scheduler before giving up.


@dataclass(frozen=True)
class SweepRun:
    """One run of a sweep: its name, the grid values, the seed and the full configuration."""

    name: str
    values: dict[str, Any]
    seed: int
    config: SimConfig


@dataclass
class SweepResult:
    """Outcome of :func:`run_sweep`: one row per run in ``runs`` (grid order)."""

    runs: pd.DataFrame
    out_dir: Path
    wall_time_s: float

    @property
    def failed(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] == "failed"]

    @property
    def ok(self) -> bool:
        return self.failed.empty

    def steps(self, name: str) -> pd.DataFrame:
        """The steps table of run ``name`` (read from its folder)."""
        return pd.read_parquet(self.out_dir / name / "steps.parquet")


def _slug(value: Any) -> str:
    text = str(list(value) if isinstance(value, tuple) else value)
    return re.sub(r"[^A-Za-z0-9._+-]+", "-", text).strip("-") or "none"


def expand_grid(base: SimConfig, grid: dict[str, Sequence[Any]],
                seeds: Sequence[int], variants: Mapping[str, Mapping[str, Any]] | None = None
                ) -> list[SweepRun]:
    """Every (variant, grid point, seed) as a validated :class:`SweepRun` (bad keys or values
    raise ``ValueError`` before anything runs).

    ``variants`` (label → settings) are named sets of changes crossed with the grid and the
    seeds, for comparisons that are not a Cartesian product (e.g. "elections" =
    ``{"scenario": "democratic"}`` against "planner-led" = ``{"scenario": "bounded"}``); every
    variant runs with every seed, so runs with the same seed share the population."""
    valid = set(base.to_dict())
    named = dict(variants or {"": {}})
    used = set(grid).union(*(set(ch) for ch in named.values()))
    unknown = sorted(used - valid)
    if unknown:
        raise ValueError(f"unknown grid key(s) {unknown}; valid keys: {', '.join(sorted(valid))}")
    if "seed" in used:
        raise ValueError("put seeds in seeds=[...], not in the grid or the variants")
    clash = sorted(set(grid) & set().union(*(set(ch) for ch in named.values())))
    if variants and clash:
        raise ValueError(f"key(s) {clash} are set by both the grid and the variants")
    for key, values in grid.items():
        if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
            raise ValueError(f"grid[{key!r}] must be a non-empty list of values; got {values!r}")
    seeds = list(seeds)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in seeds):
        raise ValueError(f"seeds must be a non-empty list of integers >= 0; got {seeds!r}")
    runs = []
    keys = list(grid)
    for label, changes in named.items():
        for combo in itertools.product(*(grid[k] for k in keys)):
            values = dict(zip(keys, combo, strict=True))
            for seed in seeds:
                config = base.replace(**dict(changes), **values, seed=seed)
                head = [f"variant={_slug(label)}"] if variants else []
                name = "__".join([*head, *(f"{k}={_slug(v)}" for k, v in values.items()),
                                  f"seed={seed}"])
                runs.append(SweepRun(name, {"variant": label, **values} if variants else values,
                                     seed, config))
    names = [r.name for r in runs]
    if len(set(names)) != len(names):
        raise ValueError("grid values give duplicate run names; make the values distinct")
    return runs


def frame_digest(frame: pd.DataFrame) -> str:
    """SHA-256 (16 hex) of a table's values and column names: equal tables, equal digests."""
    h = hashlib.sha256("|".join(map(str, frame.columns)).encode())
    if len(frame):
        h.update(pd.util.hash_pandas_object(frame, index=False).values.tobytes())
    return h.hexdigest()[:16]


def run_one(config: dict[str, Any], folder: str, force: bool = False) -> dict[str, Any]:
    """Run one configuration into ``folder``; a summary row (never raises)."""
    started = time.time()
    try:
        cfg = SimConfig.from_dict(config)
        sim = make_simulation(cfg, folder, overwrite=True, force=force)
        res = sim.run()
        last = res.steps.iloc[-1]
        return {"status": res.status, "error": None, "objective": float(last["objective"]),
                "mean_labour": float(last["mean_labour"]),
                "mean_objective": float(res.steps["objective"].mean()),
                "llm_calls": int(res.ledger.get("calls", 0)) if res.ledger else 0,
                "steps_digest": frame_digest(res.steps), "agents_digest":
                frame_digest(res.agents), "wall_time_s": round(time.time() - started, 3)}
    except Exception as err:  # noqa: BLE001 - a failed run is reported, the sweep goes on
        return {"status": "failed", "error": redact(f"{type(err).__name__}: {err}"),
                "traceback": redact(traceback.format_exc(limit=5)),
                "wall_time_s": round(time.time() - started, 3)}


def run_sweep(base_config: SimConfig | dict[str, Any], grid: dict[str, Sequence[Any]],
              seeds: Sequence[int], out_dir: str | Path, *, scheduler: str | None = None,
              n_workers: int = 2, progress: bool = True, force: bool = False,
              overwrite: bool = False, timeout: float = CONNECT_TIMEOUT_S,
              variants: Mapping[str, Mapping[str, Any]] | None = None) -> SweepResult:
    """Run every (grid point × seed) as an independent simulation.

    Parameters
    ----------
    base_config
        Configuration shared by every run.
    grid
        Config key → list of values; the sweep is their Cartesian product (``{}`` = seeds only).
    seeds
        Seeds; each grid point runs once per seed.
    out_dir
        Each run writes ``<out_dir>/<key=value__…__seed=s>/``; ``sweep.csv`` and
        ``manifest.json`` summarise the sweep.
    scheduler
        ``None``: a new LocalCluster (processes, 127.0.0.1); ``"tcp://host:port"``: an existing
        scheduler; ``"serial"``: one after another in this process.
    n_workers
        Worker processes of the local cluster (>= 1).
    progress
        Show a progress bar over finished runs.
    force
        Run even where the memory guard would refuse (:mod:`econsim.simulation.memory`).
    overwrite
        Replace run folders left by an earlier sweep (else they are an error).
    timeout
        Seconds to wait for an existing scheduler (:class:`SchedulerUnreachable` after).
    variants
        Optional label → settings, crossed with the grid and the seeds (a ``variant`` column
        in ``sweep.csv``); see :func:`expand_grid`.
    """
    started = time.time()
    base = base_config if isinstance(base_config, SimConfig) else SimConfig.from_dict(base_config)
    if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
        raise ValueError(f"n_workers must be an integer >= 1; got {n_workers!r}")
    runs = expand_grid(base, grid, seeds, variants)
    out = Path(out_dir)
    busy = [r.name for r in runs if (out / r.name).exists() and any((out / r.name).iterdir())]
    if busy and not overwrite:
        raise ValueError(f"{len(busy)} run folder(s) in {out} are not empty (e.g. {busy[0]}); "
                         "pass overwrite=True (--overwrite) or choose another out_dir")
    share = 1 if scheduler == "serial" else n_workers
    if scheduler is None or scheduler == "serial":
        for r in runs:
            check_memory(r.config, force=force, share=min(share, len(runs)))
    for backend in sorted({r.config.backend for r in runs if r.config.uses_llm}):
        # keys and backend strings are checked before any earlier run is replaced
        make_client(backend).close()
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict[str, Any]] = {}
    bar = tqdm(total=len(runs), disable=not progress, desc="sweep", unit="run")
    try:
        if scheduler == "serial":
            for r in runs:
                rows[r.name] = run_one(r.config.to_dict(), str(out / r.name), force)
                bar.update(1)
        else:
            rows = _run_on_dask(runs, out, scheduler, n_workers, force, timeout, bar)
    finally:
        bar.close()
    table = pd.DataFrame([{"name": r.name, "seed": r.seed, **{k: _cell(v) for k, v in
                           r.values.items()}, "folder": str(out / r.name), **rows[r.name]}
                          for r in runs])
    table.to_csv(out / "sweep.csv", index=False)
    write_manifest(out, experiment="sweep", config={"base": base.to_dict(), "grid": grid,
                   "variants": {k: dict(v) for k, v in (variants or {}).items()},
                   "seeds": list(seeds), "scheduler": scheduler or "local",
                   "n_workers": n_workers}, outputs=["sweep.csv", *table["name"]],
                   started=started, runs=len(runs),
                   failed=int((table["status"] == "failed").sum()))
    return SweepResult(table, out, round(time.time() - started, 3))


def _cell(value: Any) -> Any:
    return str(value) if isinstance(value, dict | list | tuple) else value


def _run_on_dask(runs: list[SweepRun], out: Path, scheduler: str | None, n_workers: int,
                 force: bool, timeout: float, bar: tqdm) -> dict[str, dict[str, Any]]:
    from distributed import as_completed

    rows: dict[str, dict[str, Any]] = {}
    with dask_client(scheduler, n_workers, timeout) as client:
        futures = {client.submit(run_one, r.config.to_dict(), str(out / r.name), force,
                                 key=f"econsim-run-{r.name}", pure=False): r.name for r in runs}
        for fut in as_completed(list(futures), loop=client.loop):
            name = futures[fut]
            if fut.status == "error":  # the worker died (e.g. killed): report, keep going
                err = fut.exception()
                rows[name] = {"status": "failed", "error": redact(f"{type(err).__name__}: {err}")}
            else:
                rows[name] = fut.result()
            bar.update(1)
            bar.set_postfix(failed=sum(r["status"] == "failed" for r in rows.values()),
                            refresh=False)
    return rows
