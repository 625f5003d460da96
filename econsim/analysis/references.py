"""The small-N (backward induction) and rational-welfare references of the claims."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from econsim.baselines.landscape import evaluate_schedule
from econsim.economy.best_response import best_response_menu
from econsim.economy.tax import TaxPreset, TaxSchedule, bracket_edges
from econsim.economy.utility import UtilityParams, check_utility

Array = NDArray[np.float64]


def small_n_check(skill: ArrayLike, brackets: TaxPreset | ArrayLike, utility: UtilityParams,
                  objective: str, rate_values: Sequence[float]
                  ) -> tuple[dict[str, TaxSchedule], pd.DataFrame]:
    """The paper's small-N validation: backward induction over the game tree (a few workers,
    a coarse rate lattice) against :func:`econsim.baselines.stackelberg.stackelberg` on the same lattice.

    ``brackets`` and ``utility`` are objects (``TAX_PRESETS.get(name)``,
    ``UTILITY_PRESETS.get(name)``). Returns the two schedules by label and a table (schedule,
    rates, welfare, hours).
    """
    from econsim.baselines.backward_induction import backward_induction
    from econsim.baselines.stackelberg import stackelberg

    s = np.asarray(skill, dtype=float)
    cut = bracket_edges(brackets, "brackets")
    params = check_utility(utility)
    bi_rates, bi_value, bi_hours = backward_induction(s, cut, params, rate_values, objective)
    st = stackelberg(s, cut, params, objective=objective, method="lattice",
                     grid=np.asarray(rate_values, dtype=float))
    st_hours = best_response_menu(s, st.schedule, params)
    found = {"Backward induction (game tree)": TaxSchedule(cut, bi_rates),
             "Stackelberg search (lattice)": st.schedule}
    table = pd.DataFrame([
        {"schedule": "Backward induction (game tree)", "rates": list(bi_rates),
         "welfare": bi_value, "hours": list(bi_hours)},
        {"schedule": "Stackelberg search (lattice)", "rates": st.rates.tolist(),
         "welfare": st.welfare, "hours": st_hours.tolist()}])
    return found, table


def rational_welfare(skill: ArrayLike, brackets: TaxPreset | ArrayLike, rates: Sequence[float],
                     utility: UtilityParams) -> dict[str, float]:
    """Every welfare metric when rational workers face ``rates`` on ``brackets`` (a
    :class:`~econsim.economy.tax.TaxPreset` or edges) with exact best responses."""
    cut = bracket_edges(brackets, "brackets")
    return evaluate_schedule(skill, TaxSchedule(cut, np.asarray(rates, dtype=float)), utility)


def learned_vs_exact(final: pd.DataFrame, exact: pd.DataFrame,
                     skills: Mapping[int, ArrayLike], *, model: str, nulls: Sequence[str],
                     brackets: TaxPreset | ArrayLike, utility: UtilityParams, objective: str,
                     second_metric: str,
                     group: str = "model") -> pd.DataFrame:
    """Per seed, welfare of rational workers under the rates a planner learned, beside the exact
    schedules on the same population (``brackets``, ``utility``: resolved objects).

    For seed ``s`` with population ``skills[s]``: ``llm`` is
    ``rational_welfare(skills[s], rates)[objective]`` with ``rates`` the final rates of
    ``final[group] == model`` (one row per bracket, e.g. from :func:`~econsim.analysis.final_rates`
    ``by=[group, "seed"]``); each name in ``nulls`` the same for that group's rates; ``saez`` and
    ``stackelberg`` are ``objective`` of the first ``Saez…`` schedule and of ``"Stackelberg
    optimum"`` in ``exact`` (the metrics table of :func:`~econsim.analysis.exact_baselines`);
    ``llm_second`` and ``saez_second`` the same for ``second_metric``. Returns one row per seed,
    indexed by ``seed``, columns ``llm, saez, *nulls, stackelberg, llm_second, saez_second``.
    """
    saez = next((name for name in exact.schedule.unique() if name.startswith("Saez")), None)
    if saez is None:
        raise ValueError("exact has no Saez schedule; expected the metrics of exact_baselines")

    rows = []
    for s, skill in skills.items():
        welfare = {name: rational_welfare(skill, brackets, _rates_of(final, group, name, s),
                                          utility) for name in [model, *nulls]}
        ref = exact[exact.seed == s].set_index(["schedule", "metric"]).value
        rows.append({"seed": s, "llm": welfare[model][objective], "saez": ref[(saez, objective)],
                     **{name: welfare[name][objective] for name in nulls},
                     "stackelberg": ref[("Stackelberg optimum", objective)],
                     "llm_second": welfare[model][second_metric],
                     "saez_second": ref[(saez, second_metric)]})
    return pd.DataFrame(rows).set_index("seed")


def _rates_of(final: pd.DataFrame, group: str, name: str, seed: int) -> list[float]:
    """The final rate per bracket (in bracket order) of one run."""
    rows = final[(final[group] == name) & (final.seed == seed)]
    if rows.empty:
        raise ValueError(f"no final rates for {group} {name!r}, seed {seed}")
    return rows.sort_values("bracket").rate.tolist()
