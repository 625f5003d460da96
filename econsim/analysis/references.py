"""The small-N (backward induction) and rational-welfare references of the claims."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from econsim.baselines.landscape import evaluate_schedule
from econsim.economy.best_response import best_response_menu
from econsim.economy.tax import TAX_PRESETS, TaxSchedule
from econsim.economy.utility import get_utility

Array = NDArray[np.float64]


def small_n_check(skill: ArrayLike, tax_preset: str, utility: str, objective: str,
                  rate_values: Sequence[float]) -> tuple[dict[str, TaxSchedule], pd.DataFrame]:
    """The paper's small-N validation: backward induction over the game tree (a few workers,
    a coarse rate lattice) against :func:`econsim.baselines.stackelberg.stackelberg` on the same lattice.

    Returns the two schedules by label and a table (schedule, rates, welfare, hours).
    """
    from econsim.baselines.backward_induction import backward_induction
    from econsim.baselines.stackelberg import stackelberg

    s = np.asarray(skill, dtype=float)
    cut = np.asarray(TAX_PRESETS.get(tax_preset).cutoffs, dtype=float)
    bi_rates, bi_value, bi_hours = backward_induction(s, cut, utility, rate_values, objective)
    st = stackelberg(s, cut, utility, objective=objective, method="lattice",
                     grid=np.asarray(rate_values, dtype=float))
    st_hours = best_response_menu(s, st.schedule, get_utility(utility))
    found = {"Backward induction (game tree)": TaxSchedule(cut, bi_rates),
             "Stackelberg search (lattice)": st.schedule}
    table = pd.DataFrame([
        {"schedule": "Backward induction (game tree)", "rates": list(bi_rates),
         "welfare": bi_value, "hours": list(bi_hours)},
        {"schedule": "Stackelberg search (lattice)", "rates": st.rates.tolist(),
         "welfare": st.welfare, "hours": st_hours.tolist()}])
    return found, table


def rational_welfare(skill: ArrayLike, tax_preset: str, rates: Sequence[float], utility: str
                     ) -> dict[str, float]:
    """Every welfare metric when rational workers face ``rates`` (exact best responses)."""
    cut = np.asarray(TAX_PRESETS.get(tax_preset).cutoffs, dtype=float)
    return evaluate_schedule(skill, TaxSchedule(cut, np.asarray(rates, dtype=float)), utility)
