"""The ``compact`` prompt style: the same information as ``paper``, as labelled fixed-precision lines.

History is summarised per tax year and labour level (count and means), the best-K list is the real
best K steps, and one reflection line compares the last two steps. Numbers use fixed precision
(money 2 decimals, rates 1 decimal in percent), so prompts are short and cache-friendly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from econsim.prompts import common as c
from econsim.prompts.views import (
    LeaderView,
    PersonaRequest,
    PlannerView,
    PolicyRecord,
    RunView,
    SatisfactionView,
    StepRecord,
    VoteView,
    WorkerView,
)

_GOAL = {"egotistical": "own_utility", "altruistic": "social_welfare",
         "adversarial": "minus_social_welfare"}


def _pct(rates: Sequence[float]) -> str:
    # whole percentages print without decimals (the planner's lattice); others keep one
    return "|".join(f"{100 * r:.0f}" if abs(100 * r - round(100 * r)) < 1e-9 else f"{100 * r:.1f}"
                    for r in rates)


def _cuts(cutoffs: Sequence[float]) -> str:
    return "|".join(f"{x:.0f}" for x in cutoffs)


def _last(r: StepRecord) -> str:
    s = (f"LAST step={r.step} labour={r.labour:.0f} z={r.income:.2f} tax={r.tax:.2f} "
         f"reb={r.rebate:.2f} post={r.post_tax:.2f} u={r.utility:.2f}")
    if r.satisfaction is not None:
        s += f" r={r.satisfaction:.1f}"
    return s


def _years(hist: Sequence[StepRecord], k: int) -> list[str]:
    """Per tax year, per labour level: n and mean outcomes."""
    years: dict[int, list[StepRecord]] = defaultdict(list)
    for r in hist:
        years[r.step // k].append(r)
    lines = []
    for y in sorted(years):
        recs = years[y]
        lines.append(f"Y{y} steps={recs[0].step}-{recs[-1].step} rates={_pct(recs[-1].rates)}")
        arms: dict[float, list[StepRecord]] = defaultdict(list)
        for r in recs:
            arms[r.labour].append(r)
        for lab in sorted(arms):
            rs = arms[lab]
            n = len(rs)

            def m(attr: str, rs: list[StepRecord] = rs, n: int = n) -> float:
                return sum(getattr(x, attr) for x in rs) / n

            line = (f" L{lab:.0f} n={n} z={m('income'):.2f} tax={m('tax'):.2f} "
                    f"reb={m('rebate'):.2f} post={m('post_tax'):.2f} u={m('utility'):.2f}")
            if all(x.satisfaction is not None for x in rs):
                line += f" r={m('satisfaction'):.2f} adj={m('adjusted_utility'):.2f}"
            if all(x.swf is not None for x in rs):
                line += f" swf={m('swf'):.4f}"
            lines.append(line)
    return lines


class CompactStyle:
    """Builders for every agent call in the compact style."""

    name = "compact"

    def worker(self, v: WorkerView) -> list[c.Message]:
        system, before, after = self.worker_frame(v)
        lines = before + _years(c.window(v.history, v.H), v.K) + after
        return c.messages(system, "\n".join(lines))

    def unit_of(self, v: WorkerView, r: StepRecord) -> int:
        """The piece of the shown history that record ``r`` belongs to: the history is rendered
        piece by piece, a piece depending on its own records only (here: one per tax year)."""
        return r.step // v.K

    def unit_lines(self, v: WorkerView, unit: Sequence[StepRecord]) -> list[str]:
        """The history lines of one piece (records with the same :meth:`unit_of`)."""
        return _years(unit, v.K)

    def worker_frame(self, v: WorkerView) -> tuple[str, list[str], list[str]]:
        """A worker prompt without its history lines: the system message, the user lines before
        the history and the lines after it (the prompt is ``before + history + after``)."""
        bounded = v.persona is not None
        system = (
            f"You are {v.name}, a worker in a simulated economy. Each step you choose weekly labour "
            "hours. Pre-tax income = hours x skill; tax follows the marginal brackets; all tax is "
            "rebated equally; utility = post-tax income - labour cost (convex in hours). "
            + ("Your utility is multiplied by your satisfaction with the tax policy. "
               if bounded else "")
            + f"Goal: maximise {c.objective_name(v.utility_type, bounded)}. Explore labour levels "
            "early, exploit the best later. Reply with JSON only."
        )
        hist = c.window(v.history, v.H)
        # What never changes comes first, then what changes once a tax year, then each step's
        # news: a model server that reuses the longest cached prompt prefix (llama.cpp, vLLM)
        # then re-reads only the tail of a worker's next prompt.
        before = [f"EPISODE steps={v.n_steps} K={v.K} H={v.H} GOAL={_GOAL[v.utility_type]}"]
        if v.persona:
            before.append(f"PERSONA {v.persona}")
        before += [
            f"SKILL {v.skill:.2f} USD/h (40h -> {40 * v.skill:.2f} USD)",
            f"BRACKETS_USD {_cuts(v.cutoffs)}",
            f"MENU {c.MENU_TEXT['|']}",
            f"RATES_PCT {_pct(v.rates)}",
            "HISTORY per tax year and labour level: n, mean z, tax, rebate, post, u"
            + (", r, adj" if bounded else ""),
        ]
        after = []
        if hist:
            n = len(hist)
            objs = c.objectives(hist, v.utility_type)
            after.append(f"MEAN_LAST{n} labour={sum([r.labour for r in hist]) / n:.2f} "
                         f"u={sum(objs) / n:.2f}")
            best = c.best_steps(hist, v.best_k, v.utility_type, objs)
            after.append(f"BEST{v.best_k} " + " ".join(
                f"t{r.step}:L{r.labour:.0f}:{c.objective(r, v.utility_type):.2f}" for r in best))
        after.append("REFLECTION " + c.worker_reflection(hist, v.utility_type, bounded))
        after.append("CUE " + (f"{c.EXPLOIT_PHRASE} labour level seen" if v.exploit else
                               f"{c.EXPLORE_PHRASE}: try a level you have not tried lately"))
        after.append(f"STEP {v.step + 1}/{v.n_steps}")
        after.append('ANSWER {"LABOR": <hours from MENU>}')
        return system, before, after

    def satisfaction(self, v: SatisfactionView) -> list[c.Message]:
        system = (f"You are {v.name}, a worker in a simulated economy. Answer from your persona "
                  "whether you are satisfied with the tax policy. Reply with JSON only.")
        lines = [f"PERSONA {v.persona or 'none'}", f"BRACKETS_USD {_cuts(v.cutoffs)}",
                 f"RATES_PCT {_pct(v.rates)}", _last(v.last),
                 "QUESTION satisfied with the current tax policy?",
                 'ANSWER {"SATISFIED": "YES" or "NO"}']
        return c.messages(system, "\n".join(lines))

    def _policy_lines(self, p: PlannerView, tag: str, hist: Sequence[PolicyRecord],
                      what: str) -> list[str]:
        lines = [f"{tag}_HISTORY (start step: rates_pct -> {what})"]
        lines += [f" {tag[0]}{r.step} {_pct(r.rates)} -> {r.objective:.4f}" for r in hist]
        if hist:
            lines.append(f"{tag}_BEST{p.best_k} " + " ".join(
                f"{tag[0]}{r.step}:{_pct(r.rates)}:{r.objective:.4f}"
                for r in c.best_policies(hist, p.best_k)))
        lines += [f"{tag}_REFLECTION {x}" for x in c.policy_reflections(hist, what)]
        return lines

    def _observation(self, p: PlannerView) -> list[str]:
        edges, counts = c.utility_histogram(p.utilities, weights=p.utility_weights)
        zm, zmed, zs = c.stats(p.incomes, p.income_weights)
        um, umed, us = c.stats(p.utilities, p.utility_weights)
        return [
            f"BRACKETS_USD {_cuts(p.cutoffs)}",
            f"RATES_PCT {_pct(p.rates)}",
            "INCOME_COUNT_BY_BRACKET " + "|".join(map(str, c.bracket_counts(p.incomes, p.cutoffs, p.income_weights))),
            f"UTILITY_HIST10 from={edges[0]:.0f} width={edges[1] - edges[0]:.0f} counts="
            + "|".join(map(str, counts)),
            f"STATS z_mean={zm:.0f} z_median={zmed:.0f} z_std={zs:.0f} "
            f"u_mean={um:.0f} u_median={umed:.0f} u_std={us:.0f}",
            f"SWF {p.swf:.4f}",
        ]

    def _delta_tail(self, p: PlannerView) -> list[str]:
        n = len(p.cutoffs)
        return [
            "CUE " + (f"{c.EXPLOIT_PHRASE} rates seen" if p.exploit else
                      f"{c.EXPLORE_PHRASE}: try changes you have not tried"),
            "DELTA_MENU " + "|".join(f"{d:d}" for d in c.DELTA_MENU),
            '{"DELTA": [' + ", ".join(f"d{k + 1}" for k in range(n)) + "]}",
        ]

    def planner(self, p: PlannerView) -> list[c.Message]:
        system = (
            "Expert tax planner. Each tax year change every bracket's marginal rate by DELTA pp "
            "(from DELTA_MENU; rates stay in [0, 100]) to maximise SWF = sum_i u_i/max(z_i,1). "
            "Tax is rebated equally. Explore early, exploit later. Reply with JSON only."
        )
        hist = c.window(p.history, p.H)
        lines = [f"STEP {p.step + 1}/{p.n_steps} K={p.K} H={p.H} ROLE=planner OBJECTIVE=swf"]
        lines += self._observation(p)
        lines += self._policy_lines(p, "POLICY", hist, "swf")
        tail = self._delta_tail(p)
        tail[-1] = "ANSWER " + tail[-1]
        return c.messages(system, "\n".join(lines + tail))

    def leader(self, v: LeaderView) -> list[c.Message]:
        p = v.planner
        system = (
            f"You are {v.name}, a worker elected leader. Every tax year you change each bracket's "
            "marginal rate by DELTA percentage points from DELTA_MENU to maximise your own "
            "utility. All tax is rebated equally. Reply with JSON only."
        )
        lines = [f"STEP {p.step + 1}/{p.n_steps} K={p.K} H={p.H} ROLE=leader "
                 "OBJECTIVE=own_utility", f"PERSONA {v.persona or 'none'}"]
        lines += self._observation(p)
        lines += self._policy_lines(p, "POLICY", c.window(p.history, p.H), "swf")
        lines += self._policy_lines(p, "OWN", c.window(v.own_history, p.H), "own_mean_utility")
        tail = self._delta_tail(p)
        tail[-1] = "ANSWER " + tail[-1]
        return c.messages(system, "\n".join(lines + tail))

    def vote(self, v: VoteView) -> list[c.Message]:
        system = (f"You are {v.name}, a worker voting for the leader who will set tax rates. "
                  "Reply with JSON only.")
        lines = [f"PERSONA {v.persona or 'none'}", f"BRACKETS_USD {_cuts(v.cutoffs)}",
                 f"RATES_PCT {_pct(v.rates)}", _last(v.last), "CANDIDATES"]
        for cand in v.candidates:
            plat = "none" if cand.platform is None else c.fmt_delta(cand.platform)
            lines.append(f" C {cand.id} income={cand.income:.2f} platform={plat}")
        lines.append('ANSWER {"VOTE": "<candidate id>"}')
        return c.messages(system, "\n".join(lines))

    def run(self, v: RunView) -> list[c.Message]:
        n = len(v.cutoffs)
        system = (f"You are {v.name}, a worker. Decide whether to run for leader; a leader sets "
                  "tax changes DELTA per bracket. Reply with JSON only.")
        hist = c.window(v.history, v.H)
        sat, shown = c.satisfied_share(hist)
        lines = [f"PERSONA {v.persona or 'none'}", f"BRACKETS_USD {_cuts(v.cutoffs)}",
                 f"RATES_PCT {_pct(v.rates)}"]
        if hist:
            lines.append(_last(hist[-1]))
        lines.append(f"SATISFIED {sat}/{shown}")
        lines.append("DELTA_MENU " + "|".join(f"{d:d}" for d in c.DELTA_MENU))
        lines.append('ANSWER {"RUN": "YES" or "NO", "PLATFORM": ['
                     + ", ".join(f"d{k + 1}" for k in range(n)) + "] or null}")
        return c.messages(system, "\n".join(lines))

    def persona(self, v: PersonaRequest) -> list[c.Message]:
        system = ("Write a 2-3 sentence second-person persona for a worker in an economic "
                  "simulation: work, income level, attitude to taxes and redistribution, risk "
                  "tolerance, circumstances. Reply with JSON only.")
        lines = [f"Age: {v.age}", f"Sex: {v.sex}", f"Occupation: {v.occupation}",
                 f"Annual income: ${v.income:,.0f}", 'ANSWER {"PERSONA": "<text>"}']
        return c.messages(system, "\n".join(lines))
