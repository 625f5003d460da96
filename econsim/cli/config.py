"""``econsim config``: check a configuration and print it resolved, by section, before a run.

Examples::

    econsim config --config base.yaml                  # validated; every key, by section
    econsim config --set n_agents=100 --set worker=rational --flat
    econsim config --schema > econsim-config.schema.json   # for editors (YAML language servers)

A config file may give its keys flat (``n_agents: 100``) or by section (``economy: {n_agents:
100}``); the sections are those of :mod:`econsim.simulation.config_sections`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml

from econsim.cli.sweep import config_values
from econsim.simulation.config import SimConfig, config_schema


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="YAML file of config keys (flat or by "
                        "section)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a config key (repeatable), e.g. --set n_steps=200")
    parser.add_argument("--flat", action="store_true",
                        help="print the keys flat (as `econsim run` flags), not by section")
    parser.add_argument("--schema", action="store_true",
                        help="print the JSON schema of a config file and exit")


def run(args: argparse.Namespace) -> int:
    if args.schema:
        print(json.dumps(config_schema(), indent=2))
        return 0
    cfg = SimConfig.from_dict(config_values(args.config, args.set))  # errors name their key
    print(yaml.safe_dump(cfg.to_dict() if args.flat else cfg.to_nested(), sort_keys=False),
          end="")
    return 0
