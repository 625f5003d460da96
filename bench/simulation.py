"""Simulation benchmarks (issue 5): a long bounded run, prompt sizes, a step against a server."""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from bench._serve import start_server
from econsim.llm import make_client
from econsim.prompts import PlannerView, PolicyRecord, WorkerView, build
from econsim.simulation import SimConfig, Simulation, make_simulation


def _timed_run(cfg: SimConfig) -> tuple[Simulation, float, float]:
    """A run, its wall time and the time spent deciding its calls (``ask``: prompts rendered
    and sent through the client, or the stand-in deciding from the views)."""
    sim = make_simulation(cfg)
    spent = [0.0]
    ask = sim.ask

    def timed_ask(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - a transparent wrapper
        t0 = time.perf_counter()
        out = ask(*args, **kwargs)
        spent[0] += time.perf_counter() - t0
        return out

    sim.context = dataclasses.replace(sim.context, ask=timed_ask)
    t0 = time.perf_counter()
    sim.run()
    return sim, time.perf_counter() - t0, spent[0]


def bench_long_run(quick: bool) -> tuple[list[dict], Simulation]:
    """The paper's bounded run (100 surrogate workers, paper prompts) read as arrays and as text,
    one after the other in the same process: wall times, decisions per second and their ratios."""
    n_steps = 100 if quick else 2500
    base = SimConfig(scenario="bounded", n_agents=100, n_steps=n_steps, record_prompts=False)
    sims, walls, rates = {}, {}, {}
    for reads in ("arrays", "text"):
        sim, wall, asked = _timed_run(base.replace(surrogate_reads=reads))
        sims[reads], walls[reads] = sim, wall
        rates[reads] = sim.client.ledger.calls / asked
    same = sims["arrays"].client.ledger.summary()["input_tokens"] \
        == sims["text"].client.ledger.summary()["input_tokens"]
    size = f"100 surrogate workers x {n_steps} steps, bounded, paper prompts"
    calls = sims["arrays"].client.ledger.calls
    speed, dec = walls["text"] / walls["arrays"], rates["arrays"] / rates["text"]
    return [
        {"name": f"{size}: arrays (surrogate_reads)", "value": walls["arrays"], "unit": "s",
         "target": "", "ok": None, "note": f"{calls} calls"},
        {"name": f"{size}: text", "value": walls["text"], "unit": "s", "target": "",
         "ok": None, "note": "every prompt rendered and parsed"},
        {"name": "whole run, arrays vs text (same run)", "value": speed, "unit": "x",
         "target": ">= 10 x", "ok": speed >= 10 if not quick else None,
         "note": f"same token counts: {same}"},
        {"name": "stand-in decisions per second, arrays", "value": rates["arrays"],
         "unit": "1/s", "target": "", "ok": None, "note": "calls / time in ask()"},
        {"name": "stand-in decisions per second, text", "value": rates["text"], "unit": "1/s",
         "target": "", "ok": None, "note": "render + client + parse"},
        {"name": "decisions per second, arrays vs text (same run)", "value": dec, "unit": "x",
         "target": ">= 20 x", "ok": dec >= 20 if not quick else None, "note": ""},
    ], sims["text"]


def bench_prompt_sizes(sim: Simulation) -> list[dict]:
    """Characters (and ~tokens at 4 chars each) per worker and planner call, both styles, at
    several points of the episode, built from the same run's histories."""
    rows = []
    st, cfg = sim.state, sim.config
    cut = tuple(sim.cutoffs.tolist())
    for t in (10, 1000, 2500):
        if t > cfg.n_steps:
            continue
        hist = st.histories[0][:t]
        policy = tuple(p for p in st.policy_history if p.step < t)
        out = np.asarray([h.income for h in hist[-1:]] * cfg.n_agents) if hist else np.zeros(1)
        sizes = {}
        for style in ("paper", "compact"):
            worker = WorkerView(sim.names[0], float(sim.skills[0]), t, cfg.n_steps, cut,
                                tuple(st.rates.tolist()), hist[-cfg.H:], sim.personas[0],
                                K=cfg.K, H=cfg.H)
            planner = PlannerView(t, cfg.n_steps, cfg.K, cut, tuple(st.rates.tolist()), out,
                                  out, 1.0, policy or (PolicyRecord(0, (0.5,) * 7, 1.0),),
                                  H=cfg.H)
            for kind, view in (("worker", worker), ("planner", planner)):
                chars = sum(len(m["content"]) for m in build(style, kind, view))
                sizes[(style, kind)] = chars
                rows.append({"name": f"prompt size t={t}, {kind}, {style}", "value": chars,
                             "unit": "chars", "note": f"~{chars / 4:,.0f} tokens"})
        for kind in ("worker", "planner"):
            ratio = sizes[("compact", kind)] / sizes[("paper", kind)]
            rows.append({"name": f"compact / paper, t={t}, {kind}", "value": ratio, "unit": "x",
                         "target": "<= 0.5", "ok": ratio <= 0.5})
    return rows


def bench_server_step(quick: bool) -> list[dict]:
    proc, url = start_server("--latency", "0.1")
    try:
        cfg = SimConfig(scenario="bounded", n_agents=100, n_steps=3, K=25,
                        backend=f"openai-compatible/surrogate@{url}", concurrency=100)
        client = make_client(cfg.backend, concurrency=100)
        sim = make_simulation(cfg, client=client)
        sim._step(0)  # warm-up: connection pool and first-step rates
        sim.state.step = 1
        times = []
        for t in (1, 2):
            t0 = time.perf_counter()
            sim._step(t)
            times.append(time.perf_counter() - t0)
        best = min(times)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return [{"name": "one 100-agent bounded step (labour + satisfaction) vs econsim serve, "
             "100 ms latency", "value": best, "unit": "s", "target": "<= 0.8 s",
             "ok": best <= 0.8, "note": "200 calls; ~20 s if issued one after another"}]


def run(quick: bool = False) -> list[dict]:
    rows, sim = bench_long_run(quick)
    return rows + bench_prompt_sizes(sim) + bench_server_step(quick)
