"""Characters of the prompts a run would send, as a low–high range per call kind.

A short *pilot* of the configuration on the offline surrogate (at most :data:`PILOT_AGENTS`
agents, four tax years, the per-agent loop, in memory) gives real agents: personas, skills,
histories of rates, hours and incomes, policy histories. Their views are then extended to the
run's full windows — a worker's last ``min(t, H)`` steps, the planner's and leader's last
``min(j, H)`` tax years, every candidate of an election — by repeating the pilot's records with
the step numbers of the run, and rendered with :func:`econsim.prompts.build`, the function the
engines call. A kind's total is the sum over its calls of the rendered size at that call's
window; the low (high) end takes, at every window, the smallest (largest) of the pilot agents'
prompts, so the run's population mean lies inside when the pilot's agents span it.

The pilot's replies give the reply sizes of the surrogate (:func:`reply_chars`).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from econsim.analysis.call_count import CallCount, election_steps, update_steps
from econsim.population.llm_personas import persona_requests
from econsim.prompts import (
    Candidate,
    LeaderView,
    PolicyRecord,
    RunView,
    SatisfactionView,
    StepRecord,
    VoteView,
    WorkerView,
    build,
)
from econsim.simulation import SimConfig, make_simulation
from econsim.simulation.planners import planner_view
from econsim.simulation.population import census_population

#: Agents of the pilot run (each a sample of the run's prompts).
PILOT_AGENTS = 6
#: Relative widening of planner and leader prompts: their observation (income statistics,
#: histogram, welfare) and policy lines carry the run's numbers, not the pilot's; the largest
#: miss without it on the stand-in runs of tests/test_estimate.py was 1.2 %.
OBSERVATION_SLACK = 0.03
#: Relative widening of every kind: the early steps' windows repeat the pilot's latest records
#: (other rates and reflections than the run's first steps); largest miss measured: 0.2 %.
NUMBERS_SLACK = 0.01
#: Agents whose personas bound the persona part of a prompt.
PERSONA_SAMPLE = 500
#: Tax years of the pilot run (its policy records are repeated to fill longer windows).
PILOT_YEARS = 4
#: Chars a re-ask adds to the prompt besides the invalid reply (client.REASK_TEMPLATE + error).
REASK_EXTRA_CHARS = 300


@dataclass(frozen=True)
class KindChars:
    """Prompt characters of one call kind: totals over the run (low, high) and per call."""

    total: tuple[float, float]
    per_call: tuple[float, float]


def pilot_config(cfg: SimConfig, count: CallCount) -> SimConfig:
    """The configuration of the pilot: the same prompts, a few agents, four tax years."""
    worker = "llm" if "labour" in count.high else "rational"
    planner = "llm" if "planner" in count.high else "fixed"
    steps = min(cfg.n_steps, PILOT_YEARS * cfg.K + 1)
    return SimConfig(
        scenario=cfg.scenario, n_agents=min(cfg.n_agents, PILOT_AGENTS), n_steps=steps, K=cfg.K,
        H=cfg.H, warmup=min(cfg.warmup, steps), seed=cfg.seed, tax_preset=cfg.tax_preset,
        utility=cfg.utility, skills=cfg.skills,
        worker=worker if not cfg.scenario_spec.elections else "llm", planner=planner,
        utility_mix=cfg.utility_mix, objective=cfg.objective, backend="surrogate",
        prompt_style=cfg.prompt_style, max_tokens=cfg.max_tokens, store=None, store_mode="off",
        personas=cfg.personas,
        election_every=1, platforms=cfg.platforms, binding_platforms=False,
        fixed_rates=cfg.fixed_rates, record_prompts=True)


def _chars(messages: Sequence[dict[str, str]]) -> int:
    return sum(len(str(m.get("content", ""))) for m in messages)


def _window(records: Sequence[Any], length: int, last_step: int, every: int = 1) -> list[Any]:
    """``length`` records ending just before ``last_step`` (step numbers of the run): the
    pilot's records repeated, the last of them last."""
    if length <= 0 or not records:
        return []
    out = []
    for i in range(length):  # the window ends with the last record
        rec = records[(i - length) % len(records)]
        out.append(dataclasses.replace(rec, step=last_step - (length - i) * every))
    return out


