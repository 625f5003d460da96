"""The US workforce on one machine, and one population sharded on Dask (issue 15).

Targets: 161,000,000 census-calibrated agents, K = 100 archetypes (offline surrogate), bounded
scenario, LLM planner, 10 steps: <= 5 min and <= 16 GB peak RSS; seconds per step per 10⁶
agents (goal <= 0.15 s, one core); the share of LLM calls vs array work. A 10⁷-agent population
as shards on a 2-worker local cluster vs the in-memory lean engine in the same run: identical
tables; ratio of wall times.

Each measurement runs in a fresh process (its own peak RSS). The machine's load average is
reported with every row: the CPU seconds (``cpu_s``) say what the work costs when the machine
is shared, the wall seconds what a user waits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def _config(n: int, steps: int, **kw):  # noqa: ANN202 - SimConfig
    from econsim.simulation import SimConfig

    return SimConfig(scenario="bounded", worker="llm", batching="clusters", n_clusters=100,
                     planner="llm", n_agents=n, n_steps=steps, K=2, seed=42,
                     record_prompts=False, **kw)


def workforce(n: int, steps: int) -> dict:
    """One lean run (called in a fresh process)."""
    from econsim.analysis.costs import peak_rss_bytes
    from econsim.simulation.lean_engine import LeanSimulation

    load0 = os.getloadavg()[0]
    c0 = time.process_time()
    t0 = time.perf_counter()
    res = LeanSimulation(_config(n, steps, engine="lean")).run()
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    tm = res.timings
    return {"wall_s": wall, "cpu_s": cpu, "peak_gb": peak_rss_bytes() / 1e9, **tm,
            "load_start": load0, "load_end": os.getloadavg()[0],
            "calls": int(res.ledger.get("calls", 0)),
            "final_rates": [float(res.steps[c].iloc[-1]) for c in res.steps.columns
                            if c.startswith("rate_")],
            "final_objective": float(res.steps.objective.iloc[-1]),
            "gini": float(res.steps.gini.iloc[-1]),
            "gini_error_bound": float(res.steps.gini_error_bound.iloc[-1])}


def sharded(n: int, steps: int, chunk: int) -> dict:
    """The same population in memory and as Dask shards (2 local workers), same process."""
    import pandas as pd

    from econsim.simulation.lean_engine import LeanSimulation

    cfg = _config(n, steps, engine="lean", chunk_size=chunk)
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    a = LeanSimulation(cfg).run()
    t1 = time.perf_counter()
    b = LeanSimulation(cfg.replace(engine="dask", dask_workers=2)).run()
    t2 = time.perf_counter()
    try:
        pd.testing.assert_frame_equal(a.steps, b.steps, check_exact=True)
        pd.testing.assert_frame_equal(a.agents, b.agents, check_exact=True)
        same = True
    except AssertionError:
        same = False
    return {"memory_s": t1 - t0, "dask_s": t2 - t1, "identical": same,
            "memory_array_s": a.timings["array_s"], "dask_array_s": b.timings["array_s"],
            "memory_sample_s": a.timings["sample_s"], "dask_sample_s": b.timings["sample_s"],
            "load_start": load0, "load_end": os.getloadavg()[0]}


def _fresh(call: str) -> dict:
    code = f"import json; from bench.workforce import *; print(json.dumps({call}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_workforce(quick: bool) -> list[dict]:
    n, steps = (2_000_000, 4) if quick else (161_000_000, 10)
    r = _fresh(f"workforce({n}, {steps})")
    per = r["array_s"] / steps / (n / 1e6)
    share = r["llm_s"] / (r["llm_s"] + r["array_s"] + r["sample_s"])
    label = f"{n:,} agents, K=100 archetypes, bounded, LLM planner, {steps} steps"
    load = f"load average {r['load_start']:.1f} -> {r['load_end']:.1f} on {os.cpu_count()} cores"
    full = not quick
    return [
        {"name": f"{label}: wall", "value": r["wall_s"], "unit": "s",
         "target": "<= 300 s" if full else "", "ok": r["wall_s"] <= 300 if full else None,
         "note": f"sampling {r['sample_s']:.1f} s, LLM {r['llm_s']:.1f} s "
                 f"({r['calls']} calls), arrays {r['array_s']:.1f} s; CPU {r['cpu_s']:.1f} s; "
                 + load},
        {"name": f"{label}: peak RSS", "value": r["peak_gb"], "unit": "GB",
         "target": "<= 16 GB" if full else "", "ok": r["peak_gb"] <= 16 if full else None,
         "note": "ru_maxrss of a fresh process"},
        {"name": "array work per step per 10^6 agents (one core)", "value": per, "unit": "s",
         "target": "<= 0.15 s" if full else "", "ok": per <= 0.15 if full else None,
         "note": "wall time of the chunked economy step (labour, tax, utility, sums, "
                 "histograms); " + load},
        {"name": "share of the run in LLM calls (archetypes + planner)", "value": share,
         "unit": "fraction", "note": "the rest: sampling and array work"},
        {"name": "Gini error bound (last step)", "value": r["gini_error_bound"], "unit": "abs",
         "note": f"Gini {r['gini']:.4f} from the shared histogram"},
    ]


def bench_sharded(quick: bool) -> list[dict]:
    n, steps = (1_000_000, 4) if quick else (10_000_000, 10)
    r = _fresh(f"sharded({n}, {steps}, {1 << 20})")
    ratio = r["dask_s"] / r["memory_s"]
    load = f"load average {r['load_start']:.1f} -> {r['load_end']:.1f}"
    return [
        {"name": f"{n:,} agents x {steps} steps as Dask shards (2 local workers) vs in memory: "
                 "wall ratio", "value": ratio, "unit": "x",
         "note": f"in memory {r['memory_s']:.1f} s (arrays {r['memory_array_s']:.1f} s), "
                 f"Dask {r['dask_s']:.1f} s incl. cluster start (arrays "
                 f"{r['dask_array_s']:.1f} s, sampling {r['dask_sample_s']:.1f} s); {load}"},
        {"name": "sharded results identical to in-memory", "value": float(r["identical"]),
         "unit": "bool", "target": "== 1", "ok": bool(r["identical"])},
    ]


def run(quick: bool = False) -> list[dict]:
    return bench_workforce(quick) + bench_sharded(quick)
