"""The surrogate's decision rules, one per call kind, reading only prompt text.

Workers — optimistic hill-climbing with decaying exploration over the labour menu:
    score of an observation = (adjusted) utility minus (r ×) rebate — the part of utility the
    worker's own hours move (the rebate is shared and shown, so a careful reader can remove it);
    altruistic/adversarial workers score ± social welfare. Observations under the current rates are
    used when there are any, otherwise all shown observations. With no history: 40 h (p = 1/2)
    or 30/50 h. On a "choose the best" step: the best mean score (ties → fewer hours). Otherwise an
    untried neighbour (±10 h) of the best is tried first (optimism), then with probability
    ``eps = 0.05 + 0.45·max(0, 1 − t/(0.8·T))`` a random level within ±20 h of the best (1 in 5 of
    those explorations anywhere on the menu), else the best.
Planner / leader — coordinate-wise sign following on the shown policy history: a bracket whose last
    change raised the objective moves 10 pp the same way again, one that lowered it reverses;
    unchanged brackets are perturbed by ±10 pp with probability ``eps = max(0.1, 1 − t/T)``; after a
    drop, half the time it returns to the best rates shown; "choose the best" → the best rates.
    The leader uses its own-utility history, the planner the SWF history.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from econsim.llm.surrogate import reader as rd
from econsim.llm.surrogate.draws import Draws

MENU: tuple[float, ...] = tuple(float(h) for h in range(0, 101, 10))
DELTAS: tuple[int, ...] = (-20, -10, 0, 10, 20)

#: Persona phrases read as attitudes (lower-case substrings). Documented in docs/llm.md.
PRO_TAX = ("supports redistribution", "support redistribution", "progressive taxation",
           "values public services", "value public services", "favor higher taxes",
           "favour higher taxes", "taxes on the wealthy", "community-minded", "social safety net")
ANTI_TAX = ("opposes high taxes", "oppose high taxes", "prefer low taxes", "prefers low taxes",
            "taxes are too high", "dislikes taxes", "dislike taxes", "skeptical of government",
            "sceptical of government", "fiscally conservative", "keep more of what you earn",
            "small government")
RISK_HIGH = ("risk-tolerant", "high risk tolerance", "comfortable with risk", "risk-taker",
             "willing to take risks", "embrace risk")
RISK_LOW = ("risk-averse", "low risk tolerance", "cautious", "prefer security",
            "prefers security", "avoid risk")


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))


def attitudes(text: str) -> tuple[float, float]:
    """(attitude to taxes/redistribution, risk tolerance), each in [-1, 1], from persona phrases."""
    low = text.lower()
    a = sum(p in low for p in PRO_TAX) - sum(p in low for p in ANTI_TAX)
    r = sum(p in low for p in RISK_HIGH) - sum(p in low for p in RISK_LOW)
    return max(-1.0, min(1.0, float(a))), max(-1.0, min(1.0, float(r)))


def exploit_of(text: str) -> bool:
    """The prompt asks to choose the best option seen."""
    return "choose the best" in text.lower()


def goal_of(text: str) -> str:
    """The worker's goal (egotistical, altruistic, adversarial) as the prompt states it."""
    if "GOAL=minus_social_welfare" in text or "minimise the social welfare" in text:
        return "adversarial"
    if "GOAL=social_welfare" in text or "maximise the social welfare" in text:
        return "altruistic"
    return "egotistical"


#: The score of an observation for each goal (module docstring), kept on :class:`rd.Obs`.
_SCORE = {"egotistical": "ego", "altruistic": "alt", "adversarial": "adv"}


@dataclass(frozen=True, slots=True)
class LabourReading:
    """What the worker rule reads from a labour prompt.

    ``obs``: the observations shown; ``rates``: the current rates (percent, as shown); ``goal``:
    egotistical, altruistic or adversarial; ``exploit``: the prompt asks for the best level seen;
    ``step``, ``total``: the 1-based step and the episode length.
    """

    obs: list[rd.Obs]
    rates: tuple[float, ...]
    goal: str
    exploit: bool
    step: int
    total: int


def read_labour(text: str) -> LabourReading:
    """The :class:`LabourReading` of a worker prompt (either style)."""
    step, total = rd.step_progress(text)
    return LabourReading(rd.worker_observations(text), rd.current_rates(text), goal_of(text),
                         exploit_of(text), step, total)


def labour(text: str, rng: Draws) -> dict:
    """The worker rule (module docstring), on prompt text."""
    return decide_labour(read_labour(text), rng)


