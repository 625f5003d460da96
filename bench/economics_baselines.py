"""Stackelberg-reference benchmark (issue 2): 10,000 GB2 agents, one core.

- 3 brackets ("three"), exhaustive search of the {0, 0.1, …, 1} lattice (1,331 schedules),
  target ≤ 5 s; timed on the fast (prefix-sum) path and, for comparison, the general O(N) path.
- 7 brackets (US federal 2024 edges), multi-start lattice coordinate search refined by scipy,
  target ≤ 60 s.
- Saez rates (proper and v1) for the same population, for scale.
All on the paper utility preset and the paper SWF, seed 42.
"""

from __future__ import annotations

import time

import numpy as np

from econsim.baselines.saez import saez_rates
from econsim.baselines.stackelberg import stackelberg
from econsim.economy.outcomes import rational_step
from econsim.economy.skills import sample_gb2_skills
from econsim.economy.tax import TAX_PRESETS, TaxSchedule
from econsim.economy.utility import UTILITY_PRESETS


def _timed(fn):  # noqa: ANN001, ANN202
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def run(quick: bool = False) -> list[dict]:
    n = 500 if quick else 10_000
    skills = sample_gb2_skills(n, np.random.default_rng(42))
    rows: list[dict] = []
    # the preset names resolved once (econsim's functions take objects)
    three_b, us_b = TAX_PRESETS.get("three"), TAX_PRESETS.get("us_federal_2024")
    paper = UTILITY_PRESETS.get("paper")

    three, t3 = _timed(lambda: stackelberg(skills, three_b, paper, "paper_swf", method="lattice"))
    rows.append({"name": f"Stackelberg lattice, {n:,} agents, 3 brackets (fast path)",
                 "value": t3, "unit": "s", "target": "<= 5 s", "ok": t3 <= 5.0,
                 "note": f"{three.evaluations} schedules; rates {three.rates.tolist()}"})
    general, tg = _timed(lambda: stackelberg(skills, three_b, paper, "paper_swf",
                                             method="lattice", fast=False))
    rows.append({"name": f"Stackelberg lattice, {n:,} agents, 3 brackets (general path)",
                 "value": tg, "unit": "s", "target": "<= 5 s", "ok": tg <= 5.0,
                 "note": f"same optimum as fast path: "
                         f"{bool(np.array_equal(general.rates, three.rates))}"})

    seven, t7 = _timed(lambda: stackelberg(skills, us_b, paper, "paper_swf"))
    rows.append({"name": f"Stackelberg coordinate+refine, {n:,} agents, 7 brackets",
                 "value": t7, "unit": "s", "target": "<= 60 s", "ok": t7 <= 60.0,
                 "note": f"{seven.evaluations} evaluations; rates "
                         f"{np.round(seven.rates, 3).tolist()}"})
    us = TaxSchedule.preset(us_b)
    base = rational_step(skills, us, paper).welfare()["paper_swf"]
    rows.append({"name": "7-bracket optimum paper SWF / US federal paper SWF",
                 "value": seven.welfare / base, "unit": "x"})

    incomes = rational_step(skills, us, paper).pre_tax_income
    _, ts = _timed(lambda: saez_rates(us, income=incomes, elasticity="gruber_saez"))
    rows.append({"name": f"Saez proper, {n:,} incomes, 7 brackets", "value": ts, "unit": "s"})
    _, tv = _timed(lambda: saez_rates(us, skill=skills, elasticity=0.4, mode="v1"))
    rows.append({"name": f"Saez v1, {n:,} skills, 7 brackets", "value": tv, "unit": "s"})
    return rows
