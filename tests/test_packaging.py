"""environment.yml installs every package pyproject.toml asks for (its pip section: the lock's
pins, the unlocked `lab` extra, and econsim itself)."""

import re
import tomllib

import yaml

from econsim.compendium.lock import normalise
from econsim.compendium.paths import project_root


def _name(spec: str) -> str:
    return normalise(re.split(r"[<>=!\[ ;]", spec.strip(), maxsplit=1)[0])


def test_environment_yml_matches_pyproject():
    root = project_root()
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    wanted = {_name(d) for d in project["dependencies"]}
    wanted |= {_name(d) for extra in ("dev", "lab", "classroom") for d in project["optional-dependencies"][extra]}
    env = yaml.safe_load((root / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
    named = {_name(d) for d in pip if not d.startswith("-")}
    assert wanted <= named
