"""The student build (``make student``): teaching notebooks without their solutions.

Cells tagged ``solution`` (they compute and save the answers for the lecturer) are removed, every
output is cleared (an executed notebook's outputs could show an answer), and the figures that the
remaining cells save (``out.figure(fig, "NAME", …)``) are copied from ``figures/`` next to the
notebooks — figures drawn in solution cells are not. Usage::

    python -m econsim.compendium.student [NOTEBOOK ...] [--out student]

Without notebooks it builds :data:`TEACHING_NOTEBOOKS`.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path

from econsim.compendium.notebook_format import normal_form, render
from econsim.compendium.paths import project_path

#: Cells with this tag hold solutions.
SOLUTION_TAG = "solution"
#: Notebooks ``make student`` builds by default (the teaching chapters).
TEACHING_NOTEBOOKS = ("notebooks/09_classroom.ipynb", "notebooks/11_saez_derivation.ipynb")
#: ``out.figure(fig, "NAME", …)`` (econsim.compendium.outputs) or ``save_figure(fig, "NAME", …)``.
_SAVED_FIGURE = re.compile(r"(?:\.figure|save_figure)\(\s*\w+\s*,\s*[\"']([\w.-]+)[\"']")


def is_solution(cell: dict) -> bool:
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def student_notebook(nb: dict, prefix: str = "s") -> dict:
    """``nb`` without solution cells and without outputs (in the committed normal form)."""
    kept = [c for c in nb["cells"] if not is_solution(c)]
    return normal_form({**nb, "cells": kept}, prefix)


def figures_shown(nb: dict) -> list[str]:
    """Names of the figures the notebook's non-solution cells save."""
    names: list[str] = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and not is_solution(cell):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) \
                else cell["source"]
            names += _SAVED_FIGURE.findall(source)
    return names


def build(notebooks: list[Path], out: Path, figures: Path) -> list[Path]:
    """Write the student notebooks (and the figures they show) into ``out``; returns the
    files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        if not path.is_file():
            raise ValueError(f"notebook {str(path)!r} not found")
        nb = student_notebook(json.loads(path.read_text()), path.name[:2])
        target = out / path.name
        target.write_text(render(nb))
        written.append(target)
        for name in figures_shown(nb):
            png = figures / f"{name}.png"
            if png.is_file():
                (out / "figures").mkdir(exist_ok=True)
                written.append(Path(shutil.copy(png, out / "figures" / png.name)))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to build (default: teaching)")
    parser.add_argument("--out", default="student", help="output folder (default: student)")
    parser.add_argument("--figures", default="figures", help="where the figures are")
    args = parser.parse_args(argv)
    paths = [project_path(p) for p in (args.notebooks or TEACHING_NOTEBOOKS)]
    for f in build(paths, project_path(args.out), project_path(args.figures)):
        print(f)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
