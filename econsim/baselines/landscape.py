"""The policy landscape with rational workers (notebook 01, ``econsim baselines``).

Tidy tables of welfare along flat rates and of baseline schedules (US federal, Saez, Stackelberg),
all computed exactly: every worker plays its best response on the labour menu. Functions take
objects (:class:`~econsim.economy.utility.UtilityParams`, :class:`~econsim.economy.tax.TaxPreset`);
the ones that compare several take ``{label: object}`` mappings whose labels name the table rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from econsim.baselines.saez import saez_rates
from econsim.baselines.stackelberg import stackelberg
from econsim.baselines.welfare_weights import social_weights
from econsim.economy.outcomes import rational_step
from econsim.economy.tax import US_FEDERAL_2024, TaxPreset, TaxSchedule, bracket_edges
from econsim.economy.utility import (
    CALIBRATED_UTILITY,
    PAPER_UTILITY,
    UtilityParams,
    check_utilities,
    check_utility,
)
from econsim.validation import check_positive_int, check_range, check_resolved


def evaluate_schedule(skill: ArrayLike, schedule: TaxSchedule, utility: UtilityParams
                      ) -> dict[str, float]:
    """Every welfare metric, mean hours, revenue per worker and the rebate under ``schedule``."""
    out = rational_step(np.asarray(skill, dtype=float), schedule, check_utility(utility))
    return {
        **out.welfare(),
        "mean_labour": float(out.labour.mean()),
        "share_zero_hours": float((out.labour == 0).mean()),
        "revenue_per_worker": float(out.tax.mean()),
        "mean_pre_tax_income": float(out.pre_tax_income.mean()),
    }


def flat_rate_curves(skill: ArrayLike, utilities: Mapping[str, UtilityParams] | None = None,
                     rates: Sequence[float] | None = None) -> pd.DataFrame:
    """Long table (utility, rate, metric, value) of every metric along flat tax rates.

    ``utilities`` maps labels (the ``utility`` column) to parameters; default the ``paper`` and
    ``calibrated`` presets.
    """
    grid = np.round(np.linspace(0.0, 1.0, 41), 4) if rates is None else np.asarray(rates, float)
    if utilities is None:
        utilities = {"paper": PAPER_UTILITY, "calibrated": CALIBRATED_UTILITY}
    rows = []
    for label, params in check_utilities(utilities).items():
        for rate in grid:
            metrics = evaluate_schedule(skill, TaxSchedule.flat(float(rate)), params)
            rows += [(label, float(rate), k, v) for k, v in metrics.items()]
    return pd.DataFrame(rows, columns=["utility", "rate", "metric", "value"])


def argmax_rates(curves: pd.DataFrame, metrics: Iterable[str]) -> pd.DataFrame:
    """The flat rate that maximises each metric, per utility preset (ties: lowest rate)."""
    rows = []
    for (utility, metric), grp in curves[curves.metric.isin(list(metrics))].groupby(
            ["utility", "metric"], sort=False):
        best = grp.loc[grp["value"].idxmax()]
        rows.append((utility, metric, float(best.rate), float(best.value)))
    return pd.DataFrame(rows, columns=["utility", "metric", "best_flat_rate", "value"])


@dataclass(frozen=True)
class SaezFixedPoint:
    """Result of :func:`saez_fixed_point`: the rates and how the iteration ended."""

    rates: np.ndarray
    rounds: int           # rounds computed (Saez rates evaluated)
    last_change: float    # max |Δ rate| of the last round (fractions)
    converged: bool       # last_change < tol before max_iter rounds were used up


class SaezConvergenceWarning(RuntimeWarning):
    """The Saez fixed point stopped at ``max_iter`` without settling (often a 2-cycle)."""


def saez_fixed_point(skill: ArrayLike, cutoffs: ArrayLike, utility: UtilityParams,
                     elasticity: float | str | Sequence[float], max_iter: int = 50,
                     tol: float = 1e-6, objective: str | None = None, mode: str = "proper",
                     damping: float = 1.0) -> SaezFixedPoint:
    """Saez rates evaluated on the incomes they themselves induce (rational workers).

    ``objective`` (a welfare function's name) gives the welfare weights: its social marginal
    weights at each iterate's outcome (:func:`econsim.baselines.welfare_weights.social_weights`);
    ``None`` keeps Saez's default inverse-income weights. ``mode`` is the Saez mode
    (:data:`econsim.baselines.saez.SAEZ_MODES`). ``damping`` in (0, 1] moves each round only
    that far towards the new Saez rates (1: all the way, the default); a smaller step settles
    maps that jump between two schedules.

    Starts from 50 % in every bracket; each round computes rational incomes under the current
    rates and the Saez rates on those incomes, until the largest change of a rate in one round
    falls below ``tol`` (or ``max_iter`` rounds). Menu best responses make incomes jump, so the
    map can cycle between two schedules: then the result says ``converged=False``, holds the last
    iterate and the size of its last change, and a :class:`SaezConvergenceWarning` is issued.
    """
    s = np.asarray(skill, dtype=float)
    params = check_utility(utility)
    check_positive_int(max_iter, "max_iter")
    tol = check_range(tol, "tol", 0.0, np.inf, low_open=True, high_open=True)
    step = check_range(damping, "damping", 0.0, 1.0, low_open=True)
    rates = np.full(np.size(cutoffs), 0.5)
    change = np.inf
    for i in range(1, max_iter + 1):
        out = rational_step(s, TaxSchedule(cutoffs, rates), params)
        weights = None if objective is None else social_weights(
            objective, out.utility, out.pre_tax_income, out.post_tax_income)
        new = saez_rates(cutoffs, income=out.pre_tax_income, elasticity=elasticity,
                         weights=weights, mode=mode)
        change = float(np.max(np.abs(new - rates)))
        if change < tol:
            return SaezFixedPoint(new, i, change, True)
        rates = new if step == 1.0 else rates + step * (new - rates)
    warnings.warn(f"Saez fixed point did not converge in {max_iter} rounds (elasticity "
                  f"{elasticity!r}, utility c = {params.c:g}, δ = {params.delta:g}): last change {100 * change:.3g} pp; "
                  "returning the last iterate", SaezConvergenceWarning, stacklevel=2)
    return SaezFixedPoint(rates, max_iter, change, False)


def baseline_schedules(skill: ArrayLike, brackets: TaxPreset = US_FEDERAL_2024,
                       utility: UtilityParams = PAPER_UTILITY, objective: str = "paper_swf",
                       elasticities: Sequence[float | str] = ("flat_0.4", "gruber_saez",
                                                              "ai_economist_3.0"),
                       seed: int = 42) -> dict[str, TaxSchedule]:
    """The baseline schedules on one preset's brackets, by label.

    ``brackets`` is a :class:`~econsim.economy.tax.TaxPreset` (``TAX_PRESETS.get(name)``), not a
    name. US federal (a preset with statutory rates, i.e. the 7-bracket one), Saez ``proper`` at each elasticity (the fixed point on
    rational incomes), Saez ``v1`` at each elasticity (skills × 100 at bracket midpoints), and the
    Stackelberg optimum of ``objective``.
    """
    s = np.asarray(skill, dtype=float)
    check_resolved(brackets, TaxPreset, "brackets", f"TAX_PRESETS.get({brackets!r})")
    check_utility(utility)
    cut = bracket_edges(brackets, "brackets")
    out: dict[str, TaxSchedule] = {}
    if brackets.statutory_rates is not None:
        out["US federal 2024"] = TaxSchedule.preset(brackets)
    for e in elasticities:
        out[f"Saez e={e}"] = TaxSchedule(cut, saez_fixed_point(s, cut, utility, e).rates)
        out[f"Saez v1 e={e}"] = TaxSchedule(cut, saez_rates(cut, skill=s, elasticity=e,
                                                             mode="v1"))
    opt = stackelberg(s, cut, utility, objective=objective, seed=seed)
    out[f"Stackelberg ({objective})"] = opt.schedule
    return out


def schedules_table(schedules: dict[str, TaxSchedule], **labels: str) -> pd.DataFrame:
    """Long table (labels…, schedule, bracket, lower_edge, rate) of a set of schedules."""
    rows = [(*labels.values(), name, k, float(sch.cutoffs[k]), float(sch.rates[k]))
            for name, sch in schedules.items() for k in range(sch.n_brackets)]
    return pd.DataFrame(rows, columns=[*labels, "schedule", "bracket", "lower_edge", "rate"])


def schedules_welfare(skill: ArrayLike, schedules: dict[str, TaxSchedule],
                      params: UtilityParams, **labels: str) -> pd.DataFrame:
    """Long table (labels…, schedule, metric, value) of every metric per schedule.

    ``params`` are the workers' labour-cost parameters; ``labels`` become leading columns (e.g.
    ``utility="paper", tax_preset="three"``).
    """
    rows = [(*labels.values(), name, metric, value)
            for name, sch in schedules.items()
            for metric, value in evaluate_schedule(skill, sch, params).items()]
    return pd.DataFrame(rows, columns=[*labels, "schedule", "metric", "value"])


def baseline_tables(skill: ArrayLike, tax_presets: Mapping[str, TaxPreset],
                    utilities: Mapping[str, UtilityParams], elasticities: Sequence[float | str],
                    objective: str = "paper_swf", seed: int = 42
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Schedules (rates per bracket) and their welfare for every preset × utility.

    ``tax_presets`` and ``utilities`` map labels (the ``tax_preset`` and ``utility`` columns) to
    the resolved objects, e.g. ``{n: TAX_PRESETS.get(n) for n in names}``.
    Returns ``(schedules, welfare)`` long tables with ``tax_preset`` and ``utility`` columns.
    """
    if not isinstance(tax_presets, Mapping):
        raise TypeError("tax_presets must map labels to TaxPreset objects, e.g. "
                        "{n: TAX_PRESETS.get(n) for n in ['flat', 'three']}; got "
                        f"{type(tax_presets).__name__}")
    params = check_utilities(utilities)
    schedules, welfare = [], []
    for preset, brackets in tax_presets.items():
        for utility, p in params.items():
            found = baseline_schedules(skill, brackets, p, objective, elasticities, seed)
            schedules.append(schedules_table(found, tax_preset=preset, utility=utility))
            welfare.append(schedules_welfare(skill, found, p, utility=utility,
                                             tax_preset=preset))
    return pd.concat(schedules, ignore_index=True), pd.concat(welfare, ignore_index=True)


def best_schedules(welfare: pd.DataFrame, metrics: Iterable[str]) -> pd.DataFrame:
    """Which schedule scores highest under each metric, per preset and utility."""
    sub = welfare[welfare.metric.isin(list(metrics))]
    idx = sub.groupby(["tax_preset", "utility", "metric"], sort=False)["value"].idxmax()
    return sub.loc[idx, ["tax_preset", "utility", "metric", "schedule", "value"]].reset_index(
        drop=True)
