"""Figures of the classroom game: a round, the scoreboard with the inverse optimum, the class
board. Drawn on bare :class:`~matplotlib.figure.Figure` objects (no pyplot state), so a web app
can render them concurrently and quickly; :func:`png_bytes` turns one into PNG bytes."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from econsim.baselines.inverse_optimum import InverseOptimum
from econsim.classroom.game import Game
from econsim.classroom.scoreboard import Scoreboard
from econsim.economy.tax import TaxSchedule
from econsim.figures.style import ROLE_COLOURS, apply_style

#: Colour of each scoreboard contender (the student in orange).
CONTENDER_COLOURS = {"you": "#e07b00", "US federal 2024": ROLE_COLOURS["us_federal"],
                     "Stackelberg optimum": ROLE_COLOURS["stackelberg"],
                     "LLM planner": ROLE_COLOURS["llm_planner"]}


def _colour(name: str) -> str:
    return CONTENDER_COLOURS.get(name, ROLE_COLOURS["saez"])


def png_bytes(fig: Figure, dpi: int = 72) -> bytes:
    """The figure as PNG bytes (deterministic metadata)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def _money_log_axis(axis: object, ticks: tuple[float, ...] = (1, 10, 100, 1000)) -> None:
    """A log axis in USD thousands with a few plain labels (no mathtext, no minor ticks: both
    are a large part of drawing time)."""
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}k"))


def _few_ticks(ax: object) -> None:
    ax.yaxis.set_major_locator(MaxNLocator(5))


def _figure(width: float, height: float, nrows: int, ncols: int) -> tuple[Figure, np.ndarray]:
    # fixed margins instead of constrained layout: measuring every label's extent was half of
    # a round's redraw time, and the app redraws on every round
    apply_style()
    fig = Figure(figsize=(width, height), layout="none")
    fig.subplots_adjust(left=0.75 / width, right=1 - 0.2 / width, bottom=0.55 / height,
                        top=1 - 0.45 / height, wspace=0.3 + 0.1 * ncols, hspace=0.45)
    return fig, np.atleast_2d(fig.subplots(nrows, ncols, squeeze=False))


def round_figure(game: Game) -> Figure:
    """Four panels after the latest round: hours by earning power, revenue per worker and
    welfare over the rounds, and this round's pre- and post-tax income distribution."""
    fig, axes = _figure(10.5, 6.4, 2, 2)
    fig.subplots_adjust(top=0.9)  # room for the suptitle above the panel titles
    (ax_h, ax_r), (ax_d, ax_w) = axes
    setup = game.setup
    if not game.rounds:
        for ax in axes.ravel():
            ax.text(0.5, 0.5, "set the rates and play round 1", ha="center", va="center",
                    transform=ax.transAxes, color="0.4")
        return fig
    last = game.rounds[-1]
    out = last.outcome
    order = np.argsort(game.skill)
    ax_h.plot(game.skill[order] * 40 / 1000, out.labour[order], ".", ms=2, alpha=0.4,
              color=CONTENDER_COLOURS["you"])
    ax_h.set_xscale("log")
    _money_log_axis(ax_h.xaxis)
    ax_h.set_ylim(-3, 103)
    _few_ticks(ax_h)
    ax_h.set_xlabel("earning power: income at 40 h/week (USD, log)")
    ax_h.set_ylabel("weekly hours chosen")
    ax_h.set_title(f"round {last.index + 1}: mean {out.labour.mean():.0f} h, "
                   f"{(out.labour == 0).mean():.0%} idle", fontsize=10)
    hist = pd.DataFrame(game.history())
    rounds = hist["round"].to_numpy()
    ax_r.bar(rounds, hist.revenue_per_worker / 1000, color=ROLE_COLOURS["saez"], width=0.6)
    ax_r.set_xticks(np.arange(1, setup.n_rounds + 1))
    ax_r.set_xlim(0.4, setup.n_rounds + 0.6)
    ax_r.set_xlabel("round (tax year)")
    ax_r.set_ylabel("revenue per worker (USD k)")
    _few_ticks(ax_r)
    ax_r.set_title(f"revenue = rebate: ${out.tax.mean():,.0f} per worker", fontsize=10)
    top = max(float(np.quantile(out.pre_tax_income, 0.98)), 1.0) / 1000
    bins = np.linspace(0, top, 30)
    ax_d.hist(np.clip(out.pre_tax_income / 1000, 0, top), bins=bins, alpha=0.55,
              color=ROLE_COLOURS["us_federal"], label="pre-tax z")
    ax_d.hist(np.clip(out.post_tax_income / 1000, 0, top), bins=bins, alpha=0.55,
              color=ROLE_COLOURS["stackelberg"], label="after tax and rebate")
    ax_d.set_xlabel("income (USD k; the top 2 % in the last bin)")
    ax_d.set_ylabel("workers")
    _few_ticks(ax_d)
    ax_d.set_title("income distribution", fontsize=10)
    ax_d.legend(fontsize=8)
    ax_w.plot(rounds, hist.welfare, "o-", color=CONTENDER_COLOURS["you"])
    ax_w.set_xticks(np.arange(1, setup.n_rounds + 1))
    ax_w.set_xlim(0.6, setup.n_rounds + 0.4)
    ax_w.set_xlabel("round (tax year)")
    ax_w.set_ylabel(setup.welfare)
    _few_ticks(ax_w)
    ax_w.set_title(f"welfare ({setup.welfare}): {last.welfare:,.4g}", fontsize=10)
    fig.suptitle(f"rates {' / '.join(f'{100 * r:.0f}' for r in last.rates)} % · "
                 f"{setup.n_workers:,} {setup.workers} workers, '{setup.utility}' utility",
                 fontsize=10.5)
    return fig


