"""Helpers shared by the prompt styles: windows, best-K lists, reflections, histograms, answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from econsim.prompts.views import PolicyRecord, StepRecord

Message = dict[str, str]
#: Labour menu shown to workers (weekly hours).
MENU_HOURS: tuple[int, ...] = tuple(range(0, 101, 10))
#: The labour menu as prompts list it.
MENU_TEXT = {sep: sep.join(str(h) for h in MENU_HOURS) for sep in ("|", ", ")}
#: DELTA menu shown to the planner (percentage points).
DELTA_MENU: tuple[int, ...] = (-20, -10, 0, 10, 20)

#: Cue phrases. The surrogate looks for :data:`EXPLOIT_PHRASE` (case-insensitive).
EXPLOIT_PHRASE = "choose the best"
EXPLORE_PHRASE = "explore"


def messages(system: str, user: str) -> list[Message]:
    """A two-message chat: system instructions and the user turn."""
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def window(history: Sequence, h: int) -> Sequence:
    """The last ``h`` entries of a history (the whole history if shorter)."""
    return history[-h:] if len(history) > h else history


def objective(rec: StepRecord, utility_type: str) -> float:
    """The number a worker of ``utility_type`` maximises at one step."""
    if utility_type == "altruistic":
        return float(rec.swf if rec.swf is not None else 0.0)
    if utility_type == "adversarial":
        return -float(rec.swf if rec.swf is not None else 0.0)
    return float(rec.adjusted_utility if rec.adjusted_utility is not None else rec.utility)


def objectives(hist: Sequence[StepRecord], utility_type: str) -> list[float]:
    """:func:`objective` of every record, in order."""
    if utility_type == "egotistical":
        return [float(r.adjusted_utility if r.adjusted_utility is not None else r.utility)
                for r in hist]
    return [objective(r, utility_type) for r in hist]


def objective_name(utility_type: str, bounded: bool) -> str:
    return {
        "altruistic": "social welfare",
        "adversarial": "negative social welfare",
    }.get(utility_type, "adjusted utility" if bounded else "utility")


def best_steps(hist: Sequence[StepRecord], k: int, utility_type: str,
               objs: Sequence[float] | None = None) -> list[StepRecord]:
    """The ``k`` steps with the highest objective, best first (ties: most recent first);
    ``objs``: their :func:`objectives`, if already computed."""
    # keys are unique (one record per step), so sorting (key, step, index) tuples gives the
    # order of sorted(hist, key=..., reverse=True) without a Python-level key function
    keyed = sorted(zip(objectives(hist, utility_type) if objs is None else objs,
                       [r.step for r in hist],
                       range(len(hist)), strict=True), reverse=True)
    return [hist[i] for _, _, i in keyed[:k]]


@dataclass(frozen=True, slots=True)
class WindowSummary:
    """What a worker prompt says about its shown history besides the lines themselves: its
    length, the mean labour and the mean objective (:func:`sequential_sum` / n) and the
    :func:`best_steps`, best first."""

    n: int
    labour_mean: float
    objective_mean: float
    best: Sequence[StepRecord]


def summarise(hist: Sequence[StepRecord], k: int, utility_type: str) -> WindowSummary:
    """The :class:`WindowSummary` of a non-empty shown history."""
    n = len(hist)
    objs = objectives(hist, utility_type)
    return WindowSummary(n, sequential_sum([r.labour for r in hist]) / n,
                         sequential_sum(objs) / n, best_steps(hist, k, utility_type, objs))


def sequential_sum(values: Sequence[float]) -> float:
    """``((0.0 + v₀) + v₁) + …``: one addition at a time, oldest first — the sum the array
    stand-in reproduces with ``np.add.accumulate`` (the builtin :func:`sum` of floats compensates
    rounding from Python 3.12 on)."""
    total = 0.0
    for v in values:
        total += v
    return total


def worker_reflection(hist: Sequence[StepRecord], utility_type: str, bounded: bool) -> str:
    """One line comparing the last two steps (what a careful reader would conclude)."""
    what = objective_name(utility_type, bounded)
    if len(hist) < 2:
        return "no comparison yet: try a labour level and watch the outcome"
    a, b = hist[-2], hist[-1]
    du = objective(b, utility_type) - objective(a, utility_type)
    dl = b.labour - a.labour
    change = (f"raised {what} by {du:.2f}" if du > 0 else
              f"lowered {what} by {-du:.2f}" if du < 0 else f"did not change {what}")
    if dl == 0:
        return f"keeping labour at {b.labour:.0f} h {change} (other conditions changed)"
    move = "increasing" if dl > 0 else "decreasing"
    if du == 0:
        verdict = "the two levels are equally good"
    elif du > 0:
        verdict = "labour may still be too low" if dl > 0 else "labour was too high"
    else:
        verdict = "labour is too high" if dl > 0 else "labour is too low"
    return f"{move} labour from {a.labour:.0f} to {b.labour:.0f} h {change}, so {verdict}"


def best_policies(hist: Sequence[PolicyRecord], k: int) -> list[PolicyRecord]:
    return sorted(hist, key=lambda r: (r.objective, r.step), reverse=True)[:k]


def policy_reflections(hist: Sequence[PolicyRecord], what: str) -> list[str]:
    """One line per bracket comparing the last two tax years."""
    if len(hist) < 2:
        return []
    a, b = hist[-2], hist[-1]
    d_obj = b.objective - a.objective
    out = []
    for k, (ra, rb) in enumerate(zip(a.rates, b.rates, strict=True), start=1):
        d = round((rb - ra) * 100)
        if d == 0:
            out.append(f"bracket {k}: unchanged")
            continue
        move = "raising" if d > 0 else "lowering"
        eff = "raised" if d_obj > 0 else "lowered" if d_obj < 0 else "did not change"
        if d_obj == 0:
            verdict = "no signal"
        elif d_obj > 0:
            verdict = "rate too low" if d > 0 else "rate too high"
        else:
            verdict = "rate too high" if d > 0 else "rate too low"
        out.append(f"bracket {k}: {move} it by {abs(d)}pp {eff} {what}: {verdict}")
    return out


# ``weights`` (optional, one count per value): a population summarised as values with counts
# (econsim.scale: bin means of 10^8 agents); None = every value is one worker.
def bracket_counts(incomes: np.ndarray, cutoffs: Sequence[float],
                   weights: np.ndarray | None = None) -> list[int]:
    idx = np.searchsorted(np.asarray(cutoffs, dtype=float), incomes, side="right") - 1
    counts = np.bincount(np.clip(idx, 0, len(cutoffs) - 1), weights=weights,
                         minlength=len(cutoffs))
    return np.rint(counts).astype(np.int64).tolist()


def utility_histogram(utilities: np.ndarray, bins: int = 10, weights: np.ndarray | None = None
                      ) -> tuple[list[float], list[int]]:
    u = np.asarray(utilities, dtype=float)
    if u.size == 0:
        return [0.0] * (bins + 1), [0] * bins
    lo, hi = float(u.min()), float(u.max())
    if not (np.diff(np.linspace(lo, hi, bins + 1)) > 0).all():
        # equal utilities, or so nearly equal that the bins would have no width (a run of
        # rational workers did this): one range at least 1 wide
        hi = lo + max(1.0, float(np.spacing(abs(lo))) * 64 * bins)
    counts, edges = np.histogram(u, bins=bins, range=(lo, hi), weights=weights)
    return edges.tolist(), np.rint(counts).astype(np.int64).tolist()


def stats(x: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float, float]:
    a = np.asarray(x, dtype=float)
    if a.size == 0:
        return 0.0, 0.0, 0.0
    if weights is None:
        return float(a.mean()), float(np.median(a)), float(a.std())
    w = np.asarray(weights, dtype=float)
    mean = float((a * w).sum() / w.sum())
    order = np.argsort(a, kind="stable")
    cum = np.cumsum(w[order])
    median = float(a[order][np.searchsorted(cum, 0.5 * cum[-1])])
    return mean, median, float(np.sqrt((w * (a - mean) ** 2).sum() / w.sum()))


def satisfied_share(hist: Sequence[StepRecord]) -> tuple[int, int]:
    """(steps satisfied, steps with a satisfaction answer)."""
    shown = [r.satisfaction for r in hist if r.satisfaction is not None]
    return sum(1 for r in shown if r >= 1.0), len(shown)


def fmt_delta(d: Sequence[int]) -> str:
    return "|".join(f"{int(x):+d}" if x else "0" for x in d)
