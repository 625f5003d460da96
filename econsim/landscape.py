"""The policy landscape with rational workers (notebook 01, ``econsim baselines``).

Tidy tables of welfare along flat rates and of baseline schedules (US federal, Saez, Stackelberg),
all computed exactly: every worker plays its best response on the labour menu.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from econsim.outcomes import rational_step
from econsim.tax import TaxSchedule
from econsim.utility import get_utility


def evaluate_schedule(skill: ArrayLike, schedule: TaxSchedule, utility: str) -> dict[str, float]:
    """Every welfare metric, mean hours, revenue per worker and the rebate under ``schedule``."""
    out = rational_step(np.asarray(skill, dtype=float), schedule, get_utility(utility))
    return {
        **out.welfare(),
        "mean_labour": float(out.labour.mean()),
        "share_zero_hours": float((out.labour == 0).mean()),
        "revenue_per_worker": float(out.tax.mean()),
        "mean_pre_tax_income": float(out.pre_tax_income.mean()),
    }


def flat_rate_curves(skill: ArrayLike, utilities: Iterable[str] = ("paper", "calibrated"),
                     rates: Sequence[float] | None = None) -> pd.DataFrame:
    """Long table (utility, rate, metric, value) of every metric along flat tax rates."""
    grid = np.round(np.linspace(0.0, 1.0, 41), 4) if rates is None else np.asarray(rates, float)
    rows = []
    for utility in utilities:
        for rate in grid:
            metrics = evaluate_schedule(skill, TaxSchedule.flat(float(rate)), utility)
            rows += [(utility, float(rate), k, v) for k, v in metrics.items()]
    return pd.DataFrame(rows, columns=["utility", "rate", "metric", "value"])


def argmax_rates(curves: pd.DataFrame, metrics: Iterable[str]) -> pd.DataFrame:
    """The flat rate that maximises each metric, per utility preset (ties: lowest rate)."""
    rows = []
    for (utility, metric), grp in curves[curves.metric.isin(list(metrics))].groupby(
            ["utility", "metric"], sort=False):
        best = grp.loc[grp["value"].idxmax()]
        rows.append((utility, metric, float(best.rate), float(best.value)))
    return pd.DataFrame(rows, columns=["utility", "metric", "best_flat_rate", "value"])
