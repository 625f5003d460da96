"""``econsim estimate``: what a run (or a sweep) will cost before it runs; ``--check`` compares a
finished run folder's calls and tokens with the estimate of its configuration.

Takes the flags and ``--config`` of ``econsim run``; ``--grid``/``--seeds`` as ``econsim sweep``
(the totals of every run). Examples::

    econsim estimate --scenario bounded --n-agents 100 --backend openai/gpt-4o-mini
    econsim estimate --config base.yaml --grid n_agents=10,100 --seeds 0-7
    econsim estimate --check results/runs/bounded_llm_llm_seed42
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from econsim.analysis.estimate import check_run, print_estimate
from econsim.cli import run as run_cli
from econsim.cli.sweep import _key_values, _value, parse_seeds
from econsim.simulation import SimConfig
from econsim.simulation.sweep import expand_grid


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", type=Path, metavar="RUN_FOLDER",
                        help="compare a finished run's calls and tokens with its estimate")
    parser.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...",
                        help="as econsim sweep: the totals over the grid x seeds")
    parser.add_argument("--seeds", default=None, help="as econsim sweep: 1,2,3 or 0-7")
    parser.add_argument("--json", action="store_true", help="print the estimate as JSON")
    parser.add_argument("--table", action="store_true",
                        help="the table of every LLM notebook x model (README)")
    parser.add_argument("--models", default=None, metavar="B1,B2,...",
                        help="--table: backends to price (default: a few hosted and local)")
    parser.add_argument("--profile", default="full", help="--table: notebook profile "
                        "(notebooks/profiles.yaml; default full: the paper's sizes)")
    parser.add_argument("--write", type=Path, metavar="FILE",
                        help="--table: replace the table between the estimate-table markers of "
                        "FILE (e.g. README.md) instead of printing it")
    run_cli.add_arguments(parser)


def configs_of(args: argparse.Namespace) -> list[SimConfig]:
    """The configuration(s) the flags describe (one, or a grid × seeds)."""
    base = run_cli._config(args)
    if not args.grid and args.seeds is None:
        return [base]
    grid = {}
    for item in args.grid:
        key, text = _key_values(item, "--grid")
        sep = ";" if ";" in text else ","
        grid[key] = [_value(key, v) for v in text.split(sep) if v.strip()]
    seeds = parse_seeds(args.seeds) if args.seeds is not None else [base.seed]
    return [r.config for r in expand_grid(base, grid, seeds)]


def table(args: argparse.Namespace) -> int:
    """Print or write the notebooks' table."""
    from econsim.analysis.notebook_costs import TABLE_MODELS, markdown_table, write_table
    from econsim.llm.backends import check_backend_spec

    models = tuple(m.strip() for m in args.models.split(",") if m.strip()) if args.models \
        else TABLE_MODELS
    for m in models:
        try:
            check_backend_spec(m)
        except ValueError as err:
            raise ValueError(f"argument --models: {err}") from None
    text = markdown_table(models, args.profile)
    if args.write is not None:
        write_table(args.write, text)
        print(f"table written to {args.write}")
    else:
        print(text)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.table:
        return table(args)
    if args.check is not None:
        report = check_run(args.check)
        if args.json:
            print(json.dumps(report, indent=1, default=float))
        else:
            for name, row in report["checks"].items():
                mark = "inside" if row["inside"] else "OUTSIDE"
                print(f"{name:28s} actual {row['actual']:>14,.0f}  estimate {row['low']:,.0f}–"
                      f"{row['high']:,.0f}  {mark}")
        return 0 if report["inside"] else 1
    if args.resume is not None:
        raise ValueError("argument --resume: econsim estimate takes a configuration; use "
                         "--check RUN_FOLDER for a finished run")
    print_estimate(configs_of(args), args.json)
    return 0
