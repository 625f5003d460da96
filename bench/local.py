"""Benchmarks of a language model in-process (issue 16): SmolLM2-135M through llama.cpp.

Prompt and generation tokens per second; seconds per worker call with and without prefix reuse
(compact prompts, three workers whose histories grow step by step, as in a run); the share of
replies valid on the first try with and without grammar-constrained decoding; and the wall time
of notebook 10's recording (from its committed replay pack).

Run: ``.venv/bin/python -m bench local`` (needs ``make setup-local``; ``--quick`` for a smoke run).
"""

from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path

import numpy as np

from econsim.llm import LabourChoice, Request, delta_schema, make_client
from econsim.llm.types import ParseFailure
from econsim.prompts import PlannerView, PolicyRecord, StepRecord, WorkerView, build

PACK = Path("results/10_real_model/pack/pack.json")
CUTOFFS = (0.0, 1000.0, 3000.0)


def _worker_request(i: int, step: int, tag: str) -> Request:
    hist = [StepRecord(t, (0.5, 0.5, 0.5), 40.0 + 10 * ((t + i) % 3), 800.0 + 40 * t, 300.0,
                       250.0, 750.0, 700.0 + t) for t in range(step)]
    view = WorkerView(f"worker {i}", 20.0 + 5 * i, step, 40, CUTOFFS, (0.5, 0.5, 0.5), hist, K=5,
                      H=20)
    return Request(build("compact", "worker", view), LabourChoice, f"{tag}/t{step}/w{i}")


def _planner_request(year: int, tag: str) -> Request:
    hist = [PolicyRecord(5 * y, (0.5, 0.4 + 0.1 * (y % 2), 0.5), 10.0 + y) for y in range(year)]
    view = PlannerView(5 * year, 40, 5, CUTOFFS, (0.5, 0.5, 0.5),
                       np.array([1000.0, 2000.0, 4000.0]), np.array([600.0, 700.0, 900.0]),
                       12.0, hist, H=20)
    return Request(build("compact", "planner", view), delta_schema(3), f"{tag}/y{year}")


def _seconds_per_call(prefix_cache: bool, steps: int) -> tuple[float, float]:
    client = make_client("llamacpp/smollm2", prefix_cache=prefix_cache, max_reasks=0,
                         max_tokens=24, seed=1)
    t0 = time.perf_counter()
    n = tokens = 0
    for step in range(1, steps + 1):
        for i in range(3):
            r = _worker_request(i, step, f"prefix{prefix_cache}")
            done = client.complete_sync(r.messages, schema=r.schema, call_id=r.call_id)
            n, tokens = n + 1, tokens + done.input_tokens
    return (time.perf_counter() - t0) / n, tokens / n


def _valid_share(structured: str, n: int) -> float:
    client = make_client("llamacpp/smollm2", structured=structured, max_reasks=0, max_tokens=48,
                         seed=2)
    ok = 0
    reqs = [_worker_request(i % 3, 1 + i // 3, f"valid-{structured}") for i in range(n)]
    reqs += [_planner_request(1 + i, f"valid-{structured}") for i in range(max(1, n // 4))]
    for r in reqs:
        try:  # no fallback is given: an unusable reply raises, and counts as invalid
            done = client.complete_sync(r.messages, schema=r.schema, call_id=r.call_id)
        except ParseFailure:
            continue
        ok += not done.fallback
    return ok / len(reqs)


def _throughput() -> tuple[float, float]:
    """Prompt and generation tokens/s of one single-threaded instance (the backend's unit)."""
    from econsim.llm.llamacpp_backend import _load, packaged_model_path

    pool = _load(packaged_model_path("smollm2"), 4096, 1, 1)
    m = pool.take()
    try:
        llama = m.llama
        prompt = " ".join(f"step {t}: labour 40 hours, income 1200.00, utility 950.25"
                          for t in range(30))
        tokens = llama.tokenize(prompt.encode())
        llama.set_cache(None)
        llama.reset()
        t0 = time.perf_counter()
        llama.eval(tokens)
        prompt_rate = len(tokens) / (time.perf_counter() - t0)
        t0 = time.perf_counter()  # the prompt is in the context: only generation remains
        out = llama.create_completion(prompt, max_tokens=32, temperature=0.0)
        gen = out["usage"]["completion_tokens"] / (time.perf_counter() - t0)
    finally:
        pool.give(m)
    return prompt_rate, gen


def run(quick: bool = False) -> list[dict]:
    if importlib.util.find_spec("llama_cpp") is None:
        print("bench local: llama-cpp-python not installed (make setup-local); skipped")
        return []
    prompt_rate, gen_rate = _throughput()
    steps = 2 if quick else 4
    with_reuse, tok = _seconds_per_call(True, steps)
    without, _ = _seconds_per_call(False, steps)
    n_valid = 6 if quick else 30
    constrained = _valid_share("json_schema", n_valid)
    free = _valid_share("none", n_valid)
    rows = [
        {"name": "prompt evaluation, SmolLM2-135M Q4_1", "value": prompt_rate,
         "unit": "tokens/s"},
        {"name": "generation, SmolLM2-135M Q4_1", "value": gen_rate, "unit": "tokens/s"},
        {"name": f"worker call with prefix reuse (compact, ~{tok:.0f} prompt tokens)",
         "value": with_reuse, "unit": "s/call"},
        {"name": "worker call without prefix reuse", "value": without, "unit": "s/call",
         "note": f"reuse speed-up {without / with_reuse:.2f}x"},
        {"name": "replies valid on the first try, constrained decoding", "value": 100 * constrained,
         "unit": "%", "target": ">= 99 %", "ok": constrained >= 0.99},
        {"name": "replies valid on the first try, free text", "value": 100 * free, "unit": "%"},
    ]
    if PACK.is_file():
        info = json.loads(PACK.read_text())
        if info.get("recording_wall_s") is not None:
            rows.append({"name": "notebook 10 recording (make record-local)",
                         "value": float(info["recording_wall_s"]), "unit": "s",
                         "note": f"{info['calls']} calls, measured when the pack was recorded"})
    return rows
