"""Execute a parameterised notebook with papermill, atomically.

``python -m econsim.compendium.notebook_runner notebooks/01_policy_landscape.ipynb results/notebooks/01.ipynb
--profile quick -p n_agents=500``

The executed copy is written to a temporary name and renamed only when every cell succeeded; a
failed run leaves ``<out>.failed.ipynb`` (for debugging), never a copy that looks complete.
Profiles (``full``, ``quick``) live in ``notebooks/profiles.yaml``: per-notebook parameter
overrides, e.g. smaller populations for the test suite.
"""

from __future__ import annotations

import argparse
import ast
import json
from pathlib import Path
from typing import Any

import yaml

from econsim.compendium.paths import project_path, project_root

PROFILES_FILE = "notebooks/profiles.yaml"


def notebook_parameters(notebook: str | Path) -> dict[str, Any]:
    """Names and default values in the cell tagged ``parameters`` (literals only)."""
    nb = json.loads(Path(notebook).read_text())
    cells = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"{notebook} must have exactly one cell tagged 'parameters'; "
                         f"found {len(cells)}")
    source = "".join(cells[0]["source"])
    params: dict[str, Any] = {}
    for node in ast.parse(source).body:
        target = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        if isinstance(target, ast.Name):
            params[target.id] = ast.literal_eval(value)
    return params


def load_profile(notebook: str | Path, profile: str) -> dict[str, Any]:
    """Parameter overrides of ``profile`` for ``notebook`` (by its file stem)."""
    profiles = yaml.safe_load(project_path(PROFILES_FILE).read_text()) or {}
    valid = sorted({"full"} | {p for spec in profiles.values() for p in (spec or {})})
    if profile not in valid:
        raise ValueError(f"unknown profile {profile!r}; valid: {', '.join(valid)}")
    return dict((profiles.get(Path(notebook).stem) or {}).get(profile) or {})


def check_parameters(notebook: str | Path, parameters: dict[str, Any]) -> None:
    """Refuse parameters the notebook does not declare (papermill would only warn)."""
    declared = notebook_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ValueError(f"{Path(notebook).name} has no parameter(s) {unknown}; "
                         f"declared: {', '.join(declared)}")


#: Seconds one cell may run before the execution fails (the longest offline cell takes about
#: two minutes here); a kernel that stops answering then fails the run instead of hanging it.
CELL_TIMEOUT_S = 1800


def run_notebook(notebook: str | Path, output: str | Path, *, profile: str = "full",
                 parameters: dict[str, Any] | None = None,
                 timeout: int | None = CELL_TIMEOUT_S) -> Path:
    """Execute ``notebook`` into ``output`` with the profile's parameters plus ``parameters``;
    a cell running longer than ``timeout`` seconds fails the run (``None``: no limit)."""
    import papermill as pm

    notebook, output = project_path(notebook), project_path(output)
    params = {**load_profile(notebook, profile), **(parameters or {})}
    check_parameters(notebook, params)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.stem + ".tmp.ipynb")
    failed = output.with_name(output.stem + ".failed.ipynb")
    for stale in (output, failed):
        stale.unlink(missing_ok=True)
    try:
        pm.execute_notebook(str(notebook), str(tmp), parameters=params, kernel_name="python3",
                            cwd=str(project_root()), progress_bar=False,
                            execution_timeout=timeout)
    except BaseException:
        if tmp.exists():
            tmp.replace(failed)
        raise
    tmp.replace(output)
    return output


def _parse_value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m econsim.compendium.notebook_runner",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook")
    parser.add_argument("output")
    parser.add_argument("--profile", default="full", help="full (default) or quick")
    parser.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                        help="override one parameter (Python literal), repeatable")
    parser.add_argument("--cell-timeout", type=int, default=CELL_TIMEOUT_S, metavar="SECONDS",
                        help=f"fail a cell that runs longer (default {CELL_TIMEOUT_S})")
    args = parser.parse_args(argv)
    if args.cell_timeout < 1:
        parser.error(f"--cell-timeout must be >= 1 second; got {args.cell_timeout}")
    overrides = {}
    for item in args.parameter:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"-p expects NAME=VALUE; got {item!r}")
        overrides[name] = _parse_value(value)
    out = run_notebook(args.notebook, args.output, profile=args.profile, parameters=overrides,
                       timeout=args.cell_timeout)
    print(f"executed {args.notebook} -> {out}")


if __name__ == "__main__":
    main()
