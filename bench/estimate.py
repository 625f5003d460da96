"""The cost estimate against actual runs (issue 23): calls must be exact, tokens inside the range.

Rows: for stand-in (surrogate) runs larger than the estimate's pilot and for a replay of notebook
10's SmolLM2 pack, the actual prompt tokens' position in the estimated range (0 = low end,
1 = high end; inside when in [0, 1]), the range's width relative to the actual, and the calls'
error (must be 0); and the seconds one paper-sized estimate takes.

Run: ``.venv/bin/python -m bench estimate`` (``--quick``: fewer runs).
"""

from __future__ import annotations

import json
import time

from econsim.analysis.estimate import CALIBRATION_PACK, compare, estimate, table_actuals
from econsim.simulation import SimConfig, make_simulation

STAND_IN = {
    "rational 12 x 80": dict(scenario="rational", n_agents=12, n_steps=80, K=5, H=20),
    "bounded 15 x 60, LLM personas": dict(scenario="bounded", n_agents=15, n_steps=60, K=6, H=10,
                                          personas="llm"),
    "democratic 9 x 60, platforms": dict(scenario="democratic", n_agents=9, n_steps=60, K=5, H=8,
                                         platforms=True),
    "archetypes 300 x 40, K = 12": dict(scenario="bounded", n_agents=300, n_steps=40, K=5, H=10,
                                        batching="clusters", n_clusters=12),
    "rational 5 x 500 (K 25, H 50)": dict(scenario="rational", n_agents=5, n_steps=500, K=25),
}


def _rows(label: str, cfg: SimConfig) -> list[dict]:
    result = make_simulation(cfg).run()
    act = table_actuals(result.tables["calls"], result.ledger)
    est = estimate(cfg)
    report = compare(est, act)["checks"]
    lo, hi = est.prompt_tokens
    actual = act["prompt_tokens"]
    calls_error = sum(abs(r["actual"] - r["high"]) for k, r in report.items()
                      if k.startswith("decisions.") and r["low"] == r["high"])
    return [
        {"name": f"{label}: prompt tokens position in range", "value": (actual - lo) / (hi - lo),
         "unit": "0..1", "target": "in [0, 1]", "ok": lo <= actual <= hi},
        {"name": f"{label}: range width / actual", "value": (hi - lo) / actual, "unit": "ratio"},
        {"name": f"{label}: calls error", "value": calls_error, "unit": "calls", "target": "0",
         "ok": calls_error == 0},
    ]


def run(quick: bool = False) -> list[dict]:
    rows: list[dict] = []
    for label, kw in list(STAND_IN.items())[: 2 if quick else None]:
        rows += _rows(f"stand-in {label}", SimConfig(**kw))
    manifest = json.loads((CALIBRATION_PACK / "pack.json").read_text())
    for values in manifest["configs"][: 1 if quick else None]:
        cfg = SimConfig.from_dict({**values, "backend": f"replay:{CALIBRATION_PACK}",
                                   "store": None, "store_mode": "off"})
        rows += _rows(f"notebook 10 pack replay, seed {cfg.seed}", cfg)
    paper = SimConfig(scenario="bounded", n_agents=100, n_steps=2500, K=25,
                      backend="openai/gpt-4o-mini", seed=7)
    t0 = time.perf_counter()
    estimate(paper)
    rows.append({"name": "estimate of a paper bounded run (100 x 2500)",
                 "value": time.perf_counter() - t0, "unit": "s"})
    return rows
