r"""One economy step over a population in chunks: per-chunk sums and histograms, then totals.

The rebate :math:`R = \frac1N\sum_i T(z_i)` is known only after every chunk has been taxed, so a
chunk reports quantities from which every welfare metric follows once :math:`R` is known, in one
pass (with :math:`y_i = z_i - T(z_i)`, :math:`v_i = y_i - c\,l_i^\delta`, so :math:`\tilde z_i =
y_i + R` and :math:`u_i = v_i + R`):

* exact (sums of floats, in chunk order): mean utility :math:`\bar v + R`; the paper's SWF
  :math:`\sum v_i/\max(z_i,1) + R\sum 1/\max(z_i,1)`; the inverse-income SWF; the Rawlsian
  :math:`\min v + R`; revenue; mean labour; bracket counts (integers);
* Gini of :math:`\tilde z` from a shared histogram: agents are binned by pre-tax income (a
  grid of 128 bins per octave from $1 to $2³⁰ read off the income's float64 bits — exactly
  monotone, relative width ≤ 0.8 % — each split at the bracket cutoffs, plus one bin below $1),
  keeping counts and :math:`\sum y` per bin. :math:`\tilde z` is
  non-decreasing in :math:`z` (rates ≤ 1), so the between-bin part of
  :math:`\sum_{i,j}|\tilde z_i-\tilde z_j|` is exact; within a bin of width :math:`w_b`
  (in :math:`y`, ≤ its width in :math:`z`) the pairs contribute between 0 and
  :math:`n_b^2 w_b/2`; the estimate takes :math:`n_b^2 w_b/4` and the reported bound
  ``gini_error_bound`` is :math:`\sum_b n_b^2 w_b / (8 N^2 \mu)`;
* Theil and Atkinson (ε = 1) from the same histogram's bin means (approximate; the error is
  that of replacing incomes by their bin mean, < 10⁻⁵ at the default grid — tested).

Identical chunks reduced in the same order give bit-identical totals, which is why the Dask
engine (shards = chunks) reproduces the in-memory engine exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from econsim.economy.utility import LABOUR_MENU
from econsim.scale.lean_population import uniforms_range

Array = NDArray[np.float64]
#: Income bins: 2**Z_SUB per octave from $1 to $2**Z_OCTAVES (~$1.07 billion; relative width
#: 0.8 % at most), read off the float64 bits of the income (exactly monotone in the income), plus
#: one bin below $1; the last bin is open above.
Z_SUB = 7
Z_OCTAVES = 30
Z_BINS = Z_OCTAVES << Z_SUB
Z_MAX = float(2 ** Z_OCTAVES)
#: Utility bins for the planner's statistics (geometric above 1, linear below 0).
U_BINS = 4096
U_NEG_BINS = 512
_BIAS = (1023 << Z_SUB) - 1
#: Counter stream of the members' jitter (the vectorised cluster engine uses the same).
JITTER_STREAM = 4


def z_bin_edges() -> Array:
    """Lower edge of every income bin (bin 0 holds incomes below $1)."""
    k = np.arange(Z_BINS)
    return np.concatenate([[0.0], np.ldexp(1.0 + (k % (1 << Z_SUB)) / (1 << Z_SUB),
                                           k >> Z_SUB)])


def z_bin_of(z: Array) -> NDArray[np.intp]:
    """Income bin of every income ``z >= 0`` (0 below $1, then 2**Z_SUB per octave)."""
    gi = np.ascontiguousarray(z, dtype=np.float64).view(np.int64) >> (52 - Z_SUB)
    gi -= _BIAS
    np.clip(gi, 0, Z_BINS, out=gi)
    return gi


@dataclass(frozen=True)
class StepSpec:
    """What a chunk needs to play one step (small: shipped to every shard).

    Parameters
    ----------
    seed, t
        Run seed and step (the jitter stream).
    hours
        Hours per cluster (menu multiples of 10) for cluster workers, else ``None``.
    fixed_hours
        Everyone's hours when ``hours`` is ``None`` and not ``rational``.
    rational
        Every agent plays its exact best response on the menu.
    lut
        Cluster of every cell (cluster workers).
    reps
        Global indices of the representatives (never jittered).
    jitter
        Probability of a member moving one menu step from its representative's answer.
    cutoffs, rates, c, delta
        Tax schedule and labour-cost parameters.
    utility_hist
        Also return the utility histogram (steps the planner will read).
    record
        Sorted global indices of agents whose rows are returned.
    """

    seed: int
    t: int
    cutoffs: Array
    rates: Array
    c: float
    delta: float
    hours: Array | None = None
    fixed_hours: float = 40.0
    rational: bool = False
    lut: NDArray[np.uint16] | None = None
    reps: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    jitter: float = 0.2
    utility_hist: bool = False
    record: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def cum_tax(self) -> Array:
        """Tax due at each cutoff."""
        widths = np.diff(self.cutoffs)
        return np.concatenate([[0.0], np.cumsum(self.rates[:-1] * widths)])


@dataclass
class Partial:
    """Sums of one chunk (or of several, after :func:`combine`)."""

    n: int
    labour: float
    labour_sq: float
    z: float
    tax: float
    v: float
    v_over_z: float
    inv_z: float
    v_min: float
    z_max: float
    z_count: NDArray[np.int64]
    y_sum: Array
    z_sum: Array | None = None
    u_count: NDArray[np.int64] | None = None
    u_sum: Array | None = None
    rows: dict[str, Array] | None = None


def tax_of(z: Array, cutoffs: Array, rates: Array, cum: Array,
           zbin: NDArray[np.intp] | None = None) -> tuple[Array, NDArray[np.intp]]:
    r"""Piecewise-linear tax :math:`T(z) = C_b + \tau_b (z - c_b)` and bracket index ``b``.

    With ``zbin`` (:func:`z_bin_of`) the bracket is the one of the bin's lower edge, plus one if
    ``z`` reaches the next cutoff (exact when no bin holds two cutoffs, else a binary search).
    """
    table = _bracket_table(tuple(cutoffs.tolist())) if zbin is not None else None
    if table is None:
        b = np.searchsorted(cutoffs, z, side="right") - 1
        np.maximum(b, 0, out=b)
    else:
        base, nxt = table
        b = base[zbin]
        b += z >= nxt[zbin]
    t = rates[b]
    t *= z
    t += (cum - rates * cutoffs)[b]  # C_b - tau_b c_b: one gather fewer
    return t, b


@lru_cache(maxsize=16)
def _bracket_table(cutoffs: tuple[float, ...]) -> tuple[NDArray[np.intp], Array] | None:
    """Per income bin: bracket of its lower edge and the next cutoff (None if a bin holds two)."""
    cut = np.asarray(cutoffs)
    lower = z_bin_edges()
    upper = np.append(lower[1:], np.inf)
    base = np.maximum(np.searchsorted(cut, lower, side="right") - 1, 0)
    inside = np.searchsorted(cut, upper, side="left") - np.searchsorted(cut, lower, side="right")
    if (inside > 1).any():
        return None
    nxt = np.append(cut, np.inf)[base + 1]
    return base.astype(np.intp), nxt


def _u_bins(v: Array, c: float, delta: float) -> NDArray[np.intp]:
    low = -c * 100.0 ** delta - 1.0
    neg = np.clip(((v - low) * (U_NEG_BINS / -low)).astype(np.intp), 0, U_NEG_BINS - 1)
    pos = np.clip((np.log(np.maximum(v, 1.0)) * (U_BINS / np.log(Z_MAX))).astype(np.intp),
                  0, U_BINS - 1) + U_NEG_BINS + 1
    out = np.where(v < 0, neg, pos)
    out[(v >= 0) & (v < 1)] = U_NEG_BINS
    return out


def labour_index(spec: StepSpec, skill: NDArray[np.float32], cell: NDArray[np.uint16],
                 start: int) -> NDArray[np.intp]:
    """Menu index (0..10) of every agent's hours in the chunk starting at ``start``."""
    n = skill.size
    if spec.hours is not None:
        base = np.rint(spec.hours / 10.0).astype(np.intp)[spec.lut[cell]]
        u = uniforms_range(spec.seed, spec.t, JITTER_STREAM, start, start + n)
        move = (u > 1 - spec.jitter / 2).astype(np.intp)
        move -= u < spec.jitter / 2
        reps = spec.reps[(spec.reps >= start) & (spec.reps < start + n)] - start
        move[reps] = 0
        base += move
        return np.clip(base, 0, LABOUR_MENU.size - 1, out=base)
    if spec.rational:
        from econsim.economy.best_response import best_response_menu
        from econsim.economy.tax import TaxSchedule
        from econsim.economy.utility import UtilityParams

        lab = best_response_menu(skill.astype(np.float64), TaxSchedule(spec.cutoffs, spec.rates),
                                 UtilityParams(spec.c, spec.delta))
        return np.rint(lab / 10.0).astype(np.intp)
    return np.full(n, int(round(spec.fixed_hours / 10.0)), dtype=np.intp)


