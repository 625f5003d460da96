"""Figures of the classroom game: a round, the scoreboard with the inverse optimum, the class
board. Drawn on bare :class:`~matplotlib.figure.Figure` objects (no pyplot state), so a web app
can render them concurrently and quickly; :func:`png_bytes` turns one into PNG bytes.

The figures the app redraws every round (:func:`round_figure`, :func:`inverse_figure`) live in
:mod:`econsim.classroom.figure_round`, as figures kept between rounds; they are re-exported here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from econsim.classroom.figure_round import InversePanel, inverse_figure, round_figure
from econsim.classroom.scoreboard import Scoreboard
from econsim.economy.tax import THREE, US_FEDERAL_2024, TaxSchedule
from econsim.figures.classroom_base import (
    CONTENDER_COLOURS,
    WELFARE_WORDS,
    colour,
    fixed_figure,
    png_bytes,
)
from econsim.figures.style import ROLE_COLOURS

__all__ = ["CONTENDER_COLOURS", "class_board_figure", "inverse_figure", "png_bytes",
           "round_figure", "scoreboard_figure"]


def _schedule_steps(sched: TaxSchedule, zmax: float) -> tuple[np.ndarray, np.ndarray]:
    edges = np.append(sched.cutoffs, zmax)
    return edges / 1000, np.append(sched.rates, sched.rates[-1]) * 100


def _income_axis(ax) -> None:  # noqa: ANN001 - matplotlib Axes
    """Income in USD thousands, linear to 50 and log above, with plain dollar labels."""
    ax.set_xscale("symlog", linthresh=50)
    ax.xaxis.set_major_locator(FixedLocator([0, 25, 50, 200, 500]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"${v:,.0f}k" if v else "$0"))


def scoreboard_figure(board: Scoreboard, objective: str) -> Figure:
    """Welfare (by the game's ``objective``) of every contender, their marginal-rate schedules,
    and the welfare weights by income that would make each schedule optimal (the inverse
    optimum)."""
    fig, axes = fixed_figure(14.5, 4.6, 1, 3)
    fig.subplots_adjust(left=1.9 / 14.5, wspace=0.42)  # room for the planners' names
    ax_b, ax_s, ax_g = axes[0]
    t = board.table
    # dots on a zoomed axis, not bars from 0: the gaps are a few percent
    rows = np.arange(len(t))
    ax_b.hlines(rows, float(t.welfare.min()), t.welfare, color="0.85", lw=1)
    ax_b.scatter(t.welfare, rows, s=60, color=[colour(n) for n in t.contender], zorder=3)
    ax_b.set_yticks(rows)
    ax_b.set_yticklabels(t.contender, fontsize=8.5)
    ax_b.invert_yaxis()
    ax_b.set_xlabel(WELFARE_WORDS.get(objective, objective), fontsize=8.5)
    ax_b.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax_b.xaxis.set_major_locator(MaxNLocator(3))
    ax_b.set_title("scoreboard (same workers, same welfare; axis not from 0)", fontsize=9.5)
    span = float(t.welfare.max() - t.welfare.min()) or 1.0
    ax_b.set_xlim(float(t.welfare.min()) - 0.15 * span, float(t.welfare.max()) + 0.45 * span)
    for i, v in enumerate(t.welfare):
        ax_b.text(v, i, f"  {v:,.0f}", va="center", fontsize=8)
    zmax = 800_000.0
    for name, sched in board.schedules.items():
        x, y = _schedule_steps(sched, zmax)
        ax_s.step(x, y, where="post", color=colour(name), lw=2.2 if name == "you" else 1.3,
                  label=name)
    _income_axis(ax_s)
    ax_s.set_ylim(-3, 103)
    ax_s.set_xlabel("income (linear to $50k, then log)")
    ax_s.set_ylabel("marginal rate (%)")
    ax_s.set_title("the schedules", fontsize=10)
    ax_s.legend(fontsize=7.5, loc="lower right", framealpha=0.85)
    InversePanel(ax_g).update(board.inverse)
    return fig


def class_board_figure(ranking: pd.DataFrame, optimum: TaxSchedule | None, title: str
                       ) -> Figure:
    """The class's final schedules (thin lines, best five named) over the optimum."""
    fig, axes = fixed_figure(8.5, 4.6, 1, 1)
    ax = axes[0, 0]
    zmax = 800_000.0
    cut = optimum.cutoffs if optimum is not None else None
    for i, row in enumerate(ranking.itertuples()):
        rates = np.asarray(row.rates[-1], dtype=float)
        c = cut if cut is not None and cut.size == rates.size else \
            TaxSchedule.preset({3: THREE, 7: US_FEDERAL_2024}[rates.size]).cutoffs
        x, y = _schedule_steps(TaxSchedule(c, rates), zmax)
        ax.step(x, y, where="post", lw=1.4 if i < 5 else 0.8, alpha=0.9 if i < 5 else 0.35,
                color=CONTENDER_COLOURS["you"] if i < 5 else "0.5",
                label=f"#{row.rank} {row.student}" if i < 5 else None)
    if optimum is not None:
        x, y = _schedule_steps(optimum, zmax)
        ax.step(x, y, where="post", lw=3, color=ROLE_COLOURS["stackelberg"],
                label="Stackelberg optimum")
    _income_axis(ax)
    ax.set_ylim(-3, 103)
    ax.set_xlabel("income (linear to $50k, then log)")
    ax.set_ylabel("marginal rate (%)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return fig
