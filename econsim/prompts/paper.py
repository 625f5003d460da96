"""The ``paper`` prompt style: the v1 structure of the paper's prompts (MODEL.md §6), own wording.

Worker prompts list the history step by step with every field, the running averages over the window,
the best steps, a reflection line, an explore or "choose the best" cue and the labour menu. Planner
prompts show bracket counts, a 10-bin utility histogram, summary stats, the SWF history with rates,
the best past policies and one reflection line per bracket.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

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


@lru_cache(maxsize=4096)
def _pct(rates: tuple[float, ...]) -> str:
    return ", ".join(f"{100 * r:.0f}%" if abs(100 * r - round(100 * r)) < 1e-9
                     else f"{100 * r:.1f}%" for r in rates)


@lru_cache(maxsize=256)
def _brackets(cutoffs: tuple[float, ...]) -> str:
    parts = []
    for k, lo in enumerate(cutoffs):
        hi = cutoffs[k + 1] if k + 1 < len(cutoffs) else None
        parts.append(f"bracket {k + 1}: ${lo:,.0f} and above" if hi is None
                     else f"bracket {k + 1}: ${lo:,.0f} to ${hi:,.0f}")
    return "; ".join(parts)


# Rendered once per (record, skill): a record stays in the sliding window for H prompts.
@lru_cache(maxsize=1 << 17)
def _step_line(r: StepRecord, skill: float | None = None) -> str:
    s = f"Step {r.step}: tax rates {_pct(r.rates)}; "
    if skill is not None:
        s += f"skill ${skill:,.2f}; "
    s += (f"labour {r.labour:.0f} hours; pre-tax income ${r.income:,.2f}; tax paid ${r.tax:,.2f}; "
          f"rebate ${r.rebate:,.2f}; post-tax income ${r.post_tax:,.2f}; utility {r.utility:,.2f}")
    if r.satisfaction is not None:
        s += f"; satisfaction {r.satisfaction:.1f}"
    if r.adjusted_utility is not None:
        s += f"; adjusted utility {r.adjusted_utility:,.2f}"
    if r.swf is not None:
        s += f"; social welfare {r.swf:,.4f}"
    return s + "."


#: The numbers of a step line that differ between workers at one step, as ``_step_line`` formats
#: them: (StepRecord field, decimals, thousands separator). The array stand-in gets a line's length
#: from one rendered line and these fields' lengths (``tests/test_prompt_numbers.py`` checks it).
STEP_LINE_FIELDS: tuple[tuple[str, int, bool], ...] = (
    ("labour", 0, False), ("income", 2, True), ("tax", 2, True), ("rebate", 2, True),
    ("post_tax", 2, True), ("utility", 2, True), ("satisfaction", 1, False),
    ("adjusted_utility", 2, True), ("swf", 4, True))


#: The numbers of a satisfaction prompt that differ between workers (as ``STEP_LINE_FIELDS``).
SATISFACTION_FIELDS: tuple[tuple[str, int, bool], ...] = (
    ("labour", 0, False), ("income", 2, True), ("tax", 2, True), ("rebate", 2, True),
    ("post_tax", 2, True), ("utility", 2, True))


#: The numbers of :func:`best_entry` and :func:`average_line` that differ between workers
#: (decimals, thousands separator), besides the objective's name: labour and objective; mean
#: labour and mean objective.
BEST_ENTRY_NUMBERS: tuple[tuple[int, bool], ...] = ((0, False), (2, True))
AVERAGE_LINE_NUMBERS: tuple[tuple[int, bool], ...] = ((1, False), (2, True))


def best_entry(r: StepRecord, utility_type: str, what: str) -> str:
    """One step of the "Your best K steps" line."""
    return (f"step {r.step} (labour {r.labour:.0f} hours, {what} "
            f"{c.objective(r, utility_type):,.2f})")


def best_line(entries: Sequence[str]) -> str:
    """The "Your best K steps" line from its entries (:func:`best_entry`), best first."""
    return f"Your best {len(entries)} steps: " + "; ".join(entries) + "."


def average_line(s: c.WindowSummary, what: str) -> str:
    """The line with the window's mean labour and mean objective."""
    return (f"Over the last {s.n} steps your average labour was {s.labour_mean:.1f} hours "
            f"and your average {what} was {s.objective_mean:,.2f}.")


