"""Read what the surrogate needs from prompt text (both prompt styles), with per-line caches.

Only the text of the messages is used — never simulator state. History lines repeat from one call
to the next (the window slides by one step), so each distinct line is parsed once and cached;
a call then costs a split and dictionary look-ups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

_MONEY = r"(-?[\d,]+(?:\.\d+)?)"
# paper style: "Step 12: tax rates 50%, 50%; skill $950.00; labour 40 hours; pre-tax income ..."
_PAPER_STEP = re.compile(
    r"^Step (\d+): tax rates ([^;]+); (?:skill [^;]+; )?labour ([\d.]+) hours; "
    rf"pre-tax income \${_MONEY}; tax paid \${_MONEY}; rebate \${_MONEY}; "
    rf"post-tax income \${_MONEY}; utility {_MONEY}"
    rf"(?:; satisfaction ([\d.]+))?(?:; adjusted utility {_MONEY})?(?:; social welfare {_MONEY})?")
# compact style: " L40 n=3 z=... tax=... reb=... post=... u=... [r=.. adj=..] [swf=..]"
_COMPACT_ARM = re.compile(
    r"^ L([\d.]+) n=(\d+) z=(\S+) tax=(\S+) reb=(\S+) post=(\S+) u=(\S+)"
    r"(?: r=(\S+) adj=(\S+))?(?: swf=(\S+))?")
_COMPACT_YEAR = re.compile(r"^Y\d+ steps=\S+ rates=(\S+)")
_PAPER_POLICY = re.compile(
    rf"^Tax year starting at step (\d+): rates (.+?) -> (social welfare|your average utility) "
    rf"{_MONEY}")
_COMPACT_POLICY = re.compile(r"^ ([PO])(\d+) (\S+) -> (\S+)")
_STEP = re.compile(r"(?:STEP|Step) (\d+)(?:/| of )(\d+)")
_PCT = re.compile(r"(-?[\d.]+)%?")


def _f(s: str | None) -> float | None:
    return None if s is None else float(s.replace(",", ""))


@lru_cache(maxsize=1 << 14)
def rates_key(text: str) -> tuple[float, ...]:
    """Rates (percent) from "50%, 60%" or "50.0|60.0" (remembered: a run shows few)."""
    return tuple(round(float(x), 1) for x in _PCT.findall(text.replace("|", " ")))


@dataclass(frozen=True, slots=True)
class Obs:
    """Observations of one labour level under one rate vector: count and mean outcomes."""

    labour: float
    n: int
    rates: tuple[float, ...]
    rebate: float
    utility: float
    satisfaction: float | None
    adjusted: float | None
    swf: float | None
    #: the scores the worker rule gives them (computed once: a line is shown up to H times):
    #: egotistical (adjusted) utility minus (r ×) rebate, altruistic SWF, adversarial −SWF
    ego: float = field(init=False, compare=False)
    alt: float = field(init=False, compare=False)
    adv: float = field(init=False, compare=False)

    def __post_init__(self) -> None:
        u = self.adjusted if self.adjusted is not None else self.utility
        r = self.satisfaction if self.satisfaction is not None else 1.0
        w = self.swf if self.swf is not None else 0.0
        object.__setattr__(self, "ego", u - r * self.rebate)
        object.__setattr__(self, "alt", w)
        object.__setattr__(self, "adv", -w)


_LINE_CACHE: dict[object, object] = {}
_MISS = object()
_CACHE_LIMIT = 500_000


def _cached(line: object, parse) -> object:
    hit = _LINE_CACHE.get(line, _MISS)
    if hit is _MISS:
        if len(_LINE_CACHE) > _CACHE_LIMIT:
            _LINE_CACHE.clear()
        hit = parse(line)
        _LINE_CACHE[line] = hit
    return hit


def _uncached(line: object, parse):  # noqa: ANN001, ANN202 - same signature as _cached
    return parse(line)


def _paper_step(line: str) -> Obs | None:
    m = _PAPER_STEP.match(line)
    if not m:
        return None
    g = m.groups()
    return Obs(float(g[2]), 1, rates_key(g[1]), _f(g[5]), _f(g[7]), _f(g[8]), _f(g[9]), _f(g[10]))


def worker_observations(text: str) -> list[Obs]:
    """Every (labour, outcome) observation shown in a worker prompt, either style."""
    return observations_from_lines(text.split("\n"))


def observations_from_lines(lines: Iterable[str], cached: bool = True) -> list[Obs]:
    """The observations in the history lines of a worker prompt (paper step lines, or compact
    tax-year and labour-level lines); other lines are skipped. The array stand-in hands it the
    history lines alone (each once: ``cached=False`` keeps them out of the line cache), the text
    reader every line of the prompt."""
    remember = _cached if cached else _uncached
    out: list[Obs] = []
    year_rates: tuple[float, ...] = ()
    for line in lines:
        if line.startswith("Step "):
            obs = remember(line, _paper_step)
            if obs is not None:
                out.append(obs)
        elif line.startswith("Y"):
            m = _COMPACT_YEAR.match(line)
            if m:
                year_rates = rates_key(m.group(1))
        elif line.startswith(" L"):
            # an arm line means one observation under its tax year's rates: remembered with them
            obs = remember((line, year_rates), _compact_arm)
            if obs is not None:
                out.append(obs)
    return out


def _compact_arm(key: tuple[str, tuple[float, ...]]) -> Obs | None:
    line, year_rates = key
    m = _COMPACT_ARM.match(line)
    if not m:
        return None
    g = m.groups()
    return Obs(float(g[0]), int(g[1]), year_rates, float(g[4]), float(g[6]), _f(g[7]), _f(g[8]),
               _f(g[9]))


def step_progress(text: str) -> tuple[int, int]:
    """(current step, episode length) from "STEP 3/100" or "Step 3 of 100" (1-based step)."""
    m = _STEP.search(text)
    return (int(m.group(1)), int(m.group(2))) if m else (1, 1)


def current_rates(text: str) -> tuple[float, ...]:
    """Current rates in percent from "RATES_PCT ..." or "Current tax rates: ..."."""
    for marker in ("RATES_PCT ", "Current tax rates: "):
        i = text.find(marker)
        if i >= 0:
            j = text.find("\n", i)
            seg = text[i + len(marker) : j if j >= 0 else None]
            seg = seg.split(".\n")[0].rstrip(".")
            if marker == "Current tax rates: ":
                seg = seg.split(". ")[0]
            return rates_key(seg)
    return ()


def cutoffs(text: str) -> tuple[float, ...]:
    """Bracket lower edges from "BRACKETS_USD 0|90000" or "bracket 1: $0 to ..."."""
    i = text.find("BRACKETS_USD ")
    if i >= 0:
        j = text.find("\n", i)
        return tuple(float(x) for x in text[i + 13 : j if j >= 0 else None].split("|"))
    return tuple(float(x.replace(",", "")) for x in re.findall(r"bracket \d+: \$([\d,]+)", text))


def policy_history(text: str, own: bool) -> list[tuple[int, tuple[float, ...], float]]:
    """(start step, rates %, objective) entries: the SWF history, or the leader's own history."""
    out = []
    for line in text.split("\n"):
        if line.startswith("Tax year"):
            m = _PAPER_POLICY.match(line)
            if m and (m.group(3) == "your average utility") == own:
                out.append((int(m.group(1)), rates_key(m.group(2)), float(
                    m.group(4).replace(",", ""))))
        elif line.startswith(" P") or line.startswith(" O"):
            m = _COMPACT_POLICY.match(line)
            if m and (m.group(1) == "O") == own:
                out.append((int(m.group(2)), rates_key(m.group(3)), float(m.group(4))))
    return out


