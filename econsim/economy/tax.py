"""Piecewise-linear marginal income tax schedules.

A schedule is a list of bracket lower edges ``cutoffs`` (the first is 0) and one marginal rate per
bracket. Income above the last cutoff is taxed at the top rate. Rates are fractions in [0, 1].

References
----------
Karten et al. (2025), *LLM Economist*, arXiv 2507.15815, §3 (tax and rebate).
IRS Rev. Proc. 2023-34, 2024 single-filer brackets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from econsim.registry import Registry
from econsim.validation import (
    as_float_array,
    check_fractions,
    check_nonnegative,
    check_resolved,
)

#: Planner action menu, in percentage points (MODEL.md §3).
DELTA_CHOICES_PP: tuple[int, ...] = (-20, -10, 0, 10, 20)
#: Rate at which the learning planner starts every bracket.
PLANNER_START_RATE = 0.5


@dataclass(frozen=True)
class TaxPreset:
    """Bracket edges (USD) of a named schedule and, where one exists, its statutory rates."""

    cutoffs: tuple[float, ...]
    statutory_rates: tuple[float, ...] | None = None
    description: str = ""


#: The presets as objects, for code that needs one fixed schedule (no name lookup below the top).
FLAT = TaxPreset((0.0,), None, "one bracket: a flat rate on all income")
THREE = TaxPreset((0.0, 90_000.0, 159_100.0), None, "three brackets (v1 'three')")
US_FEDERAL_2024 = TaxPreset(
    (0.0, 11_600.0, 47_150.0, 100_525.0, 191_950.0, 243_725.0, 609_350.0),
    (0.10, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37),
    "US federal income tax 2024, single filer (IRS Rev. Proc. 2023-34)",
)
TAX_PRESETS: Registry[TaxPreset] = Registry("tax preset")
TAX_PRESETS.register("flat", FLAT)
TAX_PRESETS.register("three", THREE)
TAX_PRESETS.register("us_federal_2024", US_FEDERAL_2024)


def bracket_edges(brackets: ArrayLike | TaxPreset | TaxSchedule,
                  name: str = "cutoffs") -> NDArray[np.float64]:
    """Bracket lower edges of a :class:`TaxPreset`, a :class:`TaxSchedule` or an edge array.

    A preset name raises ``TypeError`` (resolve it once with ``TAX_PRESETS.get``); the edges
    are validated as :class:`TaxSchedule` does (start at 0, strictly increasing).
    """
    if isinstance(brackets, str):
        check_resolved(brackets, TaxPreset, name, f"TAX_PRESETS.get({brackets!r})")
    if isinstance(brackets, TaxPreset | TaxSchedule):
        brackets = brackets.cutoffs
    return TaxSchedule(brackets, np.zeros(np.size(brackets))).cutoffs


@dataclass(frozen=True, eq=False)
class TaxSchedule:
    """A piecewise-linear marginal tax schedule.

    Parameters
    ----------
    cutoffs
        Lower edge of each bracket in USD, strictly increasing, starting at 0.
    rates
        Marginal rate of each bracket, fractions in [0, 1].
    """

    cutoffs: NDArray[np.float64]
    rates: NDArray[np.float64]
    _cum_tax: NDArray[np.float64] = field(init=False, repr=False)

    def __init__(self, cutoffs: ArrayLike, rates: ArrayLike) -> None:
        cut = check_nonnegative(cutoffs, "cutoffs").ravel()
        rat = check_fractions(rates, "rates").ravel()
        if cut.size == 0:
            raise ValueError("cutoffs must contain at least one bracket edge (0)")
        if cut[0] != 0:
            raise ValueError(f"cutoffs must start at 0; got first cutoff {cut[0]!r}")
        if cut.size > 1 and not (np.diff(cut) > 0).all():
            raise ValueError("cutoffs must be strictly increasing")
        if rat.size != cut.size:
            raise ValueError(
                f"rates must have one entry per bracket: got {rat.size} rates for {cut.size} "
                f"brackets (allowed length {cut.size})"
            )
        cut.flags.writeable = False
        rat.flags.writeable = False
        object.__setattr__(self, "cutoffs", cut)
        object.__setattr__(self, "rates", rat)
        # Tax owed on income exactly at each cutoff: the knots of the piecewise-linear T(z).
        cum = np.concatenate(([0.0], np.cumsum(rat[:-1] * np.diff(cut))))
        cum.flags.writeable = False
        object.__setattr__(self, "_cum_tax", cum)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def preset(cls, preset: TaxPreset, rates: ArrayLike | None = None) -> TaxSchedule:
        """Schedule on a preset's brackets; ``rates`` default to statutory rates or 0.5 each.

        ``preset`` is the object (``TAX_PRESETS.get('three')``, ``US_FEDERAL_2024``), not a name.
        """
        check_resolved(preset, TaxPreset, "preset",
                       f"TaxSchedule.preset(TAX_PRESETS.get({preset!r}))")
        p = preset
        if rates is None:
            rates = p.statutory_rates or [PLANNER_START_RATE] * len(p.cutoffs)
        return cls(p.cutoffs, rates)

    @classmethod
    def flat(cls, rate: float) -> TaxSchedule:
        return cls([0.0], [rate])

    def with_rates(self, rates: ArrayLike) -> TaxSchedule:
        """Same brackets, new rates."""
        return TaxSchedule(self.cutoffs, rates)

    @property
    def n_brackets(self) -> int:
        return int(self.cutoffs.size)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, TaxSchedule)
            and np.array_equal(self.cutoffs, other.cutoffs)
            and np.array_equal(self.rates, other.rates)
        )

    def __hash__(self) -> int:
        return hash((self.cutoffs.tobytes(), self.rates.tobytes()))

    def __repr__(self) -> str:
        cuts = ", ".join(f"{c:,.0f}" for c in self.cutoffs)
        rates = ", ".join(f"{r:.3g}" for r in self.rates)
        return f"TaxSchedule(cutoffs=[{cuts}], rates=[{rates}])"

    # -- evaluation ---------------------------------------------------------------------------
    def tax(self, income: ArrayLike) -> NDArray[np.float64]:
        """Tax due; see :func:`tax_due`."""
        return tax_due(income, self)

    def labels(self) -> list[str]:
        """Human-readable bracket labels, e.g. ``'$11,600–47,150'``."""
        out = []
        for k, lo in enumerate(self.cutoffs):
            hi = self.cutoffs[k + 1] if k + 1 < self.n_brackets else None
            out.append(f"${lo:,.0f}+" if hi is None else f"${lo:,.0f}–{hi:,.0f}")
        return out


def _income(income: ArrayLike) -> NDArray[np.float64]:
    z = as_float_array(income, "income")
    if z.size and not (np.isfinite(z).all() and (z >= 0).all()):
        raise ValueError("income must be finite and >= 0 (allowed range [0, inf))")
    return z


def tax_due(income: ArrayLike, schedule: TaxSchedule) -> NDArray[np.float64]:
    r"""Tax owed on pre-tax income under a piecewise-linear marginal schedule.

    .. math:: T(z) = \sum_k \tau_k \, \max(0, \min(z, b_{k+1}) - b_k), \quad b_{K+1} = \infty

    Evaluated as linear interpolation between the knots :math:`(b_k, T(b_k))` plus the top rate
    above the last cutoff, which costs two passes over the data.

    Parameters
    ----------
    income
        Pre-tax incomes :math:`z \ge 0` (any shape).
    schedule
        The tax schedule.

    Returns
    -------
    ndarray
        :math:`T(z)`, same shape as ``income``.
    """
    z = _income(income)
    return _tax_unchecked(z, schedule)


def _tax_unchecked(z: NDArray[np.float64], schedule: TaxSchedule) -> NDArray[np.float64]:
    cut, cum = schedule.cutoffs, schedule._cum_tax
    top = schedule.rates[-1]
    if cut.size == 1:
        return top * z
    if z.ndim == 0:
        return _tax_unchecked(z.reshape(1), schedule).reshape(())
    t = np.interp(z, cut, cum)
    excess = z - cut[-1]
    np.maximum(excess, 0.0, out=excess)
    excess *= top
    t += excess
    return t


def bracket_index(income: ArrayLike, schedule: TaxSchedule) -> NDArray[np.intp]:
    """Index of the bracket containing each income (an income at a cutoff is in the upper one)."""
    z = _income(income)
    return np.searchsorted(schedule.cutoffs, z, side="right") - 1


def marginal_rate(income: ArrayLike, schedule: TaxSchedule) -> NDArray[np.float64]:
    r""":math:`T'(z)`: the rate of the bracket containing ``z`` (right derivative at kinks)."""
    return schedule.rates[bracket_index(income, schedule)]


def average_rate(income: ArrayLike, schedule: TaxSchedule) -> NDArray[np.float64]:
    r""":math:`T(z)/z`, defined as the first bracket's rate at :math:`z = 0` (its limit)."""
    z = _income(income)
    t = _tax_unchecked(z, schedule)
    with np.errstate(divide="ignore", invalid="ignore"):
        avg = np.where(z > 0, t / np.where(z > 0, z, 1.0), schedule.rates[0])
    return avg


