"""Sample views of every prompt kind, for the golden-prompt test (``test_prompts_golden.py``).

Prompts are part of the results: the ledger's token counts, the recorded replay packs and the call
store keys all hash or count their exact text. ``tests/data/golden_prompts.json`` holds the
prompts these views rendered when it was written; regenerate it only when a wording change is
meant (``python tests/prompt_samples.py tests/data/golden_prompts.json``).
"""

from __future__ import annotations

import hashlib
import json
import sys

import numpy as np

from econsim.prompts import (
    Candidate,
    LeaderView,
    PersonaRequest,
    PlannerView,
    PolicyRecord,
    RunView,
    SatisfactionView,
    StepRecord,
    VoteView,
    WorkerView,
    build,
)

CUTS = (0.0, 11600.0, 47150.0)
RATES = (0.1, 0.12, 0.225)


def _history(n: int) -> list[StepRecord]:
    return [StepRecord(t, RATES if t < 25 else (0.2, 0.3, 0.4), 40.0 + 10 * (t % 3),
                       41234.5 + t, 5123.25, 4999.5, 41111.0, 38123.4 + 7.1 * t,
                       1.0 if t % 2 else 0.5, (38123.4 + t) * (1.0 if t % 2 else 0.5), 0.123 * t)
            for t in range(n)]


def sample_views() -> dict[str, tuple[str, object]]:
    """Name → (prompt kind, view)."""
    out: dict[str, tuple[str, object]] = {}
    hist = _history(60)
    for ut in ("egotistical", "altruistic", "adversarial"):
        for h in (0, 1, 2, 30, 60):
            for persona in (None, "You are a careful nurse who supports redistribution."):
                for step in (h, 24, 95):
                    out[f"worker/{ut}/h{h}/{persona is not None}/t{step}"] = (
                        "worker", WorkerView("worker_3", 1023.4, step, 100, CUTS, RATES,
                                             hist[:h][-50:], persona, ut, K=25, H=50))
    out["satisfaction"] = ("satisfaction", SatisfactionView("worker_1", "You are a cook.",
                                                            CUTS, RATES, hist[5]))
    rng = np.random.default_rng(0)
    policy = tuple(PolicyRecord(25 * k, (0.1 * (k % 4), 0.2, 0.3), 0.5 + 0.01 * k)
                   for k in range(7))
    planner = PlannerView(175, 250, 25, CUTS, RATES, rng.lognormal(10, 1, 20),
                          rng.normal(3e4, 5e3, 20), 0.6123, policy, H=5)
    out["planner"] = ("planner", planner)
    out["leader"] = ("leader", LeaderView("worker_2", "You dislike taxes.", planner, policy[:3]))
    cands = (Candidate("worker_0", 41234.5, None), Candidate("worker_2", 90000.0, (-10, 0, 20)))
    out["vote"] = ("vote", VoteView("worker_4", None, CUTS, RATES, hist[7], cands))
    out["run"] = ("run", RunView("worker_4", "You take risks.", CUTS, RATES, hist[:12], H=10))
    out["persona"] = ("persona", PersonaRequest(45, "female", "Registered nurses", 81234.0))
    return out


def rendered() -> dict[str, str]:
    """Name/style → SHA-256 of the rendered messages (JSON)."""
    out = {}
    for name, (kind, view) in sample_views().items():
        for style in ("paper", "compact"):
            text = json.dumps(build(style, kind, view), sort_keys=True)
            out[f"{style}/{name}"] = hashlib.sha256(text.encode()).hexdigest()
    return out


if __name__ == "__main__":
    with open(sys.argv[1], "w") as fh:
        json.dump(rendered(), fh, indent=1, sort_keys=True)
