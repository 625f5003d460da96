"""Shared pieces of the classroom figures: colours, fixed-margin figures with their own Agg
canvas, cheap log-money axes and deterministic PNG bytes.

Every classroom figure is a bare :class:`~matplotlib.figure.Figure` (no pyplot state), so a web
app can keep several. :meth:`LayeredFigure.png` sets matplotlib's global text hinting
(:data:`TEXT_RC`) while it draws, so draw from one thread per process (Voilà runs one kernel
process per student).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from operator import attrgetter

import matplotlib as mpl
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imsave
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from econsim.figures.style import ROLE_COLOURS, apply_style

#: Plain words for the welfare functions in teaching figures.
WELFARE_WORDS = {"atkinson": "typical post-tax income: geometric mean (USD)",
                 "utilitarian": "average utility (USD)",
                 "rawlsian": "utility of the worst-off worker (USD)",
                 "inverse_income": "average utility, weighted by 1 / income (USD)",
                 "paper_swf": "the paper's Σ u / max(z, 1)",
                 "equality_productivity": "equality × average income (USD)"}
#: Plain names of the utility presets in teaching figures.
UTILITY_WORDS = {"paper": "paper's constants (hours barely respond)",
                 "calibrated": "calibrated (median worker 40 h untaxed)"}
#: Colour of each scoreboard contender (the student in orange).
CONTENDER_COLOURS = {"you": "#e07b00", "US federal 2024": ROLE_COLOURS["us_federal"],
                     "Stackelberg optimum": ROLE_COLOURS["stackelberg"],
                     "LLM planner": ROLE_COLOURS["llm_planner"]}
#: Resolution of the app's PNGs (dots per inch).
APP_DPI = 72
#: zlib level of the app's PNGs: level 1 writes a round's PNG several times faster than the
#: default (6) for a slightly larger file, which stays on the student's machine or the LAN.
PNG_COMPRESS_LEVEL = 1
#: Text settings of the app's redrawn figures: unhinted glyphs render about twice as fast.
TEXT_RC = {"text.hinting": "no_hinting"}
#: PNG metadata without the matplotlib version, so equal figures give equal bytes.
_PNG_METADATA = {"Software": None}


def colour(name: str) -> str:
    """The colour of a scoreboard contender (Saez's red for any other name)."""
    return CONTENDER_COLOURS.get(name, ROLE_COLOURS["saez"])


def png_bytes(fig: Figure, dpi: int = APP_DPI) -> bytes:
    """The figure as PNG bytes (deterministic metadata), at ``dpi``."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata=_PNG_METADATA)
    return buffer.getvalue()


def encode_png(rgba: np.ndarray, dpi: float) -> bytes:
    """An RGBA pixel array as PNG bytes (deterministic metadata, fast zlib level)."""
    buffer = io.BytesIO()
    imsave(buffer, rgba, format="png", dpi=dpi, metadata=_PNG_METADATA,
           pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    return buffer.getvalue()


class LayeredFigure:
    """Draws a figure made by :func:`fixed_figure` in two layers: the ``static`` artists once
    into a background kept in memory, every other artist on top of it at each :meth:`png`.

    Everything a redraw can change (data, limits, ticks, titles, legends, spines, figure
    texts) is in the top layer; the background holds the figure and axes faces and the
    ``static`` artists (e.g. an axis whose limits and ticks never change), which must not
    change after the first :meth:`png`. Axes should draw their grid below the data
    (``axes.axisbelow``) so a static axis is in the background in both layers' order too.
    Both layers are drawn on the figure's own Agg canvas and renderer, so matplotlib's
    text-extent caches (keyed on the renderer) and the axes' tick objects are kept between
    redraws. The first :meth:`png` and every later one take the same steps, so a figure
    redrawn many times gives the same pixels as a new one showing the same data.
    """

    def __init__(self, fig: Figure, static: Sequence[Artist] = ()) -> None:
        self.fig = fig
        self.static = set(static)
        self._background: object | None = None

    def _top(self, ax: Axes) -> list[Artist]:
        # the order of Axes.draw: by zorder, ties in the order of the axes' children
        artists = [a for a in ax.get_children()
                   if a is not ax.patch and a not in self.static and a.get_visible()]
        return sorted(artists, key=attrgetter("zorder"))

    def _draw_background(self) -> object:
        top = [a for ax in self.fig.axes for a in ax.get_children()
               if a is not ax.patch and a not in self.static]
        top += self.fig.texts  # the suptitle is one of them
        for artist in top:
            artist.set_animated(True)
        try:
            self.fig.canvas.draw()  # Agg leaves out the animated artists
            return self.fig.canvas.copy_from_bbox(self.fig.bbox)
        finally:  # a plain figure again, e.g. for savefig
            for artist in top:
                artist.set_animated(False)

    def png(self) -> bytes:
        """Redraw the top layer over the background; the figure as PNG bytes."""
        canvas = self.fig.canvas
        with mpl.rc_context(TEXT_RC):
            if self._background is None:
                self._background = self._draw_background()
            else:
                canvas.restore_region(self._background)
            renderer = canvas.get_renderer()
            for ax in self.fig.axes:
                ax.get_xlim()  # applies pending autoscaling, as Axes.draw does
                for artist in self._top(ax):
                    artist.draw(renderer)
            for text in self.fig.texts:
                text.draw(renderer)
        return encode_png(np.asarray(canvas.buffer_rgba()), self.fig.dpi)


def fixed_figure(width: float, height: float, nrows: int, ncols: int, dpi: float = 110.0
                 ) -> tuple[Figure, np.ndarray]:
    """A figure of ``nrows`` x ``ncols`` axes with fixed margins, on its own Agg canvas.

    Fixed margins instead of constrained layout: measuring every label's extent was half of a
    round's redraw time, and the app redraws on every round.
    """
    apply_style()
    fig = Figure(figsize=(width, height), dpi=dpi, layout="none")
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.75 / width, right=1 - 0.2 / width, bottom=0.55 / height,
                        top=1 - 0.45 / height, wspace=0.3 + 0.1 * ncols, hspace=0.45)
    return fig, np.atleast_2d(fig.subplots(nrows, ncols, squeeze=False))


def money_log_axis(axis: Axis, ticks: tuple[float, ...] = (1, 10, 100, 1000)) -> None:
    """A log axis in USD thousands with a few plain labels (no mathtext, no minor ticks: both
    are a large part of drawing time)."""
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}k"))


def few_ticks(ax: Axes) -> None:
    """At most five major ticks on the y axis."""
    ax.yaxis.set_major_locator(MaxNLocator(5))