def apply_delta(rates: ArrayLike, delta_pp: ArrayLike) -> NDArray[np.float64]:
    """The planner's update: add ``delta_pp`` percentage points to each rate, kept inside [0, 1].

    Parameters
    ----------
    rates
        Current rates, fractions in [0, 1].
    delta_pp
        Change per bracket in whole percentage points in [-100, 100] (the planner's DELTA, e.g.
        ``[-10, 0, 20]``). Fractional values are refused: every DELTA the planners produce is a
        whole number of points, and a fraction such as 0.1 is almost surely a rate change
        written as a fraction (10 pp) rather than a tenth of a point.
    """
    r = check_fractions(rates, "rates")
    d = as_float_array(delta_pp, "delta_pp")
    if d.shape != r.shape:
        raise ValueError(
            f"delta_pp must have one entry per bracket: got shape {d.shape}, allowed {r.shape}"
        )
    if not (np.isfinite(d).all() and (np.abs(d) <= 100).all() and (d == np.round(d)).all()):
        bad = d[~(np.isfinite(d) & (np.abs(d) <= 100) & (d == np.round(d)))].ravel()[0]
        raise ValueError("delta_pp must be whole percentage points in [-100, 100] (e.g. 10 for "
                         f"+10 pp, not the fraction 0.1); got {float(bad)!r}")
    return np.clip(r + d / 100.0, 0.0, 1.0)
