"""Economy-step benchmark (issue 2): 1,000,000 agents, 7 brackets, one core.

Times one full step — best response on the 11-point menu, taxes, rebate, utilities and every
welfare metric — and compares agent-steps per second with a plain per-agent Python loop measured
in the same run on a smaller population (scaled).
"""

from __future__ import annotations

import math
import time
import tracemalloc

import numpy as np

from econsim.baselines.backward_induction import python_tax
from econsim.economy.outcomes import rational_step
from econsim.economy.skills import sample_gb2_skills
from econsim.economy.tax import TaxSchedule
from econsim.economy.utility import LABOUR_MENU, UTILITY_PRESETS
from econsim.economy.welfare import all_metrics


def _one_step(skills, schedule, params) -> dict[str, float]:
    return rational_step(skills, schedule, params).welfare()


def _python_loop_step(skills, schedule, params) -> dict[str, float]:
    """The per-agent baseline: plain Python over agents and menu options."""
    cut, rates = schedule.cutoffs.tolist(), schedule.rates.tolist()

    def tax(z: float) -> float:
        return python_tax(z, cut, rates)

    labour, incomes, taxes = [], [], []
    for s in skills.tolist():
        best, best_l = -math.inf, 0.0
        for h in LABOUR_MENU.tolist():
            v = s * h - tax(s * h) - params.c * h**params.delta
            if v > best:
                best, best_l = v, h
        labour.append(best_l)
        incomes.append(s * best_l)
        taxes.append(tax(s * best_l))
    rebate = sum(taxes) / len(taxes)
    post = [z - t + rebate for z, t in zip(incomes, taxes, strict=True)]
    u = [p - params.c * h**params.delta for p, h in zip(post, labour, strict=True)]
    return all_metrics(u, incomes, post)


def _best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def run(quick: bool = False) -> list[dict]:
    n = 20_000 if quick else 1_000_000
    n_loop = 2_000 if quick else 20_000
    rng = np.random.default_rng(42)
    skills = sample_gb2_skills(n, rng)
    schedule = TaxSchedule.preset("us_federal_2024")
    params = UTILITY_PRESETS.get("paper")
    _one_step(skills, schedule, params)  # warm-up
    t_vec = _best_of(lambda: _one_step(skills, schedule, params), 3 if quick else 7)
    tracemalloc.start()
    _one_step(skills, schedule, params)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    small = skills[:n_loop]
    t_loop = _best_of(lambda: _python_loop_step(small, schedule, params), 1)
    loop_rate = n_loop / t_loop
    vec_rate = n / t_vec
    # the two implementations agree on the small population
    a = _one_step(small, schedule, params)
    b = _python_loop_step(small, schedule, params)
    agree = all(math.isclose(a[k], b[k], rel_tol=1e-9, abs_tol=1e-6) for k in a)
    return [
        {"name": f"economy step, {n:,} agents, 7 brackets (best of runs)", "value": t_vec,
         "unit": "s", "target": "<= 0.2 s", "ok": t_vec <= 0.2 if not quick else None},
        {"name": "economy step peak traced memory", "value": peak / 2**20, "unit": "MiB",
         "target": "<= 1024 MiB", "ok": peak <= 2**30},
        {"name": "vectorised agent-steps per second", "value": vec_rate, "unit": "1/s"},
        {"name": f"per-agent Python loop agent-steps per second (N={n_loop:,})",
         "value": loop_rate, "unit": "1/s"},
        {"name": "speed-up vectorised / Python loop", "value": vec_rate / loop_rate, "unit": "x",
         "note": f"loop results equal vectorised: {agree}"},
    ]
