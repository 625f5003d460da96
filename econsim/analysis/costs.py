"""Measure what a run costs: wall time, LLM calls and tokens per step, welfare reached.

Used by notebook 06 and ``bench/scale.py``: :func:`measure_runs` runs labelled configurations one
after another and returns one tidy row each.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Sequence

import pandas as pd
from tqdm.auto import tqdm

from econsim.simulation import SimConfig, make_simulation
from econsim.simulation.memory import estimate_memory

#: Columns of :func:`measure_runs` that are measurements of this machine (they differ between
#: reruns); the rest is determined by the configuration and seed.
TIMING_COLUMNS: tuple[str, ...] = ("wall_s", "s_per_step", "agent_steps_per_s", "peak_rss_gib")


def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far (``getrusage``; Linux reports KiB)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def mode_of(cfg: SimConfig) -> str:
    """``per-agent calls``, ``cluster calls`` or ``vectorised surrogate`` (``rational``/``fixed``: exact)."""
    if cfg.worker_spec.vector_only:
        return "vectorised surrogate"
    if cfg.worker_spec.asks_model:
        return "cluster calls" if cfg.batching_spec.per_cluster else "per-agent calls"
    return f"{cfg.worker} (exact)"


def measure_run(cfg: SimConfig, label: str = "") -> dict[str, float | int | str]:
    """Run ``cfg`` in memory and summarise its cost and outcome (one row)."""
    started = time.perf_counter()
    res = make_simulation(cfg).run()
    wall = time.perf_counter() - started
    led = res.ledger or {}
    half = res.steps.iloc[len(res.steps) // 2:]
    return {
        "label": label or mode_of(cfg), "mode": mode_of(cfg), "n_agents": cfg.n_agents,
        "n_clusters": cfg.n_clusters if cfg.batching_spec.per_cluster else None,
        "n_steps": cfg.n_steps, "wall_s": wall, "s_per_step": wall / cfg.n_steps,
        "agent_steps_per_s": cfg.n_agents * cfg.n_steps / wall,
        "calls_per_step": led.get("calls", 0) / cfg.n_steps,
        "tokens_per_step": (led.get("input_tokens", 0) + led.get("output_tokens", 0))
        / cfg.n_steps,
        "cost_usd": led.get("cost_usd", 0.0),
        "utilitarian": float(half["utilitarian"].mean()),
        "objective": float(half["objective"].mean()),
        "mean_labour": float(half["mean_labour"].mean()),
        "mean_satisfaction": float(half["mean_satisfaction"].mean()),
        "memory_estimate_gib": estimate_memory(cfg).total / 2**30,
        "peak_rss_gib": peak_rss_bytes() / 2**30,
    }


def measure_runs(configs: Sequence[tuple[str, SimConfig]], *, progress: bool = True
                 ) -> pd.DataFrame:
    """:func:`measure_run` for each ``(label, config)``, one after another."""
    rows = []
    bar = tqdm(configs, disable=not progress, desc="runs", unit="run")
    for label, cfg in bar:
        bar.set_postfix_str(f"{label} N={cfg.n_agents:,}")
        rows.append(measure_run(cfg, label))
    return pd.DataFrame(rows)