def reflection_line(hist: Sequence[StepRecord], utility_type: str, bounded: bool) -> str:
    """The reflection on the last two steps shown."""
    return f"Reflection: {c.worker_reflection(hist[-2:], utility_type, bounded)}."


def _policy_line(r: PolicyRecord, what: str) -> str:
    return f"Tax year starting at step {r.step}: rates {_pct(r.rates)} -> {what} {r.objective:,.4f}"


class PaperStyle:
    """Builders for every agent call in the paper's (v1) style."""

    name = "paper"

    def worker(self, v: WorkerView) -> list[c.Message]:
        system, before, after = self.worker_frame(v)
        hist = c.window(v.history, v.H)
        lines = before + [_step_line(r, v.skill) for r in hist] + after
        return c.messages(system, "\n".join(lines))

    def unit_of(self, v: WorkerView, r: StepRecord) -> int:
        """The piece of the shown history that record ``r`` belongs to: the history is rendered
        piece by piece, a piece depending on its own records only (here: one per step)."""
        return r.step

    def unit_lines(self, v: WorkerView, unit: Sequence[StepRecord]) -> list[str]:
        """The history lines of one piece (records with the same :meth:`unit_of`)."""
        return [_step_line.__wrapped__(r, v.skill) for r in unit]

    def worker_frame(self, v: WorkerView, summary: c.WindowSummary | None = None
                     ) -> tuple[str, list[str], list[str]]:
        """A worker prompt without its history lines: the system message, the user lines before
        the history and the lines after it (the prompt is ``before + history + after``).
        ``summary``: :func:`~econsim.prompts.common.summarise` of the shown history, if the caller
        already has it (the array stand-in computes it from arrays)."""
        bounded = v.persona is not None
        what = c.objective_name(v.utility_type, bounded)
        goal = {
            "egotistical": "Your goal is to maximise your own utility"
            + (" adjusted by your satisfaction with the tax policy" if bounded else ""),
            "altruistic": "Your goal is to maximise the social welfare of the whole economy",
            "adversarial": "Your goal is to minimise the social welfare of the whole economy",
        }[v.utility_type]
        system = (
            (f"{v.persona}\n" if v.persona else "")
            + f"You are {v.name}, a worker in an economy. Your skill is ${v.skill:,.2f}: working "
            f"40 hours a week you would earn ${40 * v.skill:,.2f} a year. You may work more or "
            "fewer than 40 hours; your pre-tax income is proportional to hours times skill. Income "
            "is taxed by marginal brackets, all tax collected is shared equally as a rebate, and "
            "your utility is post-tax income minus a cost of labour that grows quickly with hours. "
            f"{goal}. Explore different labour levels before exploiting the best one. "
            'Answer with JSON of the form {"LABOR": <hours>}.'
        )
        hist = c.window(v.history, v.H)
        before = [f"Step {v.step + 1} of {v.n_steps}.",
                  f"Tax brackets: {_brackets(tuple(v.cutoffs))}.",
                  f"Current tax rates: {_pct(v.rates)}."]
        after: list[str] = []
        if hist:
            before.append("Your history (oldest first):")
            s = summary if summary is not None else c.summarise(hist, v.best_k, v.utility_type)
            after.append(average_line(s, what))
            after.append(best_line([best_entry(r, v.utility_type, what) for r in s.best]))
        else:
            before.append("You have no history yet.")
        after.append(reflection_line(hist, v.utility_type, bounded))
        after.append("Now choose the best labour level you have seen." if v.exploit else
                     "Explore: try a labour level you have not tried recently.")
        after.append(f"Choose weekly labour from: {c.MENU_TEXT[', ']} hours.")
        after.append('Reply with JSON only: {"LABOR": <hours>}')
        return system, before, after

    def satisfaction(self, v: SatisfactionView) -> list[c.Message]:
        r = v.last
        system = ((f"{v.persona}\n" if v.persona else "")
                  + f"You are {v.name}, a worker in an economy with a progressive income tax.")
        user = (
            f"Tax brackets: {_brackets(tuple(v.cutoffs))}. Current tax rates: {_pct(v.rates)}.\n"
            f"This year you worked {r.labour:.0f} hours, earned ${r.income:,.2f} before tax, "
            f"paid ${r.tax:,.2f} in tax and received a rebate of ${r.rebate:,.2f}, leaving "
            f"${r.post_tax:,.2f} after tax; your utility was {r.utility:,.2f}.\n"
            "Given your persona and this outcome, are you satisfied with the current tax policy?\n"
            'Reply with JSON only: {"SATISFIED": "YES"} or {"SATISFIED": "NO"}'
        )
        return c.messages(system, user)

    def _observation(self, p: PlannerView) -> list[str]:
        edges, counts = c.utility_histogram(p.utilities, weights=p.utility_weights)
        zm, zmed, zs = c.stats(p.incomes, p.income_weights)
        um, umed, us = c.stats(p.utilities, p.utility_weights)
        bins = ", ".join(f"[{edges[i]:,.2f}, {edges[i + 1]:,.2f}): {counts[i]}"
                         for i in range(len(counts)))
        per = ", ".join(f"bracket {k + 1}: {n}"
                        for k, n in enumerate(c.bracket_counts(p.incomes, p.cutoffs, p.income_weights)))
        return [
            f"Step {p.step + 1} of {p.n_steps}; a tax year lasts {p.K} steps.",
            f"Tax brackets: {_brackets(tuple(p.cutoffs))}.",
            f"Current tax rates: {_pct(p.rates)}.",
            f"Workers per bracket by pre-tax income: {per}.",
            f"Utility histogram (10 bins): {bins}.",
            f"Pre-tax income: mean ${zm:,.2f}, median ${zmed:,.2f}, std ${zs:,.2f}. "
            f"Utility: mean {um:,.2f}, median {umed:,.2f}, std {us:,.2f}.",
            f"Current social welfare: {p.swf:,.4f}.",
        ]

    def _history(self, hist: Sequence[PolicyRecord], k: int, what: str, title: str) -> list[str]:
        if not hist:
            return [f"{title}: none yet."]
        lines = [f"{title} (oldest first):"] + [_policy_line(r, what) for r in hist]
        lines.append(f"Best {min(k, len(hist))} so far: " + "; ".join(
            f"rates {_pct(r.rates)} ({what} {r.objective:,.4f})"
            for r in c.best_policies(hist, k)) + ".")
        lines += [f"Reflection, {x}." for x in c.policy_reflections(hist, what)]
        return lines

    def _delta_tail(self, p: PlannerView) -> list[str]:
        n = len(p.cutoffs)
        return [
            "Now choose the best rates you have seen." if p.exploit else
            "Explore: try rate changes you have not tried yet.",
            "For each bracket choose DELTA from -20, -10, 0, 10, 20 percentage points.",
            'Reply with JSON only: {"DELTA": [' + ", ".join(f"d{k + 1}" for k in range(n)) + "]}",
        ]

    def planner(self, p: PlannerView) -> list[c.Message]:
        system = (
            "You are an expert social planner setting marginal income tax rates. Social welfare "
            "is the average of worker utilities weighted by the inverse of pre-tax income, "
            "sum_i u_i / max(z_i, 1). All tax revenue is rebated equally to workers. Every tax "
            "year you change the rate of each bracket by DELTA percentage points (rates stay "
            "between 0% and 100%). Explore different rates before exploiting the best ones."
        )
        lines = self._observation(p)
        lines += self._history(c.window(p.history, p.H), p.best_k, "social welfare",
                               "Policy history")
        return c.messages(system, "\n".join(lines + self._delta_tail(p)))

    def leader(self, v: LeaderView) -> list[c.Message]:
        p = v.planner
        system = ((f"{v.persona}\n" if v.persona else "")
                  + f"You are {v.name}, a worker who has been elected leader. Every tax year you "
                  "change the rate of each bracket by DELTA percentage points to maximise your "
                  "own utility. All tax revenue is rebated equally to workers.")
        lines = self._observation(p)
        lines += self._history(c.window(p.history, p.H), p.best_k, "social welfare",
                               "Policy history")
        lines += self._history(c.window(v.own_history, p.H), p.best_k,
                               "your average utility", "Your own history")
        return c.messages(system, "\n".join(lines + self._delta_tail(p)))

    def vote(self, v: VoteView) -> list[c.Message]:
        r = v.last
        system = ((f"{v.persona}\n" if v.persona else "")
                  + f"You are {v.name}, a worker voting for the leader who will set tax rates.")
        lines = [f"Tax brackets: {_brackets(tuple(v.cutoffs))}. Current tax rates: {_pct(v.rates)}.",
                 f"This year you earned ${r.income:,.2f} before tax, paid ${r.tax:,.2f} in tax "
                 f"and received a rebate of ${r.rebate:,.2f}.", "Candidates:"]
        for cand in v.candidates:
            plat = ("no platform" if cand.platform is None else "platform: bracket changes "
                    + ", ".join(f"{d:+d}" if d else "0" for d in cand.platform)
                    + " percentage points")
            lines.append(f"- {cand.id} (income ${cand.income:,.2f}), {plat}")
        lines.append('Reply with JSON only: {"VOTE": "<candidate id>"}')
        return c.messages(system, "\n".join(lines))

    def run(self, v: RunView) -> list[c.Message]:
        n = len(v.cutoffs)
        hist = c.window(v.history, v.H)
        sat, shown = c.satisfied_share(hist)
        system = ((f"{v.persona}\n" if v.persona else "")
                  + f"You are {v.name}, a worker. An election for leader is coming; the leader "
                  "changes each bracket's tax rate by DELTA percentage points every tax year.")
        lines = [f"Tax brackets: {_brackets(tuple(v.cutoffs))}. Current tax rates: {_pct(v.rates)}."]
        if hist:
            r = hist[-1]
            lines.append(f"This year you earned ${r.income:,.2f} before tax, paid ${r.tax:,.2f} "
                         f"in tax and received a rebate of ${r.rebate:,.2f}.")
        lines.append(f"Over your last {shown} answers you were satisfied with the tax policy "
                     f"{sat} times.")
        lines.append("Do you want to run? If so, publish a platform: DELTA per bracket from "
                     "-20, -10, 0, 10, 20.")
        lines.append('Reply with JSON only: {"RUN": "YES" or "NO", "PLATFORM": ['
                     + ", ".join(f"d{k + 1}" for k in range(n)) + "] or null}")
        return c.messages(system, "\n".join(lines))

    def persona(self, v: PersonaRequest) -> list[c.Message]:
        system = ("You write short personas for agents in an economic simulation.")
        user = (
            "Write a 2-3 sentence persona in the second person (\"You are ...\") for this worker, "
            "covering their work, income level, attitude to taxes and redistribution, risk "
            "tolerance and circumstances.\n"
            f"Age: {v.age}\nSex: {v.sex}\nOccupation: {v.occupation}\n"
            f"Annual income: ${v.income:,.0f}\n"
            'Reply with JSON only: {"PERSONA": "<text>"}'
        )
        return c.messages(system, user)