def step_chunk(spec: StepSpec, skill: NDArray[np.float32], cell: NDArray[np.uint16],
               start: int) -> Partial:
    """The sums and histograms of one chunk of agents ``start..start+len(skill)-1``."""
    nb = spec.cutoffs.size
    idx = labour_index(spec, skill, cell, start)
    fixed = spec.hours is None and not spec.rational
    if fixed:  # fixed hours need not be a menu multiple
        hours = np.full(skill.size, spec.fixed_hours)
        cost = spec.c * np.power(hours, spec.delta)
    else:
        hours = LABOUR_MENU[idx]
        cost = (spec.c * np.power(LABOUR_MENU, spec.delta))[idx]
    z = hours * skill
    zbin = z_bin_of(z)
    tax, b = tax_of(z, spec.cutoffs, spec.rates, spec.cum_tax, zbin)
    y = z - tax
    v = y - cost
    inv = np.maximum(z, 1.0)
    np.divide(1.0, inv, out=inv)
    zbin *= nb
    zbin += b
    size = (Z_BINS + 1) * nb
    part = Partial(
        n=int(skill.size), labour=float(hours.sum()), labour_sq=float((hours * hours).sum()),
        z=float(z.sum()), tax=float(tax.sum()), v=float(v.sum()),
        v_over_z=float((v * inv).sum()), inv_z=float(inv.sum()), v_min=float(v.min()),
        z_max=float(z.max()), z_count=np.bincount(zbin, minlength=size).astype(np.int64),
        y_sum=np.bincount(zbin, weights=y, minlength=size))
    if spec.utility_hist:  # steps the planner reads: income bin means and utilities
        part.z_sum = np.bincount(zbin, weights=z, minlength=size)
        ub = _u_bins(v, spec.c, spec.delta)
        m = U_NEG_BINS + 1 + U_BINS
        part.u_count = np.bincount(ub, minlength=m).astype(np.int64)
        part.u_sum = np.bincount(ub, weights=v, minlength=m)
    if spec.record.size:
        sel = spec.record[(spec.record >= start) & (spec.record < start + skill.size)] - start
        part.rows = {"agent": sel + start, "labour": hours[sel], "pre_tax_income": z[sel],
                     "tax": tax[sel], "v": v[sel]}
    return part


