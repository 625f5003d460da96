"""What the classroom app redraws after every round, for one student's session.

:class:`RoundRenderer` keeps the round figure and the inverse-optimum figure between rounds
(see :mod:`econsim.classroom.figure_round`) and returns both PNGs with the inverse optimum of
the schedule just played. The app (:mod:`econsim.classroom.app`) and the benchmark
(``python -m bench classroom``) both call :meth:`RoundRenderer.draw`, so the benchmark times
exactly what the app does per round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from econsim.baselines.inverse_optimum import InverseOptimum, inverse_optimum
from econsim.classroom.figure_round import InverseFigure, RoundFigure
from econsim.classroom.game import Game
from econsim.economy.tax import TaxSchedule
from econsim.figures.classroom_base import APP_DPI

#: Income points of the inverse optimum besides the cutoffs: none. A bracket schedule is read
#: as Saez-optimal at its cutoffs (where each rate starts to bite, as Saez's own rates are
#: computed); inside a bracket the rate is flat while a(z) moves, so extra points would show
#: weights no bracket schedule can be optimal for — even Saez's own schedule would look wrong.
INVERSE_POINTS = 0
#: Saez mode of the inverse optimum (and of the scoreboard's Saez): the local hazard.
INVERSE_MODE = "local"


def schedule_inverse(schedule: TaxSchedule, income: np.ndarray, elasticity: float
                     ) -> InverseOptimum:
    """The inverse optimum the app shows: at the cutoffs, local hazard (see the constants)."""
    return inverse_optimum(schedule, income, float(elasticity), points=INVERSE_POINTS,
                           mode=INVERSE_MODE)


@dataclass(frozen=True)
class RoundView:
    """One redraw: the round plots and the inverse-optimum plot as PNG, and the inverse optimum
    of the schedule they show."""

    round_png: bytes
    inverse_png: bytes
    inverse: InverseOptimum


class RoundRenderer:
    """The app's per-round redraw, on figures kept for the session.

    The round figure is rebuilt only when a game with another setup or population comes in;
    "new game" (:meth:`Game.restart`) keeps both figures.

    Parameters
    ----------
    dpi
        Resolution of the PNGs (the app shows them at about this size).
    """

    def __init__(self, dpi: float = APP_DPI) -> None:
        self.dpi = dpi
        self.round_figure: RoundFigure | None = None
        self.inverse_figure: InverseFigure | None = None

    def draw(self, game: Game, preview_rates: Sequence[float] | None = None) -> RoundView:
        """Redraw for ``game``'s latest round; before the first round the inverse optimum is
        that of ``preview_rates`` (the sliders) on the rational response to them."""
        if self.round_figure is None or not self.round_figure.matches(game):
            self.round_figure = RoundFigure(game, self.dpi)
        if self.inverse_figure is None:
            self.inverse_figure = InverseFigure(self.dpi)
        round_png = self.round_figure.update(game).png()
        if game.rounds:
            last = game.rounds[-1]
            schedule, income = game.schedule(last.rates), last.outcome.pre_tax_income
        else:
            if preview_rates is None:
                raise ValueError("before the first round, pass the preview rates")
            schedule = game.schedule(np.asarray(preview_rates, dtype=float))
            income = game.population_income(schedule)
        inverse = schedule_inverse(schedule, income, game.setup.elasticity)
        inverse_png = self.inverse_figure.update({"you": inverse}).png()
        return RoundView(round_png, inverse_png, inverse)


__all__ = ["INVERSE_MODE", "INVERSE_POINTS", "RoundRenderer", "RoundView", "schedule_inverse"]
