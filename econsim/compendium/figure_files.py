"""Deterministic figure files: PNG and PDF without timestamps or version strings in their metadata,
so drawing a figure again from the same results gives byte-identical files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from econsim.compendium.paths import output_dir

_PNG_META = {"Software": None}
_PDF_META = {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None}


def save_figure(fig: Figure, stem: str, figures_dir: str | Path = "figures",
                formats: Sequence[str] = ("png", "pdf"), close: bool = False) -> list[Path]:
    """Save ``fig`` as ``<figures_dir>/<stem>.<fmt>`` for each format, deterministically;
    ``close=True`` closes it (a notebook then does not show it, e.g. in a solution cell)."""
    folder = output_dir(figures_dir)
    paths = []
    for fmt in formats:
        path = folder / f"{stem}.{fmt}"
        meta = {"png": _PNG_META, "pdf": _PDF_META}.get(fmt)
        fig.savefig(path, format=fmt, metadata=meta)
        paths.append(path)
    if close:
        plt.close(fig)
    return paths