def combine(parts: list[Partial]) -> Partial:
    """Totals of chunk partials, added in list order (the same order gives the same floats)."""
    first = parts[0]
    tot = Partial(0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, np.inf, 0.0,
                  np.zeros_like(first.z_count), np.zeros_like(first.y_sum))
    if first.u_count is not None:
        tot.z_sum = np.zeros_like(first.z_sum)
        tot.u_count, tot.u_sum = np.zeros_like(first.u_count), np.zeros_like(first.u_sum)
    rows: list[dict[str, Array]] = []
    for p in parts:
        tot.n += p.n
        for name in ("labour", "labour_sq", "z", "tax", "v", "v_over_z", "inv_z"):
            setattr(tot, name, getattr(tot, name) + getattr(p, name))
        tot.v_min, tot.z_max = min(tot.v_min, p.v_min), max(tot.z_max, p.z_max)
        tot.z_count += p.z_count
        tot.y_sum += p.y_sum
        if p.u_count is not None:
            tot.z_sum += p.z_sum
            tot.u_count += p.u_count
            tot.u_sum += p.u_sum
        if p.rows is not None:
            rows.append(p.rows)
    if rows:
        tot.rows = {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}
    return tot


def z_bin_widths(nb: int, z_max: float) -> Array:
    """Upper minus lower pre-tax income edge of every histogram bin (a bound on its width)."""
    lower = z_bin_edges()
    width = np.append(np.diff(lower), max(z_max - lower[-1], 0.0))
    return np.repeat(width, nb)


def grouped_gini(count: NDArray[np.int64], total: Array, width: Array, shift: float
                 ) -> tuple[float, float]:
    r"""Gini of values grouped in ordered bins (counts, sums, widths), shifted by ``shift``.

    Between-bin pairs are exact; within-bin pairs are estimated as :math:`n_b^2 w_b/4`.
    Returns (Gini, bound on its absolute error).
    """
    keep = count > 0
    n_b, s_b, w_b = count[keep].astype(np.float64), total[keep], width[keep]
    n = n_b.sum()
    mass = s_b.sum() + shift * n
    if n == 0 or mass <= 0:
        return 0.0, 0.0
    c_before = np.cumsum(n_b) - n_b
    s_before = np.cumsum(s_b) - s_b
    between = float((s_b * c_before - n_b * s_before).sum())  # the shift cancels in differences
    within = n_b * n_b * w_b
    g = (between * 2.0 + within.sum() / 4.0) / (2.0 * n * mass)
    return float(g), float(within.sum() / (8.0 * n * mass))


def metrics(tot: Partial, nb: int) -> tuple[float, dict[str, float], float]:
    """Rebate, every welfare metric of :func:`econsim.economy.welfare.all_metrics`, Gini bound."""
    n = tot.n
    rebate = tot.tax / n
    mean_zt = (tot.y_sum.sum() / n) + rebate
    gini, bound = grouped_gini(tot.z_count, tot.y_sum, z_bin_widths(nb, tot.z_max), rebate)
    keep = tot.z_count > 0
    cnt = tot.z_count[keep].astype(np.float64)
    mean_b = np.maximum(tot.y_sum[keep] / cnt + rebate, 0.0)
    if mean_zt > 0:
        r = mean_b / mean_zt
        with np.errstate(divide="ignore", invalid="ignore"):
            theil = float((cnt * np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)).sum()
                          / n)
    else:
        theil = 0.0
    atkinson = 0.0 if (mean_b <= 0).any() else float(np.exp((cnt * np.log(mean_b)).sum() / n))
    swf = tot.v_over_z + rebate * tot.inv_z
    out = {
        "paper_swf": swf,
        "inverse_income": swf / tot.inv_z,
        "utilitarian": tot.v / n + rebate,
        "rawlsian": tot.v_min + rebate,
        "atkinson": atkinson,
        "equality_productivity": (1.0 - (n / (n - 1.0) if n > 1 else 1.0) * gini) * tot.z / n,
        "gini": gini,
        "theil": theil,
    }
    return rebate, out, bound
