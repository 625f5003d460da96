"""The classroom app's per-round figures, kept for a whole session and updated in place.

Building a figure costs about as much as drawing it (axes, ticks, text objects, patches), and
the app redraws after every round, so :class:`RoundFigure` (the four round panels) and
:class:`InverseFigure` (the inverse optimum of the student's schedule) build their artists once;
each round only changes data, limits and texts, and
:class:`~econsim.figures.classroom_base.LayeredFigure` redraws only what can change over a
background holding the rest. A new figure takes the same steps (:func:`round_figure`,
:func:`inverse_figure`), so a figure updated over many rounds draws exactly like one built for
the last state.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from econsim.baselines.inverse_optimum import InverseOptimum
from econsim.classroom.game import Game
from econsim.figures.classroom_base import (
    APP_DPI,
    CONTENDER_COLOURS,
    UTILITY_WORDS,
    WELFARE_WORDS,
    LayeredFigure,
    colour,
    few_ticks,
    fixed_figure,
    money_log_axis,
)
from econsim.figures.style import ROLE_COLOURS

#: Plain words for a worker kind in the figure's title (students do not read registry names).
_WORKER_LABELS = {"surrogate_vec": "learning"}

#: Number of bins of the income histograms.
N_BINS = 29
_PLACEHOLDER = "set the rates and play round 1"
_NOT_RATIONALISABLE = "needs a negative weight (a rate past the revenue peak):\n"
#: Legend suffix of a schedule that no welfare function with weights >= 0 rationalises.
_NEGATIVE = " (needs a negative weight)"


def _rescale(ax: Axes) -> None:
    """Autoscale to the visible lines, as if the axes had just been drawn from them."""
    ax.relim(visible_only=True)
    ax.autoscale_view()


def _rescale_to(ax: Axes, x: tuple[float, float], y: tuple[float, float]) -> None:
    """Autoscale (margins, sticky bar bases) to data spanning ``x`` by ``y``: what
    :meth:`~matplotlib.axes.Axes.relim` finds for bars, without its slow pass over patches."""
    ax.dataLim.set_points(np.array([x, y], dtype=float).T)
    ax.autoscale_view()


class RoundFigure:
    """Four panels after the latest round of one game: hours by earning power, revenue per
    worker and welfare over the rounds, and this round's pre- and post-tax income distribution.

    Parameters
    ----------
    game
        Fixes the setup and the population (earning powers); :meth:`update` draws any game with
        the same setup and population (:meth:`matches`), e.g. the game after "new game".
    dpi
        Resolution of :meth:`png`.
    """

    def __init__(self, game: Game, dpi: float = APP_DPI) -> None:
        setup = game.setup
        self.setup, self.skill = setup, np.array(game.skill, copy=True)
        self.fig, axes = fixed_figure(10.5, 6.4, 2, 2, dpi)
        self.fig.subplots_adjust(top=0.9)  # room for the suptitle above the panel titles
        (ax_h, ax_r), (ax_d, ax_w) = axes
        self.axes = (ax_h, ax_r, ax_d, ax_w)
        for ax in self.axes:
            ax.set_axisbelow(True)  # grid under the data, so static axes can stay behind it
            few_ticks(ax)
            # a fixed title position: matplotlib otherwise measures the axis for every title
            ax.set_title(" ", fontsize=10, y=1.0)
        self.order = np.argsort(self.skill)
        earning = self.skill[self.order] * 40 / 1000
        (self.hours,) = ax_h.plot(earning, np.zeros_like(earning), ".", ms=2, alpha=0.4,
                                  color=CONTENDER_COLOURS["you"])
        ax_h.set_xscale("log")
        money_log_axis(ax_h.xaxis)
        ax_h.set_ylim(-3, 103)
        ax_h.set_xlabel("earning power: income at 40 h/week (USD, log)")
        ax_h.set_ylabel("weekly hours chosen")
        rounds = np.arange(1, setup.n_rounds + 1)
        self.revenue = ax_r.bar(rounds, np.zeros(rounds.size), color=ROLE_COLOURS["saez"],
                                width=0.6).patches
        ax_r.set_xlim(0.4, setup.n_rounds + 0.6)
        ax_r.set_xlabel("round (tax year)")
        ax_r.set_ylabel("revenue per worker (USD k)")
        # after tax: light fill; before tax: an outline on top. Two overlapping fills would mix
        # into a colour the legend does not have.
        self.post = ax_d.bar(np.zeros(N_BINS), np.zeros(N_BINS), width=1.0, align="edge",
                             alpha=0.45, color=ROLE_COLOURS["stackelberg"],
                             label="after tax and rebate").patches
        self.pre = ax_d.bar(np.zeros(N_BINS), np.zeros(N_BINS), width=1.0, align="edge",
                            fill=False, edgecolor=ROLE_COLOURS["us_federal"], lw=1.2,
                            label="before tax").patches
        handles, labels = ax_d.get_legend_handles_labels()
        ax_d.set_xlabel("income (USD k; the top 2 % in the last bin)")
        ax_d.set_ylabel("workers")
        ax_d.legend(handles[::-1], labels[::-1], fontsize=8)
        (self.welfare,) = ax_w.plot([], [], "o-", color=CONTENDER_COLOURS["you"])
        ax_w.set_xlim(0.6, setup.n_rounds + 0.4)
        ax_w.set_xlabel("round (tax year)")
        ax_w.set_ylabel(WELFARE_WORDS.get(setup.objective, setup.objective), fontsize=8)
        for ax in (ax_r, ax_w):
            ax.set_xticks(rounds)
        self.placeholders = [ax.text(0.5, 0.5, _PLACEHOLDER, ha="center", va="center",
                                     transform=ax.transAxes, color="0.4") for ax in self.axes]
        self.suptitle = self.fig.suptitle(" ", fontsize=10.5)
        # the axes whose limits and ticks never change are drawn once, into the background
        self.layers = LayeredFigure(self.fig, [ax_h.xaxis, ax_h.yaxis, ax_r.xaxis, ax_w.xaxis])

    def matches(self, game: Game) -> bool:
        """Whether ``game`` has this figure's setup and population."""
        return game.setup == self.setup and np.array_equal(game.skill, self.skill)

    def update(self, game: Game) -> RoundFigure:
        """Show ``game``'s latest round (or the placeholders before the first)."""
        if not self.matches(game):
            raise ValueError("this figure was built for another setup or population")
        played = len(game.rounds)
        for text in self.placeholders:
            text.set_visible(not played)
        for k, bar in enumerate(self.revenue):
            bar.set_visible(k < played)
        for artist in (self.hours, self.welfare, *self.pre, *self.post):
            artist.set_visible(bool(played))
        if played:
            self._show(game)
        else:
            ax_h, ax_r, ax_d, ax_w = self.axes
            for ax in (ax_r, ax_d, ax_w):
                _rescale_to(ax, (0.0, 1.0), (0.0, 1.0))
            for text in (*(ax.title for ax in self.axes), self.suptitle):
                text.set_text(" ")
        return self

    def _show(self, game: Game) -> None:
        setup, last = self.setup, game.rounds[-1]
        out = last.outcome
        ax_h, ax_r, ax_d, ax_w = self.axes
        self.hours.set_ydata(out.labour[self.order])
        ax_h.title.set_text(f"round {last.index + 1}: mean {out.labour.mean():.0f} h, "
                            f"{(out.labour == 0).mean():.0%} idle")
        history = game.history()
        revenue = np.array([h["revenue_per_worker"] for h in history]) / 1000
        for bar, height in zip(self.revenue, revenue, strict=False):
            bar.set_height(height)
        _rescale_to(ax_r, ax_r.get_xlim(), (min(0.0, revenue.min()), max(0.0, revenue.max())))
        ax_r.title.set_text(f"revenue = rebate: ${out.tax.mean():,.0f} per worker")
        top = max(float(np.quantile(out.pre_tax_income, 0.98)), 1.0) / 1000
        bins = np.linspace(0, top, N_BINS + 1)
        most = 0
        for patches, income in ((self.pre, out.pre_tax_income),
                                (self.post, out.post_tax_income)):
            counts = np.histogram(np.clip(income / 1000, 0, top), bins=bins)[0]
            most = max(most, int(counts.max()))
            for patch, left, width, count in zip(patches, bins[:-1], np.diff(bins), counts,
                                                 strict=True):
                patch.set_bounds(left, 0.0, width, count)
        _rescale_to(ax_d, (0.0, top), (0.0, float(most)))
        ax_d.title.set_text("income distribution")
        welfare = [h["welfare"] for h in history]
        self.welfare.set_data([h["round"] for h in history], welfare)
        _rescale_to(ax_w, ax_w.get_xlim(), (min(welfare), max(welfare)))
        ax_w.title.set_text(f"welfare this round: {last.welfare:,.0f}")
        self.suptitle.set_text(f"rates {' / '.join(f'{100 * r:.0f}' for r in last.rates)} % · "
                               f"{setup.n_agents:,} {_WORKER_LABELS.get(setup.worker, setup.worker)} workers, "
                               f"{UTILITY_WORDS.get(setup.utility, setup.utility)} utility")

    def png(self) -> bytes:
        """The figure as PNG bytes."""
        return self.layers.png()