class Pilot:
    """A finished pilot run and the renderings of the run's prompts from its agents."""

    def __init__(self, cfg: SimConfig, count: CallCount) -> None:
        self.cfg, self.count = cfg, count
        self.pcfg = pilot_config(cfg, count)
        self.sim = make_simulation(self.pcfg)
        started = time.perf_counter()
        self.result = self.sim.run()
        self.seconds = time.perf_counter() - started
        self.calls = self.result.tables["calls"]
        self.agents = range(self.pcfg.n_agents)
        self.persona_lengths = self._persona_lengths()

    def _persona_lengths(self) -> tuple[int, int] | None:
        """Shortest and longest persona of the run's population (of a sample of
        :data:`PERSONA_SAMPLE` agents when it is larger); the pilot's surrogate-written ones for
        ``personas='llm'``."""
        cfg = self.cfg
        if not cfg.scenario_spec.personas:
            return None
        if cfg.persona_spec.written_by_model:
            texts = [p for p in self.sim.personas if p]
        else:
            sample = SimConfig(scenario=cfg.scenario, n_agents=min(cfg.n_agents, PERSONA_SAMPLE),
                               seed=cfg.seed, skills=cfg.skills, personas=cfg.personas,
                               worker="rational", planner="fixed",
                               population=cfg.population if cfg.n_agents <= PERSONA_SAMPLE
                               else None)
            texts = [p for p in census_population(sample).personas if p]
        lengths = [len(p) for p in texts]
        return (min(lengths), max(lengths)) if lengths else None

    # -- what the pilot shows -----------------------------------------------------------------
    def _render(self, kind: str, view: Any) -> tuple[int, int]:
        """Characters of the prompt (low, high): rendered for the run's longest worker name,
        ``worker_<n-1>``; the low end as if every name in it were ``worker_0``."""
        messages = build(self.cfg.prompt_style, kind, view)
        text = "\n".join(str(m.get("content", "")) for m in messages)
        name = f"worker_{self.cfg.n_agents - 1}"
        size = _chars(messages)
        low = size - (len(name) - len("worker_0")) * text.count(name)
        high = size
        persona = getattr(view, "persona", None)
        if persona and self.persona_lengths:  # any of the run's personas could stand here
            times = text.count(persona)
            low += times * (self.persona_lengths[0] - len(persona))
            high += times * (self.persona_lengths[1] - len(persona))
        return low, high

    def _cutoffs(self) -> tuple[float, ...]:
        return tuple(self.sim.cutoffs.tolist())

    def _rates(self) -> tuple[float, ...]:
        return tuple(self.sim.state.rates.tolist())

    def _persona(self, i: int) -> str | None:
        return self.sim.personas[i] if self.cfg.scenario_spec.personas else None

    # -- per kind: characters of every call of the run (low, high) ---------------------------
    def labour(self) -> KindChars:
        cfg, st = self.cfg, self.sim.state
        steps = sorted({min(t, cfg.H) for t in range(min(cfg.n_steps, cfg.H + 1))})
        plateau = [t for t in (cfg.H, cfg.H + cfg.K - 1 - cfg.H % cfg.K, cfg.n_steps - 1)
                   if cfg.H <= t < cfg.n_steps]
        per_agent = []
        for i in self.agents:
            hist = st.histories[i]

            def size(t: int, i: int = i, hist: list[StepRecord] = hist) -> tuple[int, int]:
                view = WorkerView(name=f"worker_{cfg.n_agents - 1}", skill=float(self.sim.skills[i]),
                                  step=t, n_steps=cfg.n_steps, cutoffs=self._cutoffs(),
                                  rates=self._rates(), history=_window(hist, min(t, cfg.H), t),
                                  persona=self._persona(i),
                                  utility_type=self.sim.utility_types[i], K=cfg.K, H=cfg.H)
                return self._render("worker", view)

            ramp = [size(t) for t in steps if t < cfg.H]
            tail = [size(t) for t in plateau]
            n_tail = max(0, cfg.n_steps - cfg.H)
            per_agent.append((sum(r[0] for r in ramp) + n_tail * min((x[0] for x in tail),
                                                                      default=0),
                              sum(r[1] for r in ramp) + n_tail * max((x[1] for x in tail),
                                                                      default=0)))
        lo = min(p[0] for p in per_agent) * self.count.asked
        hi = max(p[1] for p in per_agent) * self.count.asked
        n = self.count.high.get("labour", 0)
        return KindChars((lo, hi), (lo / n, hi / n))

    def satisfaction(self) -> KindChars:
        cfg, st = self.cfg, self.sim.state
        sizes = []
        for i in self.agents:
            for rec in st.histories[i]:
                view = SatisfactionView(name=f"worker_{cfg.n_agents - 1}", persona=self._persona(i),
                                        cutoffs=self._cutoffs(), rates=self._rates(), last=rec)
                sizes.append(self._render("satisfaction", view))
        return self._flat("satisfaction", sizes)

    def _planner_views(self) -> tuple[list[list[Any]], list[int]]:
        """The pilot's planner observation at (a spread of) the run's update steps with full
        policy windows: one view per rotation of the pilot's policy records."""
        cfg, st = self.cfg, self.sim.state
        base = planner_view(self.sim.context, self.pcfg.n_steps - 1)
        m = base.incomes.size  # the run's N workers behind the pilot's m (counts' digits)
        base = dataclasses.replace(base, income_weights=np.full(m, cfg.n_agents / m),
                                   utility_weights=np.full(m, cfg.n_agents / m))
        ups = update_steps(cfg)
        records = list(st.policy_history)
        rotations = [records[r:] + records[:r] for r in range(len(records))] or [[]]
        rotations.append(_changed_last(records))  # the longest reflection lines
        return [[dataclasses.replace(base, step=t, n_steps=cfg.n_steps,
                                     history=_window(rec, min(t // cfg.K, cfg.H), t, cfg.K))
                 for rec in rotations] for t in _spread(ups)], ups

    def planner(self) -> KindChars:
        views, ups = self._planner_views()
        sizes = [[self._render("planner", v) for v in vs] for vs in views]
        return self._over(ups, [min(x[0] for x in s) for s in sizes],
                          [max(x[1] for x in s) for s in sizes], "planner")

    def leader(self) -> KindChars:
        views, ups = self._planner_views()
        st = self.sim.state
        lo, hi = [], []
        for vs in views:
            sizes = []
            for r, v in enumerate(vs):
                for i in self.agents:
                    own = list(st.own_history[i])
                    own = _changed_last(own) if r == len(vs) - 1 else \
                        own[r % len(own):] + own[:r % len(own)] if own else own
                    sizes.append(self._render("leader", LeaderView(
                        name=f"worker_{self.cfg.n_agents - 1}", persona=self._persona(i),
                        planner=v, own_history=_window(own, len(v.history), v.step,
                                                       self.cfg.K))))
            lo.append(min(x[0] for x in sizes))
            hi.append(max(x[1] for x in sizes))
        return self._over(ups, lo, hi, "leader")

    def vote(self) -> KindChars:
        cfg, st = self.cfg, self.sim.state
        income = st.last_outcome.pre_tax_income
        calls = self.calls[self.calls.kind == "run"]
        platforms = [tuple(p) for p in (_platform(r) for r in calls["parsed"]) if p] or \
            [(10,) * cfg.n_brackets]
        def cands(m: int) -> tuple[Candidate, ...]:
            return tuple(Candidate(f"worker_{c}", float(income[c % len(income)]),
                                   platforms[c % len(platforms)] if cfg.platforms else None)
                         for c in range(cfg.n_agents - m, cfg.n_agents))
        sizes_lo, sizes_hi = [], []
        for i in self.agents:
            last = st.histories[i][-1]
            for m, out in ((1 if cfg.platforms else cfg.n_agents, sizes_lo),
                           (cfg.n_agents, sizes_hi)):
                out.append(self._render("vote", VoteView(
                    name=f"worker_{cfg.n_agents - 1}", persona=self._persona(i),
                    cutoffs=self._cutoffs(), rates=self._rates(), last=last,
                    candidates=cands(m))))
        lo, hi = min(x[0] for x in sizes_lo), max(x[1] for x in sizes_hi)
        return KindChars((lo * self.count.low.get("vote", 0), hi * self.count.high["vote"]),
                         (lo, hi))

    def run(self) -> KindChars:
        cfg, st = self.cfg, self.sim.state
        sizes = []
        for t in sorted({min(t, cfg.H) for t in election_steps(cfg)}):
            for i in self.agents:
                sizes.append(self._render("run", RunView(
                    name=f"worker_{cfg.n_agents - 1}", persona=self._persona(i),
                    cutoffs=self._cutoffs(), rates=self._rates(),
                    history=_window(st.histories[i], t, t), H=cfg.H)))
        return self._flat("run", sizes)

    def persona(self) -> KindChars:
        pop = census_population(self.pcfg, personas="offline")
        sizes = [_chars(r.messages) for r in persona_requests(pop, style=self.cfg.prompt_style)]
        n = self.count.personas
        return KindChars((min(sizes) * n, max(sizes) * n), (min(sizes), max(sizes)))

    # -- helpers ------------------------------------------------------------------------------
    def _flat(self, kind: str, sizes: list[tuple[int, int]]) -> KindChars:
        n = self.count.high.get(kind, 0)
        lo, hi = min(x[0] for x in sizes), max(x[1] for x in sizes)
        return KindChars((lo * n, hi * n), (lo, hi))

    def _over(self, ups: list[int], lo: list[int], hi: list[int], kind: str) -> KindChars:
        """Totals over the update steps from sizes rendered at :func:`_spread` of them."""
        idx = _spread_index(len(ups))
        lo_all = np.interp(np.arange(len(ups)), idx, lo) if ups else np.zeros(0)
        hi_all = np.interp(np.arange(len(ups)), idx, hi) if ups else np.zeros(0)
        lo_all, hi_all = lo_all * (1 - OBSERVATION_SLACK), hi_all * (1 + OBSERVATION_SLACK)
        n_low = self.count.low.get(kind, 0)
        n_high = self.count.high.get(kind, 0)
        # the leader's low count skips election years; take the smallest calls for it
        low = float(np.sort(lo_all)[:n_low].sum())
        high = float(hi_all.sum()) * (n_high / max(len(ups), 1))
        return KindChars((low, high), (float(lo_all.min(initial=0) if ups else 0),
                                       float(hi_all.max(initial=0) if ups else 0)))

    def reply_chars(self) -> dict[str, tuple[int, int]]:
        """Shortest and longest surrogate reply per kind in the pilot (persona included)."""
        out = {}
        for kind, g in self.calls.groupby("kind"):
            lengths = g["raw_reply"].astype(str).str.len()
            out[str(kind)] = (int(lengths.min()), int(lengths.max()))
        if self.sim.personas and self.sim.personas[0] is not None:
            lengths = [len(json.dumps({"PERSONA": p})) for p in self.sim.personas
                       if p is not None]  # the reply is the persona in its JSON object
            out["persona"] = (min(lengths), max(lengths))
        return out

    def chars(self) -> dict[str, KindChars]:
        """Prompt characters of every kind the run calls (personas included)."""
        out = {kind: getattr(self, kind)() for kind in self.count.high}
        if self.count.personas:
            out["persona"] = self.persona()
        slack = (1 - NUMBERS_SLACK, 1 + NUMBERS_SLACK)
        return {k: KindChars((v.total[0] * slack[0], v.total[1] * slack[1]), v.per_call)
                for k, v in out.items()}


def _changed_last(records: list[PolicyRecord]) -> list[PolicyRecord]:
    """The records with one more at the end whose every rate moved by 10 pp from the one
    before, at a lower objective: every bracket then gets a reflection ("raising it by 10pp
    lowered ...: rate too high"), the longest form of that line."""
    if not records:
        return []
    last = records[-1]
    moved = tuple(r - 0.1 if r >= 0.1 else r + 0.1 for r in last.rates)
    return [*records[1:], dataclasses.replace(last, rates=moved,
                                              objective=last.objective - abs(last.objective))]


def _platform(parsed: Any) -> list[int] | None:
    value = json.loads(parsed).get("PLATFORM") if isinstance(parsed, str) else None
    return value if value else None


#: Largest number of update steps rendered one by one (beyond, a spread of them, interpolated).
MAX_RENDERED = 120


def _spread_index(n: int) -> np.ndarray:
    if n <= MAX_RENDERED:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, MAX_RENDERED).round().astype(int))


def _spread(items: list[int]) -> list[int]:
    return [items[i] for i in _spread_index(len(items))]
