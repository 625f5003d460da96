"""Analysis of simulation runs for the experiment notebooks (02–09).

Small functions from the tidy tables of :class:`~econsim.simulation.SimResult` to the tidy tables
the figures plot, in modules by topic: :mod:`runs` (sets of runs that differ in a few settings,
tax-year means, final rates), :mod:`behaviour` (labour against the exact best response,
re-adaptation after a rate change, incomes by bracket, the exact rational-worker baselines),
:mod:`democracy` (leader turnover, coalition utilities, the exact democratic game),
:mod:`estimate` (calls, tokens, USD and hours of a configuration before it runs:
``estimate_run(config)``),
:mod:`reliability` (the LLM layer's failures, tokens and cost), :mod:`elasticity` and
:mod:`references` (the small-N check), :mod:`readaptation` (the labour response lag as the
share of a best response's move still to close), :mod:`uncertainty` (paired per-seed statistics, 95 %
intervals, the decision rule, seeds needed) and :mod:`claim_registry` (claims-table rows from
the rules declared in ``notebooks/claims.yaml``). Rates are fractions; only labels use percent.
"""

from econsim.analysis.behaviour import (
    RANDOM_NONNEGATIVE_SHARE,
    adaptation_curve,
    adaptation_lag,
    best_response_columns,
    best_response_share,
    bracket_shares,
    delta_ratchet,
    exact_baselines,
    mean_over_seeds,
    rational_baselines,
)
from econsim.analysis.claim_registry import claims_frame, evaluate_claim, exact_claim
from econsim.analysis.democracy import (
    coalition_utility,
    exact_majority_exploitation,
    group_utility_by_seed,
    income_group_utility,
    leader_turnover,
    turnover_summary,
)
from econsim.analysis.elasticity import bracket_elasticities, elasticity_curve, saez_by_elasticity
from econsim.analysis.estimate import check_budget, estimate_many
from econsim.analysis.estimate import estimate as estimate_run  # not to hide the module
from econsim.analysis.readaptation import readaptation_curve, readaptation_lag
from econsim.analysis.references import learned_vs_exact, rational_welfare, small_n_check
from econsim.analysis.reliability import reliability_table, reply_validity
from econsim.analysis.runs import (
    PLANNER_LABELS,
    RunSet,
    final_metrics,
    final_rates,
    last_years,
    rate_columns,
    run_variants,
    schedule_rates,
    tax_year_means,
)
from econsim.analysis.uncertainty import check_paired, mean_interval, per_seed_table

__all__ = [
    "PLANNER_LABELS",
    "RunSet",
    "adaptation_curve",
    "adaptation_lag",
    "best_response_columns",
    "RANDOM_NONNEGATIVE_SHARE",
    "best_response_share",
    "bracket_elasticities",
    "bracket_shares",
    "check_paired",
    "claims_frame",
    "coalition_utility",
    "elasticity_curve",
    "estimate_many",
    "estimate_run",
    "check_budget",
    "evaluate_claim",
    "exact_claim",
    "delta_ratchet",
    "exact_baselines",
    "exact_majority_exploitation",
    "final_metrics",
    "final_rates",
    "group_utility_by_seed",
    "income_group_utility",
    "last_years",
    "learned_vs_exact",
    "mean_interval",
    "readaptation_curve",
    "readaptation_lag",
    "leader_turnover",
    "mean_over_seeds",
    "per_seed_table",
    "rate_columns",
    "rational_baselines",
    "rational_welfare",
    "reliability_table",
    "reply_validity",
    "run_variants",
    "saez_by_elasticity",
    "schedule_rates",
    "small_n_check",
    "tax_year_means",
    "turnover_summary",
]
