"""Elasticity of taxable income and the Saez rates it implies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from econsim.baselines.elasticities import empirical_elasticity
from econsim.baselines.landscape import schedules_table
from econsim.baselines.saez import saez_rates
from econsim.economy.best_response import best_response_menu
from econsim.economy.tax import TaxPreset, TaxSchedule, bracket_edges, bracket_index
from econsim.economy.utility import UtilityParams, check_utilities, check_utility
from econsim.validation import check_resolved

Array = NDArray[np.float64]


def elasticity_curve(skill: ArrayLike, utilities: Mapping[str, UtilityParams],
                     rates: Sequence[float], step: float = 0.05) -> pd.DataFrame:
    """Implied elasticity of taxable income of rational workers along flat rates.

    ``utilities`` maps labels (the ``utility`` column) to parameters. Returns a long table
    (utility, rate, elasticity, mean_labour, share_at_cap).
    """
    s = np.asarray(skill, dtype=float)
    rows = []
    for utility, p in check_utilities(utilities).items():
        for rate in rates:
            sch = TaxSchedule.flat(float(rate))
            e = float(empirical_elasticity(s, sch, p, step=step)[0])
            lab = best_response_menu(s, sch, p)
            rows.append((utility, float(rate), e, float(lab.mean()), float((lab >= 100).mean())))
    return pd.DataFrame(rows, columns=["utility", "rate", "elasticity", "mean_labour",
                                       "share_at_cap"])


def bracket_elasticities(skill: ArrayLike, brackets: TaxPreset | ArrayLike,
                         utilities: Mapping[str, UtilityParams],
                         schedules: Mapping[str, Sequence[float]]) -> pd.DataFrame:
    """Per-bracket empirical elasticities under named rate vectors (rational workers).

    ``brackets`` is a :class:`~econsim.economy.tax.TaxPreset` (or edges); ``utilities`` maps
    labels to parameters. Returns a long table (utility, schedule, bracket, lower_edge,
    elasticity, workers).
    """
    s = np.asarray(skill, dtype=float)
    cut = bracket_edges(brackets, "brackets")
    rows = []
    for utility, p in check_utilities(utilities).items():
        for name, rates in schedules.items():
            sch = TaxSchedule(cut, rates)
            e = empirical_elasticity(s, sch, p)
            members = np.bincount(bracket_index(s * best_response_menu(s, sch, p), sch),
                                  minlength=cut.size)
            rows += [(utility, name, k, float(cut[k]), float(e[k]), int(members[k]))
                     for k in range(cut.size)]
    return pd.DataFrame(rows, columns=["utility", "schedule", "bracket", "lower_edge",
                                       "elasticity", "workers"])


def saez_by_elasticity(skill: ArrayLike, brackets: TaxPreset, utility: UtilityParams,
                       elasticities: Mapping[str, float | str | Sequence[float]],
                       empirical_at: Sequence[float] | None = None) -> pd.DataFrame:
    """Saez rates per bracket at several elasticities, each evaluated on the incomes rational
    workers earn under the statutory (or 50 %) rates; with ``empirical_at`` also at the
    per-bracket elasticities measured at that rate vector. ``brackets`` is a
    :class:`~econsim.economy.tax.TaxPreset`, ``utility`` a
    :class:`~econsim.economy.utility.UtilityParams` (resolved once by the caller). Long table
    (schedule, bracket, lower_edge, rate)."""
    s = np.asarray(skill, dtype=float)
    check_resolved(brackets, TaxPreset, "brackets", f"TAX_PRESETS.get({brackets!r})")
    cut = bracket_edges(brackets, "brackets")
    base = np.asarray(brackets.statutory_rates or np.full(cut.size, 0.5), dtype=float)
    p = check_utility(utility)
    income = s * best_response_menu(s, TaxSchedule(cut, base), p)
    out = {f"Saez e={name}": TaxSchedule(cut, saez_rates(cut, income=income, elasticity=e))
           for name, e in elasticities.items()}
    if empirical_at is not None:
        e = empirical_elasticity(s, TaxSchedule(cut, empirical_at), p)
        out["Saez, empirical e"] = TaxSchedule(cut, saez_rates(cut, income=income, elasticity=e))
    return schedules_table(out)
