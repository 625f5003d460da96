"""The committed form of a notebook, so that the ``.ipynb`` file is its own source.

A notebook saved from JupyterLab carries outputs, execution counts, random cell ids and editor
metadata; committed, those make every save a large diff and every rebuild a different file. The
normal form keeps only what a reader wrote:

* code cells without outputs and with ``execution_count`` null;
* cell ids ``NN-MM`` (notebook number, cell position), so a rebuild is byte-identical;
* cell metadata limited to ``tags`` (the ``parameters`` tag papermill reads) and ``jupyter``
  (hidden inputs), notebook metadata to the kernel name and language;
* nbformat 4.5 JSON, indent 1, UTF-8, one trailing newline — the layout JupyterLab writes.

``python -m econsim.compendium.notebook_format`` rewrites notebooks in place (``make
format-notebooks``); with ``--check`` it only reports the ones not in normal form (``make lint``
and the tests run that).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from econsim.compendium.paths import project_root

KEPT_CELL_METADATA = ("tags", "jupyter")
NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def _source_lines(source: str | list[str]) -> list[str]:
    text = "".join(source) if isinstance(source, list) else source
    return text.splitlines(keepends=True)


def normal_form(notebook: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Return ``notebook`` (nbformat 4 as a dict) in the committed normal form.

    ``prefix`` is the notebook's number (``"02"`` for ``02_rational_icrl.ipynb``); cell ``i`` gets
    the id ``f"{prefix}-{i:02d}"``.
    """
    cells = []
    for i, cell in enumerate(notebook.get("cells", [])):
        kind = cell["cell_type"]
        meta = {k: cell.get("metadata", {})[k] for k in KEPT_CELL_METADATA
                if k in cell.get("metadata", {})}
        out: dict[str, Any] = {"cell_type": kind}
        if kind == "code":
            out["execution_count"] = None
        out["id"] = f"{prefix}-{i:02d}"
        out["metadata"] = meta
        if kind == "code":
            out["outputs"] = []
        out["source"] = _source_lines(cell.get("source", ""))
        cells.append(out)
    return {"cells": cells, "metadata": NOTEBOOK_METADATA, "nbformat": 4, "nbformat_minor": 5}


def render(notebook: dict[str, Any]) -> str:
    """The file text of a notebook dict (JupyterLab's layout: indent 1, UTF-8, final newline)."""
    return json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def normalise_file(path: Path, *, check: bool) -> bool:
    """Normalise one notebook file; return True if it was already in normal form.

    With ``check`` the file is never written.
    """
    text = path.read_text(encoding="utf-8")
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not a notebook (invalid JSON: {err})") from err
    wanted = render(normal_form(notebook, path.name[:2]))
    if text == wanted:
        return True
    if not check:
        path.write_text(wanted, encoding="utf-8")
    return False


def committed_notebooks(root: Path | None = None) -> list[Path]:
    """The numbered notebooks under ``notebooks/`` and the served app shipped in the package
    (``econsim/classroom/*.ipynb``)."""
    base = root or project_root()
    return (sorted((base / "notebooks").glob("[0-9][0-9]_*.ipynb"))
            + sorted((base / "econsim" / "classroom").glob("*.ipynb")))


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m econsim.compendium.notebook_format",
        description="Put notebooks in their committed normal form (no outputs, ids NN-MM).")
    parser.add_argument("paths", nargs="*", type=Path,
                        help="notebooks (default: every notebooks/NN_*.ipynb)")
    parser.add_argument("--check", action="store_true",
                        help="only report notebooks that are not in normal form (exit 1)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    paths = args.paths or committed_notebooks()
    bad = [p for p in paths if not normalise_file(p, check=args.check)]
    for path in bad:
        verb = "is not in normal form; run `make format-notebooks`" if args.check else "normalised"
        print(f"{path}: {verb}", file=sys.stderr)
    return 1 if (bad and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
