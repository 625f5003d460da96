"""pyproject.toml and environment.yml list the same packages."""

import re
import tomllib

import yaml

from econsim.compendium.paths import project_root


def _name(spec: str) -> str:
    return re.split(r"[<>=!\[ ;]", spec.strip(), maxsplit=1)[0].lower()


def test_environment_yml_matches_pyproject():
    root = project_root()
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    wanted = {_name(d) for d in project["dependencies"]}
    wanted |= {_name(d) for extra in ("dev", "lab", "classroom") for d in project["optional-dependencies"][extra]}
    env = yaml.safe_load((root / "environment.yml").read_text())
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert wanted == conda
