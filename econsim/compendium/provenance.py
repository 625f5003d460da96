"""Provenance records: what produced a result (config, seeds, code version, packages, time)."""

from __future__ import annotations

import json
import platform
import subprocess
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from econsim import __version__
from econsim.compendium.paths import project_root

_PACKAGES = ("numpy", "scipy", "pandas", "pyarrow", "matplotlib", "pydantic", "openai",
             "anthropic", "papermill")


def git_state(root: Path | None = None) -> dict[str, Any]:
    """Commit hash and dirty flag of the working tree (``None`` outside a git checkout)."""
    cwd = root or project_root()
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                    cwd=cwd, capture_output=True, text=True, timeout=10,
                                    check=True).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


#: What makes results: a change here (committed or not) can change a table or a figure. results/
#: and figures/ are left out: earlier notebooks of the same ``make figures`` run rewrite them.
CODE_PATHS = ("econsim", "notebooks", "pyproject.toml")


def code_state(root: Path | None = None, paths: tuple[str, ...] = CODE_PATHS) -> dict[str, Any]:
    """Commit hash and whether the code that makes results differs from it.

    ``code_dirty`` is true when ``git status`` lists a changed, staged or untracked file under
    ``paths`` (default :data:`CODE_PATHS`); changes elsewhere (results, figures, docs) do not
    count. Both are ``None`` outside a git checkout.
    """
    cwd = root or project_root()
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--", *paths], cwd=cwd,
                                 capture_output=True, text=True, timeout=10,
                                 check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "code_dirty": None}
    return {"commit": commit, "code_dirty": bool(changed)}


def package_versions() -> dict[str, str]:
    out = {"econsim": __version__, "python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def jsonable(value: Any) -> Any:
    """``value`` in plain JSON types: numpy arrays and scalars, tuples and paths converted, dict
    keys made strings."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return value


def write_manifest(folder: str | Path, *, experiment: str, config: dict[str, Any],
                   outputs: list[str | Path] | None = None, started: float | None = None,
                   **extra: Any) -> Path:
    """Write ``manifest.json`` describing how the files in ``folder`` were produced.

    Parameters
    ----------
    folder
        Results folder (created if needed).
    experiment
        Experiment name, e.g. ``"01_policy_landscape"``.
    config
        Every parameter of the run (must not contain secrets: keys come from the environment).
    outputs
        Files written by the run (figures and tables).
    started
        ``time.time()`` at the start of the run, to record wall time.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "experiment": experiment,
        "config": jsonable(config),
        "outputs": sorted(str(o) for o in outputs or []),
        "git": git_state(),
        "packages": package_versions(),
        "machine": {"platform": platform.platform(), "processor": platform.machine()},
        "created_unix": round(time.time(), 3),
        **({"wall_time_s": round(time.time() - started, 3)} if started is not None else {}),
        **jsonable(extra),
    }
    path = folder / "manifest.json"
    tmp = path.with_suffix(".json.tmp")
    try:
        tmp.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
        tmp.replace(path)
    except OSError:  # e.g. a full disk: no half-written manifest is left
        tmp.unlink(missing_ok=True)
        raise
    return path
