"""``econsim baselines``: the baseline schedules for a population, as a table or JSON.

Example::

    econsim baselines --preset us_federal_2024 --n-agents 1000 --utility paper --seed 42 \\
        --elasticity 0.4 --saez-mode both --objective paper_swf --json
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from econsim.baselines.landscape import evaluate_schedule, saez_fixed_point
from econsim.baselines.saez import SAEZ_MODES, saez_rates
from econsim.baselines.stackelberg import stackelberg
from econsim.economy.skills import SKILL_DISTRIBUTIONS, sample_skills
from econsim.economy.tax import TAX_PRESETS, TaxSchedule
from econsim.economy.utility import UTILITY_PRESETS
from econsim.economy.welfare import OBJECTIVES
from econsim.validation import check_positive_int


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preset", default="us_federal_2024",
                        help=f"tax brackets: {', '.join(TAX_PRESETS.names())}")
    parser.add_argument("--n-agents", type=int, default=1000, help="population size")
    parser.add_argument("--utility", default="paper",
                        help=f"utility preset: {', '.join(UTILITY_PRESETS.names())}")
    parser.add_argument("--skills", default="gb2",
                        help=f"skill prior: {', '.join(SKILL_DISTRIBUTIONS.names())}")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--elasticity", default="0.4",
                        help="Saez elasticity: a number, comma-separated per-bracket numbers, "
                             "or a preset (flat_0.4, gruber_saez, ai_economist_3.0)")
    parser.add_argument("--saez-mode", default="proper",
                        help=f"{', '.join(SAEZ_MODES.names())} or both")
    parser.add_argument("--objective", default="paper_swf",
                        help=f"welfare maximised by the Stackelberg reference: {', '.join(OBJECTIVES)}")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _elasticity(text: str) -> float | list[float] | str:
    try:
        values = [float(x) for x in text.split(",")]
    except ValueError:
        return text
    return values[0] if len(values) == 1 else values


def compute(args: argparse.Namespace) -> dict:
    """The schedules and their welfare for the requested population."""
    check_positive_int(args.n_agents, "n_agents")
    modes = list(SAEZ_MODES.names()) if args.saez_mode == "both" else [args.saez_mode]
    for mode in modes:
        SAEZ_MODES.get(mode)
    # the one resolution of the preset names; everything below takes the objects
    preset = TAX_PRESETS.get(args.preset)
    params = UTILITY_PRESETS.get(args.utility)
    cut = np.asarray(preset.cutoffs)
    skill = sample_skills(args.n_agents, np.random.default_rng(args.seed), args.skills)
    e = _elasticity(args.elasticity)
    schedules: dict[str, TaxSchedule] = {}
    fixed_point = None
    if preset.statutory_rates is not None:
        schedules["us_federal"] = TaxSchedule.preset(preset)
    if "proper" in modes:
        fixed_point = saez_fixed_point(skill, cut, params, e)
        schedules["saez"] = TaxSchedule(cut, fixed_point.rates)
    if "v1" in modes:
        schedules["saez_v1"] = TaxSchedule(cut, saez_rates(cut, skill=skill, elasticity=e,
                                                           mode="v1"))
    opt = stackelberg(skill, cut, params, objective=args.objective, seed=args.seed)
    schedules["stackelberg"] = opt.schedule
    return {
        "config": {k: getattr(args, k) for k in ("preset", "n_agents", "utility", "skills",
                                                 "seed", "elasticity", "saez_mode",
                                                 "objective")},
        "brackets": TaxSchedule.preset(preset).labels(),
        "schedules": {name: {"rates": sch.rates.round(6).tolist(),
                             "welfare": {k: round(v, 6) for k, v in
                                         evaluate_schedule(skill, sch, params).items()}}
                      for name, sch in schedules.items()},
        "stackelberg_method": opt.method,
        "saez_fixed_point": None if fixed_point is None else {
            "converged": fixed_point.converged, "rounds": fixed_point.rounds,
            "last_change": float(fixed_point.last_change)},
    }


def run(args: argparse.Namespace) -> int:
    out = compute(args)
    if args.n_agents == 1:  # correct, but looks like a failure without the reason
        print("econsim baselines: warning: with --n-agents 1 nobody is richer or poorer than "
              "anyone, so the Saez schedule is 0 % in every bracket (no redistribution to "
              "gain); use at least 2 workers to see a schedule", file=sys.stderr)
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    names = list(out["schedules"])
    width = max(14, *(len(n) + 2 for n in names))
    print(f"Baseline marginal rates (%), {args.n_agents} workers, '{args.utility}' utility, "
          f"{args.skills} skills, seed {args.seed}, elasticity {args.elasticity}")
    print("bracket".ljust(22) + "".join(n.rjust(width) for n in names))
    for k, label in enumerate(out["brackets"]):
        print(label.ljust(22) + "".join(f"{100 * out['schedules'][n]['rates'][k]:{width}.1f}"
                                        for n in names))
    for metric in (args.objective, "utilitarian", "mean_labour"):
        print(metric.ljust(22) + "".join(
            f"{out['schedules'][n]['welfare'][metric]:{width}.6g}" for n in names))
    print(f"(Stackelberg: {out['stackelberg_method']}; Saez 'proper' is the fixed point on "
          "rational incomes)")
    fp = out["saez_fixed_point"]
    if fp is not None:
        state = "converged" if fp["converged"] else "DID NOT CONVERGE (last iterate shown)"
        print(f"Saez fixed point: {state} after {fp['rounds']} rounds, last change "
              f"{100 * fp['last_change']:.3g} pp")
    return 0