def decide_labour(r: LabourReading, rng: Draws) -> dict:
    """The worker rule (module docstring) on what a prompt shows."""
    obs = r.obs
    if not obs:
        return {"LABOR": 40 if rng.random() < 0.5 else rng.choice((30, 50))}
    cur = r.rates
    use = [o for o in obs if o.rates == cur] or obs
    score = _SCORE[r.goal]
    sums: dict[float, list[float]] = {}
    for o in use:
        acc = sums.get(o.labour)
        if acc is None:
            acc = sums[o.labour] = [0.0, 0]
        acc[0] += o.n * getattr(o, score)
        acc[1] += o.n
    best = max(sums, key=lambda lab: (sums[lab][0] / sums[lab][1], -lab))
    if r.exploit:
        return {"LABOR": int(best)}
    untried = [h for h in (best - 10, best + 10) if 0 <= h <= 100 and h not in sums]
    if untried:
        return {"LABOR": int(rng.choice(untried))}
    eps = 0.05 + 0.45 * max(0.0, 1.0 - r.step / (0.8 * r.total))
    if rng.random() < eps:
        if rng.random() < 0.2:
            return {"LABOR": int(rng.choice(MENU))}
        near = [h for h in MENU if 0 < abs(h - best) <= 20]
        return {"LABOR": int(rng.choice(near))}
    return {"LABOR": int(best)}


def _clip_delta(cur: tuple[float, ...], delta: list[int]) -> list[int]:
    out = []
    for r, d in zip(cur, delta, strict=True):
        d = max(-20, min(20, int(round(d / 10.0)) * 10))
        while r + d > 100 + 1e-9:
            d -= 10
        while r + d < -1e-9:
            d += 10
        out.append(d)
    return out


def _toward(cur: tuple[float, ...], target: tuple[float, ...]) -> list[int]:
    return [int(max(-20, min(20, round((t - c) / 10.0) * 10))) for c, t in zip(cur, target,
                                                                                 strict=True)]


def delta(text: str, rng: Draws) -> dict:
    """The planner / leader rule (module docstring)."""
    cur = rd.current_rates(text)
    n = len(cur)
    leader = "ROLE=leader" in text or "elected leader" in text
    hist = rd.policy_history(text, own=True) if leader else []
    if not hist:
        hist = rd.policy_history(text, own=False)
    hist = [h for h in hist if len(h[1]) == n]
    step, total = rd.step_progress(text)
    eps = max(0.1, 1.0 - step / total)
    if hist and exploit_of(text):
        best = max(hist, key=lambda h: (h[2], h[0]))
        return {"DELTA": _clip_delta(cur, _toward(cur, best[1]))}
    if len(hist) < 2:
        return {"DELTA": _clip_delta(cur, [rng.choice((-10, 0, 10)) for _ in range(n)])}
    (_, ra, oa), (_, rb, ob) = hist[-2], hist[-1]
    ds = ob - oa
    out = []
    for k in range(n):
        d = rb[k] - ra[k]
        if d != 0 and ds != 0:
            out.append(10 if (d > 0) == (ds > 0) else -10)
        elif rng.random() < eps:
            out.append(rng.choice((-10, 10)))
        else:
            out.append(0)
    best = max(hist, key=lambda h: (h[2], h[0]))
    if ds < 0 and best[0] != hist[-1][0] and rng.random() < 0.5:
        out = _toward(cur, best[1])
    return {"DELTA": _clip_delta(cur, out)}


def satisfaction(text: str, rng: Draws) -> dict:
    """P(YES) = σ(0.3 + 1.5·attitude + 3·(rebate − tax)/max(z, 1000)), on prompt text."""
    a, _ = attitudes(text)
    z, tax, reb = rd.last_outcome(text)
    return decide_satisfaction(a, z, tax, reb, rng)


def decide_satisfaction(attitude: float, z: float, tax: float, rebate: float,
                        rng: Draws) -> dict:
    """P(YES) = σ(0.3 + 1.5·attitude + 3·(rebate − tax)/max(z, 1000)) (z, tax, rebate as shown)."""
    p = _sigmoid(0.3 + 1.5 * attitude + 3.0 * (rebate - tax) / max(z, 1000.0))
    return {"SATISFIED": "YES" if rng.random() < p else "NO"}


def _tax(z: float, cuts: tuple[float, ...], rates_pct: tuple[float, ...]) -> float:
    t = 0.0
    for k, lo in enumerate(cuts):
        hi = cuts[k + 1] if k + 1 < len(cuts) else math.inf
        if z > lo:
            t += rates_pct[k] / 100.0 * (min(z, hi) - lo)
    return t