def _schedule_steps(sched: TaxSchedule, zmax: float) -> tuple[np.ndarray, np.ndarray]:
    edges = np.append(sched.cutoffs, zmax)
    return edges / 1000, np.append(sched.rates, sched.rates[-1]) * 100


def scoreboard_figure(board: Scoreboard, welfare: str) -> Figure:
    """Welfare of every contender, their marginal-rate schedules, and the welfare weights by
    income that would make each schedule optimal (the inverse optimum)."""
    fig, axes = _figure(14.5, 4.4, 1, 3)
    ax_b, ax_s, ax_g = axes[0]
    t = board.table
    ax_b.barh(t.contender, t.welfare, color=[_colour(n) for n in t.contender])
    ax_b.invert_yaxis()
    ax_b.set_xlabel(welfare)
    ax_b.set_title("scoreboard (same population, same objective)", fontsize=10)
    span = float(t.welfare.max() - t.welfare.min()) or 1.0
    ax_b.set_xlim(float(t.welfare.min()) - 0.15 * span, float(t.welfare.max()) + 0.35 * span)
    for i, v in enumerate(t.welfare):
        ax_b.text(v, i, f" {v:,.4g}", va="center", fontsize=8)
    zmax = 800_000.0
    for name, sched in board.schedules.items():
        x, y = _schedule_steps(sched, zmax)
        ax_s.step(x, y, where="post", color=_colour(name), lw=2.2 if name == "you" else 1.3,
                  label=name)
    ax_s.set_xscale("symlog", linthresh=50)
    ax_s.set_ylim(-3, 103)
    ax_s.set_xlabel("income (USD k)")
    ax_s.set_ylabel("marginal rate (%)")
    ax_s.set_title("the schedules", fontsize=10)
    ax_s.legend(fontsize=7.5)
    _weights_panel(ax_g, board.inverse)
    return fig


def _weights_panel(ax: object, inverse: dict[str, InverseOptimum]) -> list[str]:
    """Step plot of each schedule's implied weights by income; returns the non-rationalisable."""
    notes = []
    for name, inv in inverse.items():
        lo = np.maximum(inv.group_lo, 1_000.0) / 1000
        ax.step(lo, np.clip(inv.weights, -3, 6), where="post", color=_colour(name),
                lw=2.2 if name == "you" else 1.2, label=name if inv.rationalisable
                else f"{name} (negative: not rationalisable)")
        if not inv.rationalisable:
            notes.append(name)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xscale("log")
    _money_log_axis(ax.xaxis)
    _few_ticks(ax)
    ax.set_xlabel("income (USD, log)")
    ax.set_ylabel("social marginal welfare weight (mean 1)")
    ax.set_title("what the schedule believes (inverse optimum)", fontsize=10)
    ax.legend(fontsize=7)
    if notes:
        ax.text(0.02, 0.02, "no welfare function with weights >= 0 rationalises: "
                + ", ".join(notes), transform=ax.transAxes, fontsize=7.5, color="#b00")
    return notes


def inverse_figure(inverse: dict[str, InverseOptimum]) -> Figure:
    """The welfare weights by income that would make each schedule optimal (Saez inverted)."""
    fig, axes = _figure(6.0, 3.6, 1, 1)
    _weights_panel(axes[0, 0], inverse)
    return fig


def class_board_figure(ranking: pd.DataFrame, optimum: TaxSchedule | None, title: str
                       ) -> Figure:
    """The class's final schedules (thin lines, best five named) over the optimum."""
    fig, axes = _figure(8.5, 4.6, 1, 1)
    ax = axes[0, 0]
    zmax = 800_000.0
    cut = optimum.cutoffs if optimum is not None else None
    for i, row in enumerate(ranking.itertuples()):
        rates = np.asarray(row.rates[-1], dtype=float)
        c = cut if cut is not None and cut.size == rates.size else \
            TaxSchedule.preset({3: "three", 7: "us_federal_2024"}[rates.size]).cutoffs
        x, y = _schedule_steps(TaxSchedule(c, rates), zmax)
        ax.step(x, y, where="post", lw=1.4 if i < 5 else 0.8, alpha=0.9 if i < 5 else 0.35,
                color=CONTENDER_COLOURS["you"] if i < 5 else "0.5",
                label=f"#{row.rank} {row.student}" if i < 5 else None)
    if optimum is not None:
        x, y = _schedule_steps(optimum, zmax)
        ax.step(x, y, where="post", lw=3, color=ROLE_COLOURS["stackelberg"],
                label="Stackelberg optimum")
    ax.set_xscale("symlog", linthresh=50)
    ax.set_ylim(-3, 103)
    ax.set_xlabel("income (USD k)")
    ax.set_ylabel("marginal rate (%)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return fig
