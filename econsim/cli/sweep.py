"""``econsim sweep``: a grid of configurations × seeds on Dask distributed (docs/scale.md).

Examples::

    econsim sweep --grid planner=saez,llm --grid n_agents=10,100 --seeds 1,2,3 \\
        --set n_steps=200 --out results/sweeps/planners
    econsim sweep --config base.yaml --seeds 0-7 --workers 2 --out results/sweeps/seeds
    econsim sweep --config base.yaml --seeds 0-7 --scheduler tcp://10.0.0.5:8786 --out ...

Grid values are separated by commas (by semicolons when a value itself holds commas, e.g.
``--grid 'fixed_rates=[0.1,0.2];[0.3,0.4]'``) and parsed like ``econsim run`` flags.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from econsim.cli.run import _parse_value
from econsim.renamed import renamed_keys
from econsim.scale.cluster import CONNECT_TIMEOUT_S, SchedulerUnreachable
from econsim.simulation.config import CONFIG_KEYS, SimConfig
from econsim.simulation.sweep import run_sweep


def _key_values(text: str, what: str) -> tuple[str, str]:
    if "=" not in text:
        raise ValueError(f"{what} expects KEY=VALUE; got {text!r}")
    key, value = text.split("=", 1)
    key = key.strip().replace("-", "_")
    key = next(iter(renamed_keys("SimConfig", {key: None})))  # an old name: warned, renamed
    if key not in CONFIG_KEYS:
        raise ValueError(f"{what}: unknown config key {key!r}; valid keys: "
                         f"{', '.join(CONFIG_KEYS)}")
    return key, value


def _value(key: str, text: str) -> Any:
    try:
        return _parse_value(CONFIG_KEYS[key], text.strip())
    except argparse.ArgumentTypeError as err:
        raise ValueError(f"{key}: {err}") from err


def parse_seeds(text: str) -> list[int]:
    """``"1,2,5"`` or ``"0-7"`` (inclusive) or a mix: ``"0-3,10"``."""
    seeds: list[int] = []
    for part in text.split(","):
        part = part.strip()
        try:
            if "-" in part[1:]:
                lo, hi = part.split("-", 1)
                seeds += list(range(int(lo), int(hi) + 1))
            else:
                seeds.append(int(part))
        except ValueError as err:
            raise ValueError(f"--seeds expects integers >= 0 like 1,2,3 or 0-7; got {text!r}"
                             ) from err
    return seeds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="YAML file of the base config keys")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="base config key (repeatable), e.g. --set n_steps=200")
    parser.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...",
                        help="swept key and its values (repeatable; the grid is their product)")
    parser.add_argument("--seeds", default="42", help="seeds: 1,2,3 or 0-7 (default 42)")
    parser.add_argument("--out", type=Path, help="sweep folder (one subfolder per run, plus "
                        "sweep.csv and manifest.json); required unless --dry-run")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="existing Dask scheduler, e.g. tcp://host:8786; 'serial' runs "
                        "in this process; default: a local cluster on 127.0.0.1")
    parser.add_argument("--workers", type=int, default=2, help="local cluster worker "
                        "processes (default 2)")
    parser.add_argument("--timeout", type=float, default=CONNECT_TIMEOUT_S,
                        help=f"seconds to wait for --scheduler (default {CONNECT_TIMEOUT_S:g})")
    parser.add_argument("--force", action="store_true", help="run past the memory guard")
    parser.add_argument("--overwrite", action="store_true", help="replace existing run folders")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the cost estimate of every run (totals) and exit")


def config_values(config: Path | None, sets: list[str]) -> dict[str, Any]:
    """The keys of a ``--config`` file (checked), then each ``--set KEY=VALUE`` over them."""
    values: dict[str, Any] = {}
    if config is not None:
        values.update(SimConfig.from_yaml(config).to_dict())
    for item in sets:
        key, text = _key_values(item, "--set")
        values[key] = _value(key, text)
    return values


def run(args: argparse.Namespace) -> int:
    values = config_values(args.config, args.set)
    grid: dict[str, list[Any]] = {}
    for item in args.grid:
        key, text = _key_values(item, "--grid")
        sep = ";" if ";" in text else ","
        grid[key] = [_value(key, v) for v in text.split(sep) if v.strip()]
    base = SimConfig.from_dict(values)
    if args.dry_run:
        from econsim.analysis.estimate import print_estimate
        from econsim.simulation.sweep import expand_grid

        print_estimate([r.config for r in expand_grid(base, grid, parse_seeds(args.seeds))])
        return 0
    if args.out is None:
        raise ValueError("the following arguments are required: --out (or --dry-run)")
    try:
        res = run_sweep(base, grid, parse_seeds(args.seeds), args.out,
                        scheduler=args.scheduler, n_workers=args.workers,
                        progress=not args.no_progress, force=args.force,
                        overwrite=args.overwrite, timeout=args.timeout)
    except SchedulerUnreachable as err:
        print(f"econsim sweep: error: {err}")
        return 2
    done = len(res.runs) - len(res.failed)
    print(f"{done}/{len(res.runs)} runs complete in {res.wall_time_s:.1f} s -> {res.out_dir}"
          f"/sweep.csv")
    for row in res.failed.itertuples():
        print(f"FAILED {row.name}: {row.error}")
    return 0 if res.ok else 1