class InversePanel:
    """Step plot of each schedule's implied welfare weights by income on one axes, updated in
    place: one line per schedule name, made the first time the name is seen."""

    def __init__(self, ax: Axes) -> None:
        self.ax = ax
        self.lines: dict[str, Line2D] = {}
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_xscale("log")
        money_log_axis(ax.xaxis)
        few_ticks(ax)
        ax.set_xlabel("income (USD, log)")
        ax.set_ylabel("value of a dollar at this income\n(average over everyone = 1)",
                      fontsize=8.5)
        ax.set_title("what the schedule believes (inverse optimum)", fontsize=10, y=1.0)
        self.note = ax.text(0.02, 0.03, "", transform=ax.transAxes, fontsize=7.5, color="#b00",
                            visible=False, wrap=False, va="bottom")
        self._labels: list[str] | None = None

    def update(self, inverse: dict[str, InverseOptimum]) -> list[str]:
        """Show ``inverse`` (schedule name → its inverse optimum); returns the names of the
        schedules no welfare function with non-negative weights rationalises."""
        notes = [name for name, inv in inverse.items() if not inv.rationalisable]
        for name, line in self.lines.items():
            line.set_visible(name in inverse)
        for name, inv in inverse.items():
            if name not in self.lines:
                (self.lines[name],) = self.ax.step(
                    [], [], where="post", color=colour(name), lw=2.2 if name == "you" else 1.2)
            line = self.lines[name]
            line.set_data(np.maximum(inv.group_lo, 1_000.0) / 1000,
                          np.clip(inv.weights, -3, 6))
            line.set_label(name if inv.rationalisable else name + _NEGATIVE)
        _rescale(self.ax)
        labels = [self.lines[name].get_label() for name in inverse]
        if labels != self._labels:  # a legend is rebuilt only when its entries change
            self.ax.legend([self.lines[name] for name in inverse], labels, fontsize=7,
                           loc="upper left", framealpha=0.85)
            self._labels = labels
        self.note.set_text(_NOT_RATIONALISABLE + ",\n".join(notes))
        self.note.set_visible(bool(notes))
        return notes


class InverseFigure:
    """The welfare weights by income that would make each schedule optimal (Saez inverted),
    as one figure kept between rounds."""

    def __init__(self, dpi: float = APP_DPI) -> None:
        self.fig, axes = fixed_figure(6.0, 3.6, 1, 1, dpi)
        axes[0, 0].set_axisbelow(True)
        self.panel = InversePanel(axes[0, 0])
        self.layers = LayeredFigure(self.fig, [axes[0, 0].title])

    def update(self, inverse: dict[str, InverseOptimum]) -> InverseFigure:
        """Show ``inverse`` (schedule name → its inverse optimum)."""
        self.panel.update(inverse)
        return self

    def png(self) -> bytes:
        """The figure as PNG bytes."""
        return self.layers.png()


def round_figure(game: Game, dpi: float = APP_DPI) -> Figure:
    """A new figure of ``game``'s latest round (see :class:`RoundFigure`)."""
    return RoundFigure(game, dpi).update(game).fig


def inverse_figure(inverse: dict[str, InverseOptimum], dpi: float = APP_DPI) -> Figure:
    """A new figure of the implied welfare weights of each schedule (see :class:`InverseFigure`)."""
    return InverseFigure(dpi).update(inverse).fig
