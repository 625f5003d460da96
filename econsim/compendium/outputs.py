"""What a notebook writes, declared once: tables, figures with sidecars, and the manifest.

A notebook creates one :class:`Outputs` from its name and its namespace, right after its imports::

    out = Outputs("02_rational_icrl", globals())
    out.table("runs.csv", runs.runs_table())                  # results/02_rational_icrl/runs.csv
    out.figure(fig, "02_swf_over_time")                       # figures/02_swf_over_time.{png,pdf,json}
    out.finish(backend=backend)                               # results/02_rational_icrl/manifest.json

The parameters are the names of the notebook's cell tagged ``parameters`` (read from
``notebooks/<name>.ipynb``), with the values they have in the namespace, so papermill's overrides
are recorded and nothing is typed twice. ``results_dir`` and ``figures_dir`` say where files go;
they are not part of the recorded configuration (where a file lands does not change it).

Every figure gets a small sidecar ``<figures_dir>/<stem>.json`` that is committed with it: the
notebook, the commit, whether the code that makes results
(:data:`~econsim.compendium.provenance.CODE_PATHS`) differed from that commit, the SHA-256 of the
parameters and the figure's files. It holds nothing that changes between two runs of one commit
(no time, no machine, no absolute path), so a rerun at the same commit rewrites it byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from econsim.compendium.figure_files import save_figure
from econsim.compendium.notebook_runner import notebook_parameters
from econsim.compendium.paths import output_dir, project_root
from econsim.compendium.provenance import code_state, jsonable, write_manifest

#: Parameters that say where outputs go; left out of the recorded configuration and its hash.
LOCATION_PARAMETERS = ("results_dir", "figures_dir")


def parameters_hash(config: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of ``config`` as canonical JSON: keys sorted, no spaces, ASCII only.

    The same hash of a manifest's ``config`` ties a figure's sidecar to the manifest of its run.
    """
    text = json.dumps(jsonable(dict(config)), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


class Outputs:
    """The files one notebook run writes, recorded as they are written.

    Parameters
    ----------
    notebook
        The notebook's file stem, e.g. ``"02_rational_icrl"``; its parameters cell is read from
        ``<root>/notebooks/<notebook>.ipynb``.
    namespace
        Where the parameters' current values are (a notebook passes ``globals()``).
    root
        Project root (default: found from the working directory).
    """

    def __init__(self, notebook: str, namespace: Mapping[str, Any], *,
                 root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else project_root()
        self.source = self.root / "notebooks" / f"{notebook}.ipynb"
        if not self.source.is_file():
            raise ValueError(f"notebook {notebook!r}: no {self.source} (give the notebook's file "
                             "stem, e.g. '02_rational_icrl')")
        names = list(notebook_parameters(self.source))
        missing = [n for n in dict.fromkeys([*names, *LOCATION_PARAMETERS]) if n not in namespace]
        if missing:
            raise ValueError(f"notebook {notebook!r}: parameter(s) {missing} are not defined in "
                             "the namespace given (pass globals() after the parameters cell)")
        self.notebook = notebook
        self.parameters = {n: namespace[n] for n in names}
        self.config = {k: v for k, v in self.parameters.items() if k not in LOCATION_PARAMETERS}
        self.results = output_dir(namespace["results_dir"])
        self.figures_dir = output_dir(namespace["figures_dir"])
        self.started = time.time()
        self.written: list[str | Path] = []
        self._code: dict[str, Any] | None = None

    def table(self, name: str, frame: pd.DataFrame, *, index: bool = False,
              **to_csv: Any) -> None:
        """Write ``frame`` to ``<results>/<name>`` with ``frame.to_csv(path, index=index,
        **to_csv)`` (e.g. ``float_format="%.8g"``) and record it. Returns nothing, so a
        notebook cell ending with it shows no path (the paths are in :attr:`written`)."""
        if not name.endswith(".csv") or Path(name).name != name:
            raise ValueError(f"table name must be a file name ending in .csv; got {name!r}")
        path = self.results / name
        frame.to_csv(path, index=index, **to_csv)
        self.written.append(name)

    def record(self, *names: str) -> None:
        """Record files the notebook wrote into its results folder by other means (paths relative
        to it, e.g. ``"population/agents.parquet"``)."""
        for name in names:
            if not (self.results / name).exists():
                raise ValueError(f"record: {name!r} does not exist in {self.results}")
            self.written.append(name)

    def figure(self, fig: Figure, stem: str, *, close: bool = False) -> None:
        """Save ``fig`` as ``<figures_dir>/<stem>.png`` and ``.pdf`` (deterministically, see
        :func:`~econsim.compendium.figure_files.save_figure`) with its sidecar ``<stem>.json``
        and record the three files (in :attr:`written`)."""
        paths = save_figure(fig, stem, self.figures_dir, close=close)
        sidecar = self.figures_dir / f"{stem}.json"
        sidecar.write_text(json.dumps(self.sidecar(stem, paths), indent=2, sort_keys=True) + "\n")
        self.written += [*paths, sidecar]

    def sidecar(self, stem: str, files: list[Path]) -> dict[str, Any]:
        """The sidecar record of figure ``stem`` (see the module docstring)."""
        if self._code is None:  # once per run: the code does not change while a notebook runs
            self._code = code_state(self.root)
        return {"figure": stem, "notebook": f"notebooks/{self.notebook}.ipynb",
                "commit": self._code["commit"], "code_dirty": self._code["code_dirty"],
                "parameters_sha256": parameters_hash(self.config),
                "files": sorted(p.name for p in files)}

    def finish(self, **extra: Any) -> Path:
        """Write ``<results>/manifest.json`` (:func:`~econsim.compendium.provenance.write_manifest`)
        listing everything recorded so far; ``extra`` adds keys (e.g. ``backend=...``). Calling it
        again rewrites the manifest with the outputs recorded since."""
        return write_manifest(self.results, experiment=self.notebook, config=self.config,
                              outputs=[str(o) for o in self.written], started=self.started,
                              parameters_sha256=parameters_hash(self.config), **extra)