def vote(text: str, rng: Draws) -> dict:
    """Platforms: own tax change, tilted by attitude; no platforms: the nearest-income candidate."""
    cands = rd.candidates(text)
    if not cands:
        return {"VOTE": ""}
    a, _ = attitudes(text)
    z, _, _ = rd.last_outcome(text)
    cuts, cur = rd.cutoffs(text), rd.current_rates(text)
    me = re.search(r"You are (\w+)", text)
    scores = []
    for cid, income, plat in cands:
        if plat is not None and len(plat) == len(cur) == len(cuts):
            new = tuple(min(100.0, max(0.0, r + d)) for r, d in zip(cur, plat, strict=True))
            dt = _tax(z, cuts, new) - _tax(z, cuts, cur)
            s = -dt / max(z, 1000.0) + 0.5 * a * sum(plat) / (100.0 * len(plat))
        else:
            s = -abs(income - z) / max(z, income, 1000.0)
        if me and me.group(1) == cid:
            s += 0.1
        scores.append(s + 0.02 * rng.gauss(0.0, 1.0))
    return {"VOTE": cands[max(range(len(cands)), key=scores.__getitem__)][0]}


def run(text: str, rng: Draws) -> dict:
    """Run with P = σ(−1.5 + 2·dissatisfaction + risk); platform cuts own and lower brackets if the
    worker pays more than it gets back or opposes taxes, raises upper brackets if it supports
    redistribution."""
    a, risk = attitudes(text)
    m = re.search(r"SATISFIED (\d+)/(\d+)", text) or re.search(
        r"last (\d+) answers you were satisfied with the tax policy (\d+) times", text)
    if m and "SATISFIED" in m.group(0):
        sat, shown = int(m.group(1)), int(m.group(2))
    elif m:
        shown, sat = int(m.group(1)), int(m.group(2))
    else:
        sat, shown = 0, 0
    dissat = 1.0 - sat / shown if shown else 0.5
    if rng.random() >= _sigmoid(-1.5 + 2.0 * dissat + risk):
        return {"RUN": "NO", "PLATFORM": None}
    z, tax, reb = rd.last_outcome(text)
    cuts, cur = rd.cutoffs(text), rd.current_rates(text)
    own = max([k for k, c in enumerate(cuts) if z >= c] or [0])
    plat = []
    for k in range(len(cur)):
        if k <= own:
            plat.append(-10 if (a <= 0 or tax > reb) else 0)
        else:
            plat.append(20 if a > 0 else 10 if tax > reb else 0)
    return {"RUN": "YES", "PLATFORM": _clip_delta(cur, plat)}


_ATTITUDE_LINES = {
    "pro": ("You support redistribution and value public services",
            "You believe in progressive taxation and a strong social safety net"),
    "anti": ("You oppose high taxes and want to keep more of what you earn",
             "You are fiscally conservative and prefer low taxes"),
    "mixed": ("You accept taxes as the price of public services but watch every dollar",
              "You have no strong views on taxes and judge policies by your own pay"),
}
_RISK_LINES = {"low": "You are risk-averse and prefer security",
               "mid": "You take measured risks when the payoff is clear",
               "high": "You are risk-tolerant and comfortable with risk"}


def persona(text: str, rng: Draws) -> dict:
    """A 2–3 sentence second-person persona from Age/Sex/Occupation/Annual income lines."""
    def field(name: str, default: str) -> str:
        m = re.search(rf"^{name}:\s*(.+)$", text, re.M)
        return m.group(1).strip() if m else default

    age = field("Age", "40")
    sex = field("Sex", "").lower()
    occ = field("Occupation", "a job you know well")
    try:
        income = float(re.sub(r"[^\d.]", "", field("Annual income", "0")) or 0)
    except ValueError:
        income = 0.0
    who = {"female": "woman", "male": "man"}.get(sex, "person")
    p_anti = 0.2 + (0.35 if income > 90_000 else 0.1 if income > 40_000 else 0.0)
    u = rng.random()
    att = "anti" if u < p_anti else "pro" if u < p_anti + 0.45 else "mixed"
    level = ("a modest" if income < 35_000 else "a comfortable" if income < 90_000
             else "a high")
    text_out = (
        f"You are a {age}-year-old {who} working in {occ[0].lower() + occ[1:]}, earning "
        f"{level} income of about ${income:,.0f} a year. "
        f"{rng.choice(_ATTITUDE_LINES[att])}. "
        f"{_RISK_LINES[rng.choice(('low', 'mid', 'high'))]}."
    )
    return {"PERSONA": text_out}