def last_outcome(text: str) -> tuple[float, float, float]:
    """(pre-tax income, tax paid, rebate) of the last step shown."""
    m = re.search(r"LAST step=\S+ labour=\S+ z=(\S+) tax=(\S+) reb=(\S+)", text)
    if m:
        return float(m.group(1)), float(m.group(2)), float(m.group(3))
    m = re.search(rf"earned \${_MONEY} before tax, paid \${_MONEY} in tax and received a rebate "
                  rf"of \${_MONEY}", text)
    if m:
        return tuple(float(g.replace(",", "")) for g in m.groups())  # type: ignore[return-value]
    return 0.0, 0.0, 0.0


def candidates(text: str) -> list[tuple[str, float, tuple[int, ...] | None]]:
    """(id, income, platform or None) of every candidate listed."""
    out = []
    for m in re.finditer(r"^ C (\S+) income=(\S+) platform=(\S+)", text, re.M):
        plat = None if m.group(3) == "none" else tuple(int(x) for x in m.group(3).split("|"))
        out.append((m.group(1), float(m.group(2)), plat))
    for m in re.finditer(r"^- (\S+) \(income \$([\d,.-]+)\), (no platform|platform: bracket "
                         r"changes ([^a-z]+) percentage points)", text, re.M):
        plat = None if m.group(4) is None else tuple(
            int(x) for x in m.group(4).replace(" ", "").split(","))
        out.append((m.group(1), float(m.group(2).replace(",", "")), plat))
    return out
