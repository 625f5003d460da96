"""Population benchmarks (issue 4).

- 1,000,000 agents sampled with demographics, skills (gb2 and joint) and offline persona
  attributes (tax attitude, risk tolerance, household, persona variant): target <= 5 s;
- offline persona texts for 10,000 agents: target <= 10 s;
- LLM persona writing through ``econsim.llm`` with a backend of fixed latency: N calls should take
  about N / concurrency latency rounds (they are issued concurrently), not N.
"""

from __future__ import annotations

import asyncio
import json
import time

from econsim.llm import LLMClient
from econsim.llm.types import RawReply
from econsim.population import Population
from econsim.population.llm_personas import write_llm_personas


class _LatencyBackend:
    """Replies to persona prompts after a fixed delay (a stand-in for a remote model)."""

    kind = "bench"
    model = "fixed-latency"
    url = None

    def __init__(self, delay: float) -> None:
        self.delay = delay

    async def request(self, messages, *, schema, call_id, temperature, max_tokens):
        await asyncio.sleep(self.delay)
        return RawReply(json.dumps({"PERSONA": "You are a worker in a benchmark economy."}),
                        40, 12, self.model)

    async def aclose(self) -> None:
        return None


def _best_time(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run(quick: bool = False) -> list[dict]:
    n_big = 100_000 if quick else 1_000_000
    n_text = 1_000 if quick else 10_000
    repeats = 1 if quick else 3
    scale = 1_000_000 / n_big
    Population.sample(1000, 0, personas="none")  # warm-up: data loading and imports
    rows = []
    for mode in ("gb2", "joint"):
        t = _best_time(lambda mode=mode: Population.sample(n_big, 1, skills=mode,
                                                           personas="none"), repeats)
        rows.append({"name": f"sample 1M agents, {mode} skills + persona attributes",
                     "value": t * scale, "unit": "s", "target": "<= 5 s", "ok": t * scale <= 5,
                     "note": f"measured on {n_big:,} agents" + (", scaled" if scale > 1 else "")})
    t = _best_time(lambda: Population.sample(n_text, 2, skills="joint", personas="offline"),
                   repeats)
    rows.append({"name": f"offline persona texts for {n_text:,} agents (incl. sampling)",
                 "value": t * 10_000 / n_text, "unit": "s", "target": "<= 10 s",
                 "ok": t * 10_000 / n_text <= 10,
                 "note": "scaled to 10,000" if n_text != 10_000 else ""})
    n_llm, conc, delay = (64, 16, 0.02) if quick else (256, 32, 0.05)
    pop = Population.sample(n_llm, 3, personas="none")
    client = LLMClient(_LatencyBackend(delay), concurrency=conc)
    t0 = time.perf_counter()
    write_llm_personas(pop, client)
    wall = time.perf_counter() - t0
    rounds = wall / delay
    ideal = n_llm / conc
    rows.append({"name": f"LLM personas: {n_llm} calls, concurrency {conc}, {delay * 1000:.0f} ms",
                 "value": rounds, "unit": "rounds", "target": f"~{ideal:.0f} (<< {n_llm})",
                 "ok": rounds <= 2 * ideal,
                 "note": f"wall {wall:.2f} s; sequential would be {n_llm} rounds"})
    return rows
