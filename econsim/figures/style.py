"""One figure style for the compendium, deterministic saving, and provenance labels.

Every figure is saved as PNG and PDF with no timestamps or version strings in their metadata, so
rebuilding a figure from the same results gives byte-identical files.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

# saving lives with the compendium's bookkeeping (econsim.compendium.outputs writes sidecars)
from econsim.compendium.figure_files import save_figure as save_figure

#: Colours by role, used across notebooks so a baseline looks the same everywhere.
ROLE_COLOURS = {
    "llm_planner": "#1b6ca8",
    "saez": "#d1495b",
    "saez_v1": "#f28e8e",
    "us_federal": "#4a4a4a",
    "stackelberg": "#2e8b57",
    "flat": "#8c6bb1",
    "surrogate": "#1b6ca8",
}
_SVG_HASH = "econsim"


def apply_style() -> None:
    """Readable defaults: large labels, light grid, no top/right spines, fixed hash salt."""
    mpl.rcParams.update({
        "figure.dpi": 110,
        "savefig.dpi": 150,
        "figure.figsize": (7.0, 4.2),
        "axes.titlesize": 12,
        "axes.labelsize": 11,
        "legend.fontsize": 9,
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.hashsalt": _SVG_HASH,
        "pdf.compression": 6,
        "figure.constrained_layout.use": True,
    })


def provenance_note(fig: Figure, backend: str, extra: str = "") -> None:
    """Stamp the backend that produced the data in the figure's corner.

    The offline surrogate is named as a stand-in for an LLM, so no figure made offline can be
    mistaken for a live-model result.
    """
    if backend in ("", "none", None):
        text = "exact computation (no LLM)"
    elif backend == "surrogate":
        text = "offline surrogate (a stand-in for an LLM, not a language model)"
    else:
        text = f"backend: {backend}"
    if extra:
        text = f"{text} · {extra}"
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set") and "rect" in engine.get():
        engine.set(rect=(0, 0.035, 1, 0.965))  # keep a strip free for the note
    fig.text(0.995, 0.004, text, ha="right", va="bottom", fontsize=7, color="0.35")


def new_figure(ncols: int = 1, nrows: int = 1, width: float | None = None,
               height: float | None = None, **kwargs) -> tuple[Figure, object]:
    """``plt.subplots`` with the compendium style applied."""
    apply_style()
    w = width or 4.2 * ncols + 1.0
    h = height or 3.6 * nrows + 0.4
    return plt.subplots(nrows, ncols, figsize=(w, h), squeeze=False, **kwargs)
